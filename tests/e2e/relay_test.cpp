// End-to-end over ConversationRelay: the real daemon with voice.transport
// = "relay", a Beast WebSocket client playing Twilio (cli/sim/relay_client),
// and local model servers that stream slowly. Covers the handshake's
// checks, streamed tokens, interrupts, DTMF, malformed frames, drop and
// reconnect, the hand-off to <Dial>, switchboard-sim --transport relay,
// the filler while the model's MCP tool runs (tests/fixtures/fake_mcp),
// and shutdown with a socket open.
#include <chrono>
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "cli/sim/relay_client.hpp"
#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_relay.hpp"
#include "cli/sim/sim_relay_frames.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "core/error.hpp"
#include "fixtures/fake_llm.hpp"
#include "fixtures/tool_model.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"
#include "twilio/relay_frames.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

const std::string auth_token = "relay-test-auth-token";

daemon_options relay_options(const temp_dir& dir,
                             const std::string& extra_voice = {}) {
  daemon_options o;
  o.db_path = dir.file("relay.db");
  o.voice_extra = "transport = \"relay\"\n" + extra_voice;
  o.validate_signatures = true;
  o.auth_token = auth_token;
  return o;
}

std::string ollama_toml(const fake_llm& model, int slots = 1) {
  return "[llm]\nbackend = \"ollama\"\nmodel = \"m\"\ntimeout_s = 20\n"
         "[[llm.endpoints]]\nurl = \""
         + model.base_url() + "\"\nslots = " + std::to_string(slots) + "\n";
}

// A webhook as Twilio posts it: form body, signed over the public URL.
caf::expected<client_response> post_signed(const daemon_process& d,
                                           const std::string& path,
                                           const form_params& params) {
  http_client cl;
  return sb::test::post_signed(cl, d, path, params, auth_token);
}

form_params call_params(const std::string& sid) {
  return {{"CallSid", sid},          {"AccountSid", "ACtest"},
          {"From", "+15550001111"},  {"To", "+15550002222"},
          {"CallStatus", "ringing"}, {"Direction", "inbound"}};
}

// Where the TwiML told Twilio to open the session.
struct session_url {
  std::string url;    // ws://127.0.0.1:PORT/relay/CA.../token
  std::string target; // /relay/CA.../token
  std::string token;
};

session_url url_of(const std::string& twiml) {
  auto doc = read_twiml(twiml);
  REQUIRE(doc);
  auto relay = doc->find("ConversationRelay");
  REQUIRE(relay != nullptr);
  session_url s;
  s.url = relay->attr("url");
  s.target = url_target(s.url);
  for (auto* p : relay->find_all("Parameter"))
    if (p->attr("name") == "token")
      s.token = p->attr("value");
  REQUIRE_FALSE(s.token.empty());
  return s;
}

std::string ws_base(const daemon_process& d) {
  return "ws://127.0.0.1:" + std::to_string(d.port());
}

// Opens the socket as Twilio would (signed), optionally sending setup.
std::unique_ptr<relay_client>
open_socket(const daemon_process& d, const std::string& sid,
            const session_url& s, bool send_setup = true) {
  auto client = std::make_unique<relay_client>(5s);
  auto sig = sign_webhook(auth_token, ws_base(d), s.target, {});
  auto ok = client->connect("127.0.0.1", std::to_string(d.port()), s.target,
                            {{"X-Twilio-Signature", sig}});
  INFO((ok ? std::string{} : what(ok.error())) << d.log());
  REQUIRE(ok);
  if (send_setup) {
    relay_setup setup;
    setup.session_id = "VX" + sid.substr(2);
    setup.account_sid = "ACtest";
    setup.call_sid = sid;
    setup.from = "+15550001111";
    setup.to = "+15550002222";
    setup.direction = "inbound";
    setup.custom_parameters = {{"callSid", sid}, {"token", s.token}};
    REQUIRE(client->send_text(sim_setup_frame(setup)));
  }
  return client;
}

// Answers /voice/inbound and opens the session it names.
std::unique_ptr<relay_client> start_call(const daemon_process& d,
                                         const std::string& sid,
                                         session_url* out = nullptr) {
  auto inbound = post_signed(d, "/voice/inbound", call_params(sid));
  REQUIRE(inbound);
  REQUIRE(inbound->status == 200);
  auto s = url_of(inbound->body);
  if (out)
    *out = s;
  return open_socket(d, sid, s);
}

// The frames of one reply, up to and with the one whose last is true.
struct reply_frames {
  std::vector<std::string> tokens;
  std::vector<std::string> others; // frames of other types, whole
  std::optional<std::string> end;  // handoffData of an end frame
  std::string text() const {
    std::string out;
    for (auto& t : tokens)
      out += t;
    return out;
  }
};

reply_frames read_reply(relay_client& c,
                        std::chrono::milliseconds timeout = 10s) {
  reply_frames r;
  for (;;) {
    auto m = c.read_text(timeout);
    REQUIRE(m);
    REQUIRE_FALSE(m->closed);
    auto f = parse_daemon_frame(m->text);
    REQUIRE(f);
    if (auto* t = std::get_if<daemon_text>(&*f)) {
      r.tokens.push_back(t->token);
      if (t->last)
        return r;
    } else if (auto* e = std::get_if<daemon_end>(&*f)) {
      r.end = e->handoff_data;
      return r;
    } else {
      r.others.push_back(m->text);
    }
  }
}

// The next text frame; frames of other types before it are skipped.
daemon_text read_text_frame(relay_client& c) {
  for (;;) {
    auto m = c.read_text(10s);
    REQUIRE(m);
    REQUIRE_FALSE(m->closed);
    auto f = parse_daemon_frame(m->text);
    REQUIRE(f);
    if (auto* t = std::get_if<daemon_text>(&*f))
      return *t;
  }
}

// The next frame, which must be an end.
std::string read_end(relay_client& c) {
  auto m = c.read_text(10s);
  REQUIRE(m);
  REQUIRE_FALSE(m->closed);
  auto f = parse_daemon_frame(m->text);
  REQUIRE(f);
  auto* e = std::get_if<daemon_end>(&*f);
  REQUIRE(e != nullptr);
  return e->handoff_data;
}

form_params done_params(const std::string& sid, const std::string& status,
                        const std::string& handoff = {}) {
  auto p = call_params(sid);
  p.emplace_back("SessionId", "VX1");
  p.emplace_back("SessionStatus", status);
  if (!handoff.empty())
    p.emplace_back("HandoffData", handoff);
  return p;
}

} // namespace

TEST_CASE("relay: a call answered with <Connect>, replies streamed, every turn "
          "stored",
          "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto inbound = post_signed(d, "/voice/inbound", call_params("CAR1"));
  REQUIRE(inbound);
  auto doc = read_twiml(inbound->body);
  REQUIRE(doc);
  auto* connect = doc->find("Connect");
  REQUIRE(connect != nullptr);
  CHECK(connect->attr("action") == d.base_url() + "/voice/relay-done");
  auto* relay = doc->find("ConversationRelay");
  REQUIRE(relay != nullptr);
  CHECK(relay->attr("url").rfind(ws_base(d) + "/relay/CAR1/", 0) == 0);
  CHECK_FALSE(relay->attr("welcomeGreeting").empty());
  CHECK(relay->attr("language") == "hi-IN");
  auto s = url_of(inbound->body);
  auto c = open_socket(d, "CAR1", s);
  REQUIRE(c->send_text(sim_prompt_frame("hello", "en-US")));
  auto first = read_reply(*c);
  CHECK(first.text()
        == "Hello! Namaste! It is nice to hear from you. How can "
           "I help you today?");
  // The call was hi-IN; Twilio heard English, so the call follows.
  CHECK(
    first.others
    == std::vector<std::string>{
      R"({"type":"language","ttsLanguage":"en-US","transcriptionLanguage":"en-US"})"});
  // Sentence by sentence, then the closing frame.
  CHECK(first.tokens.size() >= 3);
  REQUIRE(c->send_text(sim_prompt_frame("goodbye", "en-US")));
  auto last = read_reply(*c);
  CHECK(last.text() == "Thank you for calling. Dhanyavaad, goodbye!");
  CHECK(read_end(*c) == R"({"reason":"goodbye"})");
  c->close();
  auto done = post_signed(d, "/voice/relay-done",
                          done_params("CAR1", "ended",
                                      R"({"reason":"goodbye"})"));
  REQUIRE(done);
  CHECK(read_twiml(done->body)->find("Hangup") != nullptr);
  post_signed(d, "/call-status",
              {{"CallSid", "CAR1"}, {"CallStatus", "completed"}});
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path,
                  "SELECT count(*) FROM turns WHERE call_sid = 'CAR1'")
        == 4);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events WHERE kind = "
                                "'relay-prompt'")
        == 2);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events WHERE kind = "
                                "'relay-setup'")
        == 1);
  auto call = query(opts.db_path, "SELECT from_number, end_reason FROM calls");
  REQUIRE(call.size() == 1);
  CHECK(call[0]["from_number"] == "+15550001111");
  CHECK(call[0]["end_reason"] == "completed");
}

TEST_CASE("relay: the upgrade needs Twilio's signature over the wss URL and "
          "our token for that call",
          "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto inbound = post_signed(d, "/voice/inbound", call_params("CAR2"));
  REQUIRE(inbound);
  auto s = url_of(inbound->body);
  auto port = std::to_string(d.port());
  {
    relay_client unsigned_client{5s};
    auto r = unsigned_client.connect("127.0.0.1", port, s.target);
    CHECK_FALSE(r);
    CHECK(unsigned_client.handshake_status() == 403);
  }
  {
    relay_client forged{5s};
    auto r = forged.connect(
      "127.0.0.1", port, s.target,
      {{"X-Twilio-Signature",
        sign_webhook("another-token", ws_base(d), s.target, {})}});
    CHECK_FALSE(r);
    CHECK(forged.handshake_status() == 403);
  }
  {
    // A token issued for CAR2 does not open CAR3's session, even signed.
    auto other = "/relay/CAR3/" + s.token;
    relay_client moved{5s};
    auto r = moved.connect("127.0.0.1", port, other,
                           {{"X-Twilio-Signature",
                             sign_webhook(auth_token, ws_base(d), other, {})}});
    CHECK_FALSE(r);
    CHECK(moved.handshake_status() == 403);
  }
  {
    // Accepted, but a setup for another call closes the socket.
    auto c = open_socket(d, "CAR2", s, false);
    relay_setup setup;
    setup.session_id = "VX2";
    setup.account_sid = "ACtest";
    setup.call_sid = "CAR9";
    setup.custom_parameters = {{"token", s.token}};
    REQUIRE(c->send_text(sim_setup_frame(setup)));
    auto m = c->read_text(5s);
    REQUIRE(m);
    CHECK(m->closed);
    CHECK(m->close_code == 1008);
  }
  // The valid one works.
  auto c = open_socket(d, "CAR2", s);
  REQUIRE(c->send_text(sim_prompt_frame("hello", "en-US")));
  CHECK_FALSE(read_reply(*c).tokens.empty());
  CHECK(d.log().find("refused WebSocket") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("relay: tokens are spoken while the model still streams, and an "
          "interrupt closes its stream and trims the turn",
          "[relay]") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_reply("Hello there. Your order left the warehouse today. It should "
                  "arrive by Monday. Is there anything else I can do?");
  model.set_token_delays(0ms, 150ms);
  temp_dir dir;
  auto opts = relay_options(dir);
  opts.extra_toml = ollama_toml(model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto c = start_call(d, "CAR4");
  REQUIRE(c->send_text(sim_prompt_frame("where is my order", "en-US")));
  auto first = read_text_frame(*c);
  CHECK(first.token == "Hello there.");
  CHECK_FALSE(first.last);
  // The model server is still sending the rest of the reply.
  CHECK(model.concurrency() == 1);
  // The caller talks over it.
  REQUIRE(c->send_text(sim_interrupt_frame("Hello there", 700)));
  REQUIRE(model.wait_for_client_close(1, 5s));
  // The cycle closes with an empty last frame.
  auto rest = read_reply(*c);
  CHECK(rest.tokens.back().empty());
  // The model's slot is free at once: the next prompt is served (slots=1).
  model.set_token_delays(0ms, 0ms);
  model.set_reply("Sure.");
  REQUIRE(c->send_text(sim_prompt_frame("thanks", "en-US")));
  CHECK(read_reply(*c).text() == "Sure.");
  auto requests = model.requests();
  REQUIRE(requests.size() == 2);
  // The model hears what the caller heard of the interrupted reply.
  auto& history = requests[1].messages;
  REQUIRE(history.size() >= 3);
  CHECK(history[history.size() - 2].content == "Hello there");
  // Operators see it in /metrics: one interrupt, two first words timed,
  // one socket open.
  http_client cl;
  auto metrics = cl.get(d.base_url() + "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("switchboard_relay_interrupts_total 1\n")
        != std::string::npos);
  CHECK(metrics->body.find("switchboard_relay_first_text_seconds_count 2\n")
        != std::string::npos);
  CHECK(metrics->body.find("switchboard_relay_sessions 1\n")
        != std::string::npos);
  c->close();
  REQUIRE(d.stop() == 0);
  auto turns = query(opts.db_path, "SELECT seq, role, content, interrupted, "
                                   "first_token_ms FROM turns ORDER BY seq");
  REQUIRE(turns.size() == 4);
  CHECK(turns[1]["content"] == "Hello there");
  CHECK(turns[1]["interrupted"] == "1");
  CHECK(turns[3]["content"] == "Sure.");
  CHECK(turns[3]["interrupted"] == "0");
  CHECK_FALSE(turns[3]["first_token_ms"].empty());
}

TEST_CASE("relay: while the model's tool runs the caller hears the filler, "
          "then the answer from its result",
          "[relay][mcp]") {
  tool_servers tools{fake_llm::flavor::openai};
  REQUIRE(tools.ok());
  temp_dir dir;
  auto opts = relay_options(dir);
  opts.extra_toml = "[llm]\nbackend = \"openai\"\nmodel = \"m\"\n"
                    "[[llm.endpoints]]\nurl = \""
                    + tools.model.base_url() + "\"\n"
                    + mcp_server_toml("orders", tools.orders.url());
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  REQUIRE(d.wait_for_log("MCP tool(s) offered"));
  auto c = start_call(d, "CAR9");
  REQUIRE(c->send_text(sim_prompt_frame("where is my order A123", "en-US")));
  auto reply = read_reply(*c);
  REQUIRE_FALSE(reply.tokens.empty());
  CHECK(reply.tokens[0] == "One moment please.");
  CHECK(reply.text() == "One moment please. " + shipped_answer);
  c->close();
  REQUIRE(d.stop() == 0);
  // The stored turn is the model's answer; the filler is not its words.
  CHECK(query(opts.db_path, "SELECT content FROM turns WHERE seq = 2")
          .at(0)["content"]
        == shipped_answer);
  CHECK(query(opts.db_path, "SELECT name FROM tool_calls WHERE seq = 2")
          .at(0)["name"]
        == "lookup_order");
}

TEST_CASE("relay: DTMF, malformed and unknown frames leave the call going",
          "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto c = start_call(d, "CAR5");
  for (const char* bad :
       {"not json", R"({"type":"prompt","voicePrompt":5})", R"({"no":"type"})",
        R"({"type":"dtmf","digit":"55"})"})
    REQUIRE(c->send_text(bad));
  REQUIRE(c->send_text(R"({"type":"info","name":"tokensPlayed"})"));
  REQUIRE(c->send_text(sim_dtmf_frame("5")));
  REQUIRE(c->send_text(R"({"type":"error","description":"Invalid message"})"));
  REQUIRE(c->send_text(sim_prompt_frame("hello", "en-US")));
  CHECK_FALSE(read_reply(*c).tokens.empty());
  c->close();
  REQUIRE(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events WHERE kind = "
                                "'relay-dtmf'")
        == 1);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM events WHERE kind = "
                                "'relay-error'")
        == 1);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 2);
  CHECK(d.log().find("malformed frame") != std::string::npos);
}

TEST_CASE("relay: ten malformed frames in a row close the socket", "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto c = start_call(d, "CAR6");
  for (int i = 0; i < 10; ++i)
    REQUIRE(c->send_text("{broken"));
  auto m = c->read_text(5s);
  REQUIRE(m);
  CHECK(m->closed);
  CHECK(m->close_code == 1007);
  CHECK(d.stop() == 0);
}

TEST_CASE("relay: a malformed setup closes the socket with 1008 and the "
          "call reconnects through relay-done",
          "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto inbound = post_signed(d, "/voice/inbound", call_params("CAR9"));
  REQUIRE(inbound);
  REQUIRE(inbound->status == 200);
  auto c = open_socket(d, "CAR9", url_of(inbound->body), false);
  // A setup without its callSid: the session cannot be bound to the call.
  REQUIRE(c->send_text(R"({"type":"setup","sessionId":"VX9",)"
                       R"("accountSid":"ACtest","customParameters":{}})"));
  auto m = c->read_text(5s);
  REQUIRE(m);
  CHECK(m->closed);
  CHECK(m->close_code == 1008);
  CHECK(d.wait_for_log("malformed setup (relay frame: 'callSid' is missing)"));
  // Twilio then posts relay-done, and the call gets a new session.
  auto done = post_signed(d, "/voice/relay-done",
                          done_params("CAR9", "failed"));
  REQUIRE(done);
  REQUIRE(done->status == 200);
  auto again = open_socket(d, "CAR9", url_of(done->body));
  REQUIRE(again->send_text(sim_prompt_frame("hello", "en-US")));
  CHECK_FALSE(read_reply(*again).tokens.empty());
  again->close();
  CHECK(d.stop() == 0);
}

TEST_CASE("relay: a dropped socket reconnects through relay-done to the same "
          "conversation",
          "[relay]") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_reply("Noted.");
  temp_dir dir;
  auto opts = relay_options(dir);
  opts.extra_toml = ollama_toml(model);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto c = start_call(d, "CAR7");
  REQUIRE(c->send_text(sim_prompt_frame("my name is Asha", "en-US")));
  CHECK(read_reply(*c).text() == "Noted.");
  c.reset(); // dropped without a closing handshake
  auto done = post_signed(d, "/voice/relay-done",
                          done_params("CAR7", "failed"));
  REQUIRE(done);
  REQUIRE(done->status == 200);
  auto s = url_of(done->body);
  // No second greeting on a reconnect.
  CHECK(read_twiml(done->body)
          ->find("ConversationRelay")
          ->attr("welcomeGreeting")
          .empty());
  auto again = open_socket(d, "CAR7", s);
  REQUIRE(again->send_text(sim_prompt_frame("what is my name", "en-US")));
  CHECK(read_reply(*again).text() == "Noted.");
  auto requests = model.requests();
  REQUIRE(requests.size() == 2);
  auto& history = requests[1].messages;
  REQUIRE(history.size() == 4); // system, my name is Asha, Noted., what...
  CHECK(history[1].content == "my name is Asha");
  CHECK(history[3].content == "what is my name");
  again->close();
  CHECK(d.stop() == 0);
}

TEST_CASE("relay: a transfer intent ends the session and relay-done dials "
          "voice.transfer_number",
          "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir, "transfer_number = \"+15550009999\"\n");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto c = start_call(d, "CAR8");
  REQUIRE(c->send_text(sim_prompt_frame("can I talk to a human", "en-US")));
  CHECK(read_reply(*c).text() == "Let me connect you to a colleague.");
  auto handoff = read_end(*c);
  CHECK(handoff == R"({"reason":"transfer"})");
  c->close();
  auto done = post_signed(d, "/voice/relay-done",
                          done_params("CAR8", "ended", handoff));
  REQUIRE(done);
  auto doc = read_twiml(done->body);
  REQUIRE(doc);
  auto* dial = doc->find("Dial");
  REQUIRE(dial != nullptr);
  CHECK(dial->text == "+15550009999");
  CHECK(d.stop() == 0);
  CHECK(query(opts.db_path, "SELECT end_reason FROM calls")[0]["end_reason"]
        == "transferred");
}

TEST_CASE("relay: switchboard-sim --transport relay plays a call and prints "
          "its tokens",
          "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  std::string out;
  int rc = run_sim_command({"--url", d.base_url(), "--auth-token", auth_token,
                            "--transport", "relay", "hello", "bye"},
                           out);
  INFO(out << d.log());
  CHECK(rc == 0);
  CHECK(out.find("It is nice to hear from you.") != std::string::npos);
  CHECK(d.stop() == 0);
  CHECK(query_int(opts.db_path, "SELECT count(*) FROM turns") == 4);
}

TEST_CASE("relay: SIGTERM with a session open exits cleanly", "[relay]") {
  temp_dir dir;
  auto opts = relay_options(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto c = start_call(d, "CARS");
  REQUIRE(c->send_text(sim_prompt_frame("hello", "en-US")));
  read_reply(*c);
  CHECK(d.stop() == 0);
  auto m = c->read_text(5s);
  // The daemon closed the socket on its way out (or dropped it).
  CHECK((!m || m->closed));
}

TEST_CASE("relay: a reload switches new calls to the relay transport and its "
          "TwiML settings",
          "[relay]") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("reload.db");
  opts.validate_signatures = true;
  opts.auth_token = auth_token;
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  auto before = post_signed(d, "/voice/inbound", call_params("CARL1"));
  REQUIRE(before);
  CHECK(read_twiml(before->body)->find("Gather") != nullptr);
  std::string text;
  {
    std::ifstream in{d.config_path()};
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  text.replace(text.find("[voice]\n"), 8, "[voice]\ntransport = \"relay\"\n");
  text += "[relay]\ntts_provider = \"Amazon\"\nvoice = \"Joanna-Neural\"\n";
  std::ofstream{d.config_path()} << text;
  d.signal(SIGHUP);
  REQUIRE(d.wait_for_log("applied"));
  auto after = post_signed(d, "/voice/inbound", call_params("CARL2"));
  REQUIRE(after);
  auto doc = read_twiml(after->body);
  REQUIRE(doc);
  auto* relay = doc->find("ConversationRelay");
  REQUIRE(relay != nullptr);
  CHECK(relay->attr("ttsProvider") == "Amazon");
  CHECK(relay->attr("voice") == "Joanna-Neural");
  // The call answered before the reload stays on its transport.
  auto turn = post_signed(d, "/voice/process-speech",
                          {{"CallSid", "CARL1"}, {"SpeechResult", "hello"}});
  REQUIRE(turn);
  CHECK(read_twiml(turn->body)->find("Gather") != nullptr);
  CHECK(d.stop() == 0);
}
