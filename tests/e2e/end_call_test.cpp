// End-to-end: a call with a real model ends when the model says so or the
// caller says one of llm.goodbye_words. The built daemon with
// llm.backend = ollama or openai talks to tests/fixtures/fake_llm, which
// calls the end_call tool the daemon offers: over gather the TwiML hangs
// up (<Hangup/>), over ConversationRelay the session ends with "goodbye"
// and relay-done hangs up; a model that ends the call without a word gets
// voice.goodbye_message said for it.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_relay.hpp"
#include "cli/sim/sim_script.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_llm.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"

using namespace sb;
using namespace sb::test;

namespace {

const std::string goodbye_message =
  "Thank you for calling. Dhanyavaad, goodbye!";

std::string llm_toml(const std::string& backend, const fake_llm& model,
                     const std::string& extra = "") {
  return "[llm]\nbackend = \"" + backend
         + "\"\nmodel = \"qwen2.5:7b\"\n"
           "timeout_s = 20\n"
         + extra + "[[llm.endpoints]]\nurl = \"" + model.base_url()
         + "\"\nslots = 1\n";
}

// The caller's words in the request the model was sent.
std::string last_words(const fake_llm::request& r) {
  return r.messages.empty() ? std::string{} : r.messages.back().content;
}

// A model that answers "that is all" by hanging up without a word (when
// it was offered the tool) and anything else with `reply`.
void hang_up_on_that_is_all(fake_llm& model, std::string reply) {
  model.set_reply_fn([reply](const fake_llm::request& r) {
    return last_words(r) == "that is all" ? std::string{} : reply;
  });
  model.set_tool_call_fn([](const fake_llm::request& r) {
    bool offered = false;
    for (const auto& t : r.tools)
      offered = offered || t == "end_call";
    return offered && last_words(r) == "that is all" ? "end_call" : "";
  });
}

std::vector<std::string> texts_of(const sim_result& r, const char* speaker) {
  std::vector<std::string> out;
  for (const auto& line : r.transcript)
    if (line.speaker == speaker)
      out.push_back(line.text);
  return out;
}

} // namespace

TEST_CASE("the model's end_call hangs up, saying the goodbye message for it") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_reply("Happy to help.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("end_call.db");
  opts.extra_toml = llm_toml("ollama", model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto post = [&](const std::string& path, const form_params& p) {
    auto r = cl.post_form(d.base_url() + path, form_encode(p));
    INFO(d.log());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    auto doc = read_twiml(r->body);
    REQUIRE(doc);
    return *doc;
  };
  post("/voice/inbound", {{"CallSid", "CAE1"}});
  auto first = post("/voice/process-speech", speech_webhook("CAE1", "hello"));
  CHECK(first.find("Gather"));
  CHECK_FALSE(first.find("Hangup"));
  // The model ends the call with its tool alone, no words.
  model.set_tool_call("end_call");
  model.set_reply("");
  auto last = post("/voice/process-speech",
                   speech_webhook("CAE1", "that is all"));
  REQUIRE(last.find("Say"));
  CHECK(last.find("Say")->text == goodbye_message);
  CHECK(last.find("Hangup"));
  CHECK_FALSE(last.find("Gather"));
  auto reqs = model.requests();
  REQUIRE(reqs.size() == 2);
  for (const auto& r : reqs)
    CHECK(r.tools == std::vector<std::string>{"end_call"});
  REQUIRE(d.stop() == 0);
  CHECK(query(opts.db_path, "SELECT content FROM turns WHERE call_sid = "
                            "'CAE1' AND seq = 4")
          .at(0)["content"]
        == goodbye_message);
}

TEST_CASE("an OpenAI model's end_call after its own goodbye ends a call") {
  fake_llm model{fake_llm::flavor::openai};
  REQUIRE(model.ok());
  model.set_reply_fn([](const fake_llm::request& r) {
    return last_words(r) == "that is all" ? "Goodbye, take care."
                                          : "Happy to help.";
  });
  model.set_tool_call_fn([](const fake_llm::request& r) {
    return last_words(r) == "that is all" ? "end_call" : "";
  });
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("openai_end.db");
  opts.extra_toml = llm_toml("openai", model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  auto r = play_call(cl, call, {"hello", "that is all", "are you there?"});
  INFO(r.error << d.log());
  REQUIRE(r.error.empty());
  CHECK(r.hung_up);
  CHECK(r.turns_sent == 2); // the third line is never heard
  auto said = texts_of(r, "assistant");
  REQUIRE_FALSE(said.empty());
  CHECK(said.back() == "Goodbye, take care.");
  REQUIRE(d.stop() == 0);
}

TEST_CASE("llm.goodbye_words decide the caller's goodbyes, and a model "
          "without tools is offered none") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_reply("Okay.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("goodbye_words.db");
  opts.extra_toml = llm_toml("ollama", model,
                             "goodbye_words = [\"ciao\", \"that's all\"]\n"
                             "end_call_tool = false\n");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  // "goodbye" is the scripted rules' word, not in this list: the call
  // goes on until the caller says a listed one.
  auto r = play_call(cl, call, {"goodbye", "Thanks, CIAO!", "hello?"});
  INFO(r.error << d.log());
  REQUIRE(r.error.empty());
  CHECK(r.hung_up);
  CHECK(r.turns_sent == 2);
  auto reqs = model.requests();
  REQUIRE(reqs.size() == 2);
  for (const auto& req : reqs) {
    CHECK(req.tools.empty());
    CHECK(req.body.find("\"tools\"") == std::string::npos);
  }
  REQUIRE(d.stop() == 0);
}

TEST_CASE("relay: the model's end_call ends the session and the call") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  hang_up_on_that_is_all(model, "Happy to help.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("relay_end.db");
  opts.voice_extra = "transport = \"relay\"\n";
  opts.extra_toml = llm_toml("ollama", model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  call.call_sid = "CAE4";
  auto r = play_relay_script(cl, call,
                             speech_steps({"hello", "that is all", "hello?"}),
                             relay_sim_options{});
  INFO(r.error << d.log());
  REQUIRE(r.error.empty());
  CHECK(r.hung_up);
  auto said = texts_of(r, "assistant");
  REQUIRE(said.size() == 3); // the welcome greeting, then two replies
  CHECK(said[1] == "Happy to help.");
  CHECK(said[2] == goodbye_message);
  auto callers = texts_of(r, "caller");
  CHECK(callers == std::vector<std::string>{"hello", "that is all"});
  bool ended = false;
  for (const auto& line : texts_of(r, "twilio"))
    ended = ended || line.find("goodbye") != std::string::npos;
  CHECK(ended);
  REQUIRE(d.stop() == 0);
  auto rows = query(opts.db_path, "SELECT content FROM turns WHERE "
                                  "call_sid = 'CAE4' AND role = 'assistant' "
                                  "ORDER BY seq");
  REQUIRE_FALSE(rows.empty());
  CHECK(rows.back()["content"] == goodbye_message);
}
