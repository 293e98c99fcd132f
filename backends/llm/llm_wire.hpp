// The wire formats of the real LLM backends, as pure functions and
// incremental parsers with no I/O: the JSON request bodies for Ollama's
// POST /api/chat and OpenAI-compatible POST /v1/chat/completions, and the
// parsers that turn their streamed answers (Ollama: NDJSON; OpenAI:
// server-sent events) into tokens as the bytes arrive. llm_client feeds
// them from libcurl's write callback; tests feed them directly.
//
// chat_message (core/chat.hpp) is the vocabulary the LLM pool speaks too.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <rapidjson/fwd.h>

#include "core/chat.hpp"

namespace sb {

/// The generation knobs sent with every request.
struct chat_settings {
  std::string model;
  double temperature = 0.7;
  int max_tokens = 256;          // Ollama: options.num_predict
  std::string keep_alive = "5m"; // Ollama only; empty = omitted
};

/// Receives one token's text: a complete UTF-8 string, never empty. The
/// view is valid only during the call.
using token_handler = std::function<void(std::string_view token)>;

/// The tools a model may be offered, each a function without arguments
/// that both formats describe the same way:
///   {"type":"function","function":{"name":…,"description":…,
///    "parameters":{"type":"object","properties":{}}}}
/// transfer_call: "Connect the caller to a human colleague when they ask
/// for a person or you cannot help."
inline constexpr const char* transfer_tool_name = "transfer_call";
/// end_call: "End the phone call. Use it when the caller says goodbye or
/// has nothing more to ask; say a short goodbye in the same reply."
inline constexpr const char* end_call_tool_name = "end_call";

/// A tool with arguments, offered beside the built-ins (an MCP server's
/// tool): both formats describe it as
///   {"type":"function","function":{"name","description","parameters"}}
/// with `parameters` written as the JSON object it holds.
struct chat_function {
  std::string name;
  std::string description; // "" is sent as ""
  /// Its input's JSON Schema, a JSON object's text. Anything else (not
  /// JSON, not an object) is sent as {"type":"object","properties":{}}:
  /// a tool that takes no arguments.
  std::string parameters;
};

/// Which tools a request offers, in this order in "tools".
struct chat_tools {
  bool transfer = false;                // transfer_call
  bool end_call = false;                // end_call
  std::vector<chat_function> functions; // after the built-ins

  bool any() const {
    return transfer || end_call || !functions.empty();
  }
};

/// Ollama's POST /api/chat body:
///   {"model", "messages": [{"role":"system","content":…}, history…],
///    "stream": true, "options": {"temperature", "num_predict"},
///    "keep_alive", "tools": [transfer_call, end_call, functions…]}
/// The system message is left out when `system_prompt` is empty; history
/// goes in the order given (oldest first), roles and contents verbatim.
/// An assistant message with tool calls carries them as
///   "tool_calls": [{"function": {"name", "arguments": {…}}}]
/// (the arguments as the JSON object they hold; {} when they hold none),
/// and a tool message its "tool_name". "tools" holds the tools `tools`
/// offers, and is left out when it offers none.
std::string ollama_chat_body(const chat_settings& settings,
                             const std::string& system_prompt,
                             const std::vector<chat_message>& history,
                             const chat_tools& tools = {});

/// OpenAI's POST /v1/chat/completions body, same messages and tools:
///   {"model", "messages", "stream": true, "temperature", "max_tokens",
///    "tools": [transfer_call, end_call, functions…]}
/// An assistant message with tool calls carries them as
///   "tool_calls": [{"id", "type": "function",
///                   "function": {"name", "arguments": "<JSON text>"}}]
/// and a tool message the "tool_call_id" it answers.
std::string openai_chat_body(const chat_settings& settings,
                             const std::string& system_prompt,
                             const std::vector<chat_message>& history,
                             const chat_tools& tools = {});

/// What both stream parsers share: bytes arrive in any chunking, are split
/// into lines (LF or CRLF; an unfinished line waits for the next feed) and
/// each complete line goes to Derived::on_line; the first error sticks.
/// Derived names its backend in `name` and sets done_ at its terminator.
template <class Derived>
class line_stream_parser {
public:
  /// Consumes `bytes`, calling `on_token` for each non-empty content of the
  /// complete lines they finish. `on_token` may be empty.
  caf::error feed(std::string_view bytes, const token_handler& on_token);

  /// True once the stream's terminator was parsed.
  bool done() const {
    return done_;
  }

  /// True once a complete line carried a call of the transfer_call tool
  /// (transfer_tool_name); calls of any other tool are ignored. A line
  /// past the terminator or after an error does not count. The parser
  /// does not know what was offered: the caller ignores a call of a tool
  /// it did not offer.
  bool transfer_requested() const {
    return transfer_;
  }

  /// As transfer_requested(), for the end_call tool (end_call_tool_name).
  bool end_call_requested() const {
    return end_call_;
  }

  /// The calls of every other tool, complete, in the order the stream
  /// numbered them, each with its arguments' JSON text ("{}" when none
  /// came) and its id (OpenAI's; "" when the server sent none). As for
  /// transfer_requested(), only lines before the terminator count, and
  /// the caller decides what was offered. At most 64 calls are kept.
  std::vector<chat_tool_call> tool_calls() const;

  /// Call at the end of the body. A final line without its newline is
  /// parsed first, its token (if any) going to `on_token`. Errors: the
  /// stored error, a malformed final line, else errc::backend_failed
  /// "<name>: stream ended before done" when done() is still false.
  caf::error finish(const token_handler& on_token = {});

protected:
  // Notes a call of the tool `name` (any other name is ignored).
  void note_tool_call(std::string_view name);

  // The call at `index` of the stream's numbering, made on first use;
  // null past the bound.
  chat_tool_call* call_at(size_t index);

  std::string pending_;
  bool done_ = false;
  bool transfer_ = false;
  bool end_call_ = false;
  caf::error failed_;
  // Every call seen so far by its index; built-ins' too, and entries
  // whose name never came (a hostile index), which tool_calls() skips.
  std::vector<chat_tool_call> calls_;
};

/// Parses Ollama's streamed NDJSON answer: one JSON object per line,
/// {"message": {"content": "…"}, "done": false} … {"done": true}. A tool
/// call is {"message": {"tool_calls": [{"function": {"name": "…",
/// "arguments": {…}}}]}} in any line (the done line included), each call
/// whole; arguments sent as a string instead of an object are kept as that
/// string. A line
/// may arrive split across any number of feed() calls, even inside a UTF-8
/// sequence; tokens are emitted only for complete lines, so they are always
/// whole UTF-8. Lines end in "\n" or "\r\n"; blank lines are skipped.
///
/// Errors (errc::backend_failed; once failed, every later call returns the
/// same error): a {"error": "…"} object ("ollama: <its message>"); a line
/// that is not a JSON object ("ollama: malformed stream line: <the line,
/// truncated to ~100 bytes>"); a line over 1 MiB. Bytes after the object
/// with "done": true are ignored. Not thread-safe; one per response.
class ollama_stream_parser : public line_stream_parser<ollama_stream_parser> {
private:
  friend class line_stream_parser<ollama_stream_parser>;
  static constexpr const char* name = "ollama";
  caf::error on_line(std::string_view line, const token_handler& on_token);
};

/// Parses an OpenAI-compatible server-sent event stream: lines
/// "data: {json}" whose choices[0].delta.content is the next token (absent
/// or null: no token), until "data: [DONE]". A tool call's name arrives in
/// choices[0].delta.tool_calls[].function.name, normally whole in the
/// call's first chunk with its id, its arguments following in later
/// chunks' function.arguments pieces without the name. Pieces are joined
/// per tool_calls[].index (the format's rule for deltas): the arguments
/// always, the name unless a piece repeats the whole name so far (servers
/// that send it whole in every chunk). A built-in counts once one piece,
/// or the pieces so far joined, spell its name. Comments (":…"), blank
/// lines and other fields (event:, id:, retry:) are ignored. Each data line is
/// parsed on its own (the servers never split one JSON over several).
/// Splitting and line endings as for ollama_stream_parser.
///
/// Errors (errc::backend_failed, sticky): an {"error": {"message": "…"}}
/// (or {"error": "…"}) object ("openai: <its message>"); a data line that
/// is not a JSON object ("openai: malformed stream line: <line>"); a line
/// over 1 MiB. Bytes after [DONE] are ignored. Not thread-safe.
class openai_stream_parser : public line_stream_parser<openai_stream_parser> {
private:
  friend class line_stream_parser<openai_stream_parser>;
  static constexpr const char* name = "openai";
  caf::error on_line(std::string_view line, const token_handler& on_token);
  // One entry of a delta's tool_calls, at `position` in its array.
  void on_call_delta(const rapidjson::Value& delta, size_t position);
};

} // namespace sb
