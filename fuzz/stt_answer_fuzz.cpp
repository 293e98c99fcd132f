// Fuzzes the reader of a speech-recognition server's answer
// (backends/stt/stt_answer) with arbitrary bodies under each Content-Type
// a server sends. Properties: it never crashes or throws; an accepted
// answer's text is trimmed and its confidence is -1 or within 0..1.
#include "backends/stt/stt_answer.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr const char* content_types[] = {"application/json",
                                         "text/html; charset=utf-8",
                                         "text/plain", "",
                                         "application/problem+json"};

bool trimmed(const std::string& s) {
  auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  };
  return s.empty() || (!blank(s.front()) && !blank(s.back()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  // The first byte picks the Content-Type; the rest is the body.
  const char* type = content_types[data[0] % std::size(content_types)];
  std::string_view body{reinterpret_cast<const char*>(data + 1), size - 1};
  auto got = sb::read_stt_answer(200, type, body, "POST fuzz", 0.6);
  if (!got)
    return 0;
  if (!trimmed(got->text))
    std::abort();
  if (got->confidence != -1 && !(got->confidence >= 0 && got->confidence <= 1))
    std::abort();
  return 0;
}
