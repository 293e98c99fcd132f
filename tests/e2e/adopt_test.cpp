// End-to-end: a signed webhook for a call this daemon's database has never
// seen (another node answered it, or the database was replaced) is
// adopted and the conversation goes on; with signatures off it is still
// hung up on and nothing is stored.
#include <string>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;

namespace {

constexpr const char* token = "adopt-test-token";

form_params speech(const std::string& sid, const std::string& words) {
  return {{"CallSid", sid},         {"AccountSid", "ACtest"},
          {"From", "+15550007777"}, {"To", "+15550002222"},
          {"Direction", "inbound"}, {"CallStatus", "in-progress"},
          {"SpeechResult", words},  {"Confidence", "0.88"}};
}

caf::expected<client_response> post(const daemon_process& d,
                                    const std::string& path,
                                    const form_params& params, bool sign) {
  http_client cl;
  if (sign)
    return post_signed(cl, d, path, params, token);
  return post_form(cl, d, path, params);
}

} // namespace

TEST_CASE("adopt: a signed turn of a call another database answered goes on "
          "here, stored as adopted",
          "[adopt]") {
  temp_dir dir;
  daemon_options first;
  first.db_path = dir.file("node-a.db");
  first.validate_signatures = true;
  first.auth_token = token;
  {
    daemon_process a{first, dir.path()};
    REQUIRE(a.running());
    auto greet = post(a, "/voice/inbound", speech("CAAD1", ""), true);
    REQUIRE(greet);
    REQUIRE(greet->status == 200);
    REQUIRE(a.stop() == 0);
  }
  // Node B, with a database that never heard of the call.
  auto second = first;
  second.db_path = dir.file("node-b.db");
  daemon_process b{second, dir.path()};
  REQUIRE(b.running());
  auto turn = post(b, "/voice/process-speech", speech("CAAD1", "help"), true);
  REQUIRE(turn);
  REQUIRE(turn->status == 200);
  auto twiml = read_twiml(turn->body);
  REQUIRE(twiml);
  CHECK(twiml->find("Hangup") == nullptr);
  CHECK(twiml->find("Gather") != nullptr);
  CHECK(b.wait_for_log("call CAAD1 adopted"));
  REQUIRE(b.stop() == 0);
  auto calls = query(second.db_path,
                     "SELECT from_number, direction, adopted_at FROM calls");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0]["from_number"] == "+15550007777");
  CHECK(calls[0]["direction"] == "inbound");
  CHECK(calls[0]["adopted_at"] != "NULL");
  CHECK(query_int(second.db_path, "SELECT count(*) FROM turns") == 2);
  CHECK(query_int(second.db_path, "SELECT count(*) FROM events WHERE kind = "
                                  "'process-speech'")
        == 1);
}

TEST_CASE("adopt: with signatures off a call never seen is hung up on and "
          "nothing is stored",
          "[adopt]") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("open.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto turn = post(d, "/voice/process-speech", speech("CAAD2", "help"), false);
  REQUIRE(turn);
  REQUIRE(turn->status == 200);
  auto twiml = read_twiml(turn->body);
  REQUIRE(twiml);
  CHECK(twiml->find("Hangup") != nullptr);
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls") == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events") == 0);
}
