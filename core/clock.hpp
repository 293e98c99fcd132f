// Wall-clock timestamps as the database stores them: ISO-8601 UTC text with
// milliseconds ("2026-11-25T02:30:12.345Z"), readable in sqlite3 output and
// sortable as text.
#pragma once

#include <chrono>
#include <string>

namespace sb {

using wall_time = std::chrono::system_clock::time_point;

std::string iso8601_utc(wall_time t);
inline std::string iso8601_utc_now() {
  return iso8601_utc(std::chrono::system_clock::now());
}

} // namespace sb
