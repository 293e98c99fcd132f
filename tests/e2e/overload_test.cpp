// End-to-end: a model that is busy with another call does not make the
// next caller wait when the queue is full.
#include <chrono>
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

TEST_CASE("a full LLM queue answers at once with the apology") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_mode(fake_llm::mode::slow, 1500ms);
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("queue.db");
  opts.extra_toml = "[llm]\nbackend = \"ollama\"\nmax_queue = 0\n"
                    "[[llm.endpoints]]\nurl = \""
                    + model.base_url() + "\"\nslots = 1\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto speak = [&d](const std::string& sid) {
    http_client cl;
    cl.post_form(d.base_url() + "/voice/inbound", "CallSid=" + sid);
    return cl.post_form(d.base_url() + "/voice/process-speech",
                        "CallSid=" + sid + "&SpeechResult=hello");
  };
  auto busy = std::async(std::launch::async, speak, "CA50");
  REQUIRE(model.wait_for_requests(1, 5s)); // the only slot is taken
  auto t0 = std::chrono::steady_clock::now();
  auto second = speak("CA51");
  CHECK(std::chrono::steady_clock::now() - t0 < 1000ms);
  REQUIRE(second);
  auto doc = read_twiml(second->body);
  REQUIRE(doc);
  CHECK(doc->find("Gather"));
  CHECK(doc->find("Say")->text.find("Sorry, I am having trouble")
        != std::string::npos);
  auto first = busy.get();
  REQUIRE(first);
  CHECK(read_twiml(first->body)->find("Say")->text
        == "Hello there. How can I help?");
  CHECK(model.requests().size() == 1);
  REQUIRE(d.stop() == 0);
}
