// Tests for net/client's curl_session against real loopback servers: a
// canned-answer server on tests/fixtures/fixture_server for whole answers
// (headers, Basic credentials, redirects not followed, the body cap, the
// total timeout), tests/fixtures/fake_llm for streams (a sink fed piece by
// piece, stopping it, the cancel flag, the idle limit, keep-alive reuse),
// and tests/fixtures/refusing_port for a refused connection. Nothing
// sleeps: delays are the servers' timers and waits have finite timeouts.
#include "net/client/curl_session.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/fixtures/fake_llm.hpp"
#include "tests/fixtures/refusing_port.hpp"
#include "tests/net/client/canned_server.hpp"

namespace {

using namespace std::chrono_literals;
using sb::curl_failure_kind;
using sb::curl_limits;
using sb::curl_request;
using sb::curl_result;
using sb::fake_llm;
using sb::test::canned_server;
using sb::test::text_answer;
using clock_type = std::chrono::steady_clock;

curl_request get(const std::string& url) {
  curl_request req;
  req.url = url;
  return req;
}

// A chat request the fake LLM streams an answer to.
curl_request chat(const fake_llm& llm) {
  curl_request req;
  req.method = "POST";
  req.url = llm.base_url() + "/api/chat";
  req.headers = {"Content-Type: application/json"};
  req.body = R"({"model":"m","messages":[{"role":"user","content":"hi"}],)"
             R"("stream":true})";
  return req;
}

// A copy: callers pass temporaries.
sb::curl_failure failure_of(const curl_result& r) {
  REQUIRE_FALSE(r);
  return r.failure();
}

} // namespace

TEST_CASE("an answer carries status, type, headers and body",
          "[curl_session]") {
  canned_server server;
  auto res = text_answer(201, "{\"sid\":\"CA1\"}");
  res.content_type = "application/json";
  res.headers = {{"Retry-After", " 7 "}, {"X-Twilio-Request", "RQ1"}};
  server.answer(res);
  sb::curl_session session;
  curl_request req;
  req.method = "POST";
  req.url = server.url("/calls");
  req.body = "To=%2B1";
  req.headers = {"Content-Type: application/x-www-form-urlencoded"};
  req.user = "AC1";
  req.password = "token";
  auto r = session.perform(req, curl_limits{});
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(r->content_type == "application/json");
  CHECK(r->body == "{\"sid\":\"CA1\"}");
  REQUIRE(r->header("retry-after"));
  CHECK(*r->header("retry-after") == "7");
  REQUIRE(r->header("x-twilio-request"));
  CHECK(*r->header("x-twilio-request") == "RQ1");
  CHECK(r->header("location") == nullptr);
  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/calls");
  CHECK(seen[0].body == "To=%2B1");
  CHECK(seen[0].content_type == "application/x-www-form-urlencoded");
  CHECK(seen[0].authorization == "Basic QUMxOnRva2Vu"); // AC1:token
}

TEST_CASE("GET, HEAD and other methods", "[curl_session]") {
  canned_server server;
  server.answer(text_answer(200, "hello"));
  sb::curl_session session;
  auto got = session.perform(get(server.url()), curl_limits{});
  REQUIRE(got);
  CHECK(got->body == "hello");
  auto head = get(server.url());
  head.method = "HEAD";
  auto headed = session.perform(head, curl_limits{});
  REQUIRE(headed);
  CHECK(headed->status == 200);
  CHECK(headed->body.empty());
  auto del = get(server.url("/x"));
  del.method = "DELETE";
  REQUIRE(session.perform(del, curl_limits{}));
  // A body does not turn another method into a POST.
  auto put = get(server.url("/x"));
  put.method = "PUT";
  put.body = "a=1";
  REQUIRE(session.perform(put, curl_limits{}));
  auto get_with_body = get(server.url("/x"));
  get_with_body.body = "b=2";
  REQUIRE(session.perform(get_with_body, curl_limits{}));
  const auto seen = server.requests();
  REQUIRE(seen.size() == 5);
  CHECK(seen[0].method == "GET");
  CHECK(seen[1].method == "HEAD");
  CHECK(seen[2].method == "DELETE");
  CHECK(seen[2].body.empty());
  CHECK(seen[3].method == "PUT");
  CHECK(seen[3].body == "a=1");
  CHECK(seen[4].method == "GET");
  CHECK(seen[4].body == "b=2");
}

TEST_CASE("a redirect is the answer, not followed", "[curl_session]") {
  canned_server server;
  auto res = text_answer(302, "");
  res.headers = {{"Location", server.url("/elsewhere")}};
  server.answer(res);
  sb::curl_session session;
  auto r = session.perform(get(server.url("/here")), curl_limits{});
  REQUIRE(r);
  CHECK(r->status == 302);
  REQUIRE(r->header("location"));
  CHECK(server.requests().size() == 1);
}

TEST_CASE("only http and https are spoken", "[curl_session]") {
  sb::curl_session session;
  for (const char* url : {"file:///etc/hostname", "ftp://127.0.0.1:1/x",
                          "gopher://127.0.0.1:1/"}) {
    INFO(url);
    const auto f = failure_of(session.perform(get(url), curl_limits{}));
    CHECK(f.kind() == curl_failure_kind::failed);
    CHECK(f.status == 0);
    CHECK_FALSE(f.message.empty());
  }
}

TEST_CASE("a refused connection is cannot_connect", "[curl_session]") {
  sb::test::refusing_port closed;
  sb::curl_session session;
  const auto url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/";
  const auto f = failure_of(session.perform(get(url), curl_limits{}));
  CHECK(f.kind() == curl_failure_kind::cannot_connect);
  CHECK(f.status == 0);
  CHECK(std::string(f.code.category().name()) == "curl");
  CHECK_FALSE(f.message.empty());
  const auto err = sb::to_error(f, "GET " + url + ": ");
  CHECK(sb::has_code(err, sb::errc::backend_failed));
  CHECK(sb::what(err) == "GET " + url + ": " + f.message);
}

TEST_CASE("a server slower than the total limit times out", "[curl_session]") {
  canned_server server;
  server.answer(text_answer(200, "late"), 10s);
  sb::curl_session session;
  curl_limits limits;
  limits.total = 300ms;
  const auto start = clock_type::now();
  auto r = session.perform(get(server.url()), limits);
  const auto took = clock_type::now() - start;
  const auto f = failure_of(r);
  CHECK(f.kind() == curl_failure_kind::timed_out);
  CHECK(sb::errc_of(f) == sb::errc::timed_out);
  CHECK(took >= 250ms);
  CHECK(took < 3s);
  // The same session carries on once the server is quick again.
  server.answer(text_answer(200, "on time"));
  auto again = session.perform(get(server.url()), limits);
  REQUIRE(again);
  CHECK(again->body == "on time");
}

TEST_CASE("a body over the cap is too_large", "[curl_session]") {
  canned_server server;
  server.answer(text_answer(200, std::string(1000, 'x')));
  sb::curl_session session;
  curl_limits limits;
  SECTION("exactly at the cap is fine") {
    limits.max_body_bytes = 1000;
    auto r = session.perform(get(server.url()), limits);
    REQUIRE(r);
    CHECK(r->body.size() == 1000);
  }
  SECTION("one byte over is not") {
    limits.max_body_bytes = 999;
    const auto f = failure_of(session.perform(get(server.url()), limits));
    CHECK(f.kind() == curl_failure_kind::too_large);
    CHECK(f.message == "response larger than 999 bytes");
    CHECK(sb::errc_of(f) == sb::errc::backend_failed);
  }
  SECTION("a stream without Content-Length is cut as it passes") {
    fake_llm llm(fake_llm::flavor::ollama);
    REQUIRE(llm.ok());
    llm.set_reply(std::string(400, 'a') + " " + std::string(400, 'b'));
    limits.max_body_bytes = 600;
    size_t streamed = 0;
    auto r = session.perform(chat(llm), limits, [&](std::string_view p) {
      streamed += p.size();
      return true;
    });
    const auto f = failure_of(r);
    CHECK(f.kind() == curl_failure_kind::too_large);
    CHECK(f.status == 200);
    CHECK(streamed <= 600);
  }
}

TEST_CASE("a sink takes a stream piece by piece", "[curl_session]") {
  fake_llm llm(fake_llm::flavor::ollama);
  REQUIRE(llm.ok());
  llm.set_token_delays(0ms, 20ms);
  sb::curl_session session;
  std::vector<std::string> pieces;
  auto r = session.perform(chat(llm), curl_limits{}, [&](std::string_view p) {
    pieces.emplace_back(p);
    return true;
  });
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.empty());
  CHECK(r->content_type == "application/x-ndjson");
  // One chunk per token, each written after a pause.
  CHECK(pieces.size()
        >= fake_llm::split_tokens("Hello there. How can I help?").size());
  std::string joined;
  for (const auto& p : pieces)
    joined += p;
  CHECK(joined.find("\"done\":true") != std::string::npos);
}

TEST_CASE("an error answer's body is kept, not streamed", "[curl_session]") {
  fake_llm llm(fake_llm::flavor::openai);
  REQUIRE(llm.ok());
  llm.set_mode(fake_llm::mode::http_500);
  llm.set_error_message("CUDA out of memory");
  sb::curl_session session;
  auto req = chat(llm);
  req.url = llm.base_url() + "/v1/chat/completions";
  bool sink_called = false;
  auto r = session.perform(req, curl_limits{}, [&](std::string_view) {
    sink_called = true;
    return true;
  });
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->body.find("CUDA out of memory") != std::string::npos);
  CHECK_FALSE(sink_called);
}

TEST_CASE("a sink that says stop cancels and closes the connection",
          "[curl_session]") {
  fake_llm llm(fake_llm::flavor::ollama);
  REQUIRE(llm.ok());
  llm.set_token_delays(0ms, 200ms);
  sb::curl_session session;
  int pieces = 0;
  auto r = session.perform(chat(llm), curl_limits{},
                           [&](std::string_view) { return ++pieces < 2; });
  const auto f = failure_of(r);
  CHECK(f.kind() == curl_failure_kind::cancelled);
  CHECK(f.message == "cancelled");
  CHECK(f.status == 200);
  CHECK(pieces == 2);
  CHECK(llm.wait_for_client_close(1, 3s));
}

TEST_CASE("a cancel flag ends a silent wait", "[curl_session]") {
  fake_llm llm(fake_llm::flavor::ollama);
  REQUIRE(llm.ok());
  llm.set_mode(fake_llm::mode::hang);
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    llm.wait_for_requests(1, 5s);
    cancel = true;
  });
  sb::curl_session session;
  curl_limits limits;
  limits.total = 20s;
  const auto start = clock_type::now();
  auto r = session.perform(chat(llm), limits, {}, &cancel);
  const auto took = clock_type::now() - start;
  canceller.join();
  const auto f = failure_of(r);
  CHECK(f.kind() == curl_failure_kind::cancelled);
  CHECK(took < 4s);
  CHECK(llm.wait_until_idle(3s));
}

TEST_CASE("a cancel flag set before sends nothing", "[curl_session]") {
  fake_llm llm(fake_llm::flavor::ollama);
  REQUIRE(llm.ok());
  std::atomic<bool> cancel{true};
  sb::curl_session session;
  const auto f = failure_of(
    session.perform(chat(llm), curl_limits{}, {}, &cancel));
  CHECK(f.kind() == curl_failure_kind::cancelled);
  CHECK(llm.requests().empty());
}

TEST_CASE("the idle limit ends a stream gone silent", "[curl_session]") {
  fake_llm llm(fake_llm::flavor::ollama);
  REQUIRE(llm.ok());
  llm.set_token_delays(0ms, 8000ms);
  sb::curl_session session;
  curl_limits limits;
  limits.total = 20s;
  limits.idle = 300ms;
  int pieces = 0;
  const auto start = clock_type::now();
  auto r = session.perform(chat(llm), limits, [&](std::string_view) {
    ++pieces;
    return true;
  });
  const auto took = clock_type::now() - start;
  const auto f = failure_of(r);
  CHECK(f.kind() == curl_failure_kind::timed_out);
  CHECK(f.message == "no data for 300 ms");
  CHECK(pieces >= 1);
  CHECK(took >= 300ms);
  CHECK(took < 4s);
}

TEST_CASE("the idle limit does not bound the wait for the first byte",
          "[curl_session]") {
  fake_llm llm(fake_llm::flavor::ollama);
  REQUIRE(llm.ok());
  llm.set_mode(fake_llm::mode::slow, 1500ms);
  sb::curl_session session;
  curl_limits limits;
  limits.idle = 300ms;
  auto r = session.perform(chat(llm), limits,
                           [](std::string_view) { return true; });
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("a session reuses its connection", "[curl_session]") {
  fake_llm llm(fake_llm::flavor::ollama);
  REQUIRE(llm.ok());
  sb::curl_session session;
  REQUIRE(session.perform(chat(llm), curl_limits{}));
  REQUIRE(session.perform(chat(llm), curl_limits{}));
  // A moved session keeps its handle and so its connection.
  sb::curl_session moved = std::move(session);
  REQUIRE(moved.perform(chat(llm), curl_limits{}));
  CHECK(llm.requests().size() == 3);
  CHECK(llm.connections() == 1);
}
