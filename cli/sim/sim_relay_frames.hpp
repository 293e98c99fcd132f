// ConversationRelay frames from Twilio's side (Twilio's WebSocket messages):
// the frames the simulator sends the daemon (setup, prompt, dtmf,
// interrupt) built as compact JSON, and the daemon's frames (text, end,
// sendDigits, anything else) parsed into a variant. The mirror image of
// twilio/relay_frames.hpp, which is the daemon's side. Pure functions over
// RapidJSON: no sockets, no state, callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

#include "twilio/relay_frames.hpp"

namespace sb {

// Twilio -> daemon. Every string is JSON-escaped (quotes, backslashes,
// control characters as \u00XX; other UTF-8 is written as is).
// REQUIRES for every text argument: valid UTF-8 (not checked).

/// {"type":"setup","sessionId",...,"customParameters":{...}}: the first
/// frame of a session. Every field of relay_setup is written, empty ones
/// as "" (Twilio sends parentCallSid, forwardedFrom and callerName empty
/// rather than leaving them out), in the order Twilio writes them;
/// customParameters in the given order (the <Parameter>s of the TwiML).
std::string sim_setup_frame(const relay_setup& setup);

/// {"type":"prompt","voicePrompt":...,"lang":...,"last":...}: what the
/// caller said. `lang` is left out when empty.
std::string sim_prompt_frame(std::string_view voice_prompt,
                             std::string_view lang, bool last = true);

/// {"type":"dtmf","digit":...}: one key.
std::string sim_dtmf_frame(std::string_view digit);

/// {"type":"interrupt","utteranceUntilInterrupt":...,
///  "durationUntilInterruptMs":...}: the caller talked over the reply
/// after hearing `heard`, `duration_ms` after it began.
std::string sim_interrupt_frame(std::string_view heard, int64_t duration_ms);

// Daemon -> Twilio.

/// A piece of the reply, untrimmed; `last` ends the talk cycle.
struct daemon_text {
  std::string token;
  bool last = false; // false when absent, as Twilio reads it
};

/// The daemon ends the session; Twilio posts handoff_data to the
/// <Connect action>.
struct daemon_end {
  std::string handoff_data; // empty when absent
};

/// DTMF tones the daemon plays into the call.
struct daemon_send_digits {
  std::string digits;
};

/// Any other type (play, language, ...): the simulator ignores it.
struct daemon_other {
  std::string type;
};

using daemon_frame =
  std::variant<daemon_text, daemon_end, daemon_send_digits, daemon_other>;

/// Parses one text frame from the daemon. Errors (errc::bad_request; the
/// message starts "daemon frame: "): not one JSON object (a raw NUL byte
/// included), `type` missing or not a string, `token` (text) or `digits`
/// (sendDigits) missing or not a string, `last` not a boolean,
/// `handoffData` not a string. Unknown types give daemon_other whatever
/// else they carry.
caf::expected<daemon_frame> parse_daemon_frame(std::string_view text);

} // namespace sb
