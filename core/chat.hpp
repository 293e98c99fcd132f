// A message of a conversation as a language model sees it: the one type the
// LLM backends (backends/) and the actors both speak.
#pragma once

#include <string>
#include <vector>

namespace sb {

/// One call of a tool, as the model asked for it.
struct chat_tool_call {
  std::string id;        // OpenAI's call id; Ollama sends none ("")
  std::string name;      // the tool's name as offered
  std::string arguments; // a JSON object's text ("{}" when none were sent)
};

struct chat_message {
  std::string role; // system | user | assistant | tool
  std::string content;
  /// role assistant: the tools this answer called (its content may then be
  /// empty). Each is answered by one "tool" message that follows it.
  std::vector<chat_tool_call> tool_calls;
  /// role tool: which call this answers (OpenAI's tool_call_id) and the
  /// tool's name (Ollama's tool_name); content is the result text.
  std::string tool_call_id;
  std::string tool_name;
};

} // namespace sb
