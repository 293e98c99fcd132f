// llm_client: one libcurl easy handle per client, configured once and kept
// between calls so libcurl's connection cache reuses the keep-alive
// connection. Each complete() builds a `transfer` on the stack that the
// write and progress callbacks reach through their user pointer; the
// callbacks never throw and abort the transfer (return 0 / non-zero) on a
// parse error or a cancel request, and complete() turns what they recorded
// into one result after curl_easy_perform returns.
#include "backends/llm/llm_client.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include <curl/curl.h>

#include "core/error.hpp"

namespace sb {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds max_connect_timeout{3000};
constexpr size_t error_body_bytes = 200;

struct curl_global {
  curl_global() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }
};

milliseconds since(clock_type::time_point start) {
  return std::chrono::duration_cast<milliseconds>(clock_type::now() - start);
}

// The first error_body_bytes of an error body, trimmed, cut on a UTF-8
// lead byte.
std::string body_excerpt(std::string body) {
  if (body.size() > error_body_bytes) {
    size_t cut = error_body_bytes;
    while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80)
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

// What one complete() call shares with curl's callbacks.
struct transfer {
  CURL* curl = nullptr;
  stream_parser parser;
  const std::function<void(std::string_view)>* on_token = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  chat_tools offered;
  clock_type::time_point start = clock_type::now();
  std::optional<milliseconds> first_token;
  std::string text;
  long status = 0;
  std::string error_body;
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
    return std::visit([&](auto& p) { return p.feed(bytes, handler); },
                      parser);
  }

  caf::error finish() {
    auto handler = [this](std::string_view t) { deliver(t); };
    return std::visit([&](auto& p) { return p.finish(handler); }, parser);
  }

  // A call of a tool we did not offer is ignored like any other tool's.
  bool transfer_requested() const {
    return offered.transfer
           && std::visit([](const auto& p) { return p.transfer_requested(); },
                         parser);
  }

  bool end_call_requested() const {
    return offered.end_call
           && std::visit([](const auto& p) { return p.end_call_requested(); },
                         parser);
  }
};

// curl's write callback: error bodies are kept (a little of them), stream
// bodies go through the parser. Returning less than `n` aborts.
size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const size_t n = size * count;
  if (t.status == 0)
    curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &t.status);
  if (t.status >= 400) {
    // Four bytes past the excerpt, to see where a UTF-8 sequence ends.
    const size_t keep = error_body_bytes + 4;
    if (t.error_body.size() < keep)
      t.error_body.append(data, std::min(n, keep - t.error_body.size()));
    return n;
  }
  if (t.cancel_requested())
    return 0;
  t.failed = t.feed(std::string_view(data, n));
  return t.failed || t.cancelled ? 0 : n;
}

// curl's progress callback, called at least once a second even while no
// byte arrives: the only place a cancel is seen during a silent wait.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<transfer*>(user)->cancel_requested() ? 1 : 0;
}

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
  std::string context;            // "ollama http://…/api/chat: "
  milliseconds timeout;
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};

  impl(llm_endpoint ep, milliseconds t);
  ~impl();
  void configure();
  caf::error result_error(CURLcode rc, transfer& t) const;
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

llm_client::impl::impl(llm_endpoint ep, milliseconds t)
  : endpoint(std::move(ep)), url(chat_url(endpoint)),
    context(std::string(to_string(endpoint.backend)) + " " + url + ": "),
    timeout(t) {
  static curl_global once;
  curl = curl_easy_init();
  if (curl)
    configure();
}

llm_client::impl::~impl() {
  if (curl)
    curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
}

// Everything that is the same for every call, set once so the handle (and
// its connection cache) lives across calls.
void llm_client::impl::configure() {
  const bool ollama = endpoint.backend == llm_backend::ollama;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, ollama ? "Accept: application/x-ndjson"
                                              : "Accept: text/event-stream");
  // No "Expect: 100-continue" round trip before the body.
  headers = curl_slist_append(headers, "Expect:");
  if (!endpoint.api_key.empty())
    headers = curl_slist_append(
      headers, ("Authorization: Bearer " + endpoint.api_key).c_str());
  const auto connect = std::min(timeout, max_connect_timeout);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "switchboard");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(connect.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 10L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
}

// The error of a finished transfer, or none when the stream is usable.
// Order matters: a cancel explains any abort; an HTTP error status
// explains a body the parser would call malformed.
caf::error llm_client::impl::result_error(CURLcode rc, transfer& t) const {
  if (t.cancelled)
    return fail(errc::backend_failed, "cancelled");
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t.status);
  if (t.status >= 400) {
    auto excerpt = body_excerpt(std::move(t.error_body));
    return fail(errc::backend_failed,
                "HTTP " + std::to_string(t.status)
                  + (excerpt.empty() ? "" : ": " + excerpt));
  }
  if (t.failed)
    return parser_error(t.failed);
  if (rc != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0'
                                 ? error_buffer
                                 : curl_easy_strerror(rc);
    return fail(rc == CURLE_OPERATION_TIMEDOUT ? errc::timed_out
                                               : errc::backend_failed,
                detail);
  }
  if (auto err = t.finish())
    return parser_error(err);
  if (t.cancelled)
    return fail(errc::backend_failed, "cancelled");
  // A model that only calls transfer_call or end_call has said all it
  // means: the pool gives the caller the words that go with it.
  if (is_blank(t.text) && !t.transfer_requested() && !t.end_call_requested())
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
                     const std::atomic<bool>* cancel, chat_tools tools) {
  auto& m = *impl_;
  if (!m.curl)
    return m.fail(errc::backend_failed, "curl_easy_init failed");
  if (cancel && cancel->load())
    return m.fail(errc::backend_failed, "cancelled");
  const bool ollama = m.endpoint.backend == llm_backend::ollama;
  const auto body =
    ollama ? ollama_chat_body(settings, system_prompt, history, tools)
           : openai_chat_body(settings, system_prompt, history, tools);
  transfer t;
  t.curl = m.curl;
  if (!ollama)
    t.parser = openai_stream_parser{};
  t.on_token = &on_token;
  t.cancel = cancel;
  t.offered = tools;
  m.error_buffer[0] = '\0';
  curl_easy_setopt(m.curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(m.curl, CURLOPT_POSTFIELDSIZE,
                   static_cast<long>(body.size()));
  curl_easy_setopt(m.curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(m.curl, CURLOPT_XFERINFODATA, &t);
  t.start = clock_type::now();
  const auto rc = curl_easy_perform(m.curl);
  if (auto err = m.result_error(rc, t))
    return err;
  const auto total = since(t.start);
  return llm_completion{std::move(t.text), t.first_token.value_or(total),
                        total, t.transfer_requested(),
                        t.end_call_requested()};
}

} // namespace sb
