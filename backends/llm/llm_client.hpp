// A blocking, streaming chat client for one LLM endpoint (Ollama or an
// OpenAI-compatible server) over one curl_session (net/client). The LLM
// pool's worker actor owns one per endpoint slot and calls complete() from
// its own (detached) thread; tokens reach the caller as they arrive, and
// the connection is kept alive and reused across calls.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "backends/llm/llm_wire.hpp"

namespace sb {

enum class llm_backend { ollama, openai };

/// "ollama" or "openai".
const char* to_string(llm_backend backend);

/// Parses llm.backend's value. Errors: errc::bad_config for anything but
/// "ollama" or "openai" (the scripted backend has no client).
caf::expected<llm_backend> parse_llm_backend(std::string_view name);

struct llm_endpoint {
  std::string url; // server base, e.g. http://127.0.0.1:11434
  llm_backend backend = llm_backend::ollama;
  std::string api_key; // non-empty: Authorization: Bearer <key>
};

/// The URL complete() posts to: `url` without trailing '/', plus
/// "/api/chat" (ollama) or "/v1/chat/completions" (openai; just
/// "/chat/completions" when `url` already ends in "/v1").
std::string chat_url(const llm_endpoint& endpoint);

struct llm_completion {
  std::string text;                         // every token, concatenated
  std::chrono::milliseconds first_token{0}; // request start to first token
  std::chrono::milliseconds total{0};       // request start to end of body
  bool transfer = false;                    // the model called transfer_call
  bool end_call = false;                    // the model called end_call
  /// The calls of other tools, in order, when the request offered
  /// functions (chat_tools::functions): every one, offered or not (the
  /// caller answers a call of a tool it did not offer); none otherwise.
  std::vector<chat_tool_call> tool_calls;
};

/// Not thread-safe: one owner thread at a time (it may be moved between
/// threads between calls). Never throws. A moved-from client may only be
/// destroyed or assigned to.
class llm_client {
public:
  /// `timeout` bounds a whole complete() call; connecting gets
  /// min(timeout, 3 s) of it, and once the reply has begun a silence of
  /// 10 s between two pieces of it ends the call. REQUIRES: timeout > 0.
  llm_client(llm_endpoint endpoint, std::chrono::milliseconds timeout);
  ~llm_client();
  llm_client(llm_client&&) noexcept;
  llm_client& operator=(llm_client&&) noexcept;
  llm_client(const llm_client&) = delete;
  llm_client& operator=(const llm_client&) = delete;

  const llm_endpoint& endpoint() const;

  /// Sends the conversation (system prompt first unless empty, then
  /// `history` oldest first) and blocks until the streamed answer ends.
  /// `on_token` (optional) receives each token, whole UTF-8, in order, on
  /// this thread, as it arrives. `cancel` (optional) is polled while
  /// waiting and after each token; once true no further token is
  /// delivered, the transfer is aborted (the connection is closed, so the
  /// server sees the client go) and the call returns within about a
  /// second. `tools` are offered to the model (llm_wire.hpp): a call of
  /// transfer_call sets llm_completion::transfer, of end_call end_call,
  /// each only when offered (a call of a built-in not offered is
  /// ignored); with functions offered, the calls of every other tool come
  /// back in llm_completion::tool_calls (without, they are ignored). An
  /// answer that is only such calls (no text) is not an "empty reply".
  /// `limit`, when positive and shorter, bounds this call instead of the
  /// client's timeout (what is left of a turn's deadline).
  ///
  /// Errors, each with the backend and URL as context ("ollama http://…:"):
  ///   errc::timed_out       connect, total (or `limit`) or mid-stream idle
  ///                         timeout
  ///                         (curl's message, or "no data for 10000 ms");
  ///   errc::backend_failed  connection refused or broken, "HTTP <status>:
  ///                         <first 200 bytes of body>" for status >= 400,
  ///                         a stream over 16 MiB, an error object or
  ///                         malformed line in the stream, "stream ended
  ///                         before done",
  ///                         "cancelled", or "empty reply" (the text is
  ///                         empty or only whitespace, and no offered
  ///                         tool was called).
  caf::expected<llm_completion>
  complete(const chat_settings& settings, const std::string& system_prompt,
           const std::vector<chat_message>& history,
           const std::function<void(std::string_view)>& on_token = {},
           const std::atomic<bool>* cancel = nullptr,
           const chat_tools& tools = {},
           std::chrono::milliseconds limit = std::chrono::milliseconds{0});

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace sb
