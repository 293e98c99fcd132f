#include "app/routes.hpp"

#include <array>

namespace sb {

namespace {

struct route_entry {
  std::string_view path;
  std::string_view method;
  route_id id;
};

constexpr std::array<route_entry, 15> fixed_routes{{
  {"/", "GET", route_id::root},
  {"/healthz", "GET", route_id::healthz},
  {"/voice/inbound", "POST", route_id::voice_inbound},
  {"/voice/outbound", "POST", route_id::voice_outbound},
  {"/voice/process-speech", "POST", route_id::process_speech},
  {"/voice/await", "POST", route_id::await_turn},
  {"/voice/relay-done", "POST", route_id::relay_done},
  {"/voice/media-done", "POST", route_id::media_done},
  {"/voice/media-status", "POST", route_id::media_status},
  {"/call-status", "POST", route_id::call_status},
  {"/recording-status", "POST", route_id::recording_status},
  {"/amd-status", "POST", route_id::amd_status},
  {"/make-call", "POST", route_id::make_call},
  {"/sessions", "GET", route_id::sessions},
  {"/metrics", "GET", route_id::metrics},
}};

route_match check_method(std::string_view method, std::string_view wanted,
                         route_match m) {
  // HEAD is answered like GET by clients' health probes; allow it.
  if (method == wanted || (wanted == "GET" && method == "HEAD"))
    return m;
  m.error = 405;
  m.allow = wanted == "GET" ? "GET, HEAD" : "POST";
  return m;
}

} // namespace

route_match match_route(std::string_view method, std::string_view path) {
  for (const auto& r : fixed_routes)
    if (path == r.path)
      return check_method(method, r.method, route_match{r.id, {}, 0, ""});
  constexpr std::string_view session_prefix = "/session/";
  if (path.substr(0, session_prefix.size()) == session_prefix) {
    auto sid = path.substr(session_prefix.size());
    if (!sid.empty() && sid.find('/') == std::string_view::npos)
      return check_method(
        method, "GET", route_match{route_id::session, std::string{sid}, 0, ""});
  }
  constexpr std::string_view audio_prefix = "/audio/";
  constexpr std::string_view wav = ".wav";
  if (path.substr(0, audio_prefix.size()) == audio_prefix
      && path.size() > audio_prefix.size() + wav.size()
      && path.substr(path.size() - wav.size()) == wav) {
    auto id = path.substr(audio_prefix.size(),
                          path.size() - audio_prefix.size() - wav.size());
    if (id.find('/') == std::string_view::npos)
      return check_method(method, "GET",
                          route_match{route_id::audio, std::string{id}, 0, ""});
  }
  route_match none;
  none.error = 404;
  return none;
}

bool is_twilio_webhook(route_id id) {
  switch (id) {
    case route_id::voice_inbound:
    case route_id::voice_outbound:
    case route_id::process_speech:
    case route_id::await_turn:
    case route_id::relay_done:
    case route_id::media_done:
    case route_id::media_status:
    case route_id::call_status:
    case route_id::recording_status:
    case route_id::amd_status: return true;
    default: return false;
  }
}

const char* route_name(route_id id) {
  switch (id) {
    case route_id::root: return "root";
    case route_id::healthz: return "healthz";
    case route_id::voice_inbound: return "inbound";
    case route_id::voice_outbound: return "outbound";
    case route_id::process_speech: return "process-speech";
    case route_id::await_turn: return "await";
    case route_id::relay_done: return "relay-done";
    case route_id::media_done: return "media-done";
    case route_id::media_status: return "media-status";
    case route_id::call_status: return "call-status";
    case route_id::recording_status: return "recording-status";
    case route_id::amd_status: return "amd-status";
    case route_id::make_call: return "make-call";
    case route_id::sessions: return "sessions";
    case route_id::session: return "session";
    case route_id::audio: return "audio";
    case route_id::metrics: return "metrics";
  }
  return "unknown";
}

} // namespace sb
