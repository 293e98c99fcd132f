// ConversationRelay WebSocket frames (Twilio's WebSocket messages) as plain
// values: one text frame from Twilio parsed into a variant of structs, and
// the frames we send back built as compact JSON strings. Pure functions
// over RapidJSON: no sockets, no actors, no state, callable from any
// thread. The WebSocket session and the call actor adapt these; neither
// ever sees JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

/// The first frame of every session. sessionId, accountSid and callSid are
/// required (callSid non-empty); the other strings are empty when Twilio
/// leaves them out or sends null.
struct relay_setup {
  std::string session_id;  // sessionId, "VX..."
  std::string account_sid; // accountSid
  std::string call_sid;    // callSid
  std::string parent_call_sid;
  std::string from;
  std::string to;
  std::string forwarded_from;
  std::string caller_name;
  std::string call_type;   // e.g. "PSTN"
  std::string direction;   // e.g. "inbound"
  std::string call_status; // e.g. "RINGING"
  /// customParameters{} (the <Parameter>s of the TwiML), in frame order.
  std::vector<std::pair<std::string, std::string>> custom_parameters;
};

/// What the caller said. `last` is false for an interim piece of an
/// utterance; a frame without `last` counts as a whole utterance.
struct relay_prompt {
  std::string voice_prompt; // voicePrompt, may be empty
  std::string lang;         // e.g. "hi-IN"; empty if absent
  bool last = true;
};

/// One DTMF key: one of 0-9 * # A-D.
struct relay_dtmf {
  std::string digit;
};

/// The caller talked over us: what had been spoken until then.
struct relay_interrupt {
  std::string utterance_until_interrupt;
  int64_t duration_until_interrupt_ms = 0; // 0 if absent
};

/// Twilio reports a problem (e.g. 64107 for a frame of ours it rejected).
struct relay_error {
  std::string description;
};

/// Any other type (debug frames: speaker events, tokens played). Callers
/// ignore these; they are not errors.
struct relay_unknown {
  std::string type;
};

using relay_inbound = std::variant<relay_setup, relay_prompt, relay_dtmf,
                                   relay_interrupt, relay_error, relay_unknown>;

/// A generous default for `max_bytes`: a setup frame with custom
/// parameters is well under 8 KiB, a prompt a few hundred bytes.
constexpr size_t relay_frame_max_bytes = 64 * 1024;

/// Parses one text frame. Errors (errc::bad_request; the message starts
/// "relay frame: " and names the field): larger than `max_bytes`, not
/// JSON (a raw NUL byte anywhere included), not an object, `type` missing or
/// not a string, a required field of a known type missing, any known field of
/// the wrong type, a string that is not valid UTF-8 (raw bytes or an escaped
/// lone surrogate) or holds a NUL, a DTMF digit that is not one key. Unknown
/// types give relay_unknown whatever else they carry; unknown fields of known
/// types are ignored.
caf::expected<relay_inbound>
parse_relay_frame(std::string_view text,
                  size_t max_bytes = relay_frame_max_bytes);

// Outbound frames. Every string is JSON-escaped (quotes, backslashes,
// control characters as \u00XX; other UTF-8 is written as is).
// REQUIRES for every text argument: valid UTF-8 (Twilio rejects anything
// else with error 64107; these functions do not check it).

/// {"type":"text","token":...,"last":...[,"lang":...]}: one piece of the
/// reply, streamed untrimmed; `last` ends the talk cycle. `lang` is left
/// out when empty.
std::string relay_text_frame(std::string_view token, bool last,
                             std::string_view lang = {});

/// {"type":"sendDigits","digits":...}. Error (errc::bad_request) if
/// `digits` is empty or holds anything but 0-9 w # *.
caf::expected<std::string> relay_send_digits_frame(std::string_view digits);

/// {"type":"language"[,"ttsLanguage":...][,"transcriptionLanguage":...]};
/// an empty argument is left out. Error (errc::bad_request) if both are
/// empty.
caf::expected<std::string>
relay_language_frame(std::string_view tts_language,
                     std::string_view transcription_language);

/// {"type":"end"[,"handoffData":...]}: ends the session; Twilio passes
/// `handoff_data` (left out when empty) to the <Connect action> URL.
std::string relay_end_frame(std::string_view handoff_data = {});

/// {"type":"play","source":...,"loop":...,"interruptible":...}. `loop` 0
/// means 1000 times (Twilio's rule). Error (errc::bad_request) if `source`
/// is empty.
caf::expected<std::string> relay_play_frame(std::string_view source,
                                            uint32_t loop = 1,
                                            bool interruptible = true);

} // namespace sb
