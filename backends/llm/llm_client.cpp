// llm_client: one curl_session per client, kept between calls so its
// connection cache reuses the keep-alive connection. Each complete() builds
// a `stream` on the stack whose sink parses the body as it arrives and
// stops the transfer on a parse error or a cancel request; complete() turns
// what it recorded, and the session's result, into one result.
#include "backends/llm/llm_client.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include "core/error.hpp"
#include "net/client/curl_session.hpp"

namespace sb {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds max_connect_timeout{3000};
// Once tokens flow they come many a second; this long a silence mid-reply
// is a stuck server. Waiting for the first token (a model loading) is
// bounded by the call's timeout alone.
constexpr milliseconds stream_idle_limit{10000};
// Far above any reply (8192 tokens of NDJSON or SSE is a few MiB): only a
// runaway server reaches it.
constexpr size_t max_stream_bytes = 16u << 20;
constexpr size_t error_body_bytes = 200;

milliseconds since(clock_type::time_point start) {
  return std::chrono::duration_cast<milliseconds>(clock_type::now() - start);
}

// The first error_body_bytes of an error body, trimmed, cut on a UTF-8
// lead byte.
std::string body_excerpt(const std::string& whole) {
  std::string body = whole.substr(0, error_body_bytes);
  if (whole.size() > error_body_bytes) {
    size_t cut = error_body_bytes;
    while (cut > 0 && (static_cast<unsigned char>(whole[cut]) & 0xC0) == 0x80)
      --cut;
    body.resize(cut);
  }
  const auto last = body.find_last_not_of(" \t\r\n");
  body.erase(last == std::string::npos ? 0 : last + 1);
  return body.substr(std::min(body.size(), body.find_first_not_of(" \t\r\n")));
}

bool is_blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

using stream_parser = std::variant<ollama_stream_parser, openai_stream_parser>;

// What one complete() call shares with the session's body sink.
struct stream {
  stream_parser parser;
  const std::function<void(std::string_view)>* on_token = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  const chat_tools* offered = nullptr;
  clock_type::time_point start = clock_type::now();
  std::optional<milliseconds> first_token;
  std::string text;
  caf::error failed;
  bool cancelled = false;

  bool cancel_requested() {
    if (!cancelled && cancel && cancel->load(std::memory_order_relaxed))
      cancelled = true;
    return cancelled;
  }

  // A token from the parser: kept and passed on unless cancelled.
  void deliver(std::string_view token) {
    if (cancel_requested())
      return;
    if (!first_token)
      first_token = since(start);
    text.append(token);
    if (*on_token)
      (*on_token)(token);
  }

  caf::error feed(std::string_view bytes) {
    auto handler = [this](std::string_view t) { deliver(t); };
    return std::visit([&](auto& p) { return p.feed(bytes, handler); }, parser);
  }

  caf::error finish() {
    auto handler = [this](std::string_view t) { deliver(t); };
    return std::visit([&](auto& p) { return p.finish(handler); }, parser);
  }

  // A call of a built-in we did not offer is ignored like any other
  // tool's.
  bool transfer_requested() const {
    return offered->transfer
           && std::visit([](const auto& p) { return p.transfer_requested(); },
                         parser);
  }

  bool end_call_requested() const {
    return offered->end_call
           && std::visit([](const auto& p) { return p.end_call_requested(); },
                         parser);
  }

  // Without functions offered, the model has no business calling other
  // tools: such calls are ignored, as they always were.
  std::vector<chat_tool_call> tool_calls() const {
    if (offered->functions.empty())
      return {};
    return std::visit([](const auto& p) { return p.tool_calls(); }, parser);
  }

  // The session's sink: false stops the transfer.
  bool take(std::string_view bytes) {
    failed = feed(bytes);
    return !failed && !cancelled;
  }
};

} // namespace

// -- backend names and URLs ---------------------------------------------------

const char* to_string(llm_backend backend) {
  return backend == llm_backend::openai ? "openai" : "ollama";
}

caf::expected<llm_backend> parse_llm_backend(std::string_view name) {
  if (name == "ollama")
    return llm_backend::ollama;
  if (name == "openai")
    return llm_backend::openai;
  return make_error(errc::bad_config, "llm.backend: unknown LLM backend '"
                                        + std::string(name)
                                        + "' (ollama | openai)");
}

std::string chat_url(const llm_endpoint& endpoint) {
  std::string base = endpoint.url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  if (endpoint.backend == llm_backend::ollama)
    return base + "/api/chat";
  constexpr std::string_view v1 = "/v1";
  const bool has_v1 = base.size() >= v1.size()
                      && base.compare(base.size() - v1.size(), v1.size(), v1)
                           == 0;
  return base + (has_v1 ? "/chat/completions" : "/v1/chat/completions");
}

// -- llm_client ---------------------------------------------------------------

struct llm_client::impl {
  llm_endpoint endpoint;
  std::string url;
  std::string context; // "ollama http://…/api/chat: "
  curl_limits limits;
  std::vector<std::string> headers;
  curl_session session;

  impl(llm_endpoint ep, milliseconds t);
  caf::error result_error(const curl_result& result, stream& t) const;
  caf::error fail(errc code, const std::string& what) const {
    return make_error(code, context + what);
  }
  caf::error parser_error(const caf::error& err) const;
};

// The parser says "ollama: …"; our context already names the backend.
caf::error llm_client::impl::parser_error(const caf::error& err) const {
  auto text = what(err);
  const auto prefix = std::string(to_string(endpoint.backend)) + ": ";
  if (text.compare(0, prefix.size(), prefix) == 0)
    text.erase(0, prefix.size());
  return fail(errc::backend_failed, text);
}

// Everything that is the same for every call.
llm_client::impl::impl(llm_endpoint ep, milliseconds t)
  : endpoint(std::move(ep)),
    url(chat_url(endpoint)),
    context(std::string(to_string(endpoint.backend)) + " " + url + ": ") {
  const bool ollama = endpoint.backend == llm_backend::ollama;
  limits.total = t;
  limits.connect = std::min(t, max_connect_timeout);
  limits.idle = stream_idle_limit;
  limits.max_body_bytes = max_stream_bytes;
  headers = {"Content-Type: application/json",
             ollama ? "Accept: application/x-ndjson"
                    : "Accept: text/event-stream"};
  if (!endpoint.api_key.empty())
    headers.push_back("Authorization: Bearer " + endpoint.api_key);
}

// The error of a finished transfer, or none when the stream is usable.
// Order matters: a cancel explains any stop; an HTTP error status
// explains a body the parser would call malformed.
caf::error llm_client::impl::result_error(const curl_result& result,
                                          stream& t) const {
  // The sink also stops for a parse error; `failed` tells the two apart.
  if (!result && result.failure().kind() == curl_failure_kind::cancelled
      && !t.failed)
    t.cancelled = true;
  if (t.cancelled)
    return fail(errc::backend_failed, "cancelled");
  const long status = result ? result->status : result.failure().status;
  if (status >= 400) {
    auto excerpt = result ? body_excerpt(result->body) : std::string();
    return fail(errc::backend_failed,
                "HTTP " + std::to_string(status)
                  + (excerpt.empty() ? "" : ": " + excerpt));
  }
  if (t.failed)
    return parser_error(t.failed);
  if (!result)
    return to_error(result.failure(), context);
  if (auto err = t.finish())
    return parser_error(err);
  if (t.cancelled)
    return fail(errc::backend_failed, "cancelled");
  // A model that only calls transfer_call or end_call has said all it
  // means: the pool gives the caller the words that go with it. One that
  // only calls other tools waits for their results.
  if (is_blank(t.text) && !t.transfer_requested() && !t.end_call_requested()
      && t.tool_calls().empty())
    return fail(errc::backend_failed, "empty reply");
  return caf::none;
}

llm_client::llm_client(llm_endpoint endpoint, milliseconds timeout)
  : impl_(std::make_unique<impl>(std::move(endpoint), timeout)) {
}

llm_client::~llm_client() = default;
llm_client::llm_client(llm_client&&) noexcept = default;
llm_client& llm_client::operator=(llm_client&&) noexcept = default;

const llm_endpoint& llm_client::endpoint() const {
  return impl_->endpoint;
}

caf::expected<llm_completion>
llm_client::complete(const chat_settings& settings,
                     const std::string& system_prompt,
                     const std::vector<chat_message>& history,
                     const std::function<void(std::string_view)>& on_token,
                     const std::atomic<bool>* cancel, const chat_tools& tools,
                     milliseconds limit) {
  auto& m = *impl_;
  if (cancel && cancel->load())
    return m.fail(errc::backend_failed, "cancelled");
  const bool ollama = m.endpoint.backend == llm_backend::ollama;
  curl_request req;
  req.method = "POST";
  req.url = m.url;
  req.headers = m.headers;
  req.body = ollama ? ollama_chat_body(settings, system_prompt, history, tools)
                    : openai_chat_body(settings, system_prompt, history, tools);
  stream t;
  if (!ollama)
    t.parser = openai_stream_parser{};
  t.on_token = &on_token;
  t.cancel = cancel;
  t.offered = &tools;
  t.start = clock_type::now();
  auto limits = m.limits;
  if (limit.count() > 0 && limit < limits.total)
    limits.total = limit; // connecting gets min(connect, total) of it
  const auto result = m.session.perform(
    req, limits, [&t](std::string_view bytes) { return t.take(bytes); },
    cancel);
  if (auto err = m.result_error(result, t))
    return err;
  const auto total = since(t.start);
  return llm_completion{
    std::move(t.text),      t.first_token.value_or(total), total,
    t.transfer_requested(), t.end_call_requested(),        t.tool_calls()};
}

} // namespace sb
