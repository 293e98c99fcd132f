// Internals of the config loader shared by its files (core/config*.cpp):
// the pure value checks, used for the file and the environment alike, and
// the environment overrides. Not part of the public interface.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <caf/error.hpp>

#include "core/config.hpp"

namespace sb::config_detail {

// Each check returns why the value is bad, or "" when it is fine; some
// normalise their argument in place.

/// Appends the whole of `path` to `out`; on failure `why` is strerror.
bool read_file(const std::string& path, std::string& out, std::string& why);

/// Digits only, at most 9 of them, within [lo, hi].
bool parse_number(std::string_view text, long lo, long hi, long& out);

/// An http:// or https:// URL with a host, without blanks; check_url
/// also drops trailing '/' (a base that paths are appended to), while
/// check_endpoint_url keeps it as written (the whole URL is the endpoint,
/// as an MCP server's is).
std::string check_url(std::string& url);
std::string check_endpoint_url(const std::string& url);
std::string check_listen(const std::string& text, std::string& host,
                         uint16_t& port);
std::string check_choice(const std::string& value,
                         std::initializer_list<std::string_view> allowed);
std::string check_speech_timeout(std::string& text);
std::string check_non_empty(const std::string& value);
/// Empty (the feature is off) or an E.164 number.
std::string check_e164_or_empty(const std::string& value);
/// One entry of mcp.allowed_origins: an Origin header's value,
/// scheme://host[:port] and nothing more; scheme and host are lower-cased
/// (browsers send them so).
std::string check_origin(std::string& value);
/// One entry of llm.goodbye_words: 1..100 bytes with a letter or digit.
std::string check_phrase(const std::string& value);

/// Whether `dir` holds Debian's pocketsphinx-en-us layout: the acoustic
/// model directory en-us/ (mdef, feat.params, means, variances,
/// transition_matrices), en-us.lm.bin and cmudict-en-us.dict. Names the
/// first missing path and the package that provides it.
std::string check_pocketsphinx_dir(const std::string& dir);

/// What voice.transport = "relay" needs of the rest of the configuration
/// (server.public_url to become ws:// or wss://, a key to sign the
/// WebSocket tokens with), checked once the environment is applied, as
/// both come from either. "" when fine or when the transport is gather.
std::string check_relay_transport(const config& cfg);

/// That console.listen is not the public listener's address: the console
/// must never answer on the port Twilio (and the internet) reaches. ""
/// when fine, when the console is off, or when either port is 0 (any).
std::string check_console_listen(const config& cfg);

/// The prototype's environment variables, applied after the file.
caf::error apply_env(config& cfg, const env_lookup& env);

} // namespace sb::config_detail
