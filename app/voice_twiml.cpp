// The TwiML documents of each reply action, and the relay WebSocket's URL.
// Every value reaches the document through twiml_writer, which escapes it,
// so no reply text, config value or URL part can become markup.
#include "app/voice_twiml.hpp"

#include "twilio/twiml.hpp"

namespace sb {

namespace {

std::string join_hints(const std::vector<std::string>& hints,
                       std::string_view separator = ", ") {
  std::string out;
  for (const auto& h : hints) {
    if (!out.empty())
      out += separator;
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

// The speech, then what Twilio does once it is said.
std::string say_then(const voice_reply& reply, std::string_view verb,
                     std::string_view text = {}, const xml_attrs& attrs = {}) {
  twiml_writer w;
  say(w, reply);
  if (text.empty())
    w.empty_element(verb, attrs);
  else
    w.text_element(verb, text, attrs);
  return w.finish();
}

xml_attrs relay_attrs(const voice_reply& reply, const relay_config& r,
                      const voice_config& v, std::string_view relay_url) {
  xml_attrs attrs{{"url", std::string{relay_url}},
                  {"language", reply.language},
                  {"ttsProvider", r.tts_provider}};
  auto optional = [&attrs](const char* name, const std::string& value) {
    if (!value.empty())
      attrs.emplace_back(name, value);
  };
  optional("voice", r.voice);
  optional("transcriptionProvider", r.transcription_provider);
  optional("speechModel", r.speech_model);
  optional("welcomeGreeting", reply.text);
  attrs.emplace_back("welcomeGreetingInterruptible", r.interruptible);
  attrs.emplace_back("interruptible", r.interruptible);
  attrs.emplace_back("dtmfDetection", r.dtmf_detection ? "true" : "false");
  // ConversationRelay takes a plain comma list (<Gather> puts spaces in).
  optional("hints", join_hints(v.hints, ","));
  return attrs;
}

bool is_sid_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9');
}

bool is_token_char(char c) {
  return is_sid_char(c) || c == '.' || c == '_' || c == '-';
}

// 1..max characters, each accepted by `ok`.
template <class Pred>
bool all_of(std::string_view text, size_t max, Pred ok) {
  if (text.empty() || text.size() > max)
    return false;
  for (char c : text)
    if (!ok(c))
      return false;
  return true;
}

} // namespace

std::string render_twiml(const voice_reply& reply, const config& cfg) {
  if (reply.action == reply_action::transfer && !reply.dial_to.empty())
    return say_then(reply, "Dial", reply.dial_to, {{"answerOnBridge", "true"}});
  // A transfer to nobody, and a relay without its SID and token, end the
  // call the way hangup does: said, then hung up, never left open.
  if (reply.action == reply_action::hangup
      || reply.action == reply_action::transfer
      || reply.action == reply_action::relay
      || reply.action == reply_action::media)
    return say_then(reply, "Hangup");
  twiml_writer w;
  if (reply.action == reply_action::wait) {
    // Twilio plays this and comes straight back for the answer.
    if (reply.text.empty() && reply.audio_url.empty())
      w.empty_element("Pause", {{"length", "1"}});
    else
      say(w, reply);
    w.text_element("Redirect",
                   cfg.server.public_url
                     + "/voice/await?turn=" + std::to_string(reply.await_turn),
                   {{"method", "POST"}});
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

std::string render_relay_twiml(const voice_reply& reply, const config& cfg,
                               std::string_view relay_url,
                               std::string_view call_sid,
                               std::string_view token) {
  if (reply.action != reply_action::relay || relay_url.empty()
      || call_sid.empty())
    return render_twiml(reply, cfg);
  twiml_writer w;
  // The action is where Twilio goes when the session ends (the app's
  // `end`, the caller's hang-up, a failure): there the call actor decides
  // between a new session, a transfer and the end of the call.
  w.open("Connect", {{"action", cfg.server.public_url + "/voice/relay-done"},
                     {"method", "POST"}});
  w.open("ConversationRelay",
         relay_attrs(reply, cfg.relay, cfg.voice, relay_url));
  w.empty_element("Parameter",
                  {{"name", "callSid"}, {"value", std::string{call_sid}}});
  w.empty_element("Parameter",
                  {{"name", "token"}, {"value", std::string{token}}});
  return w.finish();
}

std::string render_media_twiml(const voice_reply& reply, const config& cfg,
                               std::string_view stream_url,
                               std::string_view call_sid,
                               std::string_view token) {
  if (reply.action != reply_action::media || stream_url.empty()
      || call_sid.empty())
    return render_twiml(reply, cfg);
  twiml_writer w;
  // Twilio holds this TwiML until we close the socket (or the call ends),
  // then asks the action what next: a transfer, the end, or a new stream.
  w.open("Connect", {{"action", cfg.server.public_url + "/voice/media-done"},
                     {"method", "POST"}});
  w.open("Stream",
         {{"url", std::string{stream_url}},
          {"statusCallback", cfg.server.public_url + "/voice/media-status"},
          {"statusCallbackMethod", "POST"}});
  w.empty_element("Parameter",
                  {{"name", "callSid"}, {"value", std::string{call_sid}}});
  w.empty_element("Parameter",
                  {{"name", "token"}, {"value", std::string{token}}});
  return w.finish();
}

std::string media_socket_url(const config& cfg) {
  auto url = public_ws_base(cfg);
  if (url.empty())
    return "";
  return url + std::string{media_socket_path};
}

std::string public_ws_base(const config& cfg) {
  std::string_view base = cfg.server.public_url;
  if (base.rfind("https://", 0) == 0)
    return "wss://" + std::string{base.substr(8)};
  if (base.rfind("http://", 0) == 0)
    return "ws://" + std::string{base.substr(7)};
  return "";
}

std::string relay_socket_url(const config& cfg, std::string_view call_sid,
                             std::string_view token) {
  auto url = public_ws_base(cfg);
  if (url.empty())
    return "";
  url += "/relay/";
  url += call_sid;
  url += '/';
  url += token;
  return url;
}

std::optional<std::pair<std::string, std::string>>
parse_relay_target(std::string_view path) {
  constexpr std::string_view prefix = "/relay/";
  if (path.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  path.remove_prefix(prefix.size());
  auto slash = path.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  auto sid = path.substr(0, slash);
  auto token = path.substr(slash + 1);
  // A second '/' is not a token character, so extra segments and a
  // trailing slash fail here too.
  if (!all_of(sid, 64, is_sid_char) || !all_of(token, 128, is_token_char))
    return std::nullopt;
  return std::make_pair(std::string{sid}, std::string{token});
}

} // namespace sb
