// End-to-end: the admin socket of the real daemon — the commands an
// operator runs with switchboardctl — and reload/drain through signals.
#include <csignal>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_twilio.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* account = "AC0123456789abcdef0123456789abcdef";

daemon_options admin_options(const temp_dir& dir, const fake_twilio& api) {
  daemon_options o;
  o.db_path = dir.file("admin.db");
  o.account_sid = account;
  o.auth_token = "tok";
  o.phone_number = "+15550000000";
  o.api_base = api.base_url();
  return o;
}

std::string greeting_of(http_client& cl, const daemon_process& d,
                        const std::string& sid) {
  auto r = cl.post_form(d.base_url() + "/voice/inbound", "CallSid=" + sid);
  if (!r)
    return {};
  auto doc = read_twiml(r->body);
  return doc && doc->find("Say") ? doc->find("Say")->text : std::string{};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the admin socket answers every command") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = admin_options(dir, api);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto sock = opts.db_path + ".sock";
  http_client cl;
  greeting_of(cl, d, "CA70");
  cl.post_form(d.base_url() + "/voice/process-speech",
               "CallSid=CA70&SpeechResult=hello");

  auto stats = admin_request(sock, R"({"cmd":"stats"})");
  CHECK(contains(stats, R"("ok":true)"));
  CHECK(contains(stats, R"("live_calls":1)"));
  auto calls = admin_request(sock, R"({"cmd":"calls"})");
  CHECK(contains(calls, R"("call_sid":"CA70")"));
  CHECK(contains(calls, R"("turns":2)"));
  auto call = admin_request(sock, R"({"cmd":"call","sid":"CA70"})");
  CHECK(contains(call, R"("content":"hello")"));
  CHECK(contains(admin_request(sock, R"({"cmd":"call","sid":"CA99"})"),
                 R"("ok":false)"));
  CHECK(contains(admin_request(sock, "not json"), R"("ok":false)"));
  CHECK(
    contains(admin_request(sock, R"({"cmd":"explode"})"), "unknown command"));
  CHECK(contains(admin_request(sock, R"({"cmd":"say"})"), "sid: required"));

  auto said = admin_request(
    sock, R"({"cmd":"say","sid":"CA70","text":"Your order shipped."})");
  CHECK(contains(said, R"("ok":true)"));
  REQUIRE(api.wait_for_requests(1, 5s));
  auto update = api.requests().back();
  CHECK(contains(update.path, "/Calls/CA70.json"));
  CHECK(contains(param_or(update.params, "Twiml"), "Your order shipped."));
  CHECK(contains(param_or(update.params, "Twiml"), "<Gather"));

  CHECK(contains(admin_request(sock, R"({"cmd":"hangup","sid":"CA70"})"),
                 R"("ok":true)"));
  CHECK(param_or(api.requests().back().params, "Status") == "completed");
  auto dialed = admin_request(sock, R"({"cmd":"dial","to":"+14155550123"})");
  CHECK(contains(dialed, R"("call_sid":"CA)"));
  CHECK(param_or(api.requests().back().params, "To") == "+14155550123");
  CHECK(contains(admin_request(sock, R"({"cmd":"dial","to":"12"})"), "E.164"));

  CHECK(contains(admin_request(sock, R"({"cmd":"drain"})"), R"("ok":true)"));
  CHECK(contains(greeting_of(cl, d, "CA71"), "busy"));
  CHECK(
    contains(admin_request(sock, R"({"cmd":"stats"})"), R"("draining":true)"));
  REQUIRE(d.stop() == 0);
  CHECK(
    query(opts.db_path, "SELECT model FROM turns WHERE seq = 3").at(0)["model"]
    == "operator");
}

TEST_CASE("SIGHUP and reload re-read the voice, a bad file keeps the old one") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = admin_options(dir, api);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  CHECK(contains(greeting_of(cl, d, "CA80"), "Namaste"));
  auto original = [&] {
    std::ifstream in{d.config_path()};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  auto with_greeting = [&original](const std::string& value) {
    auto text = original;
    text.replace(text.find("[voice]\n"), 8,
                 "[voice]\ngreeting = " + value + "\n");
    return text;
  };
  std::ofstream{d.config_path()} << with_greeting("\"Welcome back!\"");
  d.signal(SIGHUP);
  REQUIRE(d.wait_for_log("applied"));
  CHECK(greeting_of(cl, d, "CA81") == "Welcome back!");
  // A broken file is refused and the running configuration stays.
  std::ofstream{d.config_path()} << with_greeting("7");
  auto reply = admin_request(opts.db_path + ".sock", R"({"cmd":"reload"})");
  CHECK(contains(reply, R"("ok":false)"));
  CHECK(contains(reply, "voice.greeting"));
  CHECK(greeting_of(cl, d, "CA82") == "Welcome back!");
  REQUIRE(d.stop() == 0);
}

TEST_CASE("a second daemon on the same admin socket refuses to start") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = admin_options(dir, api);
  daemon_process first{opts, dir.path()};
  REQUIRE(first.running());
  daemon_process second{opts, dir.path()};
  CHECK_FALSE(second.running());
  CHECK(contains(second.log(), "another switchboardd is listening"));
  REQUIRE(first.stop() == 0);
}
