// Tests for cli/sim/sim_relay against a scripted stand-in for a daemon on
// voice.transport = "relay": one loopback port serving the webhooks
// (signatures checked) and the relay WebSocket (signature checked, frames
// read with the daemon's own parser, twilio/relay_frames). What it says
// depends on the caller's words, so each test is a script: replies in
// tokens, sendDigits, an interrupt, a transfer, a reconnect, a goodbye,
// the caller hanging up, a refused upgrade, a dropped socket, silence.
#include "cli/sim/sim_relay.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include "cli/sim/sim_transcript.hpp"
#include "net/text/form.hpp"
#include "tests/cli/loopback_server.hpp"
#include "twilio/relay_frames.hpp"
#include "twilio/twilio_signature.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using sb::test::loopback_server;
using namespace std::chrono_literals;

using ws_stream = websocket::stream<loopback_server::socket&>;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

constexpr const char* auth_token = "fake-token";

// How the stand-in behaves; fixed before its threads start.
struct fake_mode {
  bool refuse_upgrades = false; // answer every upgrade 403
  bool gather = false;          // answer the call as the gather transport
  bool check_webhooks = true;   // refuse webhooks signed wrongly (403)
};

class fake_relay_daemon {
public:
  explicit fake_relay_daemon(fake_mode mode = {}) : mode_(mode) {
  }

  // What it saw, under `mutex`. Catch2's macros are not for other
  // threads: what goes wrong there is written down in `problems`.
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> problems;
  std::vector<std::pair<std::string, sb::form_params>> posts; // target, form
  std::vector<std::string> bad_signatures;                    // targets
  std::vector<sb::relay_setup> setups;
  std::vector<std::string> interrupts; // utteranceUntilInterrupt
  std::vector<int> close_codes;        // the caller's, per session

  std::string base_url() const {
    return server_.base_url();
  }
  std::string ws_base() const {
    return "ws://127.0.0.1:" + std::to_string(server_.port());
  }
  sb::form_params post_to(const std::string& target) {
    std::lock_guard<std::mutex> lock{mutex};
    for (const auto& [t, form] : posts)
      if (t == target)
        return form;
    return {};
  }
  int count(const std::string& target) {
    std::lock_guard<std::mutex> lock{mutex};
    int n = 0;
    for (const auto& p : posts)
      n += p.first == target;
    return n;
  }
  // The caller's close codes once `n` sessions have seen theirs (the
  // server reads a close after the caller's close() has returned).
  std::vector<int> closes(size_t n) {
    std::unique_lock<std::mutex> lock{mutex};
    changed.wait_for(lock, 5s, [&] { return close_codes.size() >= n; });
    return close_codes;
  }

private:
  void serve(loopback_server::socket& s) {
    beast::flat_buffer buf;
    for (;;) {
      request req;
      beast::error_code ec;
      http::read(s, buf, req, ec);
      if (ec)
        return;
      if (websocket::is_upgrade(req))
        return relay(s, req);
      auto res = answer(req);
      http::write(s, res, ec);
      if (ec || !req.keep_alive())
        return;
    }
  }

  static response reply(http::status status, std::string body,
                        const char* type = "text/xml") {
    response res{status, 11};
    res.set(http::field::content_type, type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  std::string connect_twiml(const std::string& call_sid, int session) {
    auto token = "tok-" + std::to_string(session);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect "
           "action=\""
           + base_url()
           + "/voice/relay-done\" method=\"POST\">"
             "<ConversationRelay url=\""
           + ws_base() + "/relay/" + call_sid + "/" + token
           + "\" language=\"hi-IN\" ttsProvider=\"Google\" "
             "welcomeGreeting=\"Namaste! How can I help?\" "
             "interruptible=\"any\""
             " dtmfDetection=\"true\"><Parameter name=\"callSid\" value=\""
           + call_sid + "\"/><Parameter name=\"token\" value=\"" + token
           + "\"/></ConversationRelay></Connect></Response>";
  }

  response answer(const request& req) {
    std::string target{req.target()};
    auto form = sb::parse_form(req.body());
    std::lock_guard<std::mutex> lock{mutex};
    if (!form) {
      problems.push_back("bad form to " + target);
      return reply(http::status::bad_request, "bad form\n", "text/plain");
    }
    if (mode_.check_webhooks
        && !sb::validate_twilio_signature(auth_token, base_url() + target,
                                          *form, req["X-Twilio-Signature"])) {
      bad_signatures.push_back(target);
      return reply(http::status::forbidden, "bad signature\n", "text/plain");
    }
    posts.emplace_back(target, *form);
    auto sid = sb::param_or(*form, "CallSid");
    if (target == "/voice/inbound" && mode_.gather)
      return reply(http::status::ok,
                   "<Response><Gather input=\"speech\"><Say>Hi</Say></Gather>"
                   "</Response>");
    if (target == "/voice/inbound")
      return reply(http::status::ok, connect_twiml(sid, 1));
    if (target == "/voice/relay-done") {
      auto handoff = sb::param_or(*form, "HandoffData");
      if (handoff.find("transfer") != std::string::npos)
        return reply(http::status::ok,
                     "<Response><Dial>+14155550123</Dial></Response>");
      if (handoff.find("reconnect") != std::string::npos)
        return reply(http::status::ok, connect_twiml(sid, 2));
      return reply(http::status::ok, "<Response><Hangup/></Response>");
    }
    if (target == "/call-status")
      return reply(http::status::ok, "<Response/>");
    return reply(http::status::not_found, "no such route\n", "text/plain");
  }

  void relay(loopback_server::socket& s, const request& req) {
    beast::error_code ec;
    auto url = ws_base() + std::string(req.target());
    if (mode_.refuse_upgrades
        || !sb::validate_twilio_signature(auth_token, url, {},
                                          req["X-Twilio-Signature"])) {
      auto res = reply(http::status::forbidden, "refused\n", "text/plain");
      http::write(s, res, ec);
      return;
    }
    ws_stream ws{s};
    ws.accept(req, ec);
    ws.text(true);
    while (!ec) {
      beast::flat_buffer buf;
      ws.read(buf, ec);
      if (ec == websocket::error::closed) {
        std::lock_guard<std::mutex> lock{mutex};
        close_codes.push_back(ws.reason().code);
        changed.notify_all();
      }
      if (ec)
        return;
      auto frame = parse(buf);
      if (frame)
        std::visit([&](const auto& f) { on_frame(ws, f); }, *frame);
    }
  }

  std::optional<sb::relay_inbound> parse(const beast::flat_buffer& buf) {
    auto text = beast::buffers_to_string(buf.data());
    auto frame = sb::parse_relay_frame(text);
    if (frame)
      return std::move(*frame);
    std::lock_guard<std::mutex> lock{mutex};
    problems.push_back("the daemon's parser refused " + text);
    return std::nullopt;
  }

  static void send(ws_stream& ws, const std::string& frame) {
    beast::error_code ec; // a caller gone is seen by the next read
    ws.write(boost::asio::buffer(frame), ec);
  }
  static void say(ws_stream& ws, std::vector<std::string> tokens) {
    for (size_t i = 0; i < tokens.size(); ++i)
      send(ws, sb::relay_text_frame(tokens[i], i + 1 == tokens.size()));
  }

  void on_frame(ws_stream&, const sb::relay_setup& setup) {
    std::lock_guard<std::mutex> lock{mutex};
    setups.push_back(setup);
  }
  void on_frame(ws_stream& ws, const sb::relay_prompt& p) {
    const auto& said = p.voice_prompt;
    if (said == "hello")
      say(ws, {"Hello! ", "How can I help?"});
    else if (said == "tell me a story")
      story(ws);
    else if (said == "press one") {
      send(ws, *sb::relay_send_digits_frame("1"));
      say(ws, {"Done."});
    } else if (said == "transfer me") {
      say(ws, {"Connecting you ", "now."});
      send(ws, sb::relay_end_frame("{\"reason\":\"transfer\"}"));
    } else if (said == "bye") {
      say(ws, {"Goodbye!"});
      send(ws, sb::relay_end_frame("{\"reason\":\"goodbye\"}"));
    } else if (said == "drop") {
      beast::error_code ec;
      ws.close(websocket::close_reason(websocket::close_code::internal_error,
                                       "model crashed"),
               ec);
    } else if (said != "ignore me") {
      say(ws, {"You said: ", said});
    }
  }
  // Three tokens, then nothing more until the caller barges in.
  void story(ws_stream& ws) {
    for (const char* token : {"Once ", "upon ", "a time"})
      send(ws, sb::relay_text_frame(token, false));
    beast::flat_buffer buf;
    beast::error_code ec;
    ws.read(buf, ec);
    if (ec)
      return;
    auto frame = parse(buf);
    auto* interrupt = frame ? std::get_if<sb::relay_interrupt>(&*frame)
                            : nullptr;
    std::lock_guard<std::mutex> lock{mutex};
    if (!interrupt)
      problems.push_back("the story was not interrupted");
    else
      interrupts.push_back(interrupt->utterance_until_interrupt);
    send(ws, sb::relay_text_frame("", true));
  }
  void on_frame(ws_stream& ws, const sb::relay_dtmf& d) {
    if (d.digit == "0") // a reconnect, with nothing said
      send(ws, sb::relay_end_frame("{\"reason\":\"reconnect\"}"));
    else
      say(ws, {"You pressed " + d.digit + "."});
  }
  template <class Other>
  void on_frame(ws_stream&, const Other&) {
  }

  const fake_mode mode_;
  loopback_server server_{[this](loopback_server::socket& s) { serve(s); }};
};

sb::sim_call_options options_for(const fake_relay_daemon& daemon) {
  sb::sim_call_options o;
  o.base_url = daemon.base_url();
  o.auth_token = auth_token;
  o.call_sid = "CA0123456789abcdef0123456789abcdef";
  return o;
}

// The transcript as "speaker: text" lines.
std::vector<std::string> lines_of(const sb::sim_result& r) {
  std::vector<std::string> out;
  for (const auto& l : r.transcript)
    out.push_back(l.speaker + ": " + l.text);
  return out;
}

const sb::sim_line* find_line(const sb::sim_result& r,
                              const std::string& text) {
  for (const auto& l : r.transcript)
    if (l.text == text)
      return &l;
  return nullptr;
}

} // namespace

TEST_CASE("a relay call: tokens, sendDigits, an interrupt, DTMF and a "
          "transfer",
          "[sim_relay]") {
  fake_relay_daemon daemon;
  auto opts = options_for(daemon);
  sb::relay_sim_options relay;
  relay.interrupt_after_tokens = 2;
  relay.listen = 5s; // each wait here ends on a frame long before
  relay.frame_timeout = 10s;
  std::vector<std::string> printed{""};
  relay.on_token = [&printed](std::string_view t) { printed.back() += t; };
  relay.on_reply_end = [&printed] { printed.emplace_back(); };
  sb::http_client client;
  auto steps = sb::speech_steps({"hello", "tell me a story", "press one"});
  sb::sim_step five;
  five.kind = sb::sim_step_kind::digits;
  five.text = "5";
  steps.push_back(five);
  steps.push_back(sb::speech_steps({"transfer me"}).front());
  auto r = sb::play_relay_script(client, opts, steps, relay);
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  auto ws_url = daemon.ws_base() + "/relay/" + opts.call_sid + "/tok-1";
  REQUIRE(r.transcript.size() >= 2);
  CHECK(r.transcript[0].text.find("relay session VX") == 0);
  CHECK(r.transcript[0].text.find(" to " + ws_url) != std::string::npos);
  CHECK(lines_of(r)
        == std::vector<std::string>{
          r.transcript[0].speaker + ": " + r.transcript[0].text,
          "assistant: Namaste! How can I help?", "caller: hello",
          "assistant: Hello! How can I help?", "caller: tell me a story",
          "assistant: Once upon ", "caller: press one", "twilio: sendDigits 1",
          "assistant: Done.", "caller: [digits 5]", "assistant: You pressed 5.",
          "caller: transfer me", "assistant: Connecting you now.",
          "twilio: the daemon ended the session: {\"reason\":\"transfer\"}",
          "twilio: relay-done ended", "twilio: transferred to +14155550123"});
  CHECK(r.transcript[1].note == "welcomeGreeting");
  auto* hello = find_line(r, "Hello! How can I help?");
  REQUIRE(hello);
  CHECK(hello->latency_ms >= 0);
  CHECK(hello->note.find("2 tokens, last at ") == 0);
  auto* story = find_line(r, "Once upon ");
  REQUIRE(story);
  CHECK(story->note.find("interrupted after 2 tokens at ") == 0);
  CHECK(story->note.find(", 1 more dropped") != std::string::npos);
  CHECK(find_line(r, "You pressed 5.")->note.find("unprompted, 1 tokens") == 0);
  CHECK(find_line(r, "relay-done ended")->latency_ms >= 0);
  CHECK_FALSE(r.hung_up);
  CHECK(r.turns_sent == 5);
  CHECK(r.completed_ms >= 0);
  CHECK(printed
        == std::vector<std::string>{"Hello! How can I help?", "Once upon ",
                                    "Done.", "You pressed 5.",
                                    "Connecting you now.", ""});

  CHECK(daemon.closes(1) == std::vector<int>{1000});
  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  CHECK(daemon.bad_signatures.empty());
  CHECK(daemon.interrupts == std::vector<std::string>{"Once upon "});
  REQUIRE(daemon.setups.size() == 1);
  const auto& setup = daemon.setups[0];
  CHECK(setup.call_sid == opts.call_sid);
  CHECK(setup.session_id.size() == 34);
  CHECK(setup.session_id.compare(0, 2, "VX") == 0);
  CHECK(setup.from == opts.from);
  CHECK(setup.to == opts.to);
  CHECK(setup.direction == "inbound");
  CHECK(setup.call_status == "RINGING");
  CHECK(setup.custom_parameters
        == std::vector<std::pair<std::string, std::string>>{
          {"callSid", opts.call_sid}, {"token", "tok-1"}});
  REQUIRE(daemon.posts.size() == 3);
  CHECK(daemon.posts[0].first == "/voice/inbound");
  CHECK(daemon.posts[1].first == "/voice/relay-done");
  const auto& done = daemon.posts[1].second;
  CHECK(sb::param_or(done, "SessionId") == setup.session_id);
  CHECK(sb::param_or(done, "SessionStatus") == "ended");
  CHECK(sb::param_or(done, "HandoffData") == "{\"reason\":\"transfer\"}");
  CHECK(sb::param_or(done, "CallSid") == opts.call_sid);
  CHECK(sb::param_or(done, "CallStatus") == "in-progress");
  CHECK(sb::find_param(done, "SessionDuration") != nullptr);
  CHECK(daemon.posts[2].first == "/call-status");
  CHECK(sb::param_or(daemon.posts[2].second, "CallStatus") == "completed");
}

TEST_CASE("a reconnect plays the rest of the script, then the caller hangs "
          "up",
          "[sim_relay]") {
  fake_relay_daemon daemon;
  auto opts = options_for(daemon);
  sb::relay_sim_options relay;
  relay.listen = 1s; // the hang-up waits all of it: nothing ends the session
  sb::http_client client;
  auto steps = sb::speech_steps({"hello"});
  sb::sim_step zero;
  zero.kind = sb::sim_step_kind::digits;
  zero.text = "0";
  steps.push_back(zero);
  steps.push_back(sb::speech_steps({"hello again"}).front());
  auto r = sb::play_relay_script(client, opts, steps, relay);
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  auto lines = lines_of(r);
  REQUIRE(lines.size() == 12);
  CHECK(lines[4] == "caller: [digits 0]");
  CHECK(lines[5]
        == "twilio: the daemon ended the session: {\"reason\":\"reconnect\"}");
  CHECK(lines[6] == "twilio: relay-done ended");
  CHECK(lines[7].find("twilio: reconnected: relay session VX") == 0);
  CHECK(lines[7].find("/tok-2") != std::string::npos);
  CHECK(lines[8] == "assistant: Namaste! How can I help?");
  CHECK(lines[9] == "caller: hello again");
  CHECK(lines[10] == "assistant: You said: hello again");
  CHECK(lines[11] == "twilio: the caller hangs up: relay-done completed");
  CHECK(r.transcript[11].latency_ms >= 0);
  CHECK_FALSE(r.hung_up);
  CHECK(r.completed_ms >= 0);
  CHECK(daemon.closes(2) == std::vector<int>{1000, 1000});
  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  CHECK(daemon.bad_signatures.empty());
  REQUIRE(daemon.setups.size() == 2);
  CHECK(daemon.setups[1].custom_parameters.back().second == "tok-2");
  CHECK(daemon.setups[0].session_id != daemon.setups[1].session_id);
  REQUIRE(daemon.posts.size() == 4);
  CHECK(daemon.posts[2].first == "/voice/relay-done");
  const auto& done = daemon.posts[2].second;
  CHECK(sb::param_or(done, "SessionStatus") == "completed");
  CHECK(sb::param_or(done, "SessionId") == daemon.setups[1].session_id);
  CHECK(sb::find_param(done, "HandoffData") == nullptr);
  CHECK(daemon.posts[3].first == "/call-status");
}

TEST_CASE("a goodbye with an end frame hangs the call up", "[sim_relay]") {
  fake_relay_daemon daemon;
  sb::relay_sim_options relay;
  relay.listen = 5s;
  sb::http_client client;
  auto r = sb::play_relay_script(client, options_for(daemon),
                                 sb::speech_steps({"bye"}), relay);
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  CHECK(r.hung_up);
  CHECK(lines_of(r).back() == "twilio: relay-done ended");
  CHECK(sb::format_transcript(r).find("[the assistant hung up]")
        != std::string::npos);
  CHECK(sb::param_or(daemon.post_to("/voice/relay-done"), "HandoffData")
        == "{\"reason\":\"goodbye\"}");
  CHECK(daemon.count("/call-status") == 1);
}

TEST_CASE("a refused relay upgrade ends the call with the HTTP status",
          "[sim_relay]") {
  fake_mode mode;
  mode.refuse_upgrades = true;
  fake_relay_daemon daemon{mode};
  sb::http_client client;
  auto r = sb::play_relay_script(client, options_for(daemon),
                                 sb::speech_steps({"hello"}), {});
  CHECK(r.error
        == "relay socket " + daemon.ws_base() + "/relay/"
             + options_for(daemon).call_sid
             + "/tok-1: handshake refused: HTTP 403");
  CHECK(r.turns_sent == 0);
  CHECK(daemon.count("/call-status") == 0);
  CHECK(daemon.count("/voice/relay-done") == 0);
}

TEST_CASE("a relay upgrade signed with the wrong token is refused",
          "[sim_relay]") {
  fake_mode mode;
  mode.check_webhooks = false; // so that the upgrade is what refuses
  fake_relay_daemon daemon{mode};
  auto opts = options_for(daemon);
  opts.auth_token = "not-the-token";
  sb::http_client client;
  auto r = sb::play_relay_script(client, opts, sb::speech_steps({"hello"}), {});
  CHECK(r.error.find("relay socket ws://") == 0);
  CHECK(r.error.find(": handshake refused: HTTP 403") != std::string::npos);
  CHECK(daemon.count("/voice/inbound") == 1);
}

TEST_CASE("a socket the daemon drops makes a failed session", "[sim_relay]") {
  fake_relay_daemon daemon;
  sb::relay_sim_options relay;
  relay.frame_timeout = 10s;
  sb::http_client client;
  auto r = sb::play_relay_script(client, options_for(daemon),
                                 sb::speech_steps({"drop", "hello"}), relay);
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  CHECK(r.hung_up); // relay-done answered <Hangup/>
  CHECK(find_line(r, "the daemon closed the relay socket (code 1011, model "
                     "crashed)"));
  CHECK(find_line(r, "relay-done failed"));
  CHECK_FALSE(find_line(r, "hello"));
  auto done = daemon.post_to("/voice/relay-done");
  CHECK(sb::param_or(done, "SessionStatus") == "failed");
  CHECK(sb::param_or(done, "ErrorCode") == "39001");
}

TEST_CASE("no reply within the frame timeout is an error", "[sim_relay]") {
  fake_relay_daemon daemon;
  sb::relay_sim_options relay;
  relay.frame_timeout = 200ms;
  sb::http_client client;
  auto r = sb::play_relay_script(client, options_for(daemon),
                                 sb::speech_steps({"ignore me", "hello"}),
                                 relay);
  CHECK(r.error == "no reply from the daemon within 200 ms");
  CHECK(r.turns_sent == 1);
  CHECK(daemon.count("/call-status") == 0);
  CHECK(daemon.closes(1) == std::vector<int>{1000}); // closed, not dropped
}

TEST_CASE("a daemon on the gather transport is named as such", "[sim_relay]") {
  fake_mode mode;
  mode.gather = true;
  fake_relay_daemon daemon{mode};
  sb::http_client client;
  auto r = sb::play_relay_script(client, options_for(daemon),
                                 sb::speech_steps({"hello"}), {});
  CHECK(r.error
        == "the daemon answered with <Gather>: its voice.transport is "
           "gather, not relay");
}

TEST_CASE("the relay transport needs an http:// --url", "[sim_relay]") {
  sb::sim_call_options opts;
  opts.base_url = "https://voice.example.com";
  sb::http_client client;
  auto r = sb::play_relay_script(client, opts, sb::speech_steps({"hello"}), {});
  CHECK(r.error.find("--url https://voice.example.com: --transport relay needs "
                     "http://HOST:PORT")
        == 0);
  CHECK(r.call_sid.size() == 34);
}
