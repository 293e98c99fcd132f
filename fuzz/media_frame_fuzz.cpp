// Fuzzes the Media Streams frames (twilio/media_frames) and the base64
// under them. Every input is used as a frame from Twilio, as a frame of
// ours read by the simulator, as audio and text for the writers, as a mark
// name and as base64. Properties: a refusal is a bad_request starting
// "media frame: " or "media command: "; a frame with a NUL byte is
// refused; an accepted frame's strings are UTF-8 without NULs, its digit
// one DTMF key, its track inbound or outbound, its counts below 2^53, its
// payload never over the limit, and a smaller limit refuses exactly the
// payloads over it; its event_name is its event; written again by the
// twilio_* writers it parses to the same values. Each of our frames,
// parsed by the simulator and written again, reads the same, and
// media_audio_frame/media_mark_frame carry any bytes or text unchanged.
// A mark name parses only in the one spelling mark_name writes, and
// decoded base64 encodes back to the same text.
#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/text/form.hpp"
#include "twilio/base64.hpp"
#include "twilio/media_frames.hpp"

namespace {

// A typical 20 ms frame is 160 bytes: the fuzzer meets this limit often.
constexpr size_t small_limit = 24;
constexpr size_t no_limit = std::numeric_limits<size_t>::max();
constexpr int64_t wire_number_limit = int64_t{1} << 53;
const std::string some_sid = "MZf7b44cfafd5c52223d5498196c8a2e7b";

bool clean(const std::string& s) {
  return sb::is_valid_utf8(s) && s.find('\0') == std::string::npos;
}

bool count_ok(int64_t n) {
  return n >= 0 && n < wire_number_limit;
}

void check_refusal(const caf::error& err, const char* prefix) {
  SB_FUZZ_CHECK(err == sb::errc::bad_request);
  SB_FUZZ_CHECK(sb::what(err).rfind(prefix, 0) == 0);
}

// The invariants of one accepted frame from Twilio.
void check_accepted(const sb::media_frame& frame, size_t limit) {
  std::visit(
    [limit](const auto& x) {
      using frame_type = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<frame_type, sb::media_connected>) {
        SB_FUZZ_CHECK(clean(x.protocol) && clean(x.version));
      } else if constexpr (std::is_same_v<frame_type, sb::media_start>) {
        SB_FUZZ_CHECK(count_ok(x.sequence));
        SB_FUZZ_CHECK(clean(x.stream_sid) && !x.stream_sid.empty());
        SB_FUZZ_CHECK(clean(x.call_sid) && !x.call_sid.empty());
        SB_FUZZ_CHECK(clean(x.account_sid));
        for (const auto& track : x.tracks)
          SB_FUZZ_CHECK(clean(track));
        for (const auto& [key, value] : x.custom_parameters)
          SB_FUZZ_CHECK(clean(key) && clean(value));
        SB_FUZZ_CHECK(x.encoding == "audio/x-mulaw");
        SB_FUZZ_CHECK(x.sample_rate > 0 && x.channels > 0);
      } else if constexpr (std::is_same_v<frame_type, sb::media_audio>) {
        SB_FUZZ_CHECK(count_ok(x.sequence) && count_ok(x.chunk)
                      && count_ok(x.timestamp_ms));
        SB_FUZZ_CHECK(clean(x.stream_sid));
        SB_FUZZ_CHECK(x.track == "inbound" || x.track == "outbound");
        SB_FUZZ_CHECK(x.payload.size() <= limit);
      } else if constexpr (std::is_same_v<frame_type, sb::media_dtmf>) {
        SB_FUZZ_CHECK(count_ok(x.sequence) && clean(x.stream_sid));
        SB_FUZZ_CHECK(x.digit.size() == 1
                      && std::strchr("0123456789*#ABCD", x.digit[0])
                           != nullptr);
      } else if constexpr (std::is_same_v<frame_type, sb::media_mark>) {
        SB_FUZZ_CHECK(count_ok(x.sequence) && clean(x.stream_sid));
        SB_FUZZ_CHECK(clean(x.name));
      } else if constexpr (std::is_same_v<frame_type, sb::media_stop>) {
        SB_FUZZ_CHECK(count_ok(x.sequence) && clean(x.stream_sid));
        SB_FUZZ_CHECK(clean(x.account_sid) && clean(x.call_sid));
      } else {
        SB_FUZZ_CHECK(clean(x.event));
        for (const char* known :
             {"connected", "start", "media", "dtmf", "mark", "stop"})
          SB_FUZZ_CHECK(x.event != known);
      }
    },
    frame);
}

// A frame parsed `limit`-bound, checked, or nullopt if refused.
std::optional<sb::media_frame> parse(std::string_view text, size_t limit) {
  auto frame = sb::parse_media_frame(text, limit);
  if (!frame) {
    check_refusal(frame.error(), "media frame: ");
    return std::nullopt;
  }
  SB_FUZZ_CHECK(text.find('\0') == std::string_view::npos);
  check_accepted(*frame, limit);
  return std::move(*frame);
}

// `text`, which must parse as a T.
template <class T>
T parsed_as(const std::string& text) {
  auto frame = parse(text, no_limit);
  SB_FUZZ_CHECK(frame && std::holds_alternative<T>(*frame));
  return std::get<T>(std::move(*frame));
}

// Written again by Twilio's writers, the frame reads the same (the fields
// those writers carry).
void check_rewritten(const sb::media_frame& frame) {
  using namespace sb;
  if (const auto* s = std::get_if<media_start>(&frame)) {
    auto again = parsed_as<media_start>(twilio_start_frame(
      s->stream_sid, s->account_sid, s->call_sid, s->custom_parameters));
    SB_FUZZ_CHECK(again.stream_sid == s->stream_sid
                  && again.account_sid == s->account_sid
                  && again.call_sid == s->call_sid
                  && again.custom_parameters == s->custom_parameters);
  } else if (const auto* a = std::get_if<media_audio>(&frame)) {
    auto again = parsed_as<media_audio>(twilio_media_frame(
      a->stream_sid, a->sequence, a->chunk, a->timestamp_ms, a->payload));
    SB_FUZZ_CHECK(again.stream_sid == a->stream_sid
                  && again.sequence == a->sequence && again.chunk == a->chunk
                  && again.timestamp_ms == a->timestamp_ms
                  && again.payload == a->payload);
  } else if (const auto* d = std::get_if<media_dtmf>(&frame)) {
    auto again = parsed_as<media_dtmf>(
      twilio_dtmf_frame(d->stream_sid, d->sequence, d->digit));
    SB_FUZZ_CHECK(again.stream_sid == d->stream_sid
                  && again.sequence == d->sequence && again.digit == d->digit);
  } else if (const auto* m = std::get_if<media_mark>(&frame)) {
    auto again = parsed_as<media_mark>(
      twilio_mark_frame(m->stream_sid, m->sequence, m->name));
    SB_FUZZ_CHECK(again.stream_sid == m->stream_sid
                  && again.sequence == m->sequence && again.name == m->name);
  } else if (const auto* p = std::get_if<media_stop>(&frame)) {
    auto again = parsed_as<media_stop>(twilio_stop_frame(
      p->stream_sid, p->sequence, p->account_sid, p->call_sid));
    SB_FUZZ_CHECK(
      again.stream_sid == p->stream_sid && again.sequence == p->sequence
      && again.account_sid == p->account_sid && again.call_sid == p->call_sid);
  }
}

void check_frame(std::string_view text) {
  auto frame = parse(text, no_limit);
  auto small = parse(text, small_limit);
  if (!frame) {
    SB_FUZZ_CHECK(!small);
    return;
  }
  // The limit refuses exactly the payloads over it, and nothing else.
  const auto* audio = std::get_if<sb::media_audio>(&*frame);
  const bool over = audio != nullptr && audio->payload.size() > small_limit;
  SB_FUZZ_CHECK(bool(small) == !over);
  if (!small) {
    auto refusal = sb::parse_media_frame(text, small_limit);
    SB_FUZZ_CHECK(sb::what(refusal.error()).find("decodes to more than")
                  != std::string::npos);
  }
  // In the order of media_frame's alternatives.
  static const char* const events[] = {"connected", "start", "media",
                                       "dtmf",      "mark",  "stop"};
  if (const auto* unknown = std::get_if<sb::media_unknown>(&*frame))
    SB_FUZZ_CHECK(sb::event_name(*frame) == unknown->event);
  else
    SB_FUZZ_CHECK(sb::event_name(*frame) == events[frame->index()]);
  check_rewritten(*frame);
}

// One of our frames as the simulator reads it, written again.
void check_command(std::string_view text) {
  using kind = sb::media_command::kind;
  auto command = sb::parse_media_command(text);
  if (!command) {
    check_refusal(command.error(), "media command: ");
    return;
  }
  SB_FUZZ_CHECK(text.find('\0') == std::string_view::npos);
  SB_FUZZ_CHECK(clean(command->stream_sid) && !command->stream_sid.empty());
  std::string again;
  if (command->what == kind::media)
    again = sb::media_audio_frame(command->stream_sid, command->payload);
  else if (command->what == kind::mark)
    again = sb::media_mark_frame(command->stream_sid, command->name);
  else
    again = sb::media_clear_frame(command->stream_sid);
  auto reread = sb::parse_media_command(again);
  SB_FUZZ_CHECK(reread && reread->what == command->what
                && reread->stream_sid == command->stream_sid
                && reread->payload == command->payload
                && reread->name == command->name);
}

// Our writers carry any audio bytes, and any text as a mark name or SID.
void check_writers(std::string_view in) {
  using kind = sb::media_command::kind;
  auto audio = sb::parse_media_command(sb::media_audio_frame(some_sid, in));
  SB_FUZZ_CHECK(audio && audio->what == kind::media
                && audio->stream_sid == some_sid && audio->payload == in);
  auto heard = parse(sb::twilio_media_frame(some_sid, 1, 1, 20, in), no_limit);
  SB_FUZZ_CHECK(heard && std::get<sb::media_audio>(*heard).payload == in);
  if (!clean(std::string(in)) || in.empty())
    return;
  auto mark = sb::parse_media_command(sb::media_mark_frame(in, in));
  SB_FUZZ_CHECK(mark && mark->what == kind::mark && mark->stream_sid == in
                && mark->name == in);
  auto clear = sb::parse_media_command(sb::media_clear_frame(in));
  SB_FUZZ_CHECK(clear && clear->what == kind::clear && clear->stream_sid == in);
}

void check_mark_name(std::string_view in) {
  if (auto parsed = sb::parse_mark_name(in))
    SB_FUZZ_CHECK(sb::mark_name(parsed->first, parsed->second) == in);
  uint64_t generation = 0;
  uint32_t clause = 0;
  std::memcpy(&generation, in.data(), std::min(in.size(), sizeof generation));
  if (in.size() > sizeof generation)
    std::memcpy(&clause, in.data() + sizeof generation,
                std::min(in.size() - sizeof generation, sizeof clause));
  auto name = sb::mark_name(generation, clause);
  auto parsed = sb::parse_mark_name(name);
  SB_FUZZ_CHECK(parsed && parsed->first == generation
                && parsed->second == clause);
}

void check_base64(std::string_view in) {
  auto bytes = sb::base64_decode(in);
  if (!bytes)
    return;
  SB_FUZZ_CHECK(sb::base64_decoded_size(in) == bytes->size());
  SB_FUZZ_CHECK(sb::base64_encode(*bytes) == in);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = sb::fuzz::as_text(data, size);
  check_frame(in);
  check_command(in);
  check_writers(in);
  check_mark_name(in);
  check_base64(in);
  return 0;
}
