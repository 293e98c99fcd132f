// Streamed generation through the LLM pool against tests/fixtures/fake_llm,
// and through the scripted responder: tokens reach the caller (as CAF
// messages, the way a call actor gets them) in order and before the reply,
// while the model is still sending; cancelling a running stream closes the
// model's connection, frees the slot at once and is not retried;
// cancelling a queued one fails it without reaching the model; a failure
// after the first token is not retried, one before it is; transfer intents
// from a transfer_call tool call and from the scripted rules.
//
// Unlike the other actor tests these run on CAF's real scheduler: the pool's
// workers are detached actors blocking in libcurl against a real socket.
// Nothing sleeps; every wait has a finite timeout.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <catch2/catch.hpp>

#include "actors/llm.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "llm_pool_fixture.hpp"
#include "tests/fixtures/fake_llm.hpp"

namespace {

using namespace std::chrono_literals;
using sb::errc;
using sb::fake_llm;
using sb::llm_reply;
using sb::llm_request;
using sb::llm_stream;
using steady = std::chrono::steady_clock;

using namespace sb::llm_test;

// What a streamed request's caller saw: every token message and the reply
// (or error), in the order its mailbox delivered them, and the model
// server's in-flight count when the first token came in.
struct stream_log {
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> events; // "token:<t>", then "reply" or "error"
  std::vector<std::string> tokens;
  std::optional<llm_reply> reply;
  caf::error error;
  bool done = false;
  size_t server_busy_at_first_token = 0;
  steady::time_point first_token_at, done_at;

  template <class Predicate>
  bool wait(Predicate ready, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return ready(*this); });
  }

  bool wait_tokens(size_t n) {
    return wait([n](const stream_log& l) { return l.tokens.size() >= n; },
                wait_limit);
  }

  bool wait_done(std::chrono::milliseconds timeout = wait_limit) {
    return wait([](const stream_log& l) { return l.done; }, timeout);
  }

  bool is_done() const {
    std::lock_guard<std::mutex> guard(mutex);
    return done;
  }

  size_t token_count() const {
    std::lock_guard<std::mutex> guard(mutex);
    return tokens.size();
  }
};

using stream_log_ptr = std::shared_ptr<stream_log>;

// Spawns a caller that sends (stream, req, {on_token, cancel}) to `llm`,
// where on_token sends each token to the caller itself as a message, as
// a call actor does. `server` (may be null) is asked how many requests it
// is serving when the first token arrives.
stream_log_ptr start_stream(caf::actor_system& sys, sb::llm_actor llm,
                            llm_request req,
                            std::shared_ptr<std::atomic<bool>> cancel,
                            const fake_llm* server = nullptr) {
  auto log = std::make_shared<stream_log>();
  sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    auto me = caf::actor_cast<caf::actor>(self);
    llm_stream stream{[me](std::string token) {
                        caf::anon_send(me, sb::llm_token_atom::value,
                                       std::move(token));
                      },
                      cancel};
    auto finish = [=](std::optional<llm_reply> reply, caf::error err) {
      {
        std::lock_guard<std::mutex> guard(log->mutex);
        log->events.push_back(reply ? "reply" : "error");
        log->reply = std::move(reply);
        log->error = std::move(err);
        log->done = true;
        log->done_at = steady::now();
      }
      log->changed.notify_all();
      self->quit();
    };
    self->request(llm, caf::infinite, sb::stream_atom::value, req, stream)
      .then([=](llm_reply& r) { finish(std::move(r), caf::error{}); },
            [=](caf::error& e) { finish(std::nullopt, std::move(e)); });
    return {
      [=](sb::llm_token_atom, std::string& token) {
        auto busy = server ? server->concurrency() : 0;
        {
          std::lock_guard<std::mutex> guard(log->mutex);
          if (log->tokens.empty()) {
            log->server_busy_at_first_token = busy;
            log->first_token_at = steady::now();
          }
          log->events.push_back("token:" + token);
          log->tokens.push_back(std::move(token));
        }
        log->changed.notify_all();
      },
    };
  });
  return log;
}

bool is_cancelled(const caf::error& err) {
  return has_code(err, errc::backend_failed) && sb::what(err) == "cancelled";
}

std::vector<std::string> token_events(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& t : fake_llm::split_tokens(text))
    out.push_back("token:" + t);
  return out;
}

// Ten words, one every `gap`: a stream that lasts about 9 * gap.
const std::string long_reply =
  "One two three four five six seven eight nine ten.";

} // namespace

TEST_CASE("stream: tokens reach the caller in order, before the reply",
          "[llm_pool][stream]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  pool_fixture f{flavor};
  // Markdown stays in a streamed reply: the caller makes clauses speakable.
  const std::string reply = "**Sure.** Your order ships today, by noon.";
  f.model().set_reply(reply);
  f.model().set_token_delays(0ms, 150ms);
  auto log = start_stream(f.sys, f.pool, turn("where is my order"), flag(),
                          &f.model());
  REQUIRE(log->wait_done());
  std::lock_guard<std::mutex> guard(log->mutex);
  INFO(sb::what(log->error));
  REQUIRE(log->reply);
  auto expected = token_events(reply);
  expected.push_back("reply");
  CHECK(log->events == expected);
  CHECK(log->reply->text == reply);
  CHECK(log->reply->model == "qwen2.5:7b");
  CHECK_FALSE(log->reply->transfer);
  CHECK_FALSE(log->reply->end_call);
  // The first token came while the model was still sending the rest
  // (6 more tokens, 150 ms apart).
  CHECK(log->server_busy_at_first_token == 1);
  CHECK(log->done_at - log->first_token_at >= 500ms);
  CHECK(log->reply->first_token_ms <= log->reply->llm_ms);
  CHECK(log->reply->llm_ms >= 700);
  CHECK(log->reply->first_token_ms < 500);
}

TEST_CASE("stream: a goodbye in the caller's words sets end_call",
          "[llm_pool][stream]") {
  pool_fixture f{fake_llm::flavor::ollama};
  auto done = ask(f.sys, f.pool, turn("thanks, bye"),
                  llm_stream{[](std::string) {}, flag()});
  REQUIRE(done);
  CHECK(done->end_call);
  CHECK(done->text == "Hello there. How can I help?");
}

TEST_CASE(
  "stream: a cancel mid-stream closes the model's stream and frees the slot",
  "[llm_pool][stream]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  pool_fixture f{flavor, 1};
  f.model().set_reply(long_reply);
  f.model().set_token_delays(0ms, 200ms);
  auto& errors = sb::metrics::daemon().llm_errors;
  const auto errors_before = errors.value();
  auto cancel = flag();
  auto log = start_stream(f.sys, f.pool, turn("tell me a story"), cancel);
  REQUIRE(log->wait_tokens(2));
  const auto cancelled_at = steady::now();
  cancel->store(true);
  REQUIRE(log->wait_done(5s));
  {
    std::lock_guard<std::mutex> guard(log->mutex);
    CHECK(is_cancelled(log->error));
    INFO(sb::what(log->error));
    CHECK_FALSE(log->reply);
    CHECK(log->tokens.size() < 10);
    // Promptly: at the next token or progress tick, not the stream's end.
    CHECK(log->done_at - cancelled_at < 1500ms);
  }
  CHECK(f.model().wait_for_client_close(1, 5s));
  CHECK(f.model().streams_closed_by_client() == 1);
  // The one slot serves the next turn; nothing was retried.
  f.model().set_token_delays(0ms, 0ms);
  f.model().set_reply("Second answer.");
  auto next = ask(f.sys, f.pool, turn("and now?"));
  INFO((next ? "" : sb::what(next.error())));
  REQUIRE(next);
  CHECK(next->text == "Second answer.");
  CHECK(f.model().requests().size() == 2);
  CHECK(errors.value() == errors_before);
}

TEST_CASE(
  "stream: a cancel while queued fails at once, never reaching the model",
  "[llm_pool][stream]") {
  pool_fixture f{fake_llm::flavor::openai, 1};
  f.model().set_reply(long_reply + " " + long_reply);
  f.model().set_token_delays(0ms, 200ms); // about four seconds
  auto& errors = sb::metrics::daemon().llm_errors;
  const auto errors_before = errors.value();
  auto cancel_running = flag();
  auto running = start_stream(f.sys, f.pool, turn("first"), cancel_running);
  REQUIRE(running->wait_tokens(1));
  // The second turn waits for the only slot.
  auto cancel_queued = flag();
  std::vector<std::string> queued_tokens;
  caf::scoped_actor caller{f.sys};
  auto queued = caller->request(
    f.pool, wait_limit, sb::stream_atom::value, turn("second"),
    llm_stream{[&](std::string t) { queued_tokens.push_back(t); },
               cancel_queued});
  // A turn cancelled before it is sent is refused at once; its answer also
  // says the pool has taken the second turn (one mailbox, in order).
  auto refused = ask(f.sys, f.pool, turn("third"),
                     llm_stream{{}, std::make_shared<std::atomic<bool>>(true)});
  REQUIRE_FALSE(refused);
  CHECK(is_cancelled(refused.error()));
  const auto cancelled_at = steady::now();
  cancel_queued->store(true);
  caf::error queued_error;
  queued.receive([](llm_reply&) {},
                 [&](caf::error& e) { queued_error = std::move(e); });
  const auto waited = steady::now() - cancelled_at;
  CHECK(is_cancelled(queued_error));
  CHECK(waited < 1s);
  CHECK(queued_tokens.empty());
  // The first is still streaming, and alone at the model.
  CHECK_FALSE(running->is_done());
  CHECK(f.model().requests().size() == 1);
  cancel_running->store(true);
  REQUIRE(running->wait_done(5s));
  CHECK(is_cancelled(running->error));
  CHECK(f.model().wait_for_client_close(1, 5s));
  CHECK(f.model().wait_until_idle(5s));
  CHECK(f.model().requests().size() == 1);
  CHECK(errors.value() == errors_before);
}

TEST_CASE("stream: a failure after the first token is not retried",
          "[llm_pool][stream]") {
  pool_fixture f{fake_llm::flavor::ollama, 1, 2};
  f.model(0).set_mode(fake_llm::mode::cut); // half the tokens, then gone
  auto log = start_stream(f.sys, f.pool, turn("hello"), flag());
  REQUIRE(log->wait_done());
  std::lock_guard<std::mutex> guard(log->mutex);
  CHECK_FALSE(log->reply);
  CHECK(has_code(log->error, errc::backend_failed));
  CHECK(log->tokens == std::vector<std::string>{"Hello", " there.", " How"});
  CHECK(f.requests_seen() == 1);
  CHECK(f.model(1).requests().empty());
}

TEST_CASE("stream: a failure before the first token is retried elsewhere",
          "[llm_pool][stream]") {
  pool_fixture f{fake_llm::flavor::openai, 1, 2};
  f.model(0).set_mode(fake_llm::mode::http_500);
  f.model(1).set_reply("From the second.");
  auto log = start_stream(f.sys, f.pool, turn("hello"), flag());
  REQUIRE(log->wait_done());
  std::lock_guard<std::mutex> guard(log->mutex);
  INFO(sb::what(log->error));
  REQUIRE(log->reply);
  CHECK(log->reply->text == "From the second.");
  auto expected = token_events("From the second.");
  expected.push_back("reply");
  CHECK(log->events == expected);
  CHECK(f.model(0).requests().size() == 1);
  CHECK(f.model(1).requests().size() == 1);
}

TEST_CASE("stream and generate: a transfer_call from the model sets transfer",
          "[llm_pool][stream]") {
  auto flavor = any_flavor();
  INFO(name_of(flavor));
  pool_fixture f{flavor};
  f.model().set_tool_call("transfer_call");
  SECTION("streamed, after words") {
    f.model().set_reply("Connecting you now.");
    auto log = start_stream(f.sys, f.pool, turn("a human please", true),
                            flag());
    REQUIRE(log->wait_done());
    std::lock_guard<std::mutex> guard(log->mutex);
    INFO(sb::what(log->error));
    REQUIRE(log->reply);
    CHECK(log->reply->transfer);
    CHECK(log->reply->text == "Connecting you now.");
    auto requests = f.model().requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].tools
          == std::vector<std::string>{"transfer_call", "end_call"});
  }
  SECTION("streamed, with no words") {
    f.model().set_reply("");
    auto log = start_stream(f.sys, f.pool, turn("a human please", true),
                            flag());
    REQUIRE(log->wait_done());
    std::lock_guard<std::mutex> guard(log->mutex);
    INFO(sb::what(log->error));
    REQUIRE(log->reply);
    CHECK(log->reply->transfer);
    CHECK(log->reply->text.empty());
    CHECK(log->events == std::vector<std::string>{"reply"});
  }
  SECTION("generated, with no words") {
    f.model().set_reply("");
    auto reply = ask(f.sys, f.pool, turn("a human please", true));
    INFO((reply ? "" : sb::what(reply.error())));
    REQUIRE(reply);
    CHECK(reply->transfer);
    CHECK(reply->text.empty());
  }
  SECTION("not offered: not in the body, no transfer") {
    f.model().set_reply("I can help you here.");
    auto log = start_stream(f.sys, f.pool, turn("a human please", false),
                            flag());
    REQUIRE(log->wait_done());
    std::lock_guard<std::mutex> guard(log->mutex);
    REQUIRE(log->reply);
    CHECK_FALSE(log->reply->transfer);
    auto requests = f.model().requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].tools == std::vector<std::string>{"end_call"});
  }
  SECTION("no tool offered at all: no tools in the body") {
    f.model().set_reply("I can help you here.");
    auto req = turn("a human please", false);
    req.offer_end_call = false;
    auto reply = ask(f.sys, f.pool, req);
    REQUIRE(reply);
    CHECK_FALSE(reply->transfer);
    auto requests = f.model().requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].tools.empty());
    CHECK(requests[0].body.find("\"tools\"") == std::string::npos);
  }
}

TEST_CASE("generate still answers speakable text through the pool",
          "[llm_pool][stream]") {
  pool_fixture f{fake_llm::flavor::ollama};
  f.model().set_reply("**Sure.** Your order ships today.");
  auto reply = ask(f.sys, f.pool, turn("where is my order"));
  REQUIRE(reply);
  CHECK(reply->text == "Sure. Your order ships today.");
  CHECK_FALSE(reply->transfer);
  CHECK_FALSE(reply->end_call);
  CHECK(f.model().requests().at(0).tools
        == std::vector<std::string>{"end_call"});
}

// -- the scripted responder ---------------------------------------------------

namespace {

class scripted_fixture {
public:
  scripted_fixture()
    : sys_(real_scheduler(sys_cfg_)),
      llm_(sb::spawn_scripted_llm(
        sys_, std::make_shared<sb::scripted_rules>(sb::builtin_rules()))) {
  }

  ~scripted_fixture() {
    caf::anon_send_exit(llm_, caf::exit_reason::user_shutdown);
  }

protected:
  caf::actor_system_config sys_cfg_;
  caf::actor_system sys_;
  sb::llm_actor llm_;
};

} // namespace

TEST_CASE_METHOD(scripted_fixture,
                 "scripted stream: the reply word by word, then the reply",
                 "[scripted_llm][stream]") {
  auto log = start_stream(sys_, llm_, turn("hello"), flag());
  REQUIRE(log->wait_done());
  std::lock_guard<std::mutex> guard(log->mutex);
  REQUIRE(log->reply);
  const std::string hello = sb::builtin_rules().rules[1].reply_en; // hello
  CHECK(log->reply->text == hello);
  CHECK(log->reply->model == "scripted:hello");
  auto expected = token_events(hello);
  expected.push_back("reply");
  CHECK(log->events == expected);
  CHECK(sb::word_tokens(hello) == fake_llm::split_tokens(hello));
}

TEST_CASE_METHOD(scripted_fixture,
                 "scripted stream: transfer only where it is offered",
                 "[scripted_llm][stream]") {
  for (bool offer : {true, false}) {
    INFO("offer_transfer " << offer);
    std::vector<std::string> tokens;
    auto reply = ask(sys_, llm_, turn("I want to talk to a human", offer),
                     llm_stream{[&](std::string t) { tokens.push_back(t); },
                                flag()});
    REQUIRE(reply);
    // The rule's words are said either way.
    CHECK(reply->text == "Let me connect you to a colleague.");
    CHECK(reply->transfer == offer);
    CHECK(tokens == sb::word_tokens("Let me connect you to a colleague."));
  }
  auto hindi = sb::scripted_reply(sb::builtin_rules(),
                                  turn("मुझे एजेंट से बात करनी है", true));
  REQUIRE(hindi);
  CHECK(hindi->transfer);
  CHECK(hindi->text == "मैं आपको अपने एक सहकर्मी से जोड़ रही हूँ।");
  auto generated = ask(sys_, llm_, turn("operator please", true));
  REQUIRE(generated);
  CHECK(generated->transfer);
  auto greeting = ask(sys_, llm_, turn("hello", true));
  REQUIRE(greeting);
  CHECK_FALSE(greeting->transfer);
}

TEST_CASE_METHOD(scripted_fixture,
                 "scripted stream: a cancel already set sends nothing",
                 "[scripted_llm][stream]") {
  std::vector<std::string> tokens;
  auto reply = ask(sys_, llm_, turn("hello"),
                   llm_stream{[&](std::string t) { tokens.push_back(t); },
                              std::make_shared<std::atomic<bool>>(true)});
  REQUIRE_FALSE(reply);
  CHECK(is_cancelled(reply.error()));
  CHECK(tokens.empty());
}
