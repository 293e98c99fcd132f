// Twilio Media Streams WebSocket frames (bidirectional <Connect><Stream>)
// as plain values, both ways: what Twilio sends (connected, start, media,
// dtmf, mark, stop) parsed into a variant of structs, and the three frames
// we may send back (media, mark, clear) built as compact JSON strings. The
// simulator and the tests play Twilio's side with the mirror pair: they
// build Twilio's frames and parse ours. Pure functions over RapidJSON and
// OpenSSL's base64: no sockets, no actors, no state, callable from any
// thread. Twilio's field names are read here and nowhere else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

// -- From Twilio --------------------------------------------------------------

/// The first frame: the socket is up. Fields may be empty.
struct media_connected {
  std::string protocol; // "Call"
  std::string version;  // "1.0.0"
};

/// The stream is bound to a call. streamSid and start.callSid are required
/// and non-empty; mediaFormat is required and must be audio/x-mulaw (the
/// caller checks the rate: 8000 is the only one we take).
struct media_start {
  int64_t sequence = 0;
  std::string stream_sid;
  std::string account_sid;
  std::string call_sid;
  std::vector<std::string> tracks; // "inbound", "outbound"
  /// customParameters{} (the <Parameter>s of the TwiML), in frame order.
  std::vector<std::pair<std::string, std::string>> custom_parameters;
  std::string encoding; // "audio/x-mulaw"
  int sample_rate = 0;  // 8000
  int channels = 0;     // 1
};

/// One piece of the caller's audio. `sequence`, `chunk` and `timestamp`
/// are decimal strings on the wire; a missing or non-numeric one is an
/// error. `payload` is base64-decoded raw 8 kHz μ-law (no header).
struct media_audio {
  int64_t sequence = 0;
  std::string stream_sid;
  std::string track; // "inbound" (an absent track counts as inbound)
  int64_t chunk = 0;
  int64_t timestamp_ms = 0; // since the stream started
  std::string payload;      // decoded bytes, one μ-law sample each
};

/// A key the caller pressed: one of 0-9 * # A-D.
struct media_dtmf {
  int64_t sequence = 0;
  std::string stream_sid;
  std::string digit;
};

/// A mark of ours came back: its audio has played, or a clear flushed it.
struct media_mark {
  int64_t sequence = 0;
  std::string stream_sid;
  std::string name;
};

/// The stream ended (the caller hung up, or the call moved on).
struct media_stop {
  int64_t sequence = 0;
  std::string stream_sid;
  std::string account_sid;
  std::string call_sid;
};

/// A frame with an `event` we do not know (logged, ignored).
struct media_unknown {
  std::string event;
};

using media_frame =
  std::variant<media_connected, media_start, media_audio, media_dtmf,
               media_mark, media_stop, media_unknown>;

/// Parses one text frame from Twilio. Errors (errc::bad_request, the
/// message naming the field): not JSON, not an object, no string `event`,
/// a required field missing or of the wrong type, a numeric string that is
/// not a non-negative decimal integer below 2^53, base64 that does not
/// decode, a decoded payload longer than `max_payload_bytes`, a dtmf digit
/// outside 0-9 * # A-D, a start whose encoding is not audio/x-mulaw.
///
/// Required beyond the structs' notes: the top-level `streamSid` on every
/// frame but connected (start.streamSid is not read), and the `media`,
/// `dtmf`, `mark` objects of their frames; `stop{}` and its SIDs are
/// optional. `sequenceNumber` is required on media only, where it orders
/// audio; on start, dtmf, mark and stop a missing one reads as 0, since
/// nothing orders those by it and refusing a stop or a mark echo over a
/// counter would lose the end of the stream or of a reply. Present, it
/// must be valid on every frame. A track other than inbound or outbound
/// is an error; sampleRate and channels must be positive whole numbers.
/// Unknown fields are ignored; a JSON null counts as absent.
caf::expected<media_frame> parse_media_frame(std::string_view text,
                                             size_t max_payload_bytes);

/// The `event` of a frame (for logs and counters): "connected", "start",
/// "media", "dtmf", "mark", "stop", or the unknown event's name.
std::string event_name(const media_frame& frame);

// -- To Twilio (ours) ---------------------------------------------------------

// Every string is JSON-escaped. REQUIRES for every text argument: valid
// UTF-8 (these functions do not check it).

/// {"event":"media","streamSid":…,"media":{"payload":base64(mulaw)}}.
std::string media_audio_frame(std::string_view stream_sid,
                              std::string_view mulaw);

/// {"event":"mark","streamSid":…,"mark":{"name":…}}.
std::string media_mark_frame(std::string_view stream_sid,
                             std::string_view name);

/// {"event":"clear","streamSid":…}.
std::string media_clear_frame(std::string_view stream_sid);

/// The name of the mark after clause `clause` of reply generation
/// `generation`: "g7.c3". A clear makes Twilio echo every pending mark,
/// indistinguishable from played ones: the generation in the name tells
/// the echoes of a cleared reply from marks that really played.
std::string mark_name(uint64_t generation, uint32_t clause);

/// The generation and clause of a name made by mark_name(), or nullopt
/// for any other name.
std::optional<std::pair<uint64_t, uint32_t>>
parse_mark_name(std::string_view name);

// -- Twilio's side (the simulator and the tests) ------------------------------

/// What we sent, parsed by the simulator playing Twilio.
struct media_command {
  enum class kind : uint8_t { media, mark, clear };
  kind what = kind::media;
  std::string stream_sid;
  std::string payload; // media: decoded μ-law
  std::string name;    // mark
};

/// Parses one of our frames. Errors (errc::bad_request): anything but a
/// well-formed media, mark or clear frame (Twilio's error 31924 on a live
/// call), an empty streamSid, a media payload that is not base64 (of any
/// decoded length). Unknown fields are ignored.
caf::expected<media_command> parse_media_command(std::string_view text);

// Twilio's frames, in Twilio's field order. parse_media_frame accepts
// each of them when its arguments are valid UTF-8, the SIDs of a start
// non-empty, the counts from 0 to 2^53-1, the digit one DTMF key, and the
// audio within the caller's payload limit.

/// {"event":"connected","protocol":"Call","version":"1.0.0"}.
std::string twilio_connected_frame();

/// The start frame for a call: sequenceNumber "1", tracks ["inbound"],
/// mediaFormat audio/x-mulaw 8000 Hz mono, `custom_parameters` in order.
std::string twilio_start_frame(
  std::string_view stream_sid, std::string_view account_sid,
  std::string_view call_sid,
  const std::vector<std::pair<std::string, std::string>>& custom_parameters);

/// A media frame of the caller's audio (`mulaw` raw bytes, base64-encoded
/// here) with its sequence number, chunk and timestamp as strings.
std::string twilio_media_frame(std::string_view stream_sid, int64_t sequence,
                               int64_t chunk, int64_t timestamp_ms,
                               std::string_view mulaw);

/// A dtmf frame for one key.
std::string twilio_dtmf_frame(std::string_view stream_sid, int64_t sequence,
                              std::string_view digit);

/// The echo of one of our marks.
std::string twilio_mark_frame(std::string_view stream_sid, int64_t sequence,
                              std::string_view name);

/// The stop frame.
std::string twilio_stop_frame(std::string_view stream_sid, int64_t sequence,
                              std::string_view account_sid,
                              std::string_view call_sid);

} // namespace sb
