#include "core/call_event.hpp"

namespace sb {

const char* to_string(event_kind kind) {
  switch (kind) {
    case event_kind::inbound: return "inbound";
    case event_kind::outbound: return "outbound";
    case event_kind::process_speech: return "process-speech";
    case event_kind::call_status: return "call-status";
    case event_kind::recording_status: return "recording-status";
    case event_kind::amd_status: return "amd-status";
    case event_kind::await_turn: return "await";
    case event_kind::relay_done: return "relay-done";
    case event_kind::relay_open: return "relay-setup";
    case event_kind::relay_prompt: return "relay-prompt";
    case event_kind::relay_interrupt: return "relay-interrupt";
    case event_kind::relay_dtmf: return "relay-dtmf";
    case event_kind::relay_error: return "relay-error";
    case event_kind::relay_closed: return "relay-closed";
    case event_kind::media_done: return "media-done";
    case event_kind::media_status: return "media-status";
    case event_kind::media_open: return "media-start";
    case event_kind::media_turn: return "media-turn";
    case event_kind::media_heard: return "media-mark";
    case event_kind::media_playing: return "media-playing";
    case event_kind::media_barge_in: return "media-barge-in";
    case event_kind::media_dtmf: return "media-dtmf";
    case event_kind::media_silence: return "media-silence";
    case event_kind::media_stop: return "media-stop";
    case event_kind::media_closed: return "media-closed";
  }
  return "unknown";
}

bool is_relay_frame(event_kind kind) {
  switch (kind) {
    case event_kind::relay_open:
    case event_kind::relay_prompt:
    case event_kind::relay_interrupt:
    case event_kind::relay_dtmf:
    case event_kind::relay_error:
    case event_kind::relay_closed: return true;
    default: return false;
  }
}

bool is_media_frame(event_kind kind) {
  switch (kind) {
    case event_kind::media_open:
    case event_kind::media_turn:
    case event_kind::media_heard:
    case event_kind::media_playing:
    case event_kind::media_barge_in:
    case event_kind::media_dtmf:
    case event_kind::media_silence:
    case event_kind::media_stop:
    case event_kind::media_closed: return true;
    default: return false;
  }
}

bool wants_twiml(event_kind kind) {
  switch (kind) {
    case event_kind::call_status:
    case event_kind::recording_status:
    case event_kind::amd_status:
    case event_kind::media_status: return false;
    default: return true;
  }
}

} // namespace sb
