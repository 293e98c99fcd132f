// Media Streams frames over twilio/json_fields and twilio/base64. As in
// relay_frames, parsing is strict about the fields we act on and lenient
// about the rest: a wrong type on a known field is an error (a change on
// Twilio's side shows up in the log, not as silence), while unknown events
// and extra fields pass. Every string kept is UTF-8 without NULs.
#include "twilio/media_frames.hpp"

#include <iterator>
#include <limits>
#include <type_traits>

#include <rapidjson/document.h>

#include "net/text/json_writer.hpp"
#include "twilio/base64.hpp"
#include "twilio/json_fields.hpp"

namespace sb {
namespace {

constexpr size_t no_payload_limit = std::numeric_limits<size_t>::max();

// Member `payload` of `media`: base64, decoding to at most `max_bytes`.
// The size is judged from the text's length first, so a huge payload is
// refused without being decoded.
caf::error read_payload(const json_fields& media, size_t max_bytes,
                        std::string& out) {
  const auto* v = media.find("payload");
  if (v == nullptr)
    return media.error("payload", "is missing");
  if (!v->IsString())
    return media.error("payload", "is not a string");
  std::string_view text{v->GetString(), v->GetStringLength()};
  auto size = base64_decoded_size(text);
  if (size && *size > max_bytes)
    return media.error("payload", "decodes to more than "
                                    + std::to_string(max_bytes) + " bytes");
  auto bytes = size ? base64_decode(text) : std::nullopt;
  if (!bytes)
    return media.error("payload", "is not base64");
  out = std::move(*bytes);
  return {};
}

// -- From Twilio --------------------------------------------------------------

using frame_result = caf::expected<media_frame>;

// sequenceNumber and streamSid, which every frame but connected carries.
template <class Frame>
caf::error
read_stream_fields(const json_fields& root, json_need sequence, Frame& out) {
  if (auto err = root.decimal("sequenceNumber", sequence, out.sequence))
    return err;
  return root.text("streamSid", json_need::required, out.stream_sid);
}

frame_result parse_connected(const json_fields& root, size_t) {
  media_connected out;
  if (auto err = root.text("protocol", json_need::optional, out.protocol))
    return err;
  if (auto err = root.text("version", json_need::optional, out.version))
    return err;
  return out;
}

caf::error read_tracks(const json_fields& start,
                       std::vector<std::string>& out) {
  const auto* v = start.find("tracks");
  if (v == nullptr)
    return {};
  if (!v->IsArray())
    return start.error("tracks", "is not an array");
  for (const auto& track : v->GetArray()) {
    if (!track.IsString())
      return start.error("tracks", "holds something other than a string");
    if (auto err = start.text_of(track, "tracks", out.emplace_back()))
      return err;
  }
  return {};
}

caf::error read_custom_parameters(const json_fields& start, media_start& out) {
  const auto* v = start.find("customParameters");
  if (v == nullptr)
    return {};
  if (!v->IsObject())
    return start.error("customParameters", "is not an object");
  for (const auto& m : v->GetObject()) {
    std::string key;
    if (auto err = start.text_of(m.name, "customParameters", key))
      return err;
    const auto field = "customParameters." + key;
    if (!m.value.IsString())
      return start.error(field, "is not a string");
    std::string value;
    if (auto err = start.text_of(m.value, field, value))
      return err;
    out.custom_parameters.emplace_back(std::move(key), std::move(value));
  }
  return {};
}

caf::error read_media_format(const json_fields& start, media_start& out) {
  auto format = start.object("mediaFormat");
  if (!format)
    return format.error();
  if (auto err = format->text("encoding", json_need::required, out.encoding))
    return err;
  if (out.encoding != "audio/x-mulaw")
    return format->error("encoding", "is not audio/x-mulaw");
  if (auto err = format->positive_int("sampleRate", out.sample_rate))
    return err;
  return format->positive_int("channels", out.channels);
}

frame_result parse_start(const json_fields& root, size_t) {
  media_start out;
  if (auto err = read_stream_fields(root, json_need::optional, out))
    return err;
  if (out.stream_sid.empty())
    return root.error("streamSid", "is empty");
  auto start = root.object("start");
  if (!start)
    return start.error();
  if (auto err = start->text("accountSid", json_need::optional,
                             out.account_sid))
    return err;
  if (auto err = start->text("callSid", json_need::required, out.call_sid))
    return err;
  if (out.call_sid.empty())
    return start->error("callSid", "is empty");
  if (auto err = read_tracks(*start, out.tracks))
    return err;
  if (auto err = read_custom_parameters(*start, out))
    return err;
  if (auto err = read_media_format(*start, out))
    return err;
  return out;
}

frame_result parse_media(const json_fields& root, size_t max_payload_bytes) {
  media_audio out;
  if (auto err = read_stream_fields(root, json_need::required, out))
    return err;
  auto media = root.object("media");
  if (!media)
    return media.error();
  out.track = "inbound";
  if (auto err = media->text("track", json_need::optional, out.track))
    return err;
  if (out.track != "inbound" && out.track != "outbound")
    return media->error("track", "is not inbound or outbound");
  if (auto err = media->decimal("chunk", json_need::required, out.chunk))
    return err;
  if (auto err = media->decimal("timestamp", json_need::required,
                                out.timestamp_ms))
    return err;
  if (auto err = read_payload(*media, max_payload_bytes, out.payload))
    return err;
  return out;
}

frame_result parse_dtmf(const json_fields& root, size_t) {
  media_dtmf out;
  if (auto err = read_stream_fields(root, json_need::optional, out))
    return err;
  auto dtmf = root.object("dtmf");
  if (!dtmf)
    return dtmf.error();
  if (auto err = dtmf->text("digit", json_need::required, out.digit))
    return err;
  constexpr std::string_view keys = "0123456789*#ABCD";
  if (out.digit.size() != 1 || keys.find(out.digit[0]) == keys.npos)
    return dtmf->error("digit", "is not one DTMF key");
  return out;
}

frame_result parse_mark(const json_fields& root, size_t) {
  media_mark out;
  if (auto err = read_stream_fields(root, json_need::optional, out))
    return err;
  auto mark = root.object("mark");
  if (!mark)
    return mark.error();
  if (auto err = mark->text("name", json_need::required, out.name))
    return err;
  return out;
}

// Both SIDs are optional, and `stop{}` too: a stop is the end of the
// stream, and refusing one would leave the call waiting for an end that
// already came.
frame_result parse_stop(const json_fields& root, size_t) {
  media_stop out;
  if (auto err = read_stream_fields(root, json_need::optional, out))
    return err;
  if (root.find("stop") == nullptr)
    return out;
  auto stop = root.object("stop");
  if (!stop)
    return stop.error();
  if (auto err = stop->text("accountSid", json_need::optional, out.account_sid))
    return err;
  if (auto err = stop->text("callSid", json_need::optional, out.call_sid))
    return err;
  return out;
}

struct frame_kind {
  const char* event;
  frame_result (*parse)(const json_fields&, size_t max_payload_bytes);
};

// In the order of media_frame's alternatives: event_name() indexes it.
constexpr frame_kind frame_kinds[] = {
  {"connected", parse_connected}, {"start", parse_start},
  {"media", parse_media},         {"dtmf", parse_dtmf},
  {"mark", parse_mark},           {"stop", parse_stop},
};

static_assert(std::size(frame_kinds) + 1 == std::variant_size_v<media_frame>);
static_assert(std::is_same_v<
              std::variant_alternative_t<std::size(frame_kinds), media_frame>,
              media_unknown>);

// -- Writing ------------------------------------------------------------------

// "key": {...the fields `body()` writes}.
template <class Body>
void write_object(json_writer& w, const char* key, Body&& body) {
  w.Key(key);
  w.StartObject();
  body();
  w.EndObject();
}

// A count as Twilio writes it: a string of decimal digits.
void write_decimal(json_writer& w, const char* key, int64_t value) {
  write_field(w, key, std::to_string(value));
}

} // namespace

caf::expected<media_frame> parse_media_frame(std::string_view text,
                                             size_t max_payload_bytes) {
  rapidjson::Document doc;
  if (auto err = parse_json_frame(doc, text, "media frame"))
    return err;
  json_fields root{doc, "media frame", ""};
  std::string event;
  if (auto err = root.text("event", json_need::required, event))
    return err;
  for (const auto& kind : frame_kinds)
    if (event == kind.event)
      return kind.parse(root, max_payload_bytes);
  return media_unknown{std::move(event)};
}

std::string event_name(const media_frame& frame) {
  if (const auto* unknown = std::get_if<media_unknown>(&frame))
    return unknown->event;
  return frame_kinds[frame.index()].event;
}

std::string media_audio_frame(std::string_view stream_sid,
                              std::string_view mulaw) {
  return event_json_object("media", [&](json_writer& w) {
    write_field(w, "streamSid", stream_sid);
    write_object(w, "media",
                 [&] { write_field(w, "payload", base64_encode(mulaw)); });
  });
}

std::string media_mark_frame(std::string_view stream_sid,
                             std::string_view name) {
  return event_json_object("mark", [&](json_writer& w) {
    write_field(w, "streamSid", stream_sid);
    write_object(w, "mark", [&] { write_field(w, "name", name); });
  });
}

std::string media_clear_frame(std::string_view stream_sid) {
  return event_json_object("clear", [&](json_writer& w) {
    write_field(w, "streamSid", stream_sid);
  });
}

std::string mark_name(uint64_t generation, uint32_t clause) {
  return "g" + std::to_string(generation) + ".c" + std::to_string(clause);
}

std::optional<std::pair<uint64_t, uint32_t>>
parse_mark_name(std::string_view name) {
  // One spelling per pair, as mark_name writes it: "g07.c3" is not "g7.c3".
  auto number = [](std::string_view digits, auto type_tag) {
    using number_type = decltype(type_tag);
    if (digits.size() > 1 && digits[0] == '0')
      return std::optional<number_type>{};
    return parse_decimal_digits<number_type>(digits);
  };
  auto dot = name.find(".c");
  if (name.empty() || name[0] != 'g' || dot == std::string_view::npos)
    return std::nullopt;
  auto generation = number(name.substr(1, dot - 1), uint64_t{});
  auto clause = number(name.substr(dot + 2), uint32_t{});
  if (!generation || !clause)
    return std::nullopt;
  return std::pair{*generation, *clause};
}

// -- Twilio's side ------------------------------------------------------------

namespace {

caf::error read_command_body(const json_fields& root, media_command& out) {
  if (out.what == media_command::kind::clear)
    return {};
  const bool media = out.what == media_command::kind::media;
  auto body = root.object(media ? "media" : "mark");
  if (!body)
    return body.error();
  if (media)
    return read_payload(*body, no_payload_limit, out.payload);
  return body->text("name", json_need::required, out.name);
}

} // namespace

caf::expected<media_command> parse_media_command(std::string_view text) {
  rapidjson::Document doc;
  if (auto err = parse_json_frame(doc, text, "media command"))
    return err;
  json_fields root{doc, "media command", ""};
  std::string event;
  if (auto err = root.text("event", json_need::required, event))
    return err;
  media_command out;
  if (event == "media")
    out.what = media_command::kind::media;
  else if (event == "mark")
    out.what = media_command::kind::mark;
  else if (event == "clear")
    out.what = media_command::kind::clear;
  else
    return root.error("event", "is not media, mark or clear");
  if (auto err = root.text("streamSid", json_need::required, out.stream_sid))
    return err;
  if (out.stream_sid.empty())
    return root.error("streamSid", "is empty");
  if (auto err = read_command_body(root, out))
    return err;
  return out;
}

std::string twilio_connected_frame() {
  return event_json_object("connected", [](json_writer& w) {
    write_field(w, "protocol", "Call");
    write_field(w, "version", "1.0.0");
  });
}

std::string twilio_start_frame(
  std::string_view stream_sid, std::string_view account_sid,
  std::string_view call_sid,
  const std::vector<std::pair<std::string, std::string>>& custom_parameters) {
  return event_json_object("start", [&](json_writer& w) {
    write_decimal(w, "sequenceNumber", 1);
    write_object(w, "start", [&] {
      write_field(w, "accountSid", account_sid);
      write_field(w, "streamSid", stream_sid);
      write_field(w, "callSid", call_sid);
      w.Key("tracks");
      w.StartArray();
      write_string(w, "inbound");
      w.EndArray();
      write_object(w, "customParameters", [&] {
        for (const auto& [name, value] : custom_parameters) {
          write_string(w, name);
          write_string(w, value);
        }
      });
      write_object(w, "mediaFormat", [&] {
        write_field(w, "encoding", "audio/x-mulaw");
        w.Key("sampleRate");
        w.Int(8000);
        w.Key("channels");
        w.Int(1);
      });
    });
    write_field(w, "streamSid", stream_sid);
  });
}

std::string twilio_media_frame(std::string_view stream_sid, int64_t sequence,
                               int64_t chunk, int64_t timestamp_ms,
                               std::string_view mulaw) {
  return event_json_object("media", [&](json_writer& w) {
    write_decimal(w, "sequenceNumber", sequence);
    write_object(w, "media", [&] {
      write_field(w, "track", "inbound");
      write_decimal(w, "chunk", chunk);
      write_decimal(w, "timestamp", timestamp_ms);
      write_field(w, "payload", base64_encode(mulaw));
    });
    write_field(w, "streamSid", stream_sid);
  });
}

std::string twilio_dtmf_frame(std::string_view stream_sid, int64_t sequence,
                              std::string_view digit) {
  return event_json_object("dtmf", [&](json_writer& w) {
    write_field(w, "streamSid", stream_sid);
    write_decimal(w, "sequenceNumber", sequence);
    write_object(w, "dtmf", [&] {
      write_field(w, "track", "inbound_track");
      write_field(w, "digit", digit);
    });
  });
}

std::string twilio_mark_frame(std::string_view stream_sid, int64_t sequence,
                              std::string_view name) {
  return event_json_object("mark", [&](json_writer& w) {
    write_decimal(w, "sequenceNumber", sequence);
    write_field(w, "streamSid", stream_sid);
    write_object(w, "mark", [&] { write_field(w, "name", name); });
  });
}

std::string twilio_stop_frame(std::string_view stream_sid, int64_t sequence,
                              std::string_view account_sid,
                              std::string_view call_sid) {
  return event_json_object("stop", [&](json_writer& w) {
    write_decimal(w, "sequenceNumber", sequence);
    write_object(w, "stop", [&] {
      write_field(w, "accountSid", account_sid);
      write_field(w, "callSid", call_sid);
    });
    write_field(w, "streamSid", stream_sid);
  });
}

} // namespace sb
