// Tests for twilio/relay_token: round trip, the token's shape, tampering with
// the signature, the CallSid or the auth token, expiry and tokens from the
// future at their exact edges, and garbage that must be refused without
// crashing.
#include "twilio/relay_token.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

namespace {

using sb::check_relay_token;
using sb::make_relay_token;
using status = sb::relay_token_status;

constexpr const char* auth = "12345678901234567890123456789012";
constexpr const char* call = "CA0123456789abcdef0123456789abcdef";
constexpr int64_t issued = 1700000000;
constexpr int64_t max_age = 300;

status check(const std::string& token, int64_t now = issued + 10,
             const char* call_sid = call, const char* auth_token = auth) {
  return check_relay_token(auth_token, call_sid, token, now, max_age);
}

} // namespace

TEST_CASE("relay token round trip and shape", "[relay]") {
  const auto token = make_relay_token(auth, call, issued);
  CHECK(token.size() == 10 + 1 + 43);
  CHECK(token.substr(0, 11) == "1700000000.");
  CHECK(token.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-")
        == std::string::npos);
  CHECK(check(token) == status::ok);
  CHECK(check(token, issued) == status::ok);
  // Deterministic, and different per call and per time.
  CHECK(make_relay_token(auth, call, issued) == token);
  CHECK(make_relay_token(auth, "CA2", issued) != token);
  CHECK(make_relay_token(auth, call, issued + 1) != token);
  CHECK(make_relay_token(auth, call, 0).substr(0, 2) == "0.");
  CHECK(check_relay_token(auth, call, make_relay_token(auth, call, 0), 0, 0)
        == status::ok);
  CHECK(sb::to_string(status::from_future) == "from_future");
}

TEST_CASE("relay token tampering is a bad signature", "[relay]") {
  const auto token = make_relay_token(auth, call, issued);
  CHECK(check(token, issued, "CA0123456789abcdef0123456789abcdee")
        == status::bad_signature);
  CHECK(check(token, issued, call, "12345678901234567890123456789013")
        == status::bad_signature);
  CHECK(check(token, issued, call, "") == status::bad_signature);
  // Every character of the signature matters.
  for (size_t i = 11; i < token.size(); ++i) {
    auto bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    INFO(bad);
    CHECK(check(bad) == status::bad_signature);
  }
  // Moving the issued time forward keeps the old signature: refused.
  auto later = make_relay_token(auth, call, issued + 1000);
  auto forged = std::to_string(issued + 1000) + token.substr(10);
  CHECK(forged != later);
  CHECK(check(forged, issued + 1000) == status::bad_signature);
  CHECK(make_relay_token("", call, issued).empty());
  CHECK(make_relay_token(auth, call, -1).empty());
}

TEST_CASE("relay token expiry and clock skew", "[relay]") {
  const auto token = make_relay_token(auth, call, issued);
  CHECK(check(token, issued + max_age) == status::ok);
  CHECK(check(token, issued + max_age + 1) == status::expired);
  CHECK(check(token, std::numeric_limits<int64_t>::max()) == status::expired);
  CHECK(check(token, issued - 60) == status::ok);
  CHECK(check(token, issued - 61) == status::from_future);
  CHECK(check(token, std::numeric_limits<int64_t>::min())
        == status::from_future);
  CHECK(check_relay_token(auth, call, token, issued - 5, max_age, 0)
        == status::from_future);
  CHECK(check_relay_token(auth, call, token, issued + 1, 0, 0)
        == status::expired);
}

TEST_CASE("relay token garbage is malformed", "[relay]") {
  const auto token = make_relay_token(auth, call, issued);
  const auto sig = token.substr(11);
  const std::string cases[] = {
    "",
    ".",
    "abc",
    token.substr(0, 10),
    token + "A",
    token + "=",
    token.substr(0, token.size() - 1),
    "." + sig,
    "x." + sig,
    "-1." + sig,
    "+1700000000." + sig,
    "01700000000." + sig,
    " 1700000000." + sig,
    "1700000000 ." + sig,
    "99999999999999999999999." + sig,
    "1700000000.." + sig.substr(1),
    "1700000000." + sig.substr(0, 42) + "+",
    "1700000000." + sig.substr(0, 42) + "/",
    std::string("1700000000.") + std::string(43, '\0'),
    token.substr(0, 20) + std::string(1, '\xFF') + token.substr(21),
  };
  for (const auto& bad : cases) {
    INFO(bad);
    CHECK(check(bad) == status::malformed);
  }
  // A valid signature with a '.' in the CallSid still binds the CallSid.
  CHECK(check(make_relay_token(auth, "CA.1", issued), issued, "CA.1")
        == status::ok);
}
