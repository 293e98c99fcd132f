// Fuzzes the TwiML writer (twilio/twiml, app/voice_twiml) with arbitrary
// caller and model text. An input is seven lines: a flags byte (the reply's
// action, enhanced), voice, language, audio URL, public URL, hints
// separated by ',', and the text to speak (the rest, newlines included).
// Flags: bit 7 set = transfer (bit 0 clear) or relay (bit 0 set), else
// the byte modulo 3 = listen, hangup, wait; bit 2 = enhanced. A transfer
// dials the voice line; a relay reply is rendered with render_relay_twiml,
// the voice line as relay.voice and the audio URL line as the token.
// Every document is read back with expat, an XML parser of its own:
// it must be well-formed, have exactly the elements the reply asks for
// (so no byte of the text became markup), and give back the text and
// attribute values unchanged wherever XML can carry them unchanged.
#include "twilio/twiml.hpp"

#include <string>
#include <vector>

#include <expat.h>

#include "app/voice_twiml.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/text/form.hpp"

namespace {

struct element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;
  int depth = 0;
};

// A parsed document: its elements in document order.
struct document {
  bool well_formed = false;
  std::vector<element> elements;
  std::vector<size_t> open; // indices into elements
};

void on_start(void* user, const XML_Char* name, const XML_Char** attrs) {
  auto& doc = *static_cast<document*>(user);
  element e{name, {}, {}, static_cast<int>(doc.open.size())};
  for (size_t i = 0; attrs[i] != nullptr; i += 2)
    e.attrs.emplace_back(attrs[i], attrs[i + 1]);
  doc.open.push_back(doc.elements.size());
  doc.elements.push_back(std::move(e));
}

void on_end(void* user, const XML_Char*) {
  static_cast<document*>(user)->open.pop_back();
}

void on_text(void* user, const XML_Char* s, int len) {
  auto& doc = *static_cast<document*>(user);
  if (!doc.open.empty())
    doc.elements[doc.open.back()].text.append(s, static_cast<size_t>(len));
}

document parse_xml(const std::string& xml) {
  document doc;
  XML_Parser p = XML_ParserCreate("UTF-8");
  XML_SetUserData(p, &doc);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  doc.well_formed = XML_Parse(p, xml.data(), static_cast<int>(xml.size()),
                              XML_TRUE)
                    == XML_STATUS_OK;
  XML_ParserFree(p);
  return doc;
}

// True if xml_escape must keep every character of `s`: valid UTF-8, no C0
// control XML forbids, no U+FFFE or U+FFFF.
bool xml_clean(std::string_view s) {
  if (!sb::is_valid_utf8(s))
    return false;
  if (s.find("\xEF\xBF\xBE") != std::string_view::npos
      || s.find("\xEF\xBF\xBF") != std::string_view::npos)
    return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
      return false;
  }
  return true;
}

// What an XML parser reports for text `s` written raw: line ends become
// LF (XML 1.0 §2.11); in an attribute every white space becomes a space
// (§3.3.3).
std::string as_parsed(std::string_view s, bool attribute) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n')
        ++i;
      c = '\n';
    }
    if (attribute && (c == '\n' || c == '\t'))
      c = ' ';
    out += c;
  }
  return out;
}

void check_text(const std::string& got, std::string_view given,
                bool attribute) {
  SB_FUZZ_CHECK(sb::is_valid_utf8(got));
  if (xml_clean(given))
    SB_FUZZ_CHECK(got == as_parsed(given, attribute));
}

std::string attr(const element& e, std::string_view name) {
  for (const auto& [k, v] : e.attrs)
    if (k == name)
      return v;
  sb::fuzz::property_failed("attribute missing", __FILE__, __LINE__);
}

// xml_escape on its own, in a text node and in an attribute.
void check_escape(std::string_view text) {
  auto escaped = sb::xml_escape(text);
  auto doc = parse_xml("<a b=\"" + escaped + "\">" + escaped + "</a>");
  SB_FUZZ_CHECK(doc.well_formed);
  SB_FUZZ_CHECK(doc.elements.size() == 1);
  check_text(doc.elements[0].text, text, false);
  check_text(attr(doc.elements[0], "b"), text, true);
}

struct expected_element {
  std::string name;
  int depth;
};

constexpr std::string_view fuzz_sid = "CAfuzz";

// A relay reply that opens a session: Connect > ConversationRelay >
// Parameter x2, every value given back.
void check_relay(const document& doc, const sb::voice_reply& reply,
                 const sb::config& cfg, const std::string& url,
                 std::string_view token) {
  SB_FUZZ_CHECK(doc.elements.size() == 5);
  const char* names[] = {"Response", "Connect", "ConversationRelay",
                         "Parameter", "Parameter"};
  const int depths[] = {0, 1, 2, 3, 3};
  for (size_t i = 0; i < 5; ++i) {
    SB_FUZZ_CHECK(doc.elements[i].name == names[i]);
    SB_FUZZ_CHECK(doc.elements[i].depth == depths[i]);
  }
  check_text(attr(doc.elements[1], "action"),
             cfg.server.public_url + "/voice/relay-done", true);
  const auto& relay = doc.elements[2];
  check_text(attr(relay, "url"), url, true);
  check_text(attr(relay, "language"), reply.language, true);
  if (!cfg.relay.voice.empty())
    check_text(attr(relay, "voice"), cfg.relay.voice, true);
  if (!reply.text.empty())
    check_text(attr(relay, "welcomeGreeting"), reply.text, true);
  std::string hints;
  for (const auto& h : cfg.voice.hints)
    hints += (hints.empty() ? "" : ",") + h;
  if (!hints.empty())
    check_text(attr(relay, "hints"), hints, true);
  check_text(attr(doc.elements[3], "value"), fuzz_sid, true);
  check_text(attr(doc.elements[4], "value"), token, true);
}

void check_render(const sb::voice_reply& reply, const sb::config& cfg,
                  std::string_view token) {
  const bool relay = reply.action == sb::reply_action::relay;
  const auto url = sb::relay_socket_url(cfg, fuzz_sid, token);
  auto xml = relay ? sb::render_relay_twiml(reply, cfg, url, fuzz_sid, token)
                   : sb::render_twiml(reply, cfg);
  auto doc = parse_xml(xml);
  SB_FUZZ_CHECK(doc.well_formed);
  if (relay && !url.empty())
    return check_relay(doc, reply, cfg, url, token);
  // A transfer to nobody and a relay without a URL end like a hangup.
  const bool dial = reply.action == sb::reply_action::transfer
                    && !reply.dial_to.empty();
  const bool hangs_up = reply.action == sb::reply_action::hangup
                        || (reply.action == sb::reply_action::transfer && !dial)
                        || relay;

  // The speech: our audio, else the text, else nothing.
  const bool play = !reply.audio_url.empty();
  const bool say = !play && !reply.text.empty();
  std::vector<expected_element> want{{"Response", 0}};
  const int speech_depth = reply.action == sb::reply_action::listen ? 2 : 1;
  if (reply.action == sb::reply_action::listen)
    want.push_back({"Gather", 1});
  if (play)
    want.push_back({"Play", speech_depth});
  else if (say)
    want.push_back({"Say", speech_depth});
  else if (reply.action == sb::reply_action::wait)
    want.push_back({"Pause", 1});
  if (dial)
    want.push_back({"Dial", 1});
  else if (hangs_up)
    want.push_back({"Hangup", 1});
  else
    want.push_back({"Redirect", 1});

  SB_FUZZ_CHECK(doc.elements.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SB_FUZZ_CHECK(doc.elements[i].name == want[i].name);
    SB_FUZZ_CHECK(doc.elements[i].depth == want[i].depth);
  }
  for (const auto& e : doc.elements) {
    if (e.name == "Play")
      check_text(e.text, reply.audio_url, false);
    if (e.name == "Dial") {
      check_text(e.text, reply.dial_to, false);
      SB_FUZZ_CHECK(attr(e, "answerOnBridge") == "true");
    }
    if (e.name == "Say") {
      check_text(e.text, reply.text, false);
      check_text(attr(e, "voice"), reply.voice, true);
      check_text(attr(e, "language"), reply.language, true);
    }
    if (e.name == "Gather") {
      check_text(attr(e, "language"), reply.language, true);
      check_text(attr(e, "speechTimeout"), cfg.voice.speech_timeout, true);
      check_text(attr(e, "action"),
                 cfg.server.public_url + "/voice/process-speech", true);
      SB_FUZZ_CHECK(attr(e, "enhanced")
                    == (cfg.voice.enhanced ? "true" : "false"));
      std::string hints;
      for (const auto& h : cfg.voice.hints)
        hints += (hints.empty() ? "" : ", ") + h;
      if (!hints.empty())
        check_text(attr(e, "hints"), hints, true);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = sb::fuzz::fields(sb::fuzz::as_text(data, size), 7);
  const auto flags = f[0].empty() ? 0u : static_cast<unsigned char>(f[0][0]);
  sb::voice_reply reply;
  // Bit 7 picks the actions added with ConversationRelay, so the seeds
  // (flags '0'..'4') keep the action they were written for.
  constexpr sb::reply_action actions[] = {
    sb::reply_action::listen, sb::reply_action::hangup, sb::reply_action::wait};
  if ((flags & 0x80) != 0)
    reply.action = (flags & 1) != 0 ? sb::reply_action::relay
                                    : sb::reply_action::transfer;
  else
    reply.action = actions[flags % 3];
  reply.voice = f[1];
  reply.language = f[2];
  reply.audio_url = f[3];
  reply.text = f[6];
  if (reply.action == sb::reply_action::transfer)
    reply.dial_to = f[1];
  reply.await_turn = static_cast<int64_t>(f[0].size());
  sb::config cfg;
  cfg.voice.enhanced = (flags & 4) != 0;
  cfg.voice.speech_timeout = f[0].size() > 1 ? f[0].substr(1) : "auto";
  if (!f[4].empty())
    cfg.server.public_url = f[4];
  cfg.relay.voice = f[1];
  cfg.voice.hints.clear();
  for (auto hints = f[5]; !hints.empty();) {
    auto comma = hints.find(',');
    cfg.voice.hints.emplace_back(hints.substr(0, comma));
    hints = comma == std::string_view::npos ? std::string_view{}
                                            : hints.substr(comma + 1);
  }
  check_escape(reply.text);
  check_render(reply, cfg, f[3]);
  return 0;
}
