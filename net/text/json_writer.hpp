// The few RapidJSON writing steps every JSON body of the daemon repeats:
// strings written with their length (so embedded NULs and UTF-8 survive),
// "key": "value" fields, unknown values as null, and the buffer as a
// std::string. Header-only;
// a target that includes it links the rapidjson interface library.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sb {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void write_string(json_writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

inline void write_field(json_writer& w, const char* key,
                        std::string_view value) {
  w.Key(key);
  write_string(w, value);
}

/// "key": value, or "key": null when the value is unknown: an empty
/// string, no number, or (JSON has no NaN or infinity) a number that is
/// not finite. For answers that keep every key rather than leave one out.
inline void write_nullable(json_writer& w, const char* key,
                           std::string_view value) {
  w.Key(key);
  if (value.empty())
    w.Null();
  else
    write_string(w, value);
}

inline void write_nullable(json_writer& w, const char* key,
                           const std::optional<int64_t>& value) {
  w.Key(key);
  if (value)
    w.Int64(*value);
  else
    w.Null();
}

inline void write_nullable(json_writer& w, const char* key,
                           const std::optional<double>& value) {
  w.Key(key);
  if (value && std::isfinite(*value))
    w.Double(*value);
  else
    w.Null();
}

inline std::string json_text(const rapidjson::StringBuffer& buf) {
  return {buf.GetString(), buf.GetSize()};
}

/// {...the fields `body(w)` writes}, as text.
template <class Body>
std::string json_object(Body&& body) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  body(w);
  w.EndObject();
  return json_text(buf);
}

/// {"<key>":"<value>", ...the fields `body(w)` writes}: an object whose
/// first field says what kind it is.
template <class Body>
std::string
tagged_json_object(const char* key, std::string_view value, Body&& body) {
  return json_object([&](json_writer& w) {
    write_field(w, key, value);
    body(w);
  });
}

/// {"type":"<type>", ...}: a WebSocket frame of ConversationRelay, either
/// way.
template <class Body>
std::string typed_json_object(const char* type, Body&& body) {
  return tagged_json_object("type", type, std::forward<Body>(body));
}

/// {"event":"<event>", ...}: a WebSocket frame of Media Streams, either
/// way.
template <class Body>
std::string event_json_object(const char* event, Body&& body) {
  return tagged_json_object("event", event, std::forward<Body>(body));
}

} // namespace sb
