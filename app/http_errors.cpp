#include "app/http_errors.hpp"

#include "core/error.hpp"

namespace sb {

unsigned http_status_of(const caf::error& err) {
  if (!err || err.category() != caf::atom("sb"))
    return 500;
  switch (static_cast<errc>(err.code())) {
    case errc::ok: return 200;
    case errc::bad_request: return 400;
    case errc::unauthorized: return 401;
    case errc::not_found: return 404;
    case errc::overloaded: return 503;
    case errc::timed_out: return 504;
    case errc::backend_failed: return 502;
    case errc::bad_config:
    case errc::storage_failed: return 500;
  }
  return 500;
}

} // namespace sb
