// What the llm_wire tests share: bodies parsed back, a parser run over a
// stream cut into pieces, and streams as Ollama and OpenAI servers send
// them (tokens, tool calls, terminators).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "backends/llm/llm_wire.hpp"

namespace sb::wire_test {

inline rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

inline std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

// Everything a parser emitted, and whether it failed.
struct parse_result {
  std::vector<std::string> tokens;
  caf::error feed_error;
  caf::error finish_error;
  bool done = false;
  bool transfer = false;                 // transfer_requested() after finish
  bool end_call = false;                 // end_call_requested() after finish
  std::vector<sb::chat_tool_call> calls; // tool_calls() after finish
};

// Feeds `stream` in pieces whose sizes come from `cut`.
template <class Parser, class Cut>
inline parse_result run_parser(const std::string& stream, Cut cut) {
  Parser parser;
  parse_result r;
  auto on_token = [&](std::string_view t) { r.tokens.emplace_back(t); };
  size_t pos = 0;
  while (pos < stream.size() && !r.feed_error) {
    const size_t n = std::min(cut(), stream.size() - pos);
    r.feed_error = parser.feed(std::string_view(stream).substr(pos, n),
                               on_token);
    pos += n;
  }
  r.done = parser.done();
  r.finish_error = parser.finish(on_token);
  r.transfer = parser.transfer_requested();
  r.end_call = parser.end_call_requested();
  r.calls = parser.tool_calls();
  return r;
}

template <class Parser>
inline parse_result whole(const std::string& stream) {
  return run_parser<Parser>(stream, [&] { return stream.size(); });
}

template <class Parser>
inline parse_result bytewise(const std::string& stream) {
  return run_parser<Parser>(stream, [] { return size_t{1}; });
}

// Ollama's tool-call line: no content, one call of `name`.
inline std::string ollama_tool_line(const std::string& name) {
  return R"({"model":"m","created_at":"2024-01-01T00:00:00Z",)"
         R"("message":{"role":"assistant","content":"","tool_calls":[)"
         R"({"function":{"name":")"
         + name + R"(","arguments":{}}}]},"done":false})" + "\n";
}

// OpenAI's tool-call chunks: the name first, the arguments after.
inline std::string openai_tool_events(const std::string& name, int index = 0) {
  const auto at = std::to_string(index);
  return R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":)" + at
         + R"(,"id":"call_)" + at
         + R"(","type":"function","function":{"name":")" + name
         + R"(","arguments":""}}]},"finish_reason":null}]})"
           "\n\n"
           R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":)"
         + at
         + R"(,"function":{"arguments":"{}"}}]},"finish_reason":null}]})"
           "\n\n";
}

// One OpenAI tool-call delta carrying only a piece of a call's name.
inline std::string openai_name_piece(const std::string& piece, int index = 0) {
  return R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":)"
         + std::to_string(index) + R"(,"function":{"name":")" + piece
         + R"("}}]},"finish_reason":null}]})"
           "\n\n";
}

// The tokens as Ollama streams them, with the final done object unless
// `done` is false.
inline std::string ollama_stream(const std::vector<std::string>& tokens,
                                 bool done = true) {
  std::string s;
  for (const auto& t : tokens)
    s += R"({"model":"m","created_at":"2024-01-01T00:00:00Z",)"
         R"("message":{"role":"assistant","content":")"
         + t + R"("},"done":false})" + "\n";
  if (done)
    s += R"({"model":"m","message":{"role":"assistant","content":""},)"
         R"("done":true,"done_reason":"stop","eval_count":6})"
         "\n";
  return s;
}

// The tokens as an OpenAI server streams them: a role chunk first, comments
// and other fields between, a finish chunk, an empty chunk, then [DONE]
// unless `done` is false.
inline std::string openai_stream(const std::vector<std::string>& tokens,
                                 bool done = true) {
  std::string s =
    ": keep-alive comment\r\n\r\n"
    R"(data: {"choices":[{"index":0,"delta":{"role":"assistant"},)"
    R"("finish_reason":null}]})"
    "\r\n\r\n";
  for (const auto& t : tokens)
    s += "event: message\nid: 7\n"
         R"(data: {"choices":[{"index":0,"delta":{"content":")"
         + t + R"("},"finish_reason":null}]})" + "\n\n";
  s += R"(data:{"choices":[{"index":0,"delta":{"content":null},)"
       R"("finish_reason":"stop"}]})"
       "\n\n"
       R"(data: {"choices":[]})"
       "\n\n";
  if (done)
    s += "data: [DONE]\n\n";
  return s;
}

} // namespace sb::wire_test
