// Reading the fields of one JSON WebSocket frame with RapidJSON, each
// error naming its field by the path from the frame's root, as Twilio's
// documentation writes it: "media frame: 'start.mediaFormat.encoding' is
// not audio/x-mulaw". Strings are only ever kept as UTF-8 without NULs.
// Every error is errc::bad_request. Pure functions, callable from any
// thread; sb_twilio's frame parsers share them.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

namespace sb {

enum class json_need { required, optional };

/// Parses `text` into `doc`. Errors ("<source>: " and why): not JSON (a
/// raw NUL byte or bytes that are not UTF-8 included; the message names
/// the byte), or not an object. Nesting does not use the stack.
caf::error parse_json_frame(rapidjson::Document& doc, std::string_view text,
                            const char* source);

/// `s` as a T if it is nothing but decimal digits (no sign, no space) and
/// fits; leading zeros are allowed.
template <class T>
std::optional<T> parse_decimal_digits(std::string_view s) {
  T value{};
  const char* end = s.data() + s.size();
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (ec != std::errc{} || ptr != end)
    return std::nullopt;
  return value;
}

/// One JSON object of a frame and its path. `obj` must outlive this.
/// JSON null counts as absent everywhere; an absent optional member leaves
/// `out` as it was.
struct json_fields {
  const rapidjson::Value& obj;
  const char* source; // for errors: "media frame", "media command"
  std::string prefix; // "" at the root, else e.g. "start."

  /// "<source>: '<prefix><name>' <why>".
  caf::error error(std::string_view name, std::string_view why) const;

  /// Member `name`, or nullptr if absent.
  const rapidjson::Value* find(const char* name) const;

  /// Copies the JSON string `v` (REQUIRES: IsString) into `out`; an error
  /// naming `name` if it is not UTF-8 or holds a NUL.
  caf::error text_of(const rapidjson::Value& v, std::string_view name,
                     std::string& out) const;

  /// A string member.
  caf::error text(const char* name, json_need n, std::string& out) const;

  /// A count written as a string of decimal digits ("sequenceNumber":"2"),
  /// below 2^53 (the integers a JSON number holds exactly).
  caf::error decimal(const char* name, json_need n, int64_t& out) const;

  /// A required JSON number that is a whole int above 0.
  caf::error positive_int(const char* name, int& out) const;

  /// A required member object, its path extended by "<name>.".
  caf::expected<json_fields> object(const char* name) const;
};

} // namespace sb
