// The ConversationRelay player: webhooks over libcurl (call_webhooks), the
// session over a blocking Beast WebSocket (relay_client), frames as pure
// functions (sim_relay_frames). One call, one thread, every wait bounded.
#include "cli/sim_relay.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <variant>

#include "cli/relay_client.hpp"
#include "cli/sim_call_webhooks.hpp"
#include "cli/sim_relay_frames.hpp"
#include "cli/sim_webhook.hpp"
#include "cli/twiml_reader.hpp"
#include "core/error.hpp"
#include "net/twilio_signature.hpp"

namespace sb {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What reading the session brought; sendDigits and frames Twilio does not
// act on are handled on the way.
enum class got { text, end, closed, timeout, failed };

// One reply as the caller heard it.
struct reply {
  std::string text;            // the tokens heard, joined
  int frames = 0;              // text frames heard before any interrupt
  int dropped = 0;             // text frames that came after the interrupt
  double first_ms = -1;        // from the prompt to the first text frame
  double last_ms = -1;         // ... to the closing one
  double interrupt_ms = -1;    // ... to the interrupt, if one was sent
};

std::string ms_note(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", ms);
  return text;
}

class relay_player {
  // First: the constructor hands party_ and result to hooks.
  const sim_call_options& opts_;
  const relay_sim_options& relay_;
  sim_party party_;
  host_port daemon_;

public:
  relay_player(http_client& client, const sim_call_options& opts,
               const relay_sim_options& relay, sim_party who, host_port daemon)
    : opts_(opts), relay_(relay), party_(std::move(who)),
      daemon_(std::move(daemon)), hooks(client, opts, party_, result) {
    result.call_sid = party_.call_sid;
  }

  sim_result result;
  call_webhooks hooks;
  int hops = 0;  // redirects and sessions opened in this step

  // POSTs a TwiML-fetching webhook and runs what comes back. Returns true
  // while the call goes on in an open session.
  bool fetch(const std::string& url, const form_params& params) {
    auto start = steady::now();
    auto resp = hooks.post(url, params);
    if (!resp)
      return fail(what(resp.error()));
    auto ms = ms_since(start);
    if (resp->status != 200)
      return fail("HTTP " + std::to_string(resp->status) + " from " + url
                  + ": " + resp->body);
    auto doc = read_twiml(resp->body);
    if (!doc)
      return fail(what(doc.error()));
    return run(doc->children, ms);
  }

  bool play(const sim_step& step) {
    switch (step.kind) {
      case sim_step_kind::speech:
        return say(step);
      case sim_step_kind::silence:
        line("caller", "[silence]");
        return listen(relay_.listen, true);
      case sim_step_kind::digits:
        return press(step.text);
      case sim_step_kind::pause:
        line("caller", "[pause " + number_text(step.pause_s) + " s]");
        return listen(milliseconds(static_cast<long>(step.pause_s * 1000)),
                      false);
    }
    return true;
  }

  // The script ran out: the caller listens a moment (the daemon may end
  // the session itself), then hangs up.
  void hang_up() {
    if (!listen(relay_.listen, true) || !ws_)
      return;
    auto closed = ws_->close(1000, {});
    ws_.reset();
    if (!closed)
      fail("relay socket: " + what(closed.error()));
    else
      relay_done("completed", {}, {});
  }

  // After a failure: the socket goes as a caller's would, with a close.
  void drop_session() {
    if (ws_ && ws_->is_open())
      (void) ws_->close(1000, {});
    ws_.reset();
  }

private:
  bool fail(std::string why) {
    if (result.error.empty())
      result.error = std::move(why);
    return false;
  }

  void line(const char* who, std::string text, double ms = -1,
            std::string note = {}) {
    result.transcript.push_back({who, std::move(text), ms, std::move(note)});
  }

  // Runs TwiML verbs in order, as Twilio does, up to one that moves the
  // call elsewhere: a ConversationRelay session, a transfer, a hang-up.
  bool run(const std::vector<twiml_node>& verbs, double ms) {
    for (size_t i = 0; i < verbs.size(); ++i) {
      const auto& v = verbs[i];
      if (v.name == "Say" || v.name == "Play") {
        line("assistant", v.name == "Say" ? v.text : "[play " + v.text + "]",
             ms);
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

  static std::string dial_target(const twiml_node& dial) {
    for (const auto& c : dial.children)
      if (c.name == "Number" || c.name == "Client" || c.name == "Sip")
        return c.text;
    return dial.text;
  }

  bool open_session(const twiml_node& connect, double ms) {
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
    line("twilio", std::string(++sessions_ == 1 ? "" : "reconnected: ")
                     + "relay session " + session_id_ + " to " + url,
         ms_since(start));
    auto greeting = relay->attr("welcomeGreeting");
    if (!greeting.empty())
      line("assistant", greeting, ms, "welcomeGreeting");
    return send(sim_setup_frame(setup_of(*relay)));
  }

  relay_setup setup_of(const twiml_node& relay) const {
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

  bool send(const std::string& frame) {
    auto sent = ws_->send_text(frame);
    if (sent)
      return true;
    // A close from the daemon may be what broke the write: say so.
    auto waiting = ws_->read_text(milliseconds(0));
    if (waiting && waiting->closed)
      return daemon_closed(*waiting);
    return fail("relay socket: " + what(sent.error()));
  }

  // Reads up to the next frame that matters, until `deadline`.
  got next(steady::time_point deadline) {
    for (;;) {
      auto left = std::chrono::ceil<milliseconds>(deadline - steady::now());
      auto msg = ws_->read_text(std::max(left, milliseconds(0)));
      if (!msg && has_code(msg.error(), errc::timed_out))
        return got::timeout;
      if (!msg) {
        fail("relay socket: " + what(msg.error()));
        return got::failed;
      }
      if (msg->closed) {
        closed_ = *msg;
        return got::closed;
      }
      auto frame = parse_daemon_frame(msg->text);
      if (!frame || msg->binary) {
        fail((frame ? "a binary message" : what(frame.error()))
             + " from the daemon: " + msg->text.substr(0, 200));
        return got::failed;
      }
      if (auto* t = std::get_if<daemon_text>(&*frame)) {
        text_ = std::move(*t);
        return got::text;
      }
      if (auto* e = std::get_if<daemon_end>(&*frame)) {
        handoff_ = e->handoff_data;
        return got::end;
      }
      if (auto* d = std::get_if<daemon_send_digits>(&*frame))
        line("twilio", "sendDigits " + d->digits);
      // Other types (play, language...): Twilio acts on them, the
      // simulator has nothing to show for them.
    }
  }

  // What ends a wait other than a text frame.
  bool other(got g, const std::string& waiting_for) {
    switch (g) {
      case got::end:
        return end_session();
      case got::closed:
        return daemon_closed(closed_);
      case got::timeout:
        return fail("no " + waiting_for + " from the daemon within "
                    + std::to_string(relay_.frame_timeout.count()) + " ms");
      case got::text:
      case got::failed:
        break;
    }
    return false;
  }

  bool say(const sim_step& step) {
    line("caller", step.text, -1,
         step.confidence ? "confidence not sent: relay prompts have none" : "");
    if (!send(sim_prompt_frame(step.text, lang_)))
      return false;
    ++result.turns_sent;
    auto start = steady::now();
    auto g = next(start + relay_.frame_timeout);
    if (g != got::text)
      return other(g, "reply");
    return hear(start, {}) && settle();
  }

  // After a reply: an end (or anything else) the daemon sent right behind
  // it is taken before the caller says more, as a caller who heard the
  // reply out would find the session over. Nothing is waited for.
  bool settle() {
    auto g = next(steady::now());
    if (g == got::timeout)
      return true;
    if (g != got::text)
      return other(g, "frame");
    return unprompted(steady::now()) && settle();
  }

  // A text frame nobody asked for: a reply, unless it is only an empty
  // closing frame (one owed for an interrupt that met the reply's end).
  bool unprompted(steady::time_point start) {
    if (text_.last && text_.token.empty())
      return true;
    return hear(start, "unprompted");
  }

  bool press(const std::string& keys) {
    line("caller", "[digits " + keys + "]");
    for (char key : keys)
      if (!send(sim_dtmf_frame(std::string(1, key))))
        return false;
    ++result.turns_sent;
    return listen(relay_.listen, true);
  }

  // Listens for `span`, or with `one_reply` until a reply has been heard:
  // replies the daemon speaks unprompted are heard, an end or a close is
  // followed. True while the call goes on.
  bool listen(milliseconds span, bool one_reply) {
    auto start = steady::now();
    auto deadline = start + span;
    for (;;) {
      auto g = next(deadline);
      if (g == got::timeout)
        return true;
      if (g != got::text)
        return other(g, "frame");
      if (text_.last && text_.token.empty())
        continue; // a stray closing frame, not a reply
      if (!hear(start, "unprompted"))
        return false;
      if (one_reply)
        return settle();
    }
  }

  // Reads a reply from its first text frame (in text_) to its closing
  // one, interrupting it if asked to; `start` is when the caller stopped
  // talking.
  bool hear(steady::time_point start, std::string note) {
    reply r;
    r.first_ms = ms_since(start);
    for (;;) {
      if (r.interrupt_ms >= 0) {
        // In flight when the interrupt went; the empty closing frame the
        // daemon owes is not one of them.
        if (!(text_.last && text_.token.empty()))
          ++r.dropped;
      } else {
        ++r.frames;
        r.text += text_.token;
        if (!text_.token.empty() && relay_.on_token)
          relay_.on_token(text_.token);
      }
      if (text_.last)
        break;
      if (r.interrupt_ms < 0 && relay_.interrupt_after_tokens > 0
          && r.frames >= relay_.interrupt_after_tokens) {
        r.interrupt_ms = ms_since(start);
        auto ms = static_cast<int64_t>(r.interrupt_ms - r.first_ms);
        if (!send(sim_interrupt_frame(r.text, ms))) {
          record(r, note);
          return false;
        }
      }
      auto g = next(steady::now() + relay_.frame_timeout);
      if (g != got::text) {
        record(r, note + (note.empty() ? "" : ", ") + "cut short");
        return other(g, r.interrupt_ms < 0 ? "rest of the reply"
                                           : "closing frame after the "
                                             "interrupt");
      }
    }
    r.last_ms = ms_since(start);
    record(r, note);
    return true;
  }

  void record(const reply& r, std::string note) {
    if (relay_.on_reply_end)
      relay_.on_reply_end();
    std::string how;
    if (r.interrupt_ms >= 0)
      how = "interrupted after " + std::to_string(r.frames) + " tokens at "
            + ms_note(r.interrupt_ms) + ", " + std::to_string(r.dropped)
            + " more dropped";
    else
      how = std::to_string(r.frames) + " tokens"
            + (r.last_ms >= 0 ? ", last at " + ms_note(r.last_ms) : "");
    line("assistant", r.text.empty() ? "[empty reply]" : r.text, r.first_ms,
         note.empty() ? how : note + ", " + how);
  }

  // The daemon sent `end`: Twilio closes the socket and asks the
  // <Connect action> what next.
  bool end_session() {
    line("twilio", "the daemon ended the session"
                     + (handoff_.empty() ? "" : ": " + handoff_));
    auto closed = ws_->close(1000, {});
    ws_.reset();
    if (!closed)
      return fail("relay socket: " + what(closed.error()));
    return relay_done("ended", handoff_, {});
  }

  // The socket closed without an `end`: to Twilio the session failed.
  bool daemon_closed(const ws_message& how) {
    line("twilio", "the daemon closed the relay socket (code "
                     + std::to_string(how.close_code)
                     + (how.close_reason.empty() ? "" : ", " + how.close_reason)
                     + ")");
    ws_.reset();
    return relay_done("failed", {},
                      {{"ErrorCode", "39001"},
                       {"ErrorMessage",
                        "Network connection to WebSocket server failed."}});
  }

  // Posts the <Connect action> for the session just over. Its TwiML runs
  // unless the caller hung up (completed), when nobody is left to hear it.
  bool relay_done(const std::string& status, const std::string& handoff,
                  const form_params& extra) {
    bool caller_left = status == "completed";
    auto params = twilio_standard_params(
      party_, caller_left ? "completed" : "in-progress");
    params.emplace_back("SessionId", session_id_);
    params.emplace_back("SessionStatus", status);
    params.emplace_back("SessionDuration",
                        std::to_string(static_cast<long>(
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

  std::unique_ptr<relay_client> ws_;  // the open session, or null
  std::string session_id_;
  steady::time_point session_start_;
  int sessions_ = 0;
  std::string action_;                 // the <Connect action> URL
  std::vector<twiml_node> after_connect_;
  std::string lang_;                   // sent with each prompt
  daemon_text text_;                   // the text frame last read
  std::string handoff_;                // the end frame's handoffData
  ws_message closed_;                  // how the daemon closed the socket
};

} // namespace

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
  relay_player p{client, opts, relay, party, std::move(*daemon)};
  auto start = steady::now();
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
