// The one mapping from the project's error codes to HTTP statuses for the
// daemon's own JSON endpoints (error bodies are always {"detail": ...}).
#pragma once

#include <caf/error.hpp>

namespace sb {

/// 400 bad_request, 401 unauthorized, 404 not_found, 503 overloaded,
/// 504 timed_out, 502 backend_failed (an upstream such as Twilio failed),
/// 500 anything else.
unsigned http_status_of(const caf::error& err);

} // namespace sb
