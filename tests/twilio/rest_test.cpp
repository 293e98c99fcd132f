// Tests for twilio/twilio_rest against tests/fixtures/fake_twilio over
// loopback: the exact form parameters and Basic credentials each call
// sends, the parsed Call resource, local refusals that send nothing, how
// Twilio errors, problem JSON, slow and absent servers become rest_failure
// values, and the backoff schedule. Nothing sleeps: the slow-server case
// waits on the client's own timeout.
#include <chrono>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "net/text/form.hpp"
#include "tests/fixtures/fake_twilio.hpp"
#include "tests/fixtures/refusing_port.hpp"
#include "twilio/twilio_rest.hpp"

namespace {

using sb::test::refusing_port;

using namespace std::chrono_literals;
using sb::errc;
using sb::form_params;

const std::string account = "AC0123456789abcdef0123456789abcdef";
const std::string token = "auth-token-1";
const std::string call_sid = "CAfedcba9876543210fedcba9876543210";

struct rest_fixture {
  sb::fake_twilio server;

  rest_fixture() {
    REQUIRE(server.ok());
    server.expect_credentials(account, token);
  }

  sb::twilio_rest_client client(std::chrono::milliseconds timeout = 5s) {
    return sb::twilio_rest_client(server.base_url(), {account, token, "", ""},
                                  timeout);
  }

  // The one request the server received.
  sb::recorded_request only_request() {
    auto all = server.requests();
    REQUIRE(all.size() == 1);
    return all.front();
  }

  std::string calls_path() const {
    return "/2010-04-01/Accounts/" + account + "/Calls";
  }
};

sb::create_call_params outbound_call() {
  sb::create_call_params p;
  p.to = "+14155552671";
  p.from = "+15017122661";
  p.url = "https://voice.example.com/twilio/outbound?job=42";
  p.status_callback = "https://voice.example.com/twilio/status";
  p.status_callback_events = {"initiated", "ringing", "answered", "completed"};
  p.machine_detection = "DetectMessageEnd";
  p.record = true;
  p.recording_status_callback = "https://voice.example.com/twilio/recording";
  return p;
}

bool is_call_sid(const std::string& sid) {
  return sid.size() == 34 && sid.rfind("CA", 0) == 0
         && sid.find_first_not_of("0123456789abcdef", 2) == std::string::npos;
}

} // namespace

TEST_CASE_METHOD(rest_fixture, "create_call sends Twilio's form and auth",
                 "[twilio_rest]") {
  auto rest = client();
  auto created = rest.create_call(outbound_call());
  INFO((created ? "" : sb::describe(created.failure())));
  REQUIRE(created);
  const auto req = only_request();
  CHECK(req.method == "POST");
  CHECK(req.path == calls_path() + ".json");
  CHECK(req.auth_user == account);
  CHECK(req.auth_password == token);
  CHECK(req.authorization.rfind("Basic ", 0) == 0);
  CHECK(req.content_type == "application/x-www-form-urlencoded");
  const form_params expected{
    {"To", "+14155552671"},
    {"From", "+15017122661"},
    {"Url", "https://voice.example.com/twilio/outbound?job=42"},
    {"Method", "POST"},
    {"StatusCallback", "https://voice.example.com/twilio/status"},
    {"StatusCallbackMethod", "POST"},
    {"StatusCallbackEvent", "initiated"},
    {"StatusCallbackEvent", "ringing"},
    {"StatusCallbackEvent", "answered"},
    {"StatusCallbackEvent", "completed"},
    {"MachineDetection", "DetectMessageEnd"},
    {"Record", "true"},
    {"RecordingStatusCallback", "https://voice.example.com/twilio/recording"}};
  CHECK(req.params == expected);
  CHECK(req.body == sb::form_encode(expected));
}

TEST_CASE_METHOD(rest_fixture, "create_call parses the Call resource",
                 "[twilio_rest]") {
  auto rest = client();
  auto created = rest.create_call(outbound_call());
  REQUIRE(created);
  const auto& call = created.value();
  CHECK(is_call_sid(call.sid));
  CHECK(call.account_sid == account);
  CHECK(call.status == "queued");
  CHECK(call.direction == "outbound-api");
  CHECK(call.to == "+14155552671");
  CHECK(call.from == "+15017122661");
  CHECK(call.answered_by.empty()); // JSON null
  CHECK(call.date_created.size() > 20);
  CHECK(call.date_created.substr(call.date_created.size() - 6) == " +0000");
}

TEST_CASE_METHOD(rest_fixture, "optional create fields are sent when set",
                 "[twilio_rest]") {
  auto p = outbound_call();
  p.status_callback.clear();
  p.status_callback_events.clear();
  p.record = false;
  p.recording_status_callback.clear();
  p.machine_detection = "Enable";
  p.async_amd = true;
  p.async_amd_status_callback = "https://voice.example.com/twilio/amd";
  p.recording_status_callback_events = {"in-progress", "completed"};
  p.timeout_s = 25;
  auto rest = client();
  REQUIRE(rest.create_call(p));
  const form_params expected{{"To", p.to},
                             {"From", p.from},
                             {"Url", p.url},
                             {"Method", "POST"},
                             {"MachineDetection", "Enable"},
                             {"AsyncAmd", "true"},
                             {"AsyncAmdStatusCallback",
                              "https://voice.example.com/twilio/amd"},
                             {"RecordingStatusCallbackEvent", "in-progress"},
                             {"RecordingStatusCallbackEvent", "completed"},
                             {"Timeout", "25"}};
  CHECK(only_request().params == expected);
}

TEST_CASE_METHOD(rest_fixture, "an API key authenticates instead of the token",
                 "[twilio_rest]") {
  server.expect_credentials("SK0123456789abcdef0123456789abcdef", "secret");
  sb::twilio_rest_client rest(server.base_url(),
                              {account, token,
                               "SK0123456789abcdef0123456789abcdef", "secret"});
  REQUIRE(rest.create_call(outbound_call()));
  const auto req = only_request();
  CHECK(req.auth_user == "SK0123456789abcdef0123456789abcdef");
  CHECK(req.auth_password == "secret");
  CHECK(req.path == calls_path() + ".json");
}

TEST_CASE_METHOD(rest_fixture, "update_call hangs up, redirects, sends TwiML",
                 "[twilio_rest]") {
  auto rest = client();
  const std::string twiml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Bye &amp; "
    "धन्यवाद</Say><Hangup/></Response>";
  auto hung_up = rest.update_call(call_sid, {"completed", "", ""});
  REQUIRE(hung_up);
  CHECK(hung_up->sid == call_sid);
  CHECK(hung_up->status == "completed");
  REQUIRE(rest.update_call(call_sid, {"", "https://v.example/next", ""}));
  REQUIRE(rest.update_call(call_sid, {"", "", twiml}));
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);
  for (const auto& req : reqs) {
    CHECK(req.path == calls_path() + "/" + call_sid + ".json");
    CHECK(req.auth_user == account);
  }
  CHECK(reqs[0].params == form_params{{"Status", "completed"}});
  CHECK(reqs[1].params == form_params{{"Url", "https://v.example/next"}});
  CHECK(reqs[2].params == form_params{{"Twiml", twiml}});
}

TEST_CASE_METHOD(rest_fixture, "bad input is refused before sending",
                 "[twilio_rest]") {
  auto rest = client();
  auto refused = [](const sb::rest_result<sb::call_resource>& r) {
    REQUIRE_FALSE(r);
    CHECK(r.failure().kind == errc::bad_request);
    CHECK(r.failure().http_status == 0);
    CHECK_FALSE(r.failure().retryable);
  };
  refused(rest.update_call(call_sid, {"", "https://v.example/x", "<R/>"}));
  refused(rest.update_call(call_sid, {"", "", ""}));
  refused(rest.update_call(call_sid, {"in-progress", "", ""}));
  refused(rest.update_call("CA123/../../x", {"completed", "", ""}));
  refused(rest.update_call("CA12 3", {"completed", "", ""}));
  refused(rest.update_call("", {"completed", "", ""}));
  auto no_to = outbound_call();
  no_to.to.clear();
  refused(rest.create_call(no_to));
  sb::twilio_rest_client bad_account(server.base_url(),
                                     {"AC1/Calls", token, "", ""});
  refused(bad_account.create_call(outbound_call()));
  refused(bad_account.update_call(call_sid, {"completed", "", ""}));
  const auto r = rest.update_call(call_sid, {"", "https://a", "<R/>"});
  CHECK(sb::describe(r.failure())
        == "Twilio request refused: call update: url and twiml are mutually "
           "exclusive");
  CHECK(server.requests().empty());
}

TEST_CASE_METHOD(rest_fixture, "a 400 with code 21211 is final",
                 "[twilio_rest]") {
  server.fail_next(1, 400, 21211,
                   "The 'To' number +1 is not a valid phone number.");
  auto rest = client();
  auto r = rest.create_call(outbound_call());
  REQUIRE_FALSE(r);
  const auto& f = r.failure();
  CHECK(f.http_status == 400);
  CHECK(f.code == 21211);
  CHECK(f.message == "The 'To' number +1 is not a valid phone number.");
  CHECK(f.more_info == "https://www.twilio.com/docs/errors/21211");
  CHECK_FALSE(f.retryable);
  CHECK(f.kind == errc::bad_request);
  CHECK(sb::describe(f)
        == "Twilio 21211 (HTTP 400): The 'To' number +1 is not a valid phone "
           "number. https://www.twilio.com/docs/errors/21211");
  CHECK(sb::has_code(sb::to_error(f), errc::bad_request));
  CHECK_FALSE(sb::retry_delay(f, 0, 5));
}

TEST_CASE_METHOD(rest_fixture, "500 and 429 are retryable, then succeed",
                 "[twilio_rest]") {
  auto rest = client();
  server.fail_next(1, 500, 20500, "An internal server error has occurred");
  auto r500 = rest.create_call(outbound_call());
  REQUIRE_FALSE(r500);
  CHECK(r500.failure().http_status == 500);
  CHECK(r500.failure().code == 20500);
  CHECK(r500.failure().retryable);
  CHECK(r500.failure().retry_after == 0ms);
  CHECK(r500.failure().kind == errc::backend_failed);
  CHECK(sb::retry_delay(r500.failure(), 0, 5) == 250ms);

  server.fail_next(1, 429, 20429, "Too Many Requests", 2s);
  auto r429 = rest.create_call(outbound_call());
  REQUIRE_FALSE(r429);
  CHECK(r429.failure().http_status == 429);
  CHECK(r429.failure().retryable);
  CHECK(r429.failure().retry_after == 2s);
  CHECK(r429.failure().kind == errc::overloaded);
  CHECK(sb::retry_delay(r429.failure(), 0, 5) == 2s);

  // The same client carries on once the server recovers.
  CHECK(rest.create_call(outbound_call()));
  CHECK(server.requests().size() == 3);
}

TEST_CASE_METHOD(rest_fixture, "wrong credentials give 401, not retryable",
                 "[twilio_rest]") {
  sb::twilio_rest_client rest(server.base_url(),
                              {account, "wrong-token", "", ""});
  auto r = rest.update_call(call_sid, {"completed", "", ""});
  REQUIRE_FALSE(r);
  const auto& f = r.failure();
  CHECK(f.http_status == 401);
  CHECK(f.code == 20003);
  CHECK(f.message
        == "Authenticate: Your AccountSid or AuthToken was incorrect.");
  CHECK_FALSE(f.retryable);
  CHECK(f.kind == errc::unauthorized);
  CHECK(sb::describe(f).find("wrong-token") == std::string::npos);
}

TEST_CASE_METHOD(rest_fixture, "problem JSON and non-JSON errors",
                 "[twilio_rest]") {
  auto rest = client();
  server.answer_next(1, 400,
                     R"({"type": "https://www.twilio.com/docs/errors/20001",
                         "title": "Invalid parameter", "status": 400,
                         "code": 20001, "detail": "Timeout must be <= 600",
                         "instance": "/2010-04-01"})",
                     "application/problem+json");
  auto problem = rest.create_call(outbound_call());
  REQUIRE_FALSE(problem);
  CHECK(problem.failure().code == 20001);
  CHECK(problem.failure().message
        == "Invalid parameter: Timeout must be <= 600");
  CHECK(problem.failure().more_info
        == "https://www.twilio.com/docs/errors/20001");
  CHECK_FALSE(problem.failure().retryable);

  server.answer_next(1, 502, "<html>\r\nBad Gateway</html>", "text/html");
  auto gateway = rest.create_call(outbound_call());
  REQUIRE_FALSE(gateway);
  CHECK(gateway.failure().http_status == 502);
  CHECK(gateway.failure().code == 0);
  CHECK(gateway.failure().message == "<html>  Bad Gateway</html>");
  CHECK(gateway.failure().retryable);

  server.answer_next(1, 201, "{\"sid\": null}");
  auto garbled = rest.create_call(outbound_call());
  REQUIRE_FALSE(garbled);
  CHECK(garbled.failure().http_status == 201);
  CHECK_FALSE(garbled.failure().retryable);
}

TEST_CASE_METHOD(rest_fixture, "a delayed answer within the timeout arrives",
                 "[twilio_rest]") {
  server.set_delay(100ms);
  auto rest = client(5s);
  const auto start = std::chrono::steady_clock::now();
  auto r = rest.update_call(call_sid, {"completed", "", ""});
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(r);
  CHECK(took >= 100ms);
  CHECK(took < 5s);
}

TEST_CASE_METHOD(rest_fixture, "a server slower than the timeout",
                 "[twilio_rest]") {
  server.set_delay(30s);
  auto rest = client(300ms);
  const auto start = std::chrono::steady_clock::now();
  auto r = rest.create_call(outbound_call());
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.failure().http_status == 0);
  // The call may have been placed: trying again could ring twice.
  CHECK_FALSE(r.failure().retryable);
  CHECK(r.failure().kind == errc::timed_out);
  CHECK(took < 10s);
  CHECK(sb::describe(r.failure()).rfind("Twilio transport error: ", 0) == 0);
  CHECK(server.wait_for_requests(1, 5s));
}

TEST_CASE("nothing listening is a retryable transport failure",
          "[twilio_rest]") {
  refusing_port closed;
  sb::twilio_rest_client rest("http://127.0.0.1:"
                                + std::to_string(closed.port()) + "/",
                              {account, token, "", ""}, 2s);
  auto r = rest.update_call(call_sid, {"completed", "", ""});
  REQUIRE_FALSE(r);
  CHECK(r.failure().http_status == 0);
  CHECK(r.failure().retryable);
  CHECK(r.failure().kind == errc::backend_failed);
  CHECK_FALSE(r.failure().message.empty());
  CHECK(sb::retry_delay(r.failure(), 2, 5) == 1000ms);
}

TEST_CASE("retry_delay backs off exponentially up to a cap", "[twilio_rest]") {
  sb::rest_failure f;
  f.retryable = true;
  const std::chrono::milliseconds expected[] = {250ms, 500ms, 1s, 2s,
                                                4s,    8s,    8s, 8s};
  for (int attempt = 0; attempt < 8; ++attempt)
    CHECK(sb::retry_delay(f, attempt, 10) == expected[attempt]);
  CHECK(sb::retry_delay(f, 40, 100) == 8s);
  CHECK(sb::retry_delay(f, -3, 10) == 250ms);
  CHECK(sb::retry_delay(f, 8, 10) == 8s);
  CHECK_FALSE(sb::retry_delay(f, 9, 10)); // the 10th attempt just failed
  CHECK_FALSE(sb::retry_delay(f, 0, 1));
  f.retry_after = 3s;
  CHECK(sb::retry_delay(f, 0, 10) == 3s);
  CHECK(sb::retry_delay(f, 7, 10) == 3s);
  CHECK_FALSE(sb::retry_delay(f, 9, 10));
  f.retryable = false;
  CHECK_FALSE(sb::retry_delay(f, 0, 10));
}
