// End-to-end: the call's model uses an MCP server's tools. The built daemon
// with llm.backend = ollama talks to tests/fixtures/fake_llm, which plays a
// model that calls lookup_order on tests/fixtures/fake_mcp and answers from
// its result (tests/fixtures/tool_model.hpp). Over <Gather> a slow tool is
// covered by the filler and the redirect, then the answer comes; a tool
// that fails still ends in a spoken answer; the daemon is ready before a
// slow server has listed its tools; a reload lists them again with the
// file's new allow-list. The calls are stored with their turn.
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_llm.hpp"
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

// A daemon whose model and MCP server are those of `s`.
daemon_options tool_options(const temp_dir& dir, const tool_servers& s,
                            const std::vector<std::string>& allow = {}) {
  daemon_options o;
  o.db_path = dir.file("tools.db");
  o.extra_toml = "[llm]\nbackend = \"ollama\"\nmodel = \"m\"\ntimeout_s = 20\n"
                 "mcp_timeout_ms = 5000\n[[llm.endpoints]]\nurl = \""
                 + s.model.base_url() + "\"\nslots = 1\n"
                 + mcp_server_toml("orders", s.orders.url(), allow);
  return o;
}

const char* const listed = "MCP tool(s) offered";

// The daemon started and has listed the tools.
void require_listed(const daemon_process& d) {
  INFO(d.log());
  REQUIRE(d.running());
  REQUIRE(d.wait_for_log(listed));
}

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
  tool_servers s;
  REQUIRE(s.ok());
  temp_dir dir;
  auto opts = tool_options(dir, s);
  opts.webhook_deadline_ms = 500;
  opts.max_await_redirects = 6;
  daemon_process d{opts, dir.path()};
  require_listed(d);
  CHECK(d.log().find("llm: 2 MCP tool(s) offered: lookup_order, get_time")
        != std::string::npos);
  // The tool takes longer than Twilio may wait for an answer.
  s.orders.set_delay(1500ms);
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
  CHECK(s.orders.requests_for("tools/call").size() == 1);
  REQUIRE(d.stop() == 0);
  CHECK(query(opts.db_path, "SELECT content FROM turns WHERE seq = 2")
          .at(0)["content"]
        == shipped_answer);
  // The call is stored with the turn it answered.
  auto calls = query(opts.db_path,
                     "SELECT seq, idx, round, server, name, arguments, result, "
                     "coalesce(error, '') AS error, ms FROM tool_calls");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0]["seq"] == "2");
  CHECK(calls[0]["idx"] == "1");
  CHECK(calls[0]["round"] == "1");
  CHECK(calls[0]["server"] == "orders");
  CHECK(calls[0]["name"] == "lookup_order");
  CHECK(calls[0]["arguments"] == R"({"order_id":"A123"})");
  CHECK(calls[0]["result"] == "Order shipped\nArrives Tuesday");
  CHECK(calls[0]["error"].empty());
  CHECK(std::stoi(calls[0]["ms"]) >= 1500);
}

TEST_CASE("gather: a tool that fails still ends in a spoken answer", "[mcp]") {
  tool_servers s;
  REQUIRE(s.ok());
  temp_dir dir;
  auto opts = tool_options(dir, s);
  daemon_process d{opts, dir.path()};
  require_listed(d);
  http_client cl;
  REQUIRE(post_form(cl, d, "/voice/inbound", {{"CallSid", "CAT2"}})->status
          == 200);
  for (auto mode : {fake_mcp::mode::garbage, fake_mcp::mode::http_500,
                    fake_mcp::mode::is_error}) {
    s.orders.set_mode(mode);
    auto doc = turn(cl, d, "/voice/process-speech", "CAT2", "where is A123");
    REQUIRE(doc.find("Say"));
    CHECK(doc.find("Say")->text == tool_failed_answer);
    CHECK(doc.find("Gather"));
  }
  REQUIRE(d.stop() == 0);
  // Each failure is stored as what the model was told.
  auto errors = query(opts.db_path, "SELECT coalesce(error, '') AS error, "
                                    "coalesce(result, '') AS result FROM "
                                    "tool_calls ORDER BY seq");
  REQUIRE(errors.size() == 3);
  for (auto& row : errors) {
    CHECK_FALSE(row["error"].empty());
    CHECK(row["result"].empty());
  }
}

TEST_CASE("a slow MCP server does not hold up the start", "[mcp]") {
  tool_servers s;
  REQUIRE(s.ok());
  s.orders.set_delay(1000ms);
  temp_dir dir;
  daemon_process d{tool_options(dir, s), dir.path()};
  require_listed(d);
  auto log = d.log();
  CHECK(log.find("listening on ") < log.find(listed));
  REQUIRE(d.stop() == 0);
}

TEST_CASE("a reload lists the tools again, with the file's allow-list",
          "[mcp]") {
  tool_servers s;
  REQUIRE(s.ok());
  // Here the model only answers: what it is offered is the point.
  auto& model = s.model;
  model.set_tool_calls_fn({});
  model.set_reply_fn({});
  temp_dir dir;
  daemon_process d{tool_options(dir, s), dir.path()};
  require_listed(d);
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
  const auto entry = mcp_server_toml("orders", s.orders.url());
  REQUIRE(text.find(entry) != std::string::npos);
  text.replace(text.find(entry), entry.size(),
               mcp_server_toml("orders", s.orders.url(), {"get_time"}));
  std::ofstream{d.config_path()} << text;
  const auto lists_before = s.orders.requests_for("tools/list").size();
  d.signal(SIGHUP);
  REQUIRE(d.wait_for_log("llm: 1 MCP tool(s) offered: get_time"));
  CHECK(s.orders.requests_for("tools/list").size() > lists_before);
  turn(cl, d, "/voice/process-speech", "CAT3", "and now?");
  REQUIRE(model.requests().size() == 2);
  CHECK_FALSE(offers(model.requests()[1], "lookup_order"));
  CHECK(offers(model.requests()[1], "get_time"));
  REQUIRE(d.stop() == 0);
}
