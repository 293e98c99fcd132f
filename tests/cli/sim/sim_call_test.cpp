// Tests for cli/sim/sim_call's random_call_sid(): Twilio's call SID format and
// no repeats. The call flow itself is exercised by the end-to-end tests.
#include "cli/sim/sim_call.hpp"

#include <set>
#include <string>

#include <catch2/catch.hpp>

namespace {

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool is_call_sid(const std::string& sid) {
  if (sid.size() != 34 || sid.compare(0, 2, "CA") != 0)
    return false;
  for (size_t i = 2; i < sid.size(); ++i)
    if (!is_lower_hex(sid[i]))
      return false;
  return true;
}

} // namespace

TEST_CASE("random_call_sid is CA + 32 lower-case hex digits", "[sim_call]") {
  for (int i = 0; i < 100; ++i) {
    auto sid = sb::random_call_sid();
    CAPTURE(sid);
    REQUIRE(is_call_sid(sid));
  }
}

TEST_CASE("random_call_sid does not repeat over 1000 draws", "[sim_call]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto sid = sb::random_call_sid();
    CAPTURE(sid);
    REQUIRE(is_call_sid(sid));
    seen.insert(std::move(sid));
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("random_call_sid uses every hex digit", "[sim_call]") {
  std::set<char> digits;
  for (int i = 0; i < 1000; ++i) {
    auto sid = sb::random_call_sid();
    digits.insert(sid.begin() + 2, sid.end());
  }
  CHECK(digits.size() == 16);
}
