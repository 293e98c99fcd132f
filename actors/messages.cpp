#include "actors/messages.hpp"

namespace sb {

const char* to_string(webhook_kind kind) {
  switch (kind) {
    case webhook_kind::inbound: return "inbound";
    case webhook_kind::outbound: return "outbound";
    case webhook_kind::process_speech: return "process-speech";
    case webhook_kind::call_status: return "call-status";
    case webhook_kind::recording_status: return "recording-status";
    case webhook_kind::amd_status: return "amd-status";
    case webhook_kind::await_turn: return "await";
    case webhook_kind::relay_done: return "relay-done";
    case webhook_kind::relay_open: return "relay-setup";
    case webhook_kind::relay_prompt: return "relay-prompt";
    case webhook_kind::relay_interrupt: return "relay-interrupt";
    case webhook_kind::relay_dtmf: return "relay-dtmf";
    case webhook_kind::relay_error: return "relay-error";
    case webhook_kind::relay_closed: return "relay-closed";
  }
  return "unknown";
}

bool is_relay_frame(webhook_kind kind) {
  switch (kind) {
    case webhook_kind::relay_open:
    case webhook_kind::relay_prompt:
    case webhook_kind::relay_interrupt:
    case webhook_kind::relay_dtmf:
    case webhook_kind::relay_error:
    case webhook_kind::relay_closed:
      return true;
    default:
      return false;
  }
}

} // namespace sb
