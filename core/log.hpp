// The daemon's logger: one line per event on stderr, prefixed with a
// syslog priority "<N>" so journald records the level. Thread-safe; the
// level gate is checked before the message is formatted, so a disabled
// debug line costs one atomic load.
#pragma once

#include <atomic>
#include <sstream>
#include <string>
#include <string_view>

namespace sb::log {

enum class level : int {
  error = 3,
  warning = 4,
  notice = 5,
  info = 6,
  debug = 7
};

/// Lines above this priority number are dropped. Default: info.
void set_level(level lvl);
level current_level();

/// Parses "debug|info|notice|warning|error"; false if unknown.
bool parse_level(std::string_view text, level& out);

/// Writes one line; newlines inside `msg` are replaced so one event stays
/// one journal entry.
void write(level lvl, std::string_view msg);

inline bool enabled(level lvl) {
  return static_cast<int>(lvl) <= static_cast<int>(current_level());
}

} // namespace sb::log

// Stream-style macros; the arguments are only evaluated when the level is on:
//   SB_LOG_INFO("listening on " << endpoint);
#define SB_LOG_AT(lvl, expr)                                                   \
  do {                                                                         \
    if (::sb::log::enabled(lvl)) {                                             \
      std::ostringstream sb_log_os_;                                           \
      sb_log_os_ << expr;                                                      \
      ::sb::log::write(lvl, sb_log_os_.str());                                 \
    }                                                                          \
  } while (false)
#define SB_LOG_ERROR(expr) SB_LOG_AT(::sb::log::level::error, expr)
#define SB_LOG_WARNING(expr) SB_LOG_AT(::sb::log::level::warning, expr)
#define SB_LOG_NOTICE(expr) SB_LOG_AT(::sb::log::level::notice, expr)
#define SB_LOG_INFO(expr) SB_LOG_AT(::sb::log::level::info, expr)
#define SB_LOG_DEBUG(expr) SB_LOG_AT(::sb::log::level::debug, expr)
