// The time stamps every stored row carries: fixed-width ISO-8601 UTC with
// milliseconds, so that text order is time order in sqlite3 queries.
#include "core/clock.hpp"

#include <catch2/catch.hpp>

namespace {

sb::wall_time at_ms(long long ms) {
  return sb::wall_time{std::chrono::milliseconds(ms)};
}

} // namespace

TEST_CASE("time stamps are ISO-8601 UTC with milliseconds", "[clock]") {
  CHECK(sb::iso8601_utc(at_ms(0)) == "1970-01-01T00:00:00.000Z");
  // 2026-11-25T02:30:12.345Z
  CHECK(sb::iso8601_utc(at_ms(1795573812345LL)) == "2026-11-25T02:30:12.345Z");
  // A leap day, the last millisecond of a day, and single-digit fields.
  CHECK(sb::iso8601_utc(at_ms(951868799999LL)) == "2000-02-29T23:59:59.999Z");
  CHECK(sb::iso8601_utc(at_ms(1136163845007LL)) == "2006-01-02T01:04:05.007Z");
}

TEST_CASE("time stamps sort as text in time order", "[clock]") {
  auto a = sb::iso8601_utc(at_ms(1795573812345LL));
  auto b = sb::iso8601_utc(at_ms(1795573812346LL));
  auto c = sb::iso8601_utc(at_ms(1795573822000LL));
  CHECK(a < b);
  CHECK(b < c);
  CHECK(a.size() == b.size());
}
