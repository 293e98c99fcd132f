// The Media Streams player, its call side: the TwiML the daemon answers
// with, the webhooks (call_webhooks, over libcurl), the <Connect action>
// after the daemon closes a stream, the transcript and --heard. The
// frames of an open stream are cli/sim/sim_media_session.cpp. One call,
// one thread, every wait bounded.
#include "cli/sim/sim_media.hpp"

#include <fstream>

#include "cli/sim/sim_media_player.hpp"
#include "cli/sim/sim_transcript.hpp"
#include "core/error.hpp"

namespace sb {
namespace sim_media_detail {

bool media_player::fetch(const std::string& url, const form_params& params) {
  auto start = media_clock::now();
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

bool media_player::fail(std::string why) {
  if (result.error.empty())
    result.error = std::move(why);
  return false;
}

void media_player::show_events() {
  const auto& events = conversation_.events();
  for (; events_shown_ < events.size(); ++events_shown_)
    result.transcript.push_back(
      media_transcript_line(events[events_shown_], media_.conversation));
}

void media_player::line(const char* who, std::string text, double ms,
                        std::string note) {
  show_events(); // what the conversation heard came first
  result.transcript.push_back({who, std::move(text), ms, std::move(note)});
}

bool media_player::run(const std::vector<twiml_node>& verbs, double ms) {
  for (size_t i = 0; i < verbs.size(); ++i) {
    const auto& v = verbs[i];
    if (v.name == "Say" || v.name == "Play") {
      line("assistant", v.name == "Say" ? v.text : "[play " + v.text + "]", ms);
      ms = -1;
      spoke_before_connect_ = true;
    } else if (v.name == "Connect") {
      after_connect_.assign(verbs.begin() + static_cast<long>(i) + 1,
                            verbs.end());
      return open_stream(v, ms);
    } else if (v.name == "Dial") {
      const auto* number = v.find("Number");
      line("twilio", "transferred to " + (number ? number->text : v.text));
      return false;
    } else if (v.name == "Hangup" || v.name == "Reject") {
      result.hung_up = true;
      return false;
    } else if (v.name == "Redirect") {
      if (++hops > opts_.max_redirects)
        return fail("too many redirects");
      return fetch(v.text, twilio_standard_params(party_, "in-progress"));
    } else if (v.name == "Gather" || v.name == "Start") {
      return fail("the daemon answered with <" + v.name
                  + ">: the simulator plays Media Streams only through "
                    "<Connect><Stream> (voice.transport = \"media\")");
    }
  }
  line("twilio", "[the TwiML ends: Twilio hangs up]");
  result.hung_up = true;
  return false;
}

bool media_player::stream_closed(const ws_message& how) {
  line("twilio",
       "the daemon closed the stream (code " + std::to_string(how.close_code)
         + (how.close_reason.empty() ? "" : ", " + how.close_reason) + ")");
  if (action_.empty()) { // Twilio goes on with the verbs after <Connect>
    line("twilio", "[no <Connect action>: the next verb runs]");
    return run(after_connect_, -1);
  }
  line("twilio", "<Connect action> " + url_target(action_));
  auto at = result.transcript.size() - 1;
  auto start = media_clock::now();
  hops = 0;
  bool live = fetch(action_, twilio_standard_params(party_, "in-progress"));
  result.transcript[at].latency_ms = ms_since(start);
  return live;
}

void media_player::write_heard() {
  if (media_.heard_path.empty())
    return;
  auto pcm = heard_ ? heard_->recording(media_clock::now())
                    : pcm_audio{phone_sample_rate, {}};
  auto wav = pcm_wav(pcm);
  std::ofstream out{media_.heard_path, std::ios::binary | std::ios::trunc};
  out.write(reinterpret_cast<const char*>(wav.data()), // NOLINT
            static_cast<std::streamsize>(wav.size()));
  if (!out)
    fail("--heard " + media_.heard_path + ": cannot write the file");
}

} // namespace sim_media_detail

sim_result play_media_script(http_client& client, const sim_call_options& opts,
                             std::shared_ptr<const media_script> script,
                             const media_sim_options& media) {
  sim_party party{opts.account_sid,
                  opts.call_sid.empty() ? random_call_sid() : opts.call_sid,
                  opts.from, opts.to, opts.outbound};
  auto daemon = parse_base_url(opts.base_url, "--transport media");
  if (!daemon) {
    sim_result out;
    out.call_sid = party.call_sid;
    out.error = what(daemon.error());
    return out;
  }
  sim_media_detail::media_player p{
    client, opts, media, std::move(script), party, std::move(*daemon)};
  auto start = media_clock::now();
  p.hooks.before_answer();
  bool live = p.result.error.empty()
              && p.fetch(p.hooks.answer_target(), p.hooks.answer_params());
  if (live)
    p.hooks.after_answer(ms_since(start));
  live = live && p.result.error.empty();
  if (live && p.play())
    p.hang_up();
  p.drop_stream();
  p.show_events();
  p.hooks.finish(static_cast<long>(ms_since(start) / 1000));
  p.write_heard();
  return std::move(p.result);
}

} // namespace sb
