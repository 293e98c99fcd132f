// The webhook front's pure half (app/webhook_request.hpp): the recorded,
// signed Twilio webhooks of tests/data/twilio/twilio-webhooks.json are
// accepted as their typed events; anything malformed, unsigned or
// ambiguous is refused with the status and the field a user would need.
#include "app/webhook_request.hpp"

#include <map>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "tests/support/test_data.hpp"

using sb::route_id;
using sb::test::json_text;

namespace {

struct recorded {
  std::string name;
  route_id route;
  sb::http_request req;
};

// The fixture's webhooks that map onto this daemon's routes, as requests
// to https://voice.example.com (the URL they were signed for).
std::vector<recorded> recorded_webhooks() {
  const std::map<std::string, route_id> routes = {
    {"voice_url", route_id::voice_inbound},
    {"gather_action", route_id::process_speech},
    {"status_callback", route_id::call_status},
    {"recording_status_callback", route_id::recording_status},
    {"async_amd_status_callback", route_id::amd_status},
    {"connect_action", route_id::relay_done}};
  auto doc = sb::test::load_test_json("twilio/twilio-webhooks.json");
  std::vector<recorded> out;
  for (const auto& hook : doc["http_webhooks"].GetArray()) {
    auto route = routes.find(json_text(hook["webhook"]));
    if (route == routes.end()
        || !hook["headers"].HasMember("X-Twilio-Signature"))
      continue;
    sb::http_request req;
    req.method = "POST";
    auto url = json_text(hook["url"]);
    req.target = url.substr(std::string{"https://voice.example.com"}.size());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    req.content_type = json_text(hook["headers"]["Content-Type"]);
    req.twilio_signature = json_text(hook["headers"]["X-Twilio-Signature"]);
    req.body = json_text(hook["body"]);
    req.remote_address = "127.0.0.1:5000";
    out.push_back({json_text(hook["name"]), route->second, std::move(req)});
  }
  return out;
}

sb::config signed_config() {
  sb::config cfg;
  cfg.server.public_url = "https://voice.example.com";
  cfg.twilio.auth_token = "12345";
  cfg.twilio.validate_signatures = true;
  return cfg;
}

} // namespace

TEST_CASE("every recorded signed webhook is accepted as its typed event",
          "[webhook_request]") {
  auto cfg = signed_config();
  auto hooks = recorded_webhooks();
  REQUIRE(hooks.size() >= 15);
  for (const auto& h : hooks) {
    INFO("webhook " << h.name);
    auto checked = sb::check_webhook(h.route, h.req, cfg, "at");
    REQUIRE(checked.event);
    CHECK(checked.event->authenticated);
    CHECK(checked.event->received_at == "at");
    CHECK(checked.event->call_sid.rfind("CA", 0) == 0);
    auto parsed = sb::parse_form(h.req.body);
    REQUIRE(parsed);
    CHECK(checked.event->raw == *parsed);
  }
}

TEST_CASE("a tampered body or a missing signature is refused with 403",
          "[webhook_request]") {
  auto cfg = signed_config();
  auto h = recorded_webhooks().front();
  auto tampered = h.req;
  tampered.body += "&SpeechResult=transfer+me";
  auto checked = sb::check_webhook(h.route, tampered, cfg, "at");
  REQUIRE_FALSE(checked.event);
  CHECK(checked.refusal.status == 403);
  CHECK(checked.refusal.bad_signature);
  CHECK(checked.refusal.log == "invalid X-Twilio-Signature");
  CHECK(checked.refusal.call_sid.rfind("CA", 0) == 0);
  auto unsigned_req = h.req;
  unsigned_req.twilio_signature.clear();
  auto none = sb::check_webhook(h.route, unsigned_req, cfg, "at");
  REQUIRE_FALSE(none.event);
  CHECK(none.refusal.log == "no X-Twilio-Signature");
  // The same request with another public URL was not signed for us.
  cfg.server.public_url = "https://other.example.com";
  CHECK_FALSE(sb::check_webhook(h.route, h.req, cfg, "at").event);
}

TEST_CASE("with signatures off a webhook is accepted but not authenticated",
          "[webhook_request]") {
  auto cfg = signed_config();
  cfg.twilio.validate_signatures = false;
  auto h = recorded_webhooks().front();
  h.req.twilio_signature = "forged";
  auto checked = sb::check_webhook(h.route, h.req, cfg, "at");
  REQUIRE(checked.event);
  CHECK_FALSE(checked.event->authenticated);
}

namespace {

sb::webhook_refusal
refusal_of(route_id route, std::string body, std::string query = {},
           std::string type = "application/x-www-form-urlencoded") {
  sb::config cfg;
  cfg.twilio.validate_signatures = false;
  sb::http_request req;
  req.method = "POST";
  req.path = "/voice/await";
  req.query = std::move(query);
  req.target = req.path + (req.query.empty() ? "" : "?" + req.query);
  req.content_type = std::move(type);
  req.body = std::move(body);
  auto checked = sb::check_webhook(route, req, cfg, "at");
  REQUIRE_FALSE(checked.event);
  return checked.refusal;
}

} // namespace

TEST_CASE("malformed webhooks are refused naming what is wrong",
          "[webhook_request]") {
  auto wrong_type = refusal_of(route_id::process_speech, "CallSid=CA1", {},
                               "text/plain");
  CHECK(wrong_type.status == 415);
  auto no_sid = refusal_of(route_id::process_speech, "SpeechResult=hi");
  CHECK(no_sid.status == 400);
  CHECK(no_sid.detail == "CallSid: missing or malformed");
  auto bad_sid = refusal_of(route_id::process_speech, "CallSid=CA1%3Bdrop");
  CHECK(bad_sid.detail == "CallSid: missing or malformed");
  auto twice = refusal_of(route_id::process_speech,
                          "CallSid=CA1&SpeechResult=yes&SpeechResult=no");
  CHECK(twice.status == 400);
  CHECK(twice.detail == "SpeechResult: given twice with different values");
  auto no_turn = refusal_of(route_id::await_turn, "CallSid=CA1", "turn=0");
  CHECK(no_turn.detail == "turn: missing or not a positive number");
  auto bad_json = refusal_of(route_id::call_status, "[1,2]", {},
                             "application/json");
  CHECK(bad_json.status == 400);
  CHECK(bad_json.detail == "JSON body: expected an object");
}

TEST_CASE("an exact repeat of a key is one value, and await carries its turn",
          "[webhook_request]") {
  sb::config cfg;
  cfg.twilio.validate_signatures = false;
  sb::http_request req;
  req.method = "POST";
  req.path = "/voice/await";
  req.query = "turn=7";
  req.target = "/voice/await?turn=7";
  req.content_type = "application/x-www-form-urlencoded";
  req.body = "CallSid=CA1&CallSid=CA1";
  req.idempotency_token = std::string(200, 'x'); // not Twilio's: ignored
  auto checked = sb::check_webhook(route_id::await_turn, req, cfg, "at");
  REQUIRE(checked.event);
  CHECK(checked.event->kind == sb::event_kind::await_turn);
  CHECK(checked.event->turn == 7);
  CHECK(checked.event->idempotency_token.empty());
}
