// What every console JSON answer writes the same way, shared by
// console_json.cpp (lists, KPIs, search, statistics, live, export) and
// console_detail.cpp (one call): unknown values as null, never left out,
// so every answer of one route has the same keys.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "net/text/json_writer.hpp"
#include "storage/records.hpp"

namespace sb::console_fields {

inline void nullable(json_writer& w, const char* key,
                     const std::string& value) {
  w.Key(key);
  if (value.empty())
    w.Null();
  else
    write_string(w, value);
}

inline void nullable(json_writer& w, const char* key,
                     const std::optional<int64_t>& value) {
  w.Key(key);
  if (value)
    w.Int64(*value);
  else
    w.Null();
}

// JSON has no NaN or infinity: such a value is as good as unknown.
inline void nullable(json_writer& w, const char* key,
                     const std::optional<double>& value) {
  w.Key(key);
  if (value && std::isfinite(*value))
    w.Double(*value);
  else
    w.Null();
}

inline void number(json_writer& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}

} // namespace sb::console_fields
