// Reading JSON text with RapidJSON so that all of it is read.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace sb {

/// Parses `text` into `doc`; false if it is not exactly one JSON value
/// (then `doc` holds whatever RapidJSON left). Unlike Document::Parse on
/// its own, a raw NUL byte anywhere is an error: RapidJSON takes one for
/// the end of its input, so `{"cmd":"calls"}\0anything` would be read as
/// the object and the rest never looked at. JSON text never holds a raw
/// NUL (inside a string it is written \u0000). Callable from any thread.
template <unsigned Flags = rapidjson::kParseDefaultFlags>
bool parse_whole_json(rapidjson::Document& doc, std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    return false;
  doc.Parse<Flags>(text.data(), text.size());
  return !doc.HasParseError();
}

} // namespace sb
