// The daemon's URL space as a pure lookup: (method, path) -> route, or the
// HTTP status for an unknown path (404) or a known path with the wrong
// method (405); and each route's short name for logs and metric labels.
#pragma once

#include <string>
#include <string_view>

namespace sb {

enum class route_id {
  root,             // GET  /
  healthz,          // GET  /healthz
  voice_inbound,    // POST /voice/inbound
  voice_outbound,   // POST /voice/outbound
  process_speech,   // POST /voice/process-speech
  await_turn,       // POST /voice/await?turn=N
  relay_done,       // POST /voice/relay-done  (<Connect action> after a
                    //   ConversationRelay session; fetches TwiML)
  media_done,       // POST /voice/media-done  (<Connect action> after a
                    //   media stream; fetches TwiML)
  media_status,     // POST /voice/media-status (the stream's
                    //   statusCallback)
  call_status,      // POST /call-status
  recording_status, // POST /recording-status
  amd_status,       // POST /amd-status
  make_call,        // POST /make-call           (operator)
  sessions,         // GET  /sessions            (operator)
  session,          // GET  /session/{call_sid}  (operator)
  audio,            // GET  /audio/{id}.wav      (Twilio's <Play> fetch)
  metrics,          // GET  /metrics             (Prometheus, no auth)
};

struct route_match {
  route_id id = route_id::root;
  std::string arg;        // {call_sid} of session, {id} of audio
  unsigned error = 0;     // 404 or 405 when no route matched, else 0
  const char* allow = ""; // the allowed method, for 405's Allow header
};

route_match match_route(std::string_view method, std::string_view path);

/// True for the webhooks Twilio posts (form bodies, signed).
bool is_twilio_webhook(route_id id);

/// A stable short name: the path's last fixed segment ("process-speech",
/// "call-status", "await", "metrics"...), "root" for GET /. Used as the
/// `route` label of switchboard_webhook_duration_seconds: keep names stable.
const char* route_name(route_id id);

} // namespace sb
