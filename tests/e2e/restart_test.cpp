// End-to-end: what operators do to a running daemon — stop it (SIGTERM
// drains), or lose it (kill -9) — never costs a caller an answer or a turn.
#include <chrono>
#include <csignal>
#include <future>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_llm.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

std::string ollama_toml(const fake_llm& model) {
  return "[llm]\nbackend = \"ollama\"\n[[llm.endpoints]]\nurl = \""
         + model.base_url() + "\"\nslots = 2\n";
}

caf::expected<client_response> speak(const daemon_process& d,
                                     const std::string& sid,
                                     const std::string& text) {
  http_client cl;
  return cl.post_form(
    d.base_url() + "/voice/process-speech",
    form_encode(form_params{{"CallSid", sid}, {"SpeechResult", text}}));
}

} // namespace

TEST_CASE("SIGTERM answers the turn in flight, then exits cleanly") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_mode(fake_llm::mode::slow, 800ms);
  model.set_reply("Here is your answer.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("drain.db");
  opts.extra_toml = ollama_toml(model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  cl.post_form(d.base_url() + "/voice/inbound", "CallSid=CA60");
  auto turn = std::async(std::launch::async, speak, std::cref(d), "CA60",
                         "hello");
  REQUIRE(model.wait_for_requests(1, 5s));
  d.signal(SIGTERM);
  REQUIRE(d.wait_for_log("draining"));
  auto answer = turn.get();
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(read_twiml(answer->body)->find("Say")->text == "Here is your answer.");
  CHECK(d.stop() == 0); // already exiting: reaps it
  CHECK(query(opts.db_path, "SELECT content FROM turns WHERE seq = 2")
          .at(0)["content"]
        == "Here is your answer.");
}

TEST_CASE("after kill -9 the model still sees the whole conversation") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_reply("Noted.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("crash.db");
  opts.extra_toml = ollama_toml(model);
  {
    daemon_process d{opts, dir.path()};
    REQUIRE(d.running());
    http_client cl;
    cl.post_form(d.base_url() + "/voice/inbound", "CallSid=CA61");
    REQUIRE(speak(d, "CA61", "my order is 4471")->status == 200);
    d.kill_hard();
  }
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  REQUIRE(speak(d, "CA61", "where is it")->status == 200);
  auto last = model.requests().back();
  REQUIRE(last.messages.size() == 4); // system, user, assistant, user
  CHECK(last.messages[1].content == "my order is 4471");
  CHECK(last.messages[2].content == "Noted.");
  CHECK(last.messages[3].content == "where is it");
  REQUIRE(d.stop() == 0);
}
