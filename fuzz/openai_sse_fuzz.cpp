// Fuzzes the parser of an OpenAI-compatible server's streamed chat answer
// (server-sent events, "data: {json}" lines up to "data: [DONE]";
// backends/llm/llm_wire) with arbitrary response bodies. The properties are
// fuzz/stream_check.hpp's.
#include "backends/llm/llm_wire.hpp"
#include "fuzz/stream_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sb::fuzz::check_stream<sb::openai_stream_parser>(
    sb::fuzz::as_text(data, size));
  return 0;
}
