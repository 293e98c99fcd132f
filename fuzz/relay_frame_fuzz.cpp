// Fuzzes the ConversationRelay frames (twilio/relay_frames). Every input is
// used twice: as a WebSocket text frame from Twilio, and as the text of
// the frames we send back. Properties: a frame over the size limit is
// refused, and under it a small limit changes nothing; a refusal is a
// bad_request starting "relay frame: " (a JSON error names a byte inside
// the frame); a frame with a NUL byte is refused (JSON text has none); an
// accepted frame's strings are UTF-8 without NULs, its digit one DTMF key,
// its callSid non-empty, its type for relay_unknown none of the known
// ones; an accepted frame written back as JSON parses to the same value.
// Each outbound builder, given any UTF-8, writes one JSON object holding
// exactly that text (escaping is lossless), fails only where its contract
// says, and reads back through parse_relay_frame as an unknown type.
#include <cstring>
#include <limits>
#include <string>
#include <variant>

#include <rapidjson/document.h>

#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/text/form.hpp"
#include "net/text/json_writer.hpp"
#include "twilio/relay_frames.hpp"

namespace {

// Small enough that the fuzzer meets the limit often.
constexpr size_t small_max_bytes = 96;
constexpr size_t no_limit = std::numeric_limits<size_t>::max();

bool clean(const std::string& s) {
  return sb::is_valid_utf8(s) && s.find('\0') == std::string::npos;
}

// Field-by-field equality; the structs have no operator==.
bool same(const sb::relay_inbound& a, const sb::relay_inbound& b) {
  if (a.index() != b.index())
    return false;
  return std::visit(
    [&b](const auto& x) {
      using frame_type = std::decay_t<decltype(x)>;
      const auto& y = std::get<frame_type>(b);
      if constexpr (std::is_same_v<frame_type, sb::relay_setup>)
        return x.session_id == y.session_id && x.account_sid == y.account_sid
               && x.call_sid == y.call_sid
               && x.parent_call_sid == y.parent_call_sid && x.from == y.from
               && x.to == y.to && x.forwarded_from == y.forwarded_from
               && x.caller_name == y.caller_name && x.call_type == y.call_type
               && x.direction == y.direction && x.call_status == y.call_status
               && x.custom_parameters == y.custom_parameters;
      else if constexpr (std::is_same_v<frame_type, sb::relay_prompt>)
        return x.voice_prompt == y.voice_prompt && x.lang == y.lang
               && x.last == y.last;
      else if constexpr (std::is_same_v<frame_type, sb::relay_dtmf>)
        return x.digit == y.digit;
      else if constexpr (std::is_same_v<frame_type, sb::relay_interrupt>)
        return x.utterance_until_interrupt == y.utterance_until_interrupt
               && x.duration_until_interrupt_ms
                    == y.duration_until_interrupt_ms;
      else if constexpr (std::is_same_v<frame_type, sb::relay_error>)
        return x.description == y.description;
      else
        return x.type == y.type;
    },
    a);
}

// The invariants of one accepted frame.
void check_accepted(const sb::relay_inbound& frame) {
  std::visit(
    [](const auto& x) {
      using frame_type = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<frame_type, sb::relay_setup>) {
        for (const auto* s :
             {&x.session_id, &x.account_sid, &x.call_sid, &x.parent_call_sid,
              &x.from, &x.to, &x.forwarded_from, &x.caller_name, &x.call_type,
              &x.direction, &x.call_status})
          SB_FUZZ_CHECK(clean(*s));
        SB_FUZZ_CHECK(!x.call_sid.empty());
        for (const auto& [key, value] : x.custom_parameters)
          SB_FUZZ_CHECK(clean(key) && clean(value));
      } else if constexpr (std::is_same_v<frame_type, sb::relay_prompt>) {
        SB_FUZZ_CHECK(clean(x.voice_prompt) && clean(x.lang));
      } else if constexpr (std::is_same_v<frame_type, sb::relay_dtmf>) {
        SB_FUZZ_CHECK(x.digit.size() == 1
                      && std::strchr("0123456789*#ABCD", x.digit[0])
                           != nullptr);
      } else if constexpr (std::is_same_v<frame_type, sb::relay_interrupt>) {
        SB_FUZZ_CHECK(clean(x.utterance_until_interrupt));
        SB_FUZZ_CHECK(x.duration_until_interrupt_ms >= 0);
      } else if constexpr (std::is_same_v<frame_type, sb::relay_error>) {
        SB_FUZZ_CHECK(clean(x.description));
      } else {
        SB_FUZZ_CHECK(clean(x.type));
        for (const char* known :
             {"setup", "prompt", "dtmf", "interrupt", "error"})
          SB_FUZZ_CHECK(x.type != known);
      }
    },
    frame);
}

// The frame as Twilio would write it, every field present.
std::string as_json(const sb::relay_inbound& frame) {
  rapidjson::StringBuffer buf;
  sb::json_writer w{buf};
  w.StartObject();
  std::visit(
    [&w](const auto& x) {
      using frame_type = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<frame_type, sb::relay_setup>) {
        sb::write_field(w, "type", "setup");
        sb::write_field(w, "sessionId", x.session_id);
        sb::write_field(w, "accountSid", x.account_sid);
        sb::write_field(w, "callSid", x.call_sid);
        sb::write_field(w, "parentCallSid", x.parent_call_sid);
        sb::write_field(w, "from", x.from);
        sb::write_field(w, "to", x.to);
        sb::write_field(w, "forwardedFrom", x.forwarded_from);
        sb::write_field(w, "callerName", x.caller_name);
        sb::write_field(w, "callType", x.call_type);
        sb::write_field(w, "direction", x.direction);
        sb::write_field(w, "callStatus", x.call_status);
        w.Key("customParameters");
        w.StartObject();
        for (const auto& [key, value] : x.custom_parameters) {
          sb::write_string(w, key);
          sb::write_string(w, value);
        }
        w.EndObject();
      } else if constexpr (std::is_same_v<frame_type, sb::relay_prompt>) {
        sb::write_field(w, "type", "prompt");
        sb::write_field(w, "voicePrompt", x.voice_prompt);
        sb::write_field(w, "lang", x.lang);
        w.Key("last");
        w.Bool(x.last);
      } else if constexpr (std::is_same_v<frame_type, sb::relay_dtmf>) {
        sb::write_field(w, "type", "dtmf");
        sb::write_field(w, "digit", x.digit);
      } else if constexpr (std::is_same_v<frame_type, sb::relay_interrupt>) {
        sb::write_field(w, "type", "interrupt");
        sb::write_field(w, "utteranceUntilInterrupt",
                        x.utterance_until_interrupt);
        w.Key("durationUntilInterruptMs");
        w.Int64(x.duration_until_interrupt_ms);
      } else if constexpr (std::is_same_v<frame_type, sb::relay_error>) {
        sb::write_field(w, "type", "error");
        sb::write_field(w, "description", x.description);
      } else {
        sb::write_field(w, "type", x.type);
      }
    },
    frame);
  w.EndObject();
  return sb::json_text(buf);
}

// N of "... at byte N", or npos.
size_t error_offset(const std::string& message) {
  const std::string mark = " at byte ";
  auto at = message.rfind(mark);
  if (at == std::string::npos)
    return std::string::npos;
  return std::stoul(message.substr(at + mark.size()));
}

// Parses `text` under `max_bytes`, checking what every outcome promises.
caf::expected<sb::relay_inbound> parse(std::string_view text,
                                       size_t max_bytes) {
  auto frame = sb::parse_relay_frame(text, max_bytes);
  if (text.size() > max_bytes)
    SB_FUZZ_CHECK(!frame);
  if (!frame) {
    SB_FUZZ_CHECK(frame.error() == sb::errc::bad_request);
    auto message = sb::what(frame.error());
    SB_FUZZ_CHECK(message.rfind("relay frame: ", 0) == 0);
    if (message.find("not JSON") != std::string::npos)
      SB_FUZZ_CHECK(error_offset(message) <= text.size());
    return frame;
  }
  SB_FUZZ_CHECK(text.find('\0') == std::string_view::npos);
  check_accepted(*frame);
  return frame;
}

void check_frame(std::string_view text) {
  auto frame = parse(text, sb::relay_frame_max_bytes);
  auto small = parse(text, small_max_bytes);
  if (text.size() <= small_max_bytes) {
    SB_FUZZ_CHECK(bool(frame) == bool(small));
    if (frame)
      SB_FUZZ_CHECK(same(*frame, *small));
    else
      SB_FUZZ_CHECK(sb::what(frame.error()) == sb::what(small.error()));
  }
  if (!frame)
    return;
  auto json = as_json(*frame);
  auto again = parse(json, no_limit);
  if (!again)
    std::fprintf(stderr, "written back as %s: %s\n", json.c_str(),
                 sb::what(again.error()).c_str());
  SB_FUZZ_CHECK(again && same(*frame, *again));
  // A prompt's text fed back as our own token survives unchanged.
  if (const auto* p = std::get_if<sb::relay_prompt>(&*frame)) {
    auto reply = sb::relay_text_frame(p->voice_prompt, p->last, p->lang);
    rapidjson::Document doc;
    doc.Parse(reply.data(), reply.size());
    SB_FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
    const auto& token = doc["token"];
    SB_FUZZ_CHECK(std::string_view(token.GetString(), token.GetStringLength())
                  == p->voice_prompt);
  }
}

// One outbound frame read back: a JSON object, type `type`, and the text
// fields exactly as given (nullptr: must be absent).
rapidjson::Document read_back(const std::string& json, const char* type) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  SB_FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  SB_FUZZ_CHECK(json.find_first_of("\r\n") == std::string::npos);
  auto t = doc.FindMember("type");
  SB_FUZZ_CHECK(t != doc.MemberEnd() && t->value.IsString()
                && std::string_view(t->value.GetString()) == type);
  // Ours to send, Twilio's to read: our parser sees an unknown type.
  auto ours = sb::parse_relay_frame(json, no_limit);
  SB_FUZZ_CHECK(ours && std::holds_alternative<sb::relay_unknown>(*ours)
                && std::get<sb::relay_unknown>(*ours).type == type);
  return doc;
}

// Member `name` is a string equal to `want`, or absent if `want` is empty
// and `optional`.
void check_text(const rapidjson::Document& doc, const char* name,
                std::string_view want, bool optional) {
  auto it = doc.FindMember(name);
  if (optional && want.empty()) {
    SB_FUZZ_CHECK(it == doc.MemberEnd());
    return;
  }
  SB_FUZZ_CHECK(it != doc.MemberEnd() && it->value.IsString());
  SB_FUZZ_CHECK(
    std::string_view(it->value.GetString(), it->value.GetStringLength())
    == want);
}

bool member_bool(const rapidjson::Document& doc, const char* name) {
  auto it = doc.FindMember(name);
  SB_FUZZ_CHECK(it != doc.MemberEnd() && it->value.IsBool());
  return it->value.GetBool();
}

void check_builders(std::string_view in) {
  if (!sb::is_valid_utf8(in)) // the builders' precondition
    return;
  auto parts = sb::fuzz::fields(in, 2);
  const bool flag = in.size() % 2 == 1;

  auto text = read_back(sb::relay_text_frame(in, flag, parts[0]), "text");
  check_text(text, "token", in, false);
  SB_FUZZ_CHECK(member_bool(text, "last") == flag);
  check_text(text, "lang", parts[0], true);

  check_text(read_back(sb::relay_end_frame(in), "end"), "handoffData", in,
             true);

  auto digits = sb::relay_send_digits_frame(parts[0]);
  SB_FUZZ_CHECK(bool(digits)
                == (!parts[0].empty()
                    && parts[0].find_first_not_of("0123456789w#*")
                         == std::string_view::npos));
  if (digits)
    check_text(read_back(*digits, "sendDigits"), "digits", parts[0], false);
  else
    SB_FUZZ_CHECK(digits.error() == sb::errc::bad_request);

  auto language = sb::relay_language_frame(parts[0], parts[1]);
  SB_FUZZ_CHECK(bool(language) == !(parts[0].empty() && parts[1].empty()));
  if (language) {
    auto doc = read_back(*language, "language");
    check_text(doc, "ttsLanguage", parts[0], true);
    check_text(doc, "transcriptionLanguage", parts[1], true);
  }

  uint32_t loop = 0;
  std::memcpy(&loop, in.data(), std::min(in.size(), sizeof loop));
  auto play = sb::relay_play_frame(parts[1], loop, flag);
  SB_FUZZ_CHECK(bool(play) == !parts[1].empty());
  if (play) {
    auto doc = read_back(*play, "play");
    check_text(doc, "source", parts[1], false);
    SB_FUZZ_CHECK(doc.HasMember("loop") && doc["loop"].IsUint()
                  && doc["loop"].GetUint() == loop);
    SB_FUZZ_CHECK(member_bool(doc, "interruptible") == flag);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = sb::fuzz::as_text(data, size);
  check_frame(in);
  check_builders(in);
  return 0;
}
