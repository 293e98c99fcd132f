// A fixed-shape reader, not strptime: it takes exactly the forms the
// console offers and the store writes, and checks the calendar itself
// (strptime accepts a 31st of February and depends on the locale).
#include "app/console/utc_time.hpp"

#include <array>
#include <string>

namespace sb {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// `text` has the shape of `shape`: 'd' a digit, anything else itself.
bool matches(std::string_view text, std::string_view shape) {
  if (text.size() != shape.size())
    return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 'd' ? !is_digit(text[i]) : text[i] != shape[i])
      return false;
  return true;
}

int number_at(std::string_view s, size_t pos, size_t len) {
  int n = 0;
  for (size_t i = pos; i < pos + len; ++i)
    n = n * 10 + (s[i] - '0');
  return n;
}

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[static_cast<size_t>(m - 1)];
}

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil,
// exact for the proleptic Gregorian calendar; here only years >= 1970).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = y / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The milliseconds of "[:SS[.f...]]" (what lies between the minutes and
// the Z), or -1. Digits past the third of a fraction are dropped.
int64_t seconds_part_ms(std::string_view rest) {
  if (rest.empty())
    return 0;
  if (rest.size() < 3 || !matches(rest.substr(0, 3), ":dd"))
    return -1;
  int seconds = number_at(rest, 1, 2);
  auto fraction = rest.substr(3);
  std::string digits;
  if (!fraction.empty()) {
    if (fraction.size() < 2 || fraction.size() > 10 || fraction[0] != '.')
      return -1;
    digits = std::string{fraction.substr(1)};
    for (char c : digits)
      if (!is_digit(c))
        return -1;
  }
  digits += "000";
  if (seconds > 59)
    return -1;
  return seconds * 1000 + number_at(digits, 0, 3);
}

} // namespace

std::optional<int64_t> parse_utc_ms(std::string_view s) {
  if (s.size() < 10 || !matches(s.substr(0, 10), "dddd-dd-dd"))
    return std::nullopt;
  int year = number_at(s, 0, 4);
  int month = number_at(s, 5, 2);
  int day = number_at(s, 8, 2);
  if (year < 1970 || year > 2199 || month < 1 || month > 12 || day < 1
      || day > days_in_month(year, month))
    return std::nullopt;
  int64_t ms = days_from_civil(year, month, day) * 86400000;
  if (s.size() == 10)
    return ms;
  if (s.size() < 17 || !matches(s.substr(10, 6), "Tdd:dd") || s.back() != 'Z')
    return std::nullopt;
  int hour = number_at(s, 11, 2);
  int minute = number_at(s, 14, 2);
  int64_t seconds = seconds_part_ms(s.substr(16, s.size() - 17));
  if (hour > 23 || minute > 59 || seconds < 0)
    return std::nullopt;
  return ms + (hour * 60 + minute) * 60000 + seconds;
}

} // namespace sb
