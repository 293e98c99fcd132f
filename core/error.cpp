#include "core/error.hpp"

#include <caf/message.hpp>

namespace sb {

std::string to_string(errc code) {
  switch (code) {
    case errc::ok: return "ok";
    case errc::bad_config: return "bad_config";
    case errc::bad_request: return "bad_request";
    case errc::unauthorized: return "unauthorized";
    case errc::not_found: return "not_found";
    case errc::storage_failed: return "storage_failed";
    case errc::overloaded: return "overloaded";
    case errc::timed_out: return "timed_out";
    case errc::backend_failed: return "backend_failed";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string what) {
  return caf::error{static_cast<uint8_t>(code), caf::atom("sb"),
                    caf::make_message(std::move(what))};
}

bool has_code(const caf::error& err, errc code) {
  return err && err.category() == caf::atom("sb")
         && err.code() == static_cast<uint8_t>(code);
}

std::string what(const caf::error& err) {
  if (!err)
    return "no error";
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  if (err.category() == caf::atom("sb"))
    return to_string(static_cast<errc>(err.code()));
  return caf::to_string(err);
}

} // namespace sb
