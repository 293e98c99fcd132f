// Reading the UTC times the console is given: a date or a date-time from
// a URL (`since`, `until`) and the stored stamps of rows (to place a turn
// on its call's timeline). The other way, core/clock.hpp writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sb {

/// Milliseconds since the epoch of `text`: YYYY-MM-DD (midnight), or
/// YYYY-MM-DDTHH:MM[:SS[.f...]]Z, with real dates and times (a 31st of
/// April or a 24th hour is not one), years 1970 to 2199 (the span the
/// stored stamps and wall_time hold). nullopt when it is anything else,
/// a time zone other than Z included.
std::optional<int64_t> parse_utc_ms(std::string_view text);

} // namespace sb
