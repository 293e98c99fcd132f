// bench_callers: one `caller` per thread, owning its HTTP client (libcurl,
// keep-alive) and, during a relay call, its WebSocket. Each timestamp is
// taken the moment the blocking read returns, before anything is parsed.
#include "bench_callers.hpp"

#include <algorithm>
#include <memory>
#include <thread>
#include <variant>

#include "cli/sim/relay_client.hpp"
#include "cli/sim/sim_relay_frames.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "core/error.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "paced_model.hpp"

namespace sb::bench {

namespace {

caf::error fail(std::string why) {
  return make_error(errc::backend_failed, std::move(why));
}

// Words with no goodbye and no request for a person in them, so the
// daemon's rules neither hang up nor transfer.
std::string prompt_text(int turn) {
  return "What are your opening hours on day " + std::to_string(turn + 1) + "?";
}

// The text of every <Say> in a document, joined.
std::string said(const twiml_node& doc) {
  std::string out;
  for (const auto* say : doc.find_all("Say"))
    out += (out.empty() ? "" : " ") + say->text;
  return out;
}

std::string head(const std::string& text, size_t n = 120) {
  return text.size() > n ? text.substr(0, n) + "..." : text;
}

class caller {
public:
  explicit caller(const caller_plan& plan) : plan_(plan), http_(plan.timeout) {
  }

  // Plays the plan's calls, adding what it measured to `out`.
  void run(level_result& out) {
    for (int c = 0; c < plan_.calls_per_caller; ++c) {
      party_ = sim_party{};
      party_.call_sid = random_sid("CA");
      auto played = plan_.transport == "relay" ? relay_call(out.turns)
                                               : gather_call(out.turns);
      if (played) {
        ++out.calls_ok;
        continue;
      }
      ++out.calls_failed;
      auto why = what(played.error());
      if (out.errors.size() < 5
          && std::find(out.errors.begin(), out.errors.end(), why)
               == out.errors.end())
        out.errors.push_back(std::move(why));
    }
  }

private:
  // POSTs a webhook; any status but 200 is an error.
  caf::expected<client_response> post(const std::string& target,
                                      const form_params& params) {
    auto r = http_.post_form(plan_.base_url + target, form_encode(params));
    if (!r)
      return fail(target + ": " + what(r.error()));
    if (r->status != 200)
      return fail(target + ": HTTP " + std::to_string(r->status) + ": "
                  + head(r->body));
    return r;
  }

  caf::expected<twiml_node> twiml_of(const std::string& target,
                                     const client_response& r) {
    auto doc = read_twiml(r.body);
    if (!doc)
      return fail(target + ": " + what(doc.error()));
    return doc;
  }

  // The caller hangs up: Twilio's status callback.
  caf::expected<void> hang_up() {
    auto params = twilio_standard_params(party_, "completed");
    params.emplace_back("CallDuration", "1");
    auto r = post("/call-status", params);
    if (!r)
      return r.error();
    return caf::unit;
  }

  caf::expected<void> relay_call(std::vector<turn_sample>& samples);
  caf::expected<turn_sample> relay_turn(relay_client& ws, int turn);
  caf::expected<void> gather_call(std::vector<turn_sample>& samples);
  caf::expected<turn_sample> gather_turn(std::string& action, int turn);

  const caller_plan& plan_;
  http_client http_;
  sim_party party_;
};

relay_setup setup_frame(const sim_party& party, const twiml_node& relay) {
  relay_setup s;
  s.session_id = random_sid("VX");
  s.account_sid = party.account_sid;
  s.call_sid = party.call_sid;
  s.from = party.from;
  s.to = party.to;
  s.call_type = "PSTN";
  s.direction = "inbound";
  s.call_status = "RINGING";
  for (const auto& c : relay.children)
    if (c.name == "Parameter")
      s.custom_parameters.emplace_back(c.attr("name"), c.attr("value"));
  return s;
}

// Answer, open the session, the turns, then hang up as Twilio reports it:
// the socket closed, the <Connect action>, the status callback.
caf::expected<void> caller::relay_call(std::vector<turn_sample>& samples) {
  auto answer = post("/voice/inbound",
                     twilio_standard_params(party_, "ringing"));
  if (!answer)
    return answer.error();
  auto doc = twiml_of("/voice/inbound", *answer);
  if (!doc)
    return doc.error();
  const auto* connect = doc->find("Connect");
  const auto* relay = doc->find("ConversationRelay");
  if (!connect || !relay || relay->attr("url").empty())
    return fail("/voice/inbound: no <Connect><ConversationRelay url>: "
                + head(answer->body));
  auto daemon = parse_base_url(plan_.base_url, "relay_latency");
  if (!daemon)
    return daemon.error();
  relay_client ws{plan_.timeout};
  auto open = ws.connect(daemon->host, daemon->port,
                         url_target(relay->attr("url")));
  if (!open)
    return fail("relay socket: " + what(open.error()));
  auto setup = setup_frame(party_, *relay);
  if (auto sent = ws.send_text(sim_setup_frame(setup)); !sent)
    return fail("setup frame: " + what(sent.error()));
  for (int t = 0; t < plan_.turns; ++t) {
    auto s = relay_turn(ws, t);
    if (!s)
      return s.error();
    samples.push_back(*s);
  }
  if (auto closed = ws.close(1000); !closed)
    return fail("relay socket close: " + what(closed.error()));
  auto params = twilio_standard_params(party_, "completed");
  params.emplace_back("SessionId", setup.session_id);
  params.emplace_back("SessionStatus", "completed");
  params.emplace_back("SessionDuration", "1");
  if (auto done = post(url_target(connect->attr("action")), params); !done)
    return done.error();
  return hang_up();
}

// One prompt and its reply, up to the frame whose last is true.
caf::expected<turn_sample> caller::relay_turn(relay_client& ws, int turn) {
  turn_sample s;
  std::string text;
  const auto t0 = steady_ns();
  if (auto sent = ws.send_text(sim_prompt_frame(prompt_text(turn), {})); !sent)
    return fail("prompt frame: " + what(sent.error()));
  for (;;) {
    auto msg = ws.read_text(plan_.timeout);
    const auto now = steady_ns();
    if (!msg)
      return fail("reading the reply: " + what(msg.error()));
    if (msg->closed)
      return fail("the daemon closed the socket (code "
                  + std::to_string(msg->close_code) + ")");
    auto frame = parse_daemon_frame(msg->text);
    if (!frame)
      return fail(what(frame.error()));
    if (std::holds_alternative<daemon_end>(*frame))
      return fail("the daemon ended the session: " + head(msg->text));
    const auto* piece = std::get_if<daemon_text>(&*frame);
    if (!piece)
      continue; // play, language...: nothing to time
    if (s.first_word_ns < 0 && !piece->token.empty()) {
      auto stamp = read_stamp(piece->token);
      if (stamp < 0)
        return fail("first text frame without the model's stamp: "
                    + head(piece->token));
      s.first_word_ns = now - t0;
      s.first_share_ns = now - stamp;
    }
    text += piece->token;
    if (piece->last) {
      if (s.first_word_ns < 0)
        return fail("an empty reply");
      auto done = read_done_stamp(text);
      s.whole_reply_ns = now - t0;
      s.last_share_ns = done >= 0 ? now - done : -1;
      return s;
    }
  }
}

// Answer, then each turn posted to the <Gather> action the last TwiML
// named, as Twilio does; then the status callback.
caf::expected<void> caller::gather_call(std::vector<turn_sample>& samples) {
  auto answer = post("/voice/inbound",
                     twilio_standard_params(party_, "ringing"));
  if (!answer)
    return answer.error();
  auto doc = twiml_of("/voice/inbound", *answer);
  if (!doc)
    return doc.error();
  const auto* gather = doc->find("Gather");
  if (!gather || gather->attr("action").empty())
    return fail("/voice/inbound: no <Gather action>: " + head(answer->body));
  auto action = url_target(gather->attr("action"));
  for (int t = 0; t < plan_.turns; ++t) {
    auto s = gather_turn(action, t);
    if (!s)
      return s.error();
    samples.push_back(*s);
  }
  return hang_up();
}

// One utterance and the TwiML that answers it; `action` becomes the next
// <Gather>'s.
caf::expected<turn_sample> caller::gather_turn(std::string& action, int turn) {
  auto params = twilio_standard_params(party_, "in-progress");
  params.emplace_back("SpeechResult", prompt_text(turn));
  params.emplace_back("Confidence", "0.93");
  const auto t0 = steady_ns();
  auto r = post(action, params);
  const auto now = steady_ns();
  if (!r)
    return r.error();
  auto doc = twiml_of(action, *r);
  if (!doc)
    return doc.error();
  auto text = said(*doc);
  if (read_stamp(text) < 0)
    return fail(action
                + ": no stamped sentence in the TwiML: " + head(r->body));
  turn_sample s;
  s.first_word_ns = s.whole_reply_ns = now - t0;
  auto done = read_done_stamp(text);
  s.last_share_ns = done >= 0 ? now - done : -1;
  const auto* gather = doc->find("Gather");
  if (!gather || gather->attr("action").empty())
    return fail(action
                + ": no <Gather action> after the reply: " + head(r->body));
  action = url_target(gather->attr("action"));
  return s;
}

} // namespace

level_result run_callers(const caller_plan& plan) {
  std::vector<level_result> parts(static_cast<size_t>(plan.callers));
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < plan.callers; ++i)
    threads.emplace_back(
      [&plan, &part = parts[static_cast<size_t>(i)], i, start] {
        std::this_thread::sleep_until(start + plan.stagger * i / plan.callers);
        caller{plan}.run(part);
      });
  for (auto& t : threads)
    t.join();
  level_result all;
  all.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - start)
                  .count();
  for (auto& p : parts) {
    all.turns.insert(all.turns.end(), p.turns.begin(), p.turns.end());
    all.calls_ok += p.calls_ok;
    all.calls_failed += p.calls_failed;
    for (auto& e : p.errors)
      if (all.errors.size() < 5
          && std::find(all.errors.begin(), all.errors.end(), e)
               == all.errors.end())
        all.errors.push_back(e);
  }
  return all;
}

} // namespace sb::bench
