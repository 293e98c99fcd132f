// End-to-end with Twilio in the loop: signed webhooks, and outbound calls
// placed through a local server that speaks Twilio's REST API.
#include <catch2/catch.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_twilio.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"
#include "twilio/twilio_signature.hpp"

using namespace sb;
using namespace sb::test;

namespace {

constexpr const char* token = "12345";
constexpr const char* account = "AC0123456789abcdef0123456789abcdef";

// Posts a webhook signed over the daemon's public URL with `signing_token`.
caf::expected<client_response>
post_webhook(http_client& cl, const daemon_process& d, const std::string& path,
             const form_params& params,
             const std::string& signing_token = token) {
  return sb::test::post_signed(cl, d, path, params, signing_token);
}

form_params status_params(const std::string& sid, const std::string& status,
                          int seq) {
  return {{"AccountSid", account},
          {"CallSid", sid},
          {"CallStatus", status},
          {"SequenceNumber", std::to_string(seq)},
          {"CallbackSource", "call-progress-events"}};
}

daemon_options twilio_options(const temp_dir& dir, const fake_twilio& api) {
  daemon_options o;
  o.db_path = dir.file("twilio.db");
  o.validate_signatures = true;
  o.auth_token = token;
  o.account_sid = account;
  o.phone_number = "+15550000000";
  o.api_base = api.base_url();
  o.admin_token = "ops";
  return o;
}

caf::expected<client_response>
make_call(http_client& cl, const daemon_process& d, const std::string& body,
          const std::string& bearer = "ops") {
  return cl.request("POST", d.base_url() + "/make-call", body,
                    {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer " + bearer}});
}

std::string json_field(const std::string& body, const std::string& key) {
  auto k = body.find("\"" + key + "\":\"");
  if (k == std::string::npos)
    return {};
  auto b = k + key.size() + 4;
  return body.substr(b, body.find('"', b) - b);
}

} // namespace

TEST_CASE("unsigned or forged webhooks get 403 and store nothing") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = twilio_options(dir, api);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  form_params p{
    {"CallSid", "CA77"}, {"From", "+15551"}, {"CallStatus", "ringing"}};
  CHECK(cl.post_form(d.base_url() + "/voice/inbound", form_encode(p))->status
        == 403);
  CHECK(post_webhook(cl, d, "/voice/inbound", p, "54321")->status == 403);
  auto tampered = p;
  tampered[1].second = "+15552";
  auto sig = twilio_signature(token, d.base_url() + "/voice/inbound", p);
  CHECK(cl.post_form(d.base_url() + "/voice/inbound", form_encode(tampered),
                     {{"X-Twilio-Signature", sig}})
          ->status
        == 403);
  // Signed for another path: a replay onto a different webhook.
  auto other = twilio_signature(token, d.base_url() + "/call-status", p);
  CHECK(cl.post_form(d.base_url() + "/voice/inbound", form_encode(p),
                     {{"X-Twilio-Signature", other}})
          ->status
        == 403);
  CHECK(d.log().find("rejected /voice/inbound for CallSid CA77 from 127.0.0.1")
        != std::string::npos);
  CHECK(post_webhook(cl, d, "/voice/inbound", p)->status == 200);
  // The simulator signs like Twilio.
  sim_call_options call;
  call.base_url = d.base_url();
  call.auth_token = token;
  auto r = play_call(cl, call, {"hello", "goodbye"});
  CHECK(r.error.empty());
  CHECK(r.hung_up);
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events "
                                "WHERE call_sid = 'CA77'")
        == 1);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls") == 2);
}

TEST_CASE("an outbound call from /make-call to completed") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  api.expect_credentials(account, token);
  auto opts = twilio_options(dir, api);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto placed = make_call(cl, d, R"({"to_number": "+14155550123"})");
  REQUIRE(placed);
  INFO(placed->body << d.log());
  REQUIRE(placed->status == 200);
  CHECK(placed->body.find("\"success\":true") != std::string::npos);
  auto sid = json_field(placed->body, "call_sid");
  REQUIRE(sid.size() == 34);

  auto sent = api.requests();
  REQUIRE(sent.size() == 1);
  const auto& rq = sent.front();
  CHECK(rq.path
        == std::string{"/2010-04-01/Accounts/"} + account + "/Calls.json");
  CHECK(rq.auth_user == account);
  CHECK(rq.auth_password == token);
  auto base = d.base_url();
  CHECK(param_or(rq.params, "To") == "+14155550123");
  CHECK(param_or(rq.params, "From") == "+15550000000");
  CHECK(param_or(rq.params, "Url") == base + "/voice/outbound");
  CHECK(param_or(rq.params, "StatusCallback") == base + "/call-status");
  CHECK(param_or(rq.params, "MachineDetection") == "DetectMessageEnd");
  CHECK(param_or(rq.params, "Record") == "true");
  CHECK(param_or(rq.params, "RecordingStatusCallback")
        == base + "/recording-status");
  std::vector<std::string> events;
  for (const auto& [k, v] : rq.params)
    if (k == "StatusCallbackEvent")
      events.push_back(v);
  CHECK(events
        == std::vector<std::string>{"initiated", "ringing", "answered",
                                    "completed"});
  CHECK(query(opts.db_path, "SELECT status, direction FROM calls")
          .at(0)["direction"]
        == "outbound-api");

  // What Twilio sends next, the ringing callback arriving late.
  CHECK(post_webhook(cl, d, "/call-status", status_params(sid, "initiated", 0))
          ->status
        == 200);
  sim_call_options call;
  call.base_url = d.base_url();
  call.auth_token = token;
  call.call_sid = sid;
  call.outbound = true;
  call.answered_by = "human";
  call.to = "+14155550123";
  call.send_completed = false;
  auto conv = play_call(cl, call, {"hello", "goodbye"});
  REQUIRE(conv.error.empty());
  CHECK(conv.hung_up);
  auto done = status_params(sid, "completed", 3);
  done.emplace_back("CallDuration", "31");
  CHECK(post_webhook(cl, d, "/call-status", done)->status == 200);
  CHECK(post_webhook(cl, d, "/call-status", status_params(sid, "ringing", 1))
          ->status
        == 200);
  CHECK(post_webhook(cl, d, "/call-status", done)->status == 200); // a retry
  form_params rec{
    {"AccountSid", account},
    {"CallSid", sid},
    {"RecordingSid", "RE0123456789abcdef0123456789abcdef"},
    {"RecordingUrl",
     "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1"},
    {"RecordingStatus", "completed"},
    {"RecordingDuration", "29"},
    {"RecordingChannels", "1"}};
  CHECK(post_webhook(cl, d, "/recording-status", rec)->status == 200);
  REQUIRE(d.stop() == 0);

  auto row = query(opts.db_path, "SELECT * FROM calls").at(0);
  CHECK(row["call_sid"] == sid);
  CHECK(row["direction"] == "outbound-api");
  CHECK(row["status"] == "completed");
  CHECK(row["answered_by"] == "human");
  CHECK(row["answered_at"] != "NULL");
  CHECK(row["ended_at"] != "NULL");
  CHECK(row["duration_s"] == "31");
  CHECK(row["end_reason"] == "completed");
  CHECK(row["to_number"] == "+14155550123");
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 4);
  auto recording = query(opts.db_path, "SELECT * FROM recordings").at(0);
  CHECK(recording["call_sid"] == sid);
  CHECK(recording["duration_s"] == "29");
  CHECK(recording["channels"] == "1");
  CHECK(recording["status"] == "completed");
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events") == 8);
}

TEST_CASE("/make-call validates, needs the token, and surfaces Twilio errors") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = twilio_options(dir, api);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto body = std::string{R"({"to_number": "+14155550123"})"};
  CHECK(make_call(cl, d, body, "wrong")->status == 401);
  auto bad = make_call(cl, d, R"({"to_number": "4155550123"})");
  CHECK(bad->status == 400);
  CHECK(bad->body.find("to_number") != std::string::npos);
  CHECK(make_call(cl, d, "not json")->status == 400);
  CHECK(api.requests().empty());

  api.fail_next(1, 400, 21211, "The 'To' number +14155550123 is not valid.");
  auto refused = make_call(cl, d, body);
  CHECK(refused->status == 400);
  CHECK(refused->body.find("21211") != std::string::npos);

  api.fail_next(1, 500, 20500, "Internal Server Error");
  auto retried = make_call(cl, d, body);
  CHECK(retried->status == 200);
  CHECK(api.requests().size() == 3);
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM calls") == 1);
}

TEST_CASE("an answering machine hears the message once and is hung up") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = twilio_options(dir, api);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  form_params answered{{"AccountSid", account},
                       {"CallSid", "CA55"},
                       {"CallStatus", "in-progress"},
                       {"Direction", "outbound-api"},
                       {"AnsweredBy", "machine_end_beep"}};
  auto r = post_webhook(cl, d, "/voice/outbound", answered);
  REQUIRE(r);
  auto doc = read_twiml(r->body);
  REQUIRE(doc);
  CHECK(doc->find("Hangup"));
  CHECK_FALSE(doc->find("Gather"));
  CHECK(doc->find("Say")->text.find("Sorry we missed you")
        != std::string::npos);
  auto again = read_twiml(
    post_webhook(cl, d, "/voice/outbound", answered)->body);
  CHECK_FALSE(again->find("Say"));
  CHECK(
    post_webhook(cl, d, "/call-status", status_params("CA55", "completed", 4))
      ->status
    == 200);
  REQUIRE(d.stop() == 0);
  auto row =
    query(opts.db_path, "SELECT answered_by, end_reason FROM calls").at(0);
  CHECK(row["answered_by"] == "machine_end_beep");
  CHECK(row["end_reason"] == "answering-machine");
}

TEST_CASE("an asynchronous machine result redirects the live call") {
  temp_dir dir;
  fake_twilio api;
  REQUIRE(api.ok());
  auto opts = twilio_options(dir, api);
  opts.async_amd = true;
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto placed = make_call(cl, d, R"({"to_number": "+14155550123"})");
  REQUIRE(placed->status == 200);
  auto sid = json_field(placed->body, "call_sid");
  CHECK(param_or(api.requests().at(0).params, "AsyncAmd") == "true");
  CHECK(param_or(api.requests().at(0).params, "AsyncAmdStatusCallback")
        == d.base_url() + "/amd-status");
  form_params answered{{"AccountSid", account},
                       {"CallSid", sid},
                       {"CallStatus", "in-progress"},
                       {"Direction", "outbound-api"}};
  auto greeting = read_twiml(
    post_webhook(cl, d, "/voice/outbound", answered)->body);
  CHECK(greeting->find("Gather"));
  form_params amd{{"AccountSid", account},
                  {"CallSid", sid},
                  {"AnsweredBy", "machine_start"},
                  {"MachineDetectionDuration", "2150"}};
  CHECK(post_webhook(cl, d, "/amd-status", amd)->status == 200);
  REQUIRE(api.wait_for_requests(2, std::chrono::seconds(10)));
  auto update = api.requests().at(1);
  CHECK(update.path.find("/Calls/" + sid + ".json") != std::string::npos);
  CHECK(param_or(update.params, "Url") == d.base_url() + "/voice/outbound");
  // Twilio follows the redirect: the machine hears the message.
  auto msg = read_twiml(post_webhook(cl, d, "/voice/outbound", answered)->body);
  CHECK(msg->find("Hangup"));
  CHECK(msg->find("Say"));
  REQUIRE(d.stop() == 0);
  CHECK(
    query(opts.db_path, "SELECT answered_by FROM calls").at(0)["answered_by"]
    == "machine_start");
}
