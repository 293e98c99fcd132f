// What every fuzz target shares: splitting one input into the fields a
// target needs, and failing a property loudly. A broken property aborts,
// which libFuzzer records as a crash with the input that caused it, just
// like a sanitizer report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace sb::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The input cut at `sep` into at most `n` fields; the last one keeps the
/// rest, separators included. Missing fields are empty, so every input has
/// exactly `n` and the seed files stay readable text.
inline std::vector<std::string_view> fields(std::string_view in, size_t n,
                                            char sep = '\n') {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    auto at = in.find(sep);
    if (at == std::string_view::npos)
      break;
    out.push_back(in.substr(0, at));
    in.remove_prefix(at + 1);
  }
  out.push_back(in);
  out.resize(n);
  return out;
}

[[noreturn]] inline void property_failed(const char* what, const char* file,
                                         int line) {
  std::fprintf(stderr, "%s:%d: property broken: %s\n", file, line, what);
  std::abort();
}

} // namespace sb::fuzz

/// Like assert(), but never compiled out.
#define SB_FUZZ_CHECK(cond)                                                    \
  do {                                                                         \
    if (!(cond))                                                               \
      ::sb::fuzz::property_failed(#cond, __FILE__, __LINE__);                  \
  } while (false)
