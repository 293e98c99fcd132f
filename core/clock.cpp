#include "core/clock.hpp"

#include <ctime>

namespace sb {

namespace {

// Writes `v` (>= 0) as exactly `width` zero-padded digits. Every webhook
// stamps two or three times; snprintf's format parsing cost more than the
// rest of the stamp.
char* put_digits(char* p, int v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

} // namespace

std::string iso8601_utc(wall_time t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  // YYYY-MM-DDTHH:MM:SS.mmmZ
  char buf[24];
  char* p = put_digits(buf, tm.tm_year + 1900, 4);
  *p++ = '-';
  p = put_digits(p, tm.tm_mon + 1, 2);
  *p++ = '-';
  p = put_digits(p, tm.tm_mday, 2);
  *p++ = 'T';
  p = put_digits(p, tm.tm_hour, 2);
  *p++ = ':';
  p = put_digits(p, tm.tm_min, 2);
  *p++ = ':';
  p = put_digits(p, tm.tm_sec, 2);
  *p++ = '.';
  p = put_digits(p, static_cast<int>(ms % 1000), 3);
  *p++ = 'Z';
  return std::string(buf, static_cast<size_t>(p - buf));
}

} // namespace sb
