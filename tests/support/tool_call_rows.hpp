// Tool calls as a reply's model rounds store them (storage/records.hpp
// tool_call_row), for the suites and the console's seed: one that
// answered and one that failed, each on the server "orders". Header-only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "storage/records.hpp"

namespace sb::test {

inline tool_call_row answered_call(int64_t idx, int64_t round, std::string name,
                                   std::string arguments, std::string result,
                                   int64_t ms) {
  tool_call_row c;
  c.idx = idx;
  c.round = round;
  c.server = "orders";
  c.name = std::move(name);
  c.arguments = std::move(arguments);
  c.result = std::move(result);
  c.ms = ms;
  return c;
}

inline tool_call_row failed_call(int64_t idx, int64_t round, std::string name,
                                 std::string arguments, std::string error,
                                 int64_t ms) {
  auto c = answered_call(idx, round, std::move(name), std::move(arguments), {},
                         ms);
  c.error = std::move(error);
  return c;
}

} // namespace sb::test
