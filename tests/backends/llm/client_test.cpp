// Tests for backends/llm/llm_client against tests/fixtures/fake_llm over
// loopback, for both the Ollama and the OpenAI wire format: the streamed
// text, per-token callbacks and timings, the request the server received,
// each failure (HTTP 500, malformed or cut stream, error object, empty
// reply, refused connection, timeout), cancellation from a token and from
// another thread (the fake sees the stream closed), the transfer_call and
// end_call tools offered and called, and keep-alive reuse of one
// connection. Nothing sleeps:
// delays are the fake's timers and waits have finite timeouts.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "backends/llm/llm_client.hpp"
#include "client_fixture.hpp"
#include "core/error.hpp"
#include "tests/fixtures/fake_llm.hpp"
#include "tests/fixtures/refusing_port.hpp"

namespace {

using sb::test::refusing_port;

using namespace std::chrono_literals;
using sb::errc;
using sb::fake_llm;
using sb::llm_backend;
using namespace sb::client_test;

const sb::chat_tools offer_transfer{true, false};
const sb::chat_tools offer_end_call{false, true};

} // namespace

TEST_CASE("chat_url appends each backend's path", "[llm_client]") {
  using sb::chat_url;
  CHECK(chat_url({"http://gpu0:11434", llm_backend::ollama, ""})
        == "http://gpu0:11434/api/chat");
  CHECK(chat_url({"http://gpu0:11434/", llm_backend::ollama, ""})
        == "http://gpu0:11434/api/chat");
  CHECK(chat_url({"http://gpu0:8080", llm_backend::openai, ""})
        == "http://gpu0:8080/v1/chat/completions");
  CHECK(chat_url({"https://api.openai.com/v1/", llm_backend::openai, ""})
        == "https://api.openai.com/v1/chat/completions");
}

TEST_CASE("parse_llm_backend knows ollama and openai", "[llm_client]") {
  CHECK(sb::parse_llm_backend("ollama") == llm_backend::ollama);
  CHECK(sb::parse_llm_backend("openai") == llm_backend::openai);
  auto bad = sb::parse_llm_backend("scripted");
  REQUIRE_FALSE(bad);
  CHECK(has_code(bad.error(), errc::bad_config));
  CHECK(sb::what(bad.error()).rfind("llm.backend: ", 0) == 0);
}

TEST_CASE("complete streams the reply token by token", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_token_delays(60ms, 5ms);
  auto client = f.client();
  std::vector<std::string> tokens;
  auto result = client.complete(settings(), system_prompt, history(),
                                [&](std::string_view t) {
                                  tokens.emplace_back(t);
                                });
  INFO((result ? "" : sb::what(result.error())));
  REQUIRE(result);
  CHECK(result->text == "Hello there. How can I help?");
  CHECK(tokens == fake_llm::split_tokens("Hello there. How can I help?"));
  CHECK(result->first_token >= 50ms);
  CHECK(result->total >= result->first_token);
  CHECK(result->total < 5s);
}

TEST_CASE("the request carries model, prompt, history and key",
          "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  auto client = f.client();
  REQUIRE(client.complete(settings(), system_prompt, history()));
  auto requests = f.server.requests();
  REQUIRE(requests.size() == 1);
  const auto& r = requests.front();
  CHECK(r.method == "POST");
  CHECK(r.path
        == (f.flavor == fake_llm::flavor::ollama ? "/api/chat"
                                                 : "/v1/chat/completions"));
  CHECK(r.authorization == "Bearer sk-test");
  CHECK(r.header("content-type") == "application/json");
  REQUIRE(r.json_ok);
  CHECK(r.model == "qwen2.5:7b");
  CHECK(r.stream);
  CHECK(r.temperature == Approx(0.3));
  CHECK(r.max_tokens == 99);
  CHECK(r.keep_alive == (f.flavor == fake_llm::flavor::ollama ? "5m" : ""));
  REQUIRE(r.messages.size() == 4);
  CHECK(r.messages[0].role == "system");
  CHECK(r.messages[0].content == system_prompt);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(r.messages[i + 1].role == history()[i].role);
    CHECK(r.messages[i + 1].content == history()[i].content);
  }
}

TEST_CASE("no key, no Authorization header", "[llm_client]") {
  fake_llm server(fake_llm::flavor::ollama);
  sb::llm_client client({server.base_url(), llm_backend::ollama, ""}, 5s);
  REQUIRE(client.complete(settings(), "", {{"user", "hi"}}));
  auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].authorization.empty());
  REQUIRE(requests[0].messages.size() == 1);
  CHECK(requests[0].messages[0].role == "user");
}

TEST_CASE("Hindi replies arrive whole", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  const std::string reply = "नमस्ते! आपका ऑर्डर कल पहुँचेगा।";
  f.server.set_reply(reply);
  std::string joined;
  auto result = f.client().complete(settings(), system_prompt, history(),
                                    [&](std::string_view t) {
                                      joined.append(t);
                                    });
  REQUIRE(result);
  CHECK(result->text == reply);
  CHECK(joined == reply);
}

TEST_CASE("HTTP 500 is an error with status and body", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::http_500);
  f.server.set_error_message("CUDA out of memory");
  auto err = failure(f.client().complete(settings(), system_prompt, history()));
  CHECK(has_code(err, errc::backend_failed));
  const auto text = sb::what(err);
  CHECK(text.rfind(f.prefix() + "HTTP 500: {\"error\":", 0) == 0);
  CHECK_THAT(text, Catch::Contains("CUDA out of memory"));
}

TEST_CASE("a malformed line fails the call", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::malformed);
  auto err = failure(f.client().complete(settings(), system_prompt, history()));
  CHECK(has_code(err, errc::backend_failed));
  CHECK(sb::what(err).rfind(f.prefix() + "malformed stream line: ", 0) == 0);
}

TEST_CASE("an error object in the stream fails the call", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::error_object);
  f.server.set_error_message("model runner has unexpectedly stopped");
  auto err = failure(f.client().complete(settings(), system_prompt, history()));
  CHECK(has_code(err, errc::backend_failed));
  CHECK(sb::what(err) == f.prefix() + "model runner has unexpectedly stopped");
}

TEST_CASE("a stream cut mid-way fails the call", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::cut);
  std::vector<std::string> tokens;
  auto err = failure(
    f.client().complete(settings(), system_prompt, history(),
                        [&](std::string_view t) { tokens.emplace_back(t); }));
  CHECK(has_code(err, errc::backend_failed));
  CHECK(sb::what(err).rfind(f.prefix(), 0) == 0);
  CHECK(tokens.size() == 3);
}

TEST_CASE("an empty reply is an error", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::empty);
  auto err = failure(f.client().complete(settings(), system_prompt, history()));
  CHECK(has_code(err, errc::backend_failed));
  CHECK(sb::what(err) == f.prefix() + "empty reply");
}

TEST_CASE("a refused connection is an error", "[llm_client]") {
  auto backend = GENERATE(llm_backend::ollama, llm_backend::openai);
  refusing_port port;
  const auto url = "http://127.0.0.1:" + std::to_string(port.port());
  sb::llm_client client({url, backend, ""}, 2s);
  auto err = failure(client.complete(settings(), system_prompt, history()));
  CHECK(has_code(err, errc::backend_failed));
  CHECK(sb::what(err).rfind(std::string(to_string(backend)) + " " + url, 0)
        == 0);
}

TEST_CASE("a server slower than the timeout times out", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::slow, 6000ms);
  const auto start = std::chrono::steady_clock::now();
  auto err = failure(
    f.client(300ms).complete(settings(), system_prompt, history()));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(has_code(err, errc::timed_out));
  CHECK(sb::what(err).rfind(f.prefix(), 0) == 0);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 3s);
  // The fake saw the client go: the request no longer counts.
  CHECK(f.server.wait_until_idle(3s));
}

TEST_CASE("a slow server inside the timeout is fine", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::slow, 100ms);
  auto result = f.client(5s).complete(settings(), system_prompt, history());
  REQUIRE(result);
  CHECK(result->first_token >= 90ms);
}

TEST_CASE("cancelling from on_token stops at once", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  std::atomic<bool> cancel{false};
  std::vector<std::string> tokens;
  auto err = failure(f.client().complete(
    settings(), system_prompt, history(),
    [&](std::string_view t) {
      tokens.emplace_back(t);
      cancel = true;
    },
    &cancel));
  CHECK(has_code(err, errc::backend_failed));
  CHECK(sb::what(err) == f.prefix() + "cancelled");
  CHECK(tokens == std::vector<std::string>{"Hello"});
}

TEST_CASE("a cancel mid-stream closes the connection under the server",
          "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  // Slow enough that the server is still sending when the cancel comes.
  f.server.set_token_delays(0ms, 200ms);
  std::atomic<bool> cancel{false};
  std::vector<std::string> tokens;
  auto client = f.client();
  auto err = failure(client.complete(
    settings(), system_prompt, history(),
    [&](std::string_view t) {
      tokens.emplace_back(t);
      if (tokens.size() == 2)
        cancel = true;
    },
    &cancel));
  CHECK(sb::what(err) == f.prefix() + "cancelled");
  CHECK(tokens.size() == 2);
  CHECK(f.server.wait_for_client_close(1, 3s));
  CHECK(f.server.streams_closed_by_client() == 1);
  CHECK(f.server.wait_until_idle(3s));
  // The client carries on, on a new connection.
  f.server.set_token_delays(0ms, 0ms);
  REQUIRE(client.complete(settings(), system_prompt, history()));
  CHECK(f.server.connections() == 2);
  CHECK(f.server.streams_closed_by_client() == 1);
}

TEST_CASE("finished, failed and server-cut streams are not client closes",
          "[llm_client][fake_llm]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  auto client = f.client();
  REQUIRE(client.complete(settings(), system_prompt, history()));
  f.server.set_mode(fake_llm::mode::cut);
  REQUIRE_FALSE(client.complete(settings(), system_prompt, history()));
  f.server.set_mode(fake_llm::mode::http_500);
  REQUIRE_FALSE(client.complete(settings(), system_prompt, history()));
  CHECK(f.server.wait_until_idle(3s));
  CHECK(f.server.streams_closed_by_client() == 0);
  CHECK_FALSE(f.server.wait_for_client_close(1, 50ms));
}

TEST_CASE("the fake notes when the latest response's first token went out",
          "[llm_client][fake_llm]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  CHECK_FALSE(f.server.last_first_token_sent());
  f.server.set_token_delays(80ms, 0ms);
  auto client = f.client();
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(client.complete(settings(), system_prompt, history()));
  const auto end = std::chrono::steady_clock::now();
  auto sent = f.server.last_first_token_sent();
  REQUIRE(sent);
  CHECK(*sent - start >= 70ms);
  // Noted before the next piece is written, so before the reply's end.
  CHECK(*sent <= end);
  // A response without content has no first token.
  f.server.set_mode(fake_llm::mode::empty);
  REQUIRE_FALSE(client.complete(settings(), system_prompt, history()));
  CHECK_FALSE(f.server.last_first_token_sent());
}

TEST_CASE("offer_transfer puts the transfer_call tool in the request",
          "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  auto client = f.client();
  REQUIRE(client.complete(settings(), system_prompt, history(), {}, nullptr,
                          offer_transfer));
  REQUIRE(
    client.complete(settings(), system_prompt, history(), {}, nullptr, {}));
  auto requests = f.server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].tools == std::vector<std::string>{"transfer_call"});
  CHECK(requests[1].tools.empty());
}

TEST_CASE("a transfer_call from the model sets transfer", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_tool_call("transfer_call");
  auto client = f.client();
  SECTION("after words") {
    f.server.set_reply("Connecting you now.");
    std::string joined;
    auto result = client.complete(
      settings(), system_prompt, history(),
      [&](std::string_view t) { joined.append(t); }, nullptr, offer_transfer);
    INFO((result ? "" : sb::what(result.error())));
    REQUIRE(result);
    CHECK(result->text == "Connecting you now.");
    CHECK(joined == "Connecting you now.");
    CHECK(result->transfer);
  }
  SECTION("alone: not an empty reply") {
    f.server.set_reply("");
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_transfer);
    INFO((result ? "" : sb::what(result.error())));
    REQUIRE(result);
    CHECK(result->text.empty());
    CHECK(result->transfer);
  }
  SECTION("not offered: ignored") {
    auto result = client.complete(settings(), system_prompt, history());
    REQUIRE(result);
    CHECK_FALSE(result->transfer);
    f.server.set_reply("");
    auto err = failure(client.complete(settings(), system_prompt, history()));
    CHECK(sb::what(err) == f.prefix() + "empty reply");
  }
  SECTION("another tool: ignored") {
    f.server.set_tool_call("lookup_order");
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_transfer);
    REQUIRE(result);
    CHECK_FALSE(result->transfer);
    f.server.set_reply("");
    auto err = failure(client.complete(settings(), system_prompt, history(), {},
                                       nullptr, offer_transfer));
    CHECK(sb::what(err) == f.prefix() + "empty reply");
  }
}

TEST_CASE("tools puts end_call in the request, after transfer_call",
          "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  auto client = f.client();
  REQUIRE(client.complete(settings(), system_prompt, history(), {}, nullptr,
                          offer_end_call));
  REQUIRE(client.complete(settings(), system_prompt, history(), {}, nullptr,
                          {true, true}));
  auto requests = f.server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].tools == std::vector<std::string>{"end_call"});
  CHECK(requests[1].tools
        == std::vector<std::string>{"transfer_call", "end_call"});
}

TEST_CASE("an end_call from the model sets end_call", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_tool_call("end_call");
  auto client = f.client();
  SECTION("after words") {
    f.server.set_reply("Goodbye, take care.");
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_end_call);
    INFO((result ? "" : sb::what(result.error())));
    REQUIRE(result);
    CHECK(result->text == "Goodbye, take care.");
    CHECK(result->end_call);
    CHECK_FALSE(result->transfer);
  }
  SECTION("alone: not an empty reply") {
    f.server.set_reply("");
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_end_call);
    INFO((result ? "" : sb::what(result.error())));
    REQUIRE(result);
    CHECK(result->text.empty());
    CHECK(result->end_call);
  }
  SECTION("not offered: ignored") {
    auto result = client.complete(settings(), system_prompt, history(), {},
                                  nullptr, offer_transfer);
    REQUIRE(result);
    CHECK_FALSE(result->end_call);
    f.server.set_reply("");
    auto err = failure(client.complete(settings(), system_prompt, history(), {},
                                       nullptr, offer_transfer));
    CHECK(sb::what(err) == f.prefix() + "empty reply");
  }
}

TEST_CASE("cancelling from another thread ends a silent wait", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  f.server.set_mode(fake_llm::mode::slow, 8000ms);
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    f.server.wait_for_requests(1, 5s);
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto result = f.client(10s).complete(settings(), system_prompt, history(), {},
                                       &cancel);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  auto err = failure(result);
  CHECK(sb::what(err) == f.prefix() + "cancelled");
  CHECK(elapsed < 4s);
  CHECK(f.server.wait_until_idle(3s));
}

TEST_CASE("a cancel flag already set sends nothing", "[llm_client]") {
  client_fixture f(fake_llm::flavor::ollama);
  std::atomic<bool> cancel{true};
  auto err = failure(
    f.client().complete(settings(), system_prompt, history(), {}, &cancel));
  CHECK(sb::what(err) == f.prefix() + "cancelled");
  CHECK(f.server.requests().empty());
}

TEST_CASE("calls reuse one connection", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  auto client = f.client();
  auto first = client.complete(settings(), system_prompt, history());
  REQUIRE(first);
  f.server.set_reply("Second answer.");
  auto second = client.complete(settings(), system_prompt, history());
  REQUIRE(second);
  CHECK(second->text == "Second answer.");
  CHECK(f.server.requests().size() == 2);
  CHECK(f.server.connections() == 1);
}

TEST_CASE("a client recovers after a failed call", "[llm_client]") {
  client_fixture f(any_flavor());
  INFO(name_of(f.flavor));
  auto client = f.client();
  f.server.set_mode(fake_llm::mode::cut);
  REQUIRE_FALSE(client.complete(settings(), system_prompt, history()));
  f.server.set_mode(fake_llm::mode::http_500);
  REQUIRE_FALSE(client.complete(settings(), system_prompt, history()));
  f.server.set_mode(fake_llm::mode::ok);
  auto result = client.complete(settings(), system_prompt, history());
  REQUIRE(result);
  CHECK(result->text == "Hello there. How can I help?");
}

TEST_CASE("the fake counts concurrent requests", "[llm_client][fake_llm]") {
  client_fixture f(fake_llm::flavor::openai);
  f.server.set_mode(fake_llm::mode::slow, 8000ms);
  std::atomic<bool> cancel{false};
  std::vector<std::thread> callers;
  std::vector<std::string> errors(2);
  for (size_t i = 0; i < 2; ++i)
    callers.emplace_back([&, i] {
      auto r = f.client(10s).complete(settings(), "", history(), {}, &cancel);
      errors[i] = r ? "" : sb::what(r.error());
    });
  CHECK(f.server.wait_for_requests(2, 5s));
  CHECK(f.server.concurrency() == 2);
  cancel = true;
  for (auto& t : callers)
    t.join();
  CHECK(errors[0] == f.prefix() + "cancelled");
  CHECK(errors[1] == f.prefix() + "cancelled");
  CHECK(f.server.wait_until_idle(3s));
  CHECK(f.server.max_concurrency() == 2);
  CHECK(f.server.connections() == 2);
}
