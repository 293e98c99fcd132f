// application/x-www-form-urlencoded bodies and query strings, decoded as
// Twilio sends them: UTF-8, '+' and %20 both mean space, keys may repeat,
// empty values are kept, order is preserved.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

/// Decoded (key, value) pairs in the order they appeared.
using form_params = std::vector<std::pair<std::string, std::string>>;

/// Decodes `body`. Errors (errc::bad_request, message names the problem and
/// the byte offset): a '%' not followed by two hex digits, a decoded key or
/// value that is not valid UTF-8 or contains a NUL, an empty key ("=x"),
/// more than `max_params` pairs. Empty segments ("a=1&&b=2") are skipped.
caf::expected<form_params> parse_form(std::string_view body,
                                      size_t max_params = 1000);

/// The first value for `key`, or nullptr.
const std::string* find_param(const form_params& params, std::string_view key);

/// The first value for `key`, or `fallback`.
std::string param_or(const form_params& params, std::string_view key,
                     std::string_view fallback = {});

/// Percent-encodes for a form body ('+' for space; unreserved kept).
std::string form_encode(std::string_view text);

/// Encodes pairs as a form body "k=v&k2=v2".
std::string form_encode(const form_params& params);

/// True if `text` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

} // namespace sb
