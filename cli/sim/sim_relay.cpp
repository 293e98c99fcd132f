// The ConversationRelay player, its call side: the TwiML the daemon
// answers with, the webhooks (call_webhooks, over libcurl), sessions
// opened (relay_client, a blocking Beast WebSocket) and ended, and
// relay-done. The frames of an open session are cli/sim/sim_relay_session.cpp.
// One call, one thread, every wait bounded.
#include "cli/sim/sim_relay.hpp"

#include "cli/sim/sim_relay_player.hpp"
#include "core/error.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb {
namespace sim_relay_detail {

bool relay_player::fetch(const std::string& url, const form_params& params) {
  auto start = steady::now();
  auto resp = hooks.post(url, params);
  if (!resp)
    return fail(what(resp.error()));
  auto ms = ms_since(start);
  if (resp->status != 200)
    return fail("HTTP " + std::to_string(resp->status) + " from " + url + ": "
                + resp->body);
  auto doc = read_twiml(resp->body);
  if (!doc)
    return fail(what(doc.error()));
  return run(doc->children, ms);
}

bool relay_player::play(const sim_step& step) {
  if (media_only(step))
    return fail(media_only_error(step));
  switch (step.kind) {
    case sim_step_kind::speech: return say(step);
    case sim_step_kind::silence:
      line("caller", "[silence]");
      return listen(relay_.listen, true);
    case sim_step_kind::digits: return press(step.text);
    case sim_step_kind::pause:
      line("caller", "[pause " + number_text(step.seconds) + " s]");
      return listen(milliseconds(static_cast<long>(step.seconds * 1000)),
                    false);
    case sim_step_kind::wav:
    case sim_step_kind::interrupt: break; // media_only, refused above
  }
  return true;
}

void relay_player::hang_up() {
  if (!listen(relay_.listen, true) || !ws_)
    return;
  auto closed = ws_->close(1000, {});
  ws_.reset();
  if (!closed)
    fail("relay socket: " + what(closed.error()));
  else
    relay_done("completed", {}, {});
}

void relay_player::drop_session() {
  if (ws_ && ws_->is_open())
    (void) ws_->close(1000, {});
  ws_.reset();
}

bool relay_player::fail(std::string why) {
  if (result.error.empty())
    result.error = std::move(why);
  return false;
}

void relay_player::line(const char* who, std::string text, double ms,
                        std::string note) {
  result.transcript.push_back({who, std::move(text), ms, std::move(note)});
}

bool relay_player::run(const std::vector<twiml_node>& verbs, double ms) {
  for (size_t i = 0; i < verbs.size(); ++i) {
    const auto& v = verbs[i];
    if (v.name == "Say" || v.name == "Play") {
      line("assistant", v.name == "Say" ? v.text : "[play " + v.text + "]", ms);
      ms = -1;
    } else if (v.name == "Connect") {
      after_connect_.assign(verbs.begin() + static_cast<long>(i) + 1,
                            verbs.end());
      return open_session(v, ms);
    } else if (v.name == "Dial") {
      line("twilio", "transferred to " + dial_target(v));
      return false;
    } else if (v.name == "Hangup" || v.name == "Reject") {
      result.hung_up = true;
      return false;
    } else if (v.name == "Redirect") {
      if (++hops > opts_.max_redirects)
        return fail("too many redirects");
      return fetch(v.text, twilio_standard_params(party_, "in-progress"));
    } else if (v.name == "Gather") {
      return fail("the daemon answered with <Gather>: its voice.transport "
                  "is gather, not relay");
    }
  }
  line("twilio", "[the TwiML ends: Twilio hangs up]");
  result.hung_up = true;
  return false;
}

std::string relay_player::dial_target(const twiml_node& dial) {
  for (const auto& c : dial.children)
    if (c.name == "Number" || c.name == "Client" || c.name == "Sip")
      return c.text;
  return dial.text;
}

bool relay_player::open_session(const twiml_node& connect, double ms) {
  const auto* relay = connect.find("ConversationRelay");
  if (!relay)
    return fail("<Connect> without <ConversationRelay>: the simulator "
                "plays only ConversationRelay sessions");
  auto url = relay->attr("url");
  if (url.empty())
    return fail("<ConversationRelay> without a url");
  if (++hops > opts_.max_redirects)
    return fail("too many reconnects");
  action_ = connect.attr("action");
  lang_ = relay->attr("transcriptionLanguage");
  if (lang_.empty())
    lang_ = relay->attr("language");
  relay_client::headers headers;
  if (!opts_.auth_token.empty()) // §2.4: the wss URL alone is signed
    headers.emplace_back("X-Twilio-Signature",
                         twilio_signature(opts_.auth_token, url, {}));
  auto start = steady::now();
  ws_ = std::make_unique<relay_client>(relay_.io_timeout);
  auto connected = ws_->connect(daemon_.host, daemon_.port, url_target(url),
                                headers);
  if (!connected) {
    ws_.reset();
    return fail("relay socket " + url + ": " + what(connected.error()));
  }
  session_id_ = random_sid("VX");
  session_start_ = steady::now();
  line("twilio",
       std::string(++sessions_ == 1 ? "" : "reconnected: ") + "relay session "
         + session_id_ + " to " + url,
       ms_since(start));
  auto greeting = relay->attr("welcomeGreeting");
  if (!greeting.empty())
    line("assistant", greeting, ms, "welcomeGreeting");
  return send(sim_setup_frame(setup_of(*relay)));
}

relay_setup relay_player::setup_of(const twiml_node& relay) const {
  relay_setup s;
  s.session_id = session_id_;
  s.account_sid = party_.account_sid;
  s.call_sid = party_.call_sid;
  s.from = party_.from;
  s.to = party_.to;
  s.call_type = "PSTN";
  s.direction = party_.outbound ? "outbound-api" : "inbound";
  // An answered outbound call is already talking; an inbound one rings.
  s.call_status = party_.outbound ? "IN-PROGRESS" : "RINGING";
  for (const auto& c : relay.children)
    if (c.name == "Parameter")
      s.custom_parameters.emplace_back(c.attr("name"), c.attr("value"));
  return s;
}

bool relay_player::end_session() {
  line("twilio", "the daemon ended the session"
                   + (handoff_.empty() ? "" : ": " + handoff_));
  auto closed = ws_->close(1000, {});
  ws_.reset();
  if (!closed)
    return fail("relay socket: " + what(closed.error()));
  return relay_done("ended", handoff_, {});
}

bool relay_player::daemon_closed(const ws_message& how) {
  line("twilio", "the daemon closed the relay socket (code "
                   + std::to_string(how.close_code)
                   + (how.close_reason.empty() ? "" : ", " + how.close_reason)
                   + ")");
  ws_.reset();
  return relay_done(
    "failed", {},
    {{"ErrorCode", "39001"},
     {"ErrorMessage", "Network connection to WebSocket server failed."}});
}

bool relay_player::relay_done(const std::string& status,
                              const std::string& handoff,
                              const form_params& extra) {
  bool caller_left = status == "completed";
  auto params = twilio_standard_params(party_, caller_left ? "completed"
                                                           : "in-progress");
  params.emplace_back("SessionId", session_id_);
  params.emplace_back("SessionStatus", status);
  params.emplace_back("SessionDuration", std::to_string(static_cast<long>(
                                           ms_since(session_start_) / 1000)));
  if (!handoff.empty())
    params.emplace_back("HandoffData", handoff);
  params.insert(params.end(), extra.begin(), extra.end());
  auto what_line = std::string(caller_left ? "the caller hangs up: " : "")
                   + "relay-done " + status;
  if (action_.empty()) { // Twilio goes on with the verbs after <Connect>
    line("twilio", what_line + " (no <Connect action>)");
    return !caller_left && run(after_connect_, -1);
  }
  if (caller_left) {
    hooks.callback(action_, params, what_line);
    return false;
  }
  line("twilio", what_line);
  auto at = result.transcript.size() - 1;
  auto start = steady::now();
  bool live = fetch(action_, params);
  result.transcript[at].latency_ms = ms_since(start);
  return live;
}

} // namespace sim_relay_detail

sim_result play_relay_script(http_client& client, const sim_call_options& opts,
                             const std::vector<sim_step>& steps,
                             const relay_sim_options& relay) {
  sim_party party{opts.account_sid,
                  opts.call_sid.empty() ? random_call_sid() : opts.call_sid,
                  opts.from, opts.to, opts.outbound};
  auto daemon = parse_base_url(opts.base_url, "--transport relay");
  if (!daemon) {
    sim_result out;
    out.call_sid = party.call_sid;
    out.error = what(daemon.error());
    return out;
  }
  sim_relay_detail::relay_player p{client, opts, relay, party,
                                   std::move(*daemon)};
  auto start = std::chrono::steady_clock::now();
  p.hooks.before_answer();
  bool live = p.result.error.empty()
              && p.fetch(p.hooks.answer_target(), p.hooks.answer_params());
  if (live)
    p.hooks.after_answer(ms_since(start));
  live = live && p.result.error.empty();
  for (const auto& step : steps) {
    if (!live)
      break;
    p.hops = 0;
    live = p.play(step);
  }
  if (live)
    p.hang_up();
  p.drop_session();
  p.hooks.finish(static_cast<long>(ms_since(start) / 1000));
  return std::move(p.result);
}

} // namespace sb
