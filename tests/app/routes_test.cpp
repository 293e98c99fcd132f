// Tests for app/routes: every route with its method, HEAD on GET routes,
// 405 with the Allow value for a known path and the wrong method, 404 for
// anything else (paths are exact: no trailing slash, no case folding), and
// the {call_sid} argument of /session/, GET /metrics and the route names
// that label the webhook latency metric.
#include "app/routes.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

struct route_case {
  const char* method;
  const char* path;
  sb::route_id id;
};

const std::vector<route_case>& all_routes() {
  static const std::vector<route_case> routes{
    {"GET", "/", sb::route_id::root},
    {"GET", "/healthz", sb::route_id::healthz},
    {"POST", "/voice/inbound", sb::route_id::voice_inbound},
    {"POST", "/voice/outbound", sb::route_id::voice_outbound},
    {"POST", "/voice/process-speech", sb::route_id::process_speech},
    {"POST", "/voice/relay-done", sb::route_id::relay_done},
    {"POST", "/voice/media-done", sb::route_id::media_done},
    {"POST", "/voice/media-status", sb::route_id::media_status},
    {"POST", "/call-status", sb::route_id::call_status},
    {"POST", "/recording-status", sb::route_id::recording_status},
    {"POST", "/amd-status", sb::route_id::amd_status},
    {"GET", "/sessions", sb::route_id::sessions},
    {"GET", "/session/CA0123456789abcdef0123456789abcdef",
     sb::route_id::session},
    {"GET", "/metrics", sb::route_id::metrics},
  };
  return routes;
}

std::string allow_of(const sb::route_match& m) {
  return m.allow == nullptr ? std::string{"<null>"} : std::string{m.allow};
}

} // namespace

TEST_CASE("each route matches with its own method", "[routes]") {
  for (const auto& r : all_routes()) {
    CAPTURE(r.method, r.path);
    auto m = sb::match_route(r.method, r.path);
    CHECK(m.error == 0);
    CHECK(m.id == r.id);
  }
}

TEST_CASE("HEAD is accepted wherever GET is", "[routes]") {
  for (const auto& r : all_routes()) {
    if (std::string{r.method} != "GET")
      continue;
    CAPTURE(r.path);
    auto m = sb::match_route("HEAD", r.path);
    CHECK(m.error == 0);
    CHECK(m.id == r.id);
  }
}

TEST_CASE("HEAD on a POST route is 405", "[routes]") {
  auto m = sb::match_route("HEAD", "/voice/inbound");
  CHECK(m.error == 405);
  CHECK(allow_of(m) == "POST");
}

TEST_CASE("a known path with the wrong method is 405 with Allow", "[routes]") {
  const std::vector<std::string> methods{"GET",    "POST",    "PUT",
                                         "DELETE", "PATCH",   "OPTIONS",
                                         "HEAD",   "get",     "post",
                                         "",       "CONNECT", "TRACE"};
  for (const auto& r : all_routes()) {
    const std::string wanted = r.method;
    const std::string allow = wanted == "GET" ? "GET, HEAD" : "POST";
    for (const auto& method : methods) {
      if (method == wanted || (wanted == "GET" && method == "HEAD"))
        continue;
      CAPTURE(method, r.path);
      auto m = sb::match_route(method, r.path);
      CHECK(m.error == 405);
      CHECK(allow_of(m) == allow);
    }
  }
}

TEST_CASE("a matched route carries no error and no Allow", "[routes]") {
  auto m = sb::match_route("POST", "/call-status");
  CHECK(m.error == 0);
  CHECK(allow_of(m).empty());
  CHECK(m.arg.empty());
}

TEST_CASE("unknown paths are 404 whatever the method", "[routes]") {
  const std::vector<std::string> paths{"/nope",
                                       "/voice",
                                       "/voice/",
                                       "/voice/unknown",
                                       "/session",
                                       "/sessionsx",
                                       "/healthz/x",
                                       "//",
                                       "",
                                       "voice/inbound",
                                       "/call_status",
                                       "/voice/process_speech",
                                       "/voice/inbound?x=1",
                                       "/ voice/inbound"};
  for (const auto& path : paths) {
    for (const char* method : {"GET", "POST", "HEAD", "DELETE"}) {
      CAPTURE(method, path);
      auto m = sb::match_route(method, path);
      CHECK(m.error == 404);
      CHECK(m.arg.empty());
    }
  }
}

TEST_CASE("paths are exact: trailing slashes and case variants are 404",
          "[routes]") {
  for (const auto& r : all_routes()) {
    std::string path = r.path;
    if (path == "/")
      continue;
    CAPTURE(path);
    CHECK(sb::match_route(r.method, path + "/").error == 404);
    std::string upper = path;
    for (auto& c : upper)
      if (c >= 'a' && c <= 'z')
        c = static_cast<char>(c - 'a' + 'A');
    // The session sid is the variable part; the fixed prefix still differs.
    CHECK(sb::match_route(r.method, upper).error == 404);
  }
  CHECK(sb::match_route("GET", "/Sessions").error == 404);
  CHECK(sb::match_route("POST", "/Voice/Inbound").error == 404);
  CHECK(sb::match_route("POST", "/voice/Process-Speech").error == 404);
  CHECK(sb::match_route("GET", "/Session/CA1").error == 404);
  CHECK(sb::match_route("GET", "/HEALTHZ").error == 404);
}

TEST_CASE("/session/{sid} extracts the sid", "[routes]") {
  SECTION("a Twilio call sid") {
    auto m = sb::match_route("GET",
                             "/session/CA0123456789abcdef0123456789abcdef");
    CHECK(m.error == 0);
    CHECK(m.id == sb::route_id::session);
    CHECK(m.arg == "CA0123456789abcdef0123456789abcdef");
  }
  SECTION("any non-empty segment, verbatim") {
    for (std::string sid : {"x", "CAxyz", "ca-UPPER_lower.1", "%2F", "a%20b"}) {
      CAPTURE(sid);
      auto m = sb::match_route("GET", "/session/" + sid);
      CHECK(m.error == 0);
      CHECK(m.id == sb::route_id::session);
      CHECK(m.arg == sid);
    }
  }
  SECTION("HEAD extracts it too") {
    auto m = sb::match_route("HEAD", "/session/CA42");
    CHECK(m.error == 0);
    CHECK(m.id == sb::route_id::session);
    CHECK(m.arg == "CA42");
  }
  SECTION("the wrong method is 405, Allow GET, HEAD") {
    auto m = sb::match_route("POST", "/session/CA42");
    CHECK(m.error == 405);
    CHECK(allow_of(m) == "GET, HEAD");
  }
}

TEST_CASE("/session/ without a sid or with more segments is 404", "[routes]") {
  for (const char* path : {"/session/", "/session/a/b", "/session/a/",
                           "/session//", "/session//a", "/session/a/b/c"}) {
    CAPTURE(path);
    auto m = sb::match_route("GET", path);
    CHECK(m.error == 404);
    CHECK(m.arg.empty());
  }
}

TEST_CASE("only Twilio's webhooks are webhooks", "[routes]") {
  CHECK(sb::is_twilio_webhook(sb::route_id::voice_inbound));
  CHECK(sb::is_twilio_webhook(sb::route_id::voice_outbound));
  CHECK(sb::is_twilio_webhook(sb::route_id::process_speech));
  CHECK(sb::is_twilio_webhook(sb::route_id::call_status));
  CHECK(sb::is_twilio_webhook(sb::route_id::recording_status));
  CHECK(sb::is_twilio_webhook(sb::route_id::amd_status));
  CHECK(sb::is_twilio_webhook(sb::route_id::relay_done));
  CHECK_FALSE(sb::is_twilio_webhook(sb::route_id::root));
  CHECK_FALSE(sb::is_twilio_webhook(sb::route_id::healthz));
  CHECK_FALSE(sb::is_twilio_webhook(sb::route_id::sessions));
  CHECK_FALSE(sb::is_twilio_webhook(sb::route_id::session));
  CHECK_FALSE(sb::is_twilio_webhook(sb::route_id::metrics));
}

TEST_CASE("GET /metrics is its own route, other methods are 405", "[routes]") {
  auto m = sb::match_route("GET", "/metrics");
  CHECK(m.error == 0);
  CHECK(m.id == sb::route_id::metrics);
  CHECK(m.arg.empty());
  CHECK(sb::match_route("HEAD", "/metrics").id == sb::route_id::metrics);
  auto post = sb::match_route("POST", "/metrics");
  CHECK(post.error == 405);
  CHECK(allow_of(post) == "GET, HEAD");
  for (const char* path : {"/metrics/", "/Metrics", "/metrics/x", "/metric"})
    CHECK(sb::match_route("GET", path).error == 404);
}

TEST_CASE("route names are the stable labels of the webhook metric",
          "[routes]") {
  CHECK(std::string{sb::route_name(sb::route_id::process_speech)}
        == "process-speech");
  CHECK(std::string{sb::route_name(sb::route_id::voice_inbound)} == "inbound");
  CHECK(std::string{sb::route_name(sb::route_id::await_turn)} == "await");
  CHECK(std::string{sb::route_name(sb::route_id::call_status)}
        == "call-status");
  CHECK(std::string{sb::route_name(sb::route_id::metrics)} == "metrics");
  CHECK(std::string{sb::route_name(sb::route_id::relay_done)} == "relay-done");
  // Every route has its own name, and each is a valid label value as it is.
  std::vector<std::string> names;
  for (const auto& r : all_routes())
    names.push_back(sb::route_name(r.id));
  for (auto id :
       {sb::route_id::await_turn, sb::route_id::make_call, sb::route_id::audio})
    names.push_back(sb::route_name(id));
  auto sorted = names;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  for (const auto& n : names) {
    CAPTURE(n);
    CHECK(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == n.npos);
  }
}

TEST_CASE("the media stream's end and status callback are webhooks",
          "[routes]") {
  CHECK(sb::is_twilio_webhook(sb::route_id::media_done));
  CHECK(sb::is_twilio_webhook(sb::route_id::media_status));
  CHECK(std::string{sb::route_name(sb::route_id::media_done)} == "media-done");
  CHECK(std::string{sb::route_name(sb::route_id::media_status)}
        == "media-status");
  CHECK(sb::match_route("GET", "/voice/media-done").error == 405);
  // The stream's WebSocket is told apart before routing (app/media_front).
  CHECK(sb::match_route("GET", "/media").error == 404);
}

TEST_CASE("POST /voice/relay-done is the ConversationRelay session's end",
          "[routes]") {
  auto m = sb::match_route("POST", "/voice/relay-done");
  CHECK(m.error == 0);
  CHECK(m.id == sb::route_id::relay_done);
  CHECK(m.arg.empty());
  auto get = sb::match_route("GET", "/voice/relay-done");
  CHECK(get.error == 405);
  CHECK(allow_of(get) == "POST");
  for (const char* path :
       {"/voice/relay-done/", "/voice/relay_done", "/voice/relay",
        "/relay-done", "/voice/relay-done/CA1"})
    CHECK(sb::match_route("POST", path).error == 404);
  // The WebSocket path is not a route of this table: the upgrade is told
  // apart before routing (parse_relay_target in app/voice_twiml).
  CHECK(sb::match_route("GET", "/relay/CA1/tok").error == 404);
}
