// The property both LLM stream targets check: the bytes of one response,
// fed to a stream parser (backends/llm/llm_wire) all at once, in uneven chunks
// and one byte at a time, give the same tokens, the same tool calls, the
// same end (done or the same error) every time, as libcurl may cut a
// response anywhere. Tokens
// are never empty, and from a valid UTF-8 stream tokens and error texts are
// valid UTF-8.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/text/form.hpp"

namespace sb::fuzz {

struct stream_outcome {
  std::vector<std::string> tokens;
  std::vector<std::string> calls; // each: id, name, arguments, NUL-joined
  std::string error;              // empty when the stream ended well
  bool done = false;

  bool operator==(const stream_outcome& o) const {
    return tokens == o.tokens && calls == o.calls && error == o.error
           && done == o.done;
  }
};

/// Feeds `bytes` in pieces of the sizes `next_size()` returns, then ends.
template <class Parser, class NextSize>
stream_outcome run_stream(std::string_view bytes, NextSize next_size) {
  Parser parser;
  stream_outcome out;
  auto on_token = [&out](std::string_view token) {
    SB_FUZZ_CHECK(!token.empty());
    out.tokens.emplace_back(token);
  };
  caf::error err;
  while (!bytes.empty() && !err) {
    auto n = std::min(bytes.size(), next_size());
    err = parser.feed(bytes.substr(0, n), on_token);
    bytes.remove_prefix(n);
  }
  if (!err)
    err = parser.finish(on_token);
  if (err) {
    SB_FUZZ_CHECK(err == sb::errc::backend_failed);
    out.error = sb::what(err);
    SB_FUZZ_CHECK(!out.error.empty());
  }
  out.done = parser.done();
  for (const auto& call : parser.tool_calls()) {
    SB_FUZZ_CHECK(!call.name.empty() && !call.arguments.empty());
    out.calls.push_back(call.id + '\0' + call.name + '\0' + call.arguments);
  }
  return out;
}

template <class Parser>
void check_stream(std::string_view bytes) {
  auto whole = run_stream<Parser>(bytes, [] { return size_t(-1); });
  auto bytewise = run_stream<Parser>(bytes, [] { return size_t(1); });
  // Uneven pieces from a small generator seeded by the input's length.
  uint32_t state = static_cast<uint32_t>(bytes.size()) * 2654435761u + 1;
  auto chunked = run_stream<Parser>(bytes, [&state] {
    state = state * 1103515245u + 12345u;
    return size_t(1 + (state >> 16) % 23);
  });
  SB_FUZZ_CHECK(whole == bytewise);
  SB_FUZZ_CHECK(whole == chunked);
  SB_FUZZ_CHECK(whole.error.empty() == whole.done);
  if (sb::is_valid_utf8(bytes)) {
    for (const auto& token : whole.tokens)
      SB_FUZZ_CHECK(sb::is_valid_utf8(token));
    SB_FUZZ_CHECK(sb::is_valid_utf8(whole.error));
  }
}

} // namespace sb::fuzz
