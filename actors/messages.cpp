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
  }
  return "unknown";
}

} // namespace sb
