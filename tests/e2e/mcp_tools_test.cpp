// End-to-end: the call's model uses an MCP server's tools. The built daemon
// with llm.backend = ollama talks to tests/fixtures/fake_llm, which plays a
// model that calls lookup_order on tests/fixtures/fake_mcp and answers from
// its result (tests/fixtures/tool_model.hpp). Over <Gather> a slow tool is
// covered by the filler and the redirect, then the answer comes; a tool
// that fails still ends in a spoken answer; the daemon is ready before a
// slow server has listed its tools; a reload lists them again with the
// file's new allow-list.
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_llm.hpp"
#include "fixtures/fake_mcp.hpp"
#include "fixtures/tool_model.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"
#include "support/temp_dir.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

// A daemon whose model is `model` and whose MCP server is `orders`.
daemon_options tool_options(const temp_dir& dir, const fake_llm& model,
                            const fake_mcp& orders,
                            const std::vector<std::string>& allow = {}) {
  daemon_options o;
  o.db_path = dir.file("tools.db");
  o.extra_toml = "[llm]\nbackend = \"ollama\"\nmodel = \"m\"\ntimeout_s = 20\n"
                 "mcp_timeout_ms = 5000\n[[llm.endpoints]]\nurl = \""
                 + model.base_url() + "\"\nslots = 1\n"
                 + mcp_server_toml("orders", orders.url(), allow);
  return o;
}

const char* const listed = "MCP tool(s) offered";

// The TwiML of POST `path` for the call `sid` with the caller's `words`.
twiml_node turn(http_client& cl, const daemon_process& d,
                const std::string& path, const std::string& sid,
                const std::string& words) {
  auto r = post_form(cl, d, path, speech_webhook(sid, words));
  INFO(d.log());
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto doc = read_twiml(r->body);
  REQUIRE(doc);
  return *doc;
}

} // namespace

TEST_CASE("gather: a slow tool gets the filler and a redirect, then the "
          "model's answer from its result",
          "[mcp]") {
  fake_llm model{fake_llm::flavor::ollama};
  fake_mcp orders;
  REQUIRE(model.ok());
  REQUIRE(orders.ok());
  look_up_then_answer(model);
  temp_dir dir;
  auto opts = tool_options(dir, model, orders);
  opts.webhook_deadline_ms = 500;
  opts.max_await_redirects = 6;
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  REQUIRE(d.wait_for_log(listed));
  CHECK(d.log().find("llm: 2 MCP tool(s) offered: lookup_order, get_time")
        != std::string::npos);
  // The tool takes longer than Twilio may wait for an answer.
  orders.set_delay(1500ms);
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", {{"CallSid", "CAT1"}})->status
          == 200);
  auto doc = turn(cl, d, "/voice/process-speech", "CAT1", "where is A123");
  REQUIRE(doc.find("Redirect"));
  REQUIRE(doc.find("Say"));
  CHECK(doc.find("Say")->text == "One moment please.");
  // Twilio follows each redirect until the answer (a <Gather>) comes.
  for (int redirects = 1; !doc.find("Gather"); ++redirects) {
    REQUIRE(redirects < 8);
    auto* redirect = doc.find("Redirect");
    REQUIRE(redirect);
    const auto& url = redirect->text;
    REQUIRE(url.find("/voice/await?turn=1") != std::string::npos);
    const auto path = url.substr(url.find("/voice/await"));
    doc = turn(cl, d, path, "CAT1", "where is A123");
  }
  REQUIRE(doc.find("Gather"));
  REQUIRE(doc.find("Say"));
  CHECK(doc.find("Say")->text == shipped_answer);
  CHECK(orders.requests_for("tools/call").size() == 1);
  REQUIRE(d.stop() == 0);
  CHECK(query(opts.db_path, "SELECT content FROM turns WHERE seq = 2")
          .at(0)["content"]
        == shipped_answer);
}

TEST_CASE("gather: a tool that fails still ends in a spoken answer", "[mcp]") {
  fake_llm model{fake_llm::flavor::ollama};
  fake_mcp orders;
  REQUIRE(model.ok());
  REQUIRE(orders.ok());
  look_up_then_answer(model);
  temp_dir dir;
  daemon_process d{tool_options(dir, model, orders), dir.path()};
  REQUIRE(d.running());
  REQUIRE(d.wait_for_log(listed));
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", {{"CallSid", "CAT2"}})->status
          == 200);
  for (auto mode : {fake_mcp::mode::garbage, fake_mcp::mode::http_500,
                    fake_mcp::mode::is_error}) {
    orders.set_mode(mode);
    auto doc = turn(cl, d, "/voice/process-speech", "CAT2", "where is A123");
    REQUIRE(doc.find("Say"));
    CHECK(doc.find("Say")->text == tool_failed_answer);
    CHECK(doc.find("Gather"));
  }
  REQUIRE(d.stop() == 0);
}

TEST_CASE("a slow MCP server does not hold up the start", "[mcp]") {
  fake_llm model{fake_llm::flavor::ollama};
  fake_mcp orders;
  REQUIRE(model.ok());
  REQUIRE(orders.ok());
  orders.set_delay(1000ms);
  temp_dir dir;
  daemon_process d{tool_options(dir, model, orders), dir.path()};
  REQUIRE(d.running());
  REQUIRE(d.wait_for_log(listed));
  auto log = d.log();
  CHECK(log.find("listening on ") < log.find(listed));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("a reload lists the tools again, with the file's allow-list",
          "[mcp]") {
  fake_llm model{fake_llm::flavor::ollama};
  fake_mcp orders;
  REQUIRE(model.ok());
  REQUIRE(orders.ok());
  temp_dir dir;
  daemon_process d{tool_options(dir, model, orders), dir.path()};
  REQUIRE(d.running());
  REQUIRE(d.wait_for_log(listed));
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", {{"CallSid", "CAT3"}})->status
          == 200);
  turn(cl, d, "/voice/process-speech", "CAT3", "hello");
  REQUIRE(model.requests().size() == 1);
  CHECK(offers(model.requests()[0], "lookup_order"));
  CHECK(offers(model.requests()[0], "get_time"));
  std::string text;
  {
    std::ifstream in{d.config_path()};
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  const auto entry = mcp_server_toml("orders", orders.url());
  REQUIRE(text.find(entry) != std::string::npos);
  text.replace(text.find(entry), entry.size(),
               mcp_server_toml("orders", orders.url(), {"get_time"}));
  std::ofstream{d.config_path()} << text;
  const auto lists_before = orders.requests_for("tools/list").size();
  d.signal(SIGHUP);
  REQUIRE(d.wait_for_log("llm: 1 MCP tool(s) offered: get_time"));
  CHECK(orders.requests_for("tools/list").size() > lists_before);
  turn(cl, d, "/voice/process-speech", "CAT3", "and now?");
  REQUIRE(model.requests().size() == 2);
  CHECK_FALSE(offers(model.requests()[1], "lookup_order"));
  CHECK(offers(model.requests()[1], "get_time"));
  REQUIRE(d.stop() == 0);
}
