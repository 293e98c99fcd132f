// The project's error codes. Library-style code returns caf::expected<T> or
// caf::error built from these codes, with one human-readable string as
// context (for config errors: "key: why"). Actors reply them as errors.
//
// When you add a code, update http_status_of() in app/http_errors.cpp.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>

namespace sb {

enum class errc : uint8_t {
  ok = 0,
  bad_config,     // a config key has a bad value; context names the key
  bad_request,    // a request body or parameter is malformed
  unauthorized,   // missing or wrong credential
  not_found,      // unknown route, call or resource
  storage_failed, // SQLite refused a read or write
  overloaded,     // a limit (max_calls, queue) is reached
  timed_out,      // a deadline passed before an answer
  backend_failed, // an LLM/TTS/REST backend failed or answered garbage
};

std::string to_string(errc code);

/// Builds an error with `what` as its context; what() returns it back.
caf::error make_error(errc code, std::string what);

/// True if `err` carries `code` of this project's category.
bool has_code(const caf::error& err, errc code);

/// The human-readable part of an error: its context string if it has one,
/// else the code's name. Never throws.
std::string what(const caf::error& err);

} // namespace sb

CAF_ERROR_CODE_ENUM(sb::errc, "sb")
