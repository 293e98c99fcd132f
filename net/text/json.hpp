// Small JSON helpers over RapidJSON for the shapes the daemon writes and
// reads more than once: webhook parameters as an object, error bodies.
#pragma once

#include <string>
#include <string_view>

#include "net/text/form.hpp"

namespace sb {

/// {"key": "value", ...} in order of first appearance; a repeated key maps
/// to an array of its values, so nothing Twilio sent is lost.
std::string params_to_json(const form_params& params);

/// {"detail": "..."} — the error body of every JSON endpoint (FastAPI's
/// shape, which the prototype's clients already parse).
std::string error_json(std::string_view detail);

/// Escapes `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

} // namespace sb
