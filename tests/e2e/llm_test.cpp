// End-to-end with a real LLM backend: the daemon talks to local servers
// that speak Ollama's and OpenAI's streamed wire formats.
#include <atomic>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_llm.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

std::string llm_toml(const std::string& backend,
                     const std::vector<std::string>& urls, int slots = 1,
                     const std::string& extra = "") {
  std::string t = "[llm]\nbackend = \"" + backend
                  + "\"\nmodel = \"qwen2.5:7b\"\n"
                    "system_prompt = \"Be brief. The caller is {caller}.\"\n"
                    "timeout_s = 20\n"
                  + extra;
  for (const auto& u : urls)
    t += "[[llm.endpoints]]\nurl = \"" + u
         + "\"\nslots = " + std::to_string(slots) + "\n";
  return t;
}

} // namespace

TEST_CASE("Ollama answers each turn with the whole conversation") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_reply(
    "**Sure!** I can help with `orders` 😀. What is your order number?");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("llm.db");
  opts.extra_toml = llm_toml("ollama", {model.base_url()});
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  call.from = "+919812345678";
  auto r = play_call(cl, call, {"hello", "I need help with my order"});
  INFO(r.error << d.log());
  REQUIRE(r.error.empty());
  REQUIRE(r.transcript.size() == 5);
  // Made speakable: no markdown, code quotes or emoji reach the caller.
  CHECK(r.transcript[4].text
        == "Sure! I can help with orders. What is your order number?");
  auto reqs = model.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].path == "/api/chat");
  CHECK(reqs[1].model == "qwen2.5:7b");
  CHECK(reqs[1].stream);
  REQUIRE(reqs[1].messages.size() == 4);
  CHECK(reqs[1].messages[0].role == "system");
  CHECK(reqs[1].messages[0].content
        == "Be brief. The caller is +919812345678.");
  CHECK(reqs[1].messages[1].content == "hello");
  CHECK(reqs[1].messages[2].role == "assistant");
  CHECK(reqs[1].messages[3].content == "I need help with my order");
  REQUIRE(d.stop() == 0);
  auto turns = query(opts.db_path,
                     "SELECT * FROM turns WHERE role = 'assistant' "
                     "ORDER BY seq");
  REQUIRE(turns.size() == 2);
  CHECK(turns[0]["model"] == "qwen2.5:7b");
  CHECK(turns[0]["llm_ms"] != "NULL");
  CHECK(turns[0]["queue_ms"] != "NULL");
  CHECK(turns[0]["latency_ms"] != "NULL");
}

TEST_CASE("an OpenAI-compatible server answers, with the API key") {
  fake_llm model{fake_llm::flavor::openai};
  REQUIRE(model.ok());
  model.set_reply("नमस्ते! मैं आपकी कैसे मदद कर सकती हूँ?");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("openai.db");
  opts.extra_toml = llm_toml("openai", {model.base_url()}, 1,
                             "api_key = \"sk-test\"\n");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  auto r = play_call(cl, call, {"नमस्ते", "goodbye"});
  REQUIRE(r.error.empty());
  CHECK(r.transcript[2].text == "नमस्ते! मैं आपकी कैसे मदद कर सकती हूँ?");
  CHECK(r.hung_up); // a goodbye from the caller ends the call
  auto reqs = model.requests();
  REQUIRE(!reqs.empty());
  CHECK(reqs[0].path == "/v1/chat/completions");
  CHECK(reqs[0].authorization == "Bearer sk-test");
  REQUIRE(d.stop() == 0);
}

TEST_CASE("a slow model gets a filler and a redirect within the deadline") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_mode(fake_llm::mode::slow, 6000ms);
  model.set_reply("Your balance is five hundred rupees.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("slow.db");
  opts.webhook_deadline_ms = 2000;
  opts.max_await_redirects = 6;
  opts.extra_toml = llm_toml("ollama", {model.base_url()});
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", {{"CallSid", "CA9"}})->status
          == 200);
  auto started = std::chrono::steady_clock::now();
  std::string path = "/voice/process-speech";
  int redirects = 0;
  caf::expected<twiml_node> doc = twiml_node{};
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = post_form(cl, d, path,
                       speech_webhook("CA9", "what is my balance"));
    auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(took < 2600ms); // every answer within the deadline (+ slack)
    doc = read_twiml(r->body);
    REQUIRE(doc);
    if (doc->find("Gather") || doc->find("Hangup"))
      break;
    auto redirect = doc->find("Redirect");
    REQUIRE(redirect);
    if (redirects == 0)
      CHECK(doc->find("Say")->text == "One moment please.");
    CHECK(redirect->text.find("/voice/await?turn=1") != std::string::npos);
    path = redirect->text.substr(redirect->text.find("/voice/await"));
    REQUIRE(++redirects < 8);
  }
  CHECK(redirects >= 2);
  CHECK(std::chrono::steady_clock::now() - started >= 5900ms);
  REQUIRE(doc->find("Say"));
  CHECK(doc->find("Say")->text == "Your balance is five hundred rupees.");
  REQUIRE(d.stop() == 0);
  CHECK(query(opts.db_path, "SELECT content FROM turns WHERE seq = 2")
          .at(0)["content"]
        == "Your balance is five hundred rupees.");
}

TEST_CASE("a dead or failing model yields the apology and the call goes on") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_mode(fake_llm::mode::http_500);
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("dead.db");
  // One endpoint answering 500, one where nothing listens.
  opts.extra_toml = llm_toml(
    "ollama",
    {model.base_url(), "http://127.0.0.1:" + std::to_string(free_port())});
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", {{"CallSid", "CA8"}})->status
          == 200);
  for (const char* mode : {"500", "garbage", "cut"}) {
    INFO(mode);
    if (std::string{mode} == "garbage")
      model.set_mode(fake_llm::mode::malformed);
    if (std::string{mode} == "cut")
      model.set_mode(fake_llm::mode::cut);
    auto r = post_form(cl, d, "/voice/process-speech",
                       speech_webhook("CA8", "hello there"));
    REQUIRE(r);
    CHECK(r->status == 200);
    auto doc = read_twiml(r->body);
    REQUIRE(doc);
    CHECK(doc->find("Gather"));
    CHECK(doc->find("Say")->text.find("Sorry, I am having trouble")
          != std::string::npos);
  }
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path,
                  "SELECT count(*) FROM turns WHERE model = 'apology'")
        == 3);
}

TEST_CASE("an endpoint never sees more requests than its slots") {
  fake_llm a{fake_llm::flavor::ollama}, b{fake_llm::flavor::ollama};
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  a.set_token_delays(150ms, 20ms);
  b.set_token_delays(150ms, 20ms);
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("slots.db");
  opts.extra_toml = llm_toml("ollama", {a.base_url(), b.base_url()}, 1);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  constexpr int calls = 6;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < calls; ++i)
    threads.emplace_back([&, i] {
      http_client cl;
      auto sid = "CA10" + std::to_string(i);
      post_form(cl, d, "/voice/inbound", {{"CallSid", sid}});
      auto r = post_form(cl, d, "/voice/process-speech",
                         speech_webhook(sid, "hello"));
      if (r && r->status == 200
          && r->body.find("Hello there") != std::string::npos)
        ++ok;
    });
  for (auto& t : threads)
    t.join();
  CHECK(ok == calls);
  CHECK(a.max_concurrency() == 1);
  CHECK(b.max_concurrency() == 1);
  CHECK(a.requests().size() + b.requests().size() == calls);
  CHECK(a.requests().size() >= 1);
  CHECK(b.requests().size() >= 1);
  REQUIRE(d.stop() == 0);
}

TEST_CASE("a dead endpoint is taken out while the others carry the load") {
  fake_llm alive{fake_llm::flavor::ollama};
  REQUIRE(alive.ok());
  alive.set_reply("Still here.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("down.db");
  auto dead = "http://127.0.0.1:" + std::to_string(free_port());
  opts.extra_toml = llm_toml("ollama", {dead, alive.base_url()}, 1);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", {{"CallSid", "CA12"}})->status
          == 200);
  for (int i = 0; i < 6; ++i) {
    auto r = post_form(cl, d, "/voice/process-speech",
                       speech_webhook("CA12", "hello " + std::to_string(i)));
    REQUIRE(r);
    auto doc = read_twiml(r->body);
    REQUIRE(doc);
    INFO("turn " << i);
    CHECK(doc->find("Say")->text == "Still here.");
  }
  CHECK(d.log().find("llm: endpoint " + dead + " down after 3 failures")
        != std::string::npos);
  CHECK(alive.requests().size() == 6);
  REQUIRE(d.stop() == 0);
}
