// What every console JSON answer writes the same way, shared by
// console_json.cpp (lists, KPIs, search, statistics, live, export) and
// console_detail.cpp (one call): unknown values as null, never left out
// (write_nullable, net/text/json_writer.hpp), so every answer of one route
// has the same keys.
#pragma once

#include <cstdint>

#include "net/text/json_writer.hpp"
#include "storage/records.hpp"

namespace sb::console_fields {

inline void number(json_writer& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}

} // namespace sb::console_fields
