// How a connection's session calls back into the application (a WebSocket's
// open, on_text and on_closed; an event stream's opener and on_closed): on
// an I/O thread, where an exception must never unwind into Asio. Used by
// net/http/ws_session.cpp and net/http/stream_session.cpp.
#pragma once

#include <exception>
#include <string>

#include "core/log.hpp"

namespace sb {

/// Calls `fn()`. An exception it throws is logged as an error ("<who>:
/// <what> threw: ...") and swallowed; the caller decides what a failed
/// callback means for its connection. Returns false when `fn` threw.
template <class Fn>
bool call_app(const std::string& who, const char* what, Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    SB_LOG_ERROR(who << ": " << what << " threw: " << e.what());
  } catch (...) {
    SB_LOG_ERROR(who << ": " << what << " threw a non-exception");
  }
  return false;
}

} // namespace sb
