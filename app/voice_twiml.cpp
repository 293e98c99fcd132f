#include "app/voice_twiml.hpp"

#include "net/twiml.hpp"

namespace sb {

namespace {

std::string join_hints(const std::vector<std::string>& hints) {
  std::string out;
  for (const auto& h : hints) {
    if (!out.empty())
      out += ", ";
    out += h;
  }
  return out;
}

// Our own audio when there is some, else Twilio's voice.
void say(twiml_writer& w, const voice_reply& reply) {
  if (!reply.audio_url.empty()) {
    w.text_element("Play", reply.audio_url);
    return;
  }
  if (reply.text.empty())
    return;
  w.text_element("Say", reply.text,
                 {{"voice", reply.voice}, {"language", reply.language}});
}

xml_attrs gather_attrs(const voice_reply& reply, const config& cfg,
                       const std::string& action) {
  const auto& v = cfg.voice;
  xml_attrs attrs{{"input", "speech"},
                  {"action", action},
                  {"method", "POST"},
                  {"speechTimeout", v.speech_timeout},
                  {"language", reply.language},
                  {"speechModel", v.speech_model},
                  {"enhanced", v.enhanced ? "true" : "false"}};
  if (!v.hints.empty())
    attrs.emplace_back("hints", join_hints(v.hints));
  return attrs;
}

} // namespace

std::string render_twiml(const voice_reply& reply, const config& cfg) {
  twiml_writer w;
  if (reply.action == reply_action::wait) {
    // Twilio plays this and comes straight back for the answer.
    if (reply.text.empty() && reply.audio_url.empty())
      w.empty_element("Pause", {{"length", "1"}});
    else
      say(w, reply);
    w.text_element("Redirect",
                   cfg.server.public_url + "/voice/await?turn="
                     + std::to_string(reply.await_turn),
                   {{"method", "POST"}});
    return w.finish();
  }
  if (reply.action == reply_action::hangup) {
    say(w, reply);
    w.empty_element("Hangup");
    return w.finish();
  }
  auto action = cfg.server.public_url + "/voice/process-speech";
  w.open("Gather", gather_attrs(reply, cfg, action));
  say(w, reply);
  w.close();
  // Reached only when the caller said nothing: process-speech then hears an
  // empty result and re-prompts, instead of the call silently ending.
  w.text_element("Redirect", action, {{"method", "POST"}});
  return w.finish();
}

} // namespace sb
