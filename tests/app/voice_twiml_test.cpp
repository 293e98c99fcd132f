// Tests for app/voice_twiml: the documents render_twiml() produces, read
// back with the simulator's TwiML reader (as Twilio would read them) and
// checked by structure rather than by string: the speech <Gather> and its
// attributes, the <Say> inside it, the <Redirect> after it, <Hangup/>, and
// caller text that must stay spoken text whatever it contains.
#include "app/voice_twiml.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "core/error.hpp"
#include "tests/support/twiml_parse.hpp"

namespace {

using sb::test::parse_twiml;

sb::voice_reply make_reply(sb::reply_action action, std::string text) {
  sb::voice_reply r;
  r.action = action;
  r.text = std::move(text);
  r.language = "hi-IN";
  r.voice = "Polly.Aditi";
  return r;
}

sb::config test_config() {
  sb::config cfg;
  cfg.server.public_url = "https://switchboard.example.com";
  return cfg;
}

sb::twiml_node render(const sb::voice_reply& reply, const sb::config& cfg) {
  return parse_twiml(sb::render_twiml(reply, cfg));
}

std::vector<std::string> child_names(const sb::twiml_node& node) {
  std::vector<std::string> names;
  for (const auto& c : node.children)
    names.push_back(c.name);
  return names;
}

std::vector<std::string> attr_names(const sb::twiml_node& node) {
  std::vector<std::string> names;
  for (const auto& a : node.attrs)
    names.push_back(a.first);
  return names;
}

bool has_attr(const sb::twiml_node& node, const std::string& key) {
  for (const auto& a : node.attrs)
    if (a.first == key)
      return true;
  return false;
}

// The text spoken by a listen reply: the <Say> inside the <Gather>.
std::string spoken_in_gather(const std::string& text) {
  auto doc = render(make_reply(sb::reply_action::listen, text), test_config());
  auto gather = doc.find("Gather");
  REQUIRE(gather != nullptr);
  REQUIRE(gather->children.size() == 1);
  REQUIRE(gather->children[0].name == "Say");
  return gather->children[0].text;
}

using names = std::vector<std::string>;

} // namespace

TEST_CASE("listen: Say inside a speech Gather, then a Redirect",
          "[voice_twiml]") {
  auto cfg = test_config();
  auto doc = render(make_reply(sb::reply_action::listen, "Hello there"), cfg);
  const std::string action =
    "https://switchboard.example.com/voice/process-speech";

  REQUIRE(doc.name == "Response");
  REQUIRE(child_names(doc) == names{"Gather", "Redirect"});

  const auto& gather = doc.children[0];
  CHECK(attr_names(gather)
        == names{"input", "action", "method", "speechTimeout", "language",
                 "speechModel", "enhanced", "hints"});
  CHECK(gather.attr("input") == "speech");
  CHECK(gather.attr("action") == action);
  CHECK(gather.attr("method") == "POST");
  CHECK(gather.attr("speechTimeout") == "3");
  CHECK(gather.attr("language") == "hi-IN");
  CHECK(gather.attr("speechModel") == "experimental_conversations");
  CHECK(gather.attr("enhanced") == "true");
  CHECK(gather.attr("hints")
        == "hello, help, goodbye, bye, namaste, haan, nahi, account, order, "
           "payment, dhanyavaad");

  REQUIRE(child_names(gather) == names{"Say"});
  const auto& say = gather.children[0];
  CHECK(say.attr("voice") == "Polly.Aditi");
  CHECK(say.attr("language") == "hi-IN");
  CHECK(attr_names(say) == names{"voice", "language"});
  CHECK(say.text == "Hello there");
  CHECK(say.children.empty());

  const auto& redirect = doc.children[1];
  CHECK(attr_names(redirect) == names{"method"});
  CHECK(redirect.attr("method") == "POST");
  CHECK(redirect.text == action);
  CHECK(redirect.children.empty());

  CHECK(doc.find("Hangup") == nullptr);
}

TEST_CASE("the Gather and Say take language and voice from the reply",
          "[voice_twiml]") {
  auto reply = make_reply(sb::reply_action::listen, "Hi");
  reply.language = "en-US";
  reply.voice = "Polly.Joanna";
  auto doc = render(reply, test_config());
  auto gather = doc.find("Gather");
  REQUIRE(gather != nullptr);
  CHECK(gather->attr("language") == "en-US");
  auto say = doc.find("Say");
  REQUIRE(say != nullptr);
  CHECK(say->attr("voice") == "Polly.Joanna");
  CHECK(say->attr("language") == "en-US");
}

TEST_CASE("hangup: Say then Hangup, no Gather", "[voice_twiml]") {
  auto doc = render(make_reply(sb::reply_action::hangup, "Goodbye!"),
                    test_config());
  REQUIRE(doc.name == "Response");
  REQUIRE(child_names(doc) == names{"Say", "Hangup"});
  CHECK(doc.children[0].text == "Goodbye!");
  CHECK(doc.children[0].attr("voice") == "Polly.Aditi");
  CHECK(doc.children[0].attr("language") == "hi-IN");
  const auto& hangup = doc.children[1];
  CHECK(hangup.attrs.empty());
  CHECK(hangup.children.empty());
  CHECK(hangup.text.empty());
  CHECK(doc.find("Gather") == nullptr);
  CHECK(doc.find("Redirect") == nullptr);
}

TEST_CASE("empty text: no Say", "[voice_twiml]") {
  SECTION("listen") {
    auto doc = render(make_reply(sb::reply_action::listen, ""), test_config());
    REQUIRE(child_names(doc) == names{"Gather", "Redirect"});
    CHECK(doc.children[0].children.empty());
    CHECK(doc.find("Say") == nullptr);
    CHECK(doc.children[1].text
          == "https://switchboard.example.com/voice/process-speech");
  }
  SECTION("hangup") {
    auto doc = render(make_reply(sb::reply_action::hangup, ""), test_config());
    CHECK(child_names(doc) == names{"Hangup"});
    CHECK(doc.find("Say") == nullptr);
  }
}

TEST_CASE("caller text cannot become markup", "[voice_twiml]") {
  const std::string dial = "</Say><Dial>+19005551212</Dial>";
  const std::string specials = "&<>\"'";

  SECTION("listen") {
    for (const auto& text : {dial, specials}) {
      CAPTURE(text);
      auto xml = sb::render_twiml(make_reply(sb::reply_action::listen, text),
                                  test_config());
      CHECK(xml.find("<Dial") == std::string::npos);
      auto doc = parse_twiml(xml);
      CHECK(doc.find("Dial") == nullptr);
      CHECK(child_names(doc) == names{"Gather", "Redirect"});
      auto says = doc.find_all("Say");
      REQUIRE(says.size() == 1);
      CHECK(says[0]->text == text);
      CHECK(says[0]->children.empty());
    }
  }
  SECTION("hangup") {
    for (const auto& text : {dial, specials}) {
      CAPTURE(text);
      auto doc = render(make_reply(sb::reply_action::hangup, text),
                        test_config());
      CHECK(doc.find("Dial") == nullptr);
      REQUIRE(child_names(doc) == names{"Say", "Hangup"});
      CHECK(doc.children[0].text == text);
    }
  }
}

TEST_CASE("attribute values cannot break out either", "[voice_twiml]") {
  auto reply = make_reply(sb::reply_action::listen, "Hi");
  reply.voice = "Polly.Aditi\" action=\"https://evil.example/x";
  reply.language = "hi-IN\"><Dial>+19005551212</Dial><Say x=\"";
  auto cfg = test_config();
  cfg.server.public_url = "https://example.com/a?b=1&c=\"2\"";
  auto doc = render(reply, cfg);
  CHECK(doc.find("Dial") == nullptr);
  auto gather = doc.find("Gather");
  REQUIRE(gather != nullptr);
  CHECK(gather->attr("language") == reply.language);
  CHECK(gather->attr("action")
        == "https://example.com/a?b=1&c=\"2\"/voice/process-speech");
  auto say = doc.find("Say");
  REQUIRE(say != nullptr);
  CHECK(say->attr("voice") == reply.voice);
  CHECK(say->attr("language") == reply.language);
  CHECK(attr_names(*say) == names{"voice", "language"});
  CHECK(doc.children.back().text == gather->attr("action"));
}

TEST_CASE("Hindi text round-trips", "[voice_twiml]") {
  const std::string hindi = "नमस्ते! मैं आपकी कैसे मदद कर सकती हूँ? धन्यवाद।";
  CHECK(spoken_in_gather(hindi) == hindi);
  const std::string mixed = "Namaste नमस्ते, order #42 का status?";
  CHECK(spoken_in_gather(mixed) == mixed);
  auto doc = render(make_reply(sb::reply_action::hangup, hindi), test_config());
  REQUIRE(doc.find("Say") != nullptr);
  CHECK(doc.find("Say")->text == hindi);
}

TEST_CASE("whitespace is kept and forbidden controls are dropped",
          "[voice_twiml]") {
  CHECK(spoken_in_gather("line one\nline\ttwo") == "line one\nline\ttwo");
  CHECK(spoken_in_gather(std::string{"a\x01"
                                     "b\x1f"
                                     "c"})
        == "abc");
}

TEST_CASE("config changes are reflected in the Gather", "[voice_twiml]") {
  auto cfg = test_config();
  auto reply = make_reply(sb::reply_action::listen, "Hi");

  SECTION("speech_timeout auto") {
    cfg.voice.speech_timeout = "auto";
    auto doc = render(reply, cfg);
    auto gather = doc.find("Gather");
    REQUIRE(gather != nullptr);
    CHECK(gather->attr("speechTimeout") == "auto");
  }
  SECTION("enhanced false") {
    cfg.voice.enhanced = false;
    auto doc = render(reply, cfg);
    auto gather = doc.find("Gather");
    REQUIRE(gather != nullptr);
    CHECK(gather->attr("enhanced") == "false");
  }
  SECTION("no hints: no hints attribute") {
    cfg.voice.hints.clear();
    auto doc = render(reply, cfg);
    auto gather = doc.find("Gather");
    REQUIRE(gather != nullptr);
    CHECK_FALSE(has_attr(*gather, "hints"));
    CHECK(attr_names(*gather)
          == names{"input", "action", "method", "speechTimeout", "language",
                   "speechModel", "enhanced"});
  }
  SECTION("one hint: no separator") {
    cfg.voice.hints = {"namaste"};
    auto doc = render(reply, cfg);
    auto gather = doc.find("Gather");
    REQUIRE(gather != nullptr);
    CHECK(gather->attr("hints") == "namaste");
  }
  SECTION("hints with special characters are escaped and joined") {
    cfg.voice.hints = {"AT&T", "\"quoted\"", "हाँ"};
    auto doc = render(reply, cfg);
    auto gather = doc.find("Gather");
    REQUIRE(gather != nullptr);
    CHECK(gather->attr("hints") == "AT&T, \"quoted\", हाँ");
  }
  SECTION("speech model") {
    cfg.voice.speech_model = "phone_call";
    auto doc = render(reply, cfg);
    auto gather = doc.find("Gather");
    REQUIRE(gather != nullptr);
    CHECK(gather->attr("speechModel") == "phone_call");
  }
  SECTION("public_url sets both the Gather action and the Redirect") {
    cfg.server.public_url = "http://127.0.0.1:18000";
    auto doc = render(reply, cfg);
    REQUIRE(child_names(doc) == names{"Gather", "Redirect"});
    CHECK(doc.children[0].attr("action")
          == "http://127.0.0.1:18000/voice/process-speech");
    CHECK(doc.children[1].text
          == "http://127.0.0.1:18000/voice/process-speech");
  }
  SECTION("hangup ignores the Gather settings") {
    cfg.voice.hints.clear();
    cfg.voice.speech_timeout = "auto";
    auto doc = render(make_reply(sb::reply_action::hangup, "Bye"), cfg);
    CHECK(child_names(doc) == names{"Say", "Hangup"});
  }
}

TEST_CASE("the document is a well-formed TwiML response", "[voice_twiml]") {
  auto xml = sb::render_twiml(make_reply(sb::reply_action::listen, "Hi"),
                              test_config());
  CHECK(xml.rfind(R"(<?xml version="1.0" encoding="UTF-8"?>)", 0) == 0);
  CHECK(xml.size() >= 11);
  CHECK(xml.substr(xml.size() - 11) == "</Response>");
  CHECK(static_cast<bool>(sb::read_twiml(xml)));
}

// -- transfer and relay -------------------------------------------------

namespace {

constexpr const char* xml_head = R"(<?xml version="1.0" encoding="UTF-8"?>)";

sb::voice_reply relay_reply(std::string greeting) {
  auto r = make_reply(sb::reply_action::relay, std::move(greeting));
  r.language = "en-US";
  return r;
}

const std::string relay_url =
  "wss://switchboard.example.com/relay/CA0123/171.sig_-x";

std::string render_relay(const sb::voice_reply& reply, const sb::config& cfg) {
  return sb::render_relay_twiml(reply, cfg, relay_url, "CA0123", "171.sig_-x");
}

} // namespace

TEST_CASE("transfer: the message, then a Dial that rings until bridged",
          "[voice_twiml]") {
  auto reply = make_reply(sb::reply_action::transfer,
                          "Please hold while I connect you.");
  reply.dial_to = "+14155550100";
  CHECK(sb::render_twiml(reply, test_config())
        == std::string{xml_head}
             + "<Response><Say voice=\"Polly.Aditi\" language=\"hi-IN\">"
               "Please hold while I connect you.</Say>"
               "<Dial answerOnBridge=\"true\">+14155550100</Dial>"
               "</Response>");
  SECTION("no text: the Dial alone") {
    reply.text.clear();
    CHECK(sb::render_twiml(reply, test_config())
          == std::string{xml_head}
               + "<Response><Dial answerOnBridge=\"true\">+14155550100</Dial>"
                 "</Response>");
  }
  SECTION("our audio is played instead of said") {
    reply.audio_url = "https://switchboard.example.com/audio/a1.wav";
    auto doc = render(reply, test_config());
    REQUIRE(child_names(doc) == names{"Play", "Dial"});
    CHECK(doc.children[0].text == reply.audio_url);
  }
  SECTION("no number: said, then hung up") {
    reply.dial_to.clear();
    auto doc = render(reply, test_config());
    CHECK(child_names(doc) == names{"Say", "Hangup"});
  }
  SECTION("the number cannot become markup") {
    reply.dial_to = "+1</Dial><Play>x</Play>";
    auto doc = render(reply, test_config());
    REQUIRE(child_names(doc) == names{"Say", "Dial"});
    CHECK(doc.children[1].text == reply.dial_to);
    CHECK(doc.find("Play") == nullptr);
  }
}

TEST_CASE("relay: a Connect with the ConversationRelay and its parameters",
          "[voice_twiml]") {
  auto cfg = test_config();
  auto reply = relay_reply("Hello! How can I help?");
  CHECK(render_relay(reply, cfg)
        == std::string{xml_head}
             + "<Response><Connect action=\"https://switchboard.example.com"
               "/voice/relay-done\" method=\"POST\">"
               "<ConversationRelay url=\"wss://switchboard.example.com/relay/"
               "CA0123/171.sig_-x\" language=\"en-US\" ttsProvider=\"Google\""
               " welcomeGreeting=\"Hello! How can I help?\""
               " welcomeGreetingInterruptible=\"any\" interruptible=\"any\""
               " dtmfDetection=\"true\" hints=\"hello,help,goodbye,bye,"
               "namaste,haan,nahi,account,order,payment,dhanyavaad\">"
               "<Parameter name=\"callSid\" value=\"CA0123\"/>"
               "<Parameter name=\"token\" value=\"171.sig_-x\"/>"
               "</ConversationRelay></Connect></Response>");
}

TEST_CASE("relay: every optional setting of [relay] is rendered",
          "[voice_twiml]") {
  auto cfg = test_config();
  cfg.relay.tts_provider = "ElevenLabs";
  cfg.relay.voice = "UgBBYS2sOqTuMpoF3BR0-0.9_0.8_0.6";
  cfg.relay.transcription_provider = "Deepgram";
  cfg.relay.speech_model = "nova-3-general";
  cfg.relay.interruptible = "speech";
  cfg.relay.dtmf_detection = false;
  cfg.voice.hints = {"order"};
  CHECK(render_relay(relay_reply("Hi"), cfg)
        == std::string{xml_head}
             + "<Response><Connect action=\"https://switchboard.example.com"
               "/voice/relay-done\" method=\"POST\">"
               "<ConversationRelay url=\"wss://switchboard.example.com/relay/"
               "CA0123/171.sig_-x\" language=\"en-US\""
               " ttsProvider=\"ElevenLabs\""
               " voice=\"UgBBYS2sOqTuMpoF3BR0-0.9_0.8_0.6\""
               " transcriptionProvider=\"Deepgram\""
               " speechModel=\"nova-3-general\" welcomeGreeting=\"Hi\""
               " welcomeGreetingInterruptible=\"speech\""
               " interruptible=\"speech\" dtmfDetection=\"false\""
               " hints=\"order\">"
               "<Parameter name=\"callSid\" value=\"CA0123\"/>"
               "<Parameter name=\"token\" value=\"171.sig_-x\"/>"
               "</ConversationRelay></Connect></Response>");
}

TEST_CASE("relay: an empty greeting and no hints leave their attributes out",
          "[voice_twiml]") {
  auto cfg = test_config();
  cfg.voice.hints.clear();
  // A reconnect: the caller is mid-conversation, nothing to greet with.
  auto doc = parse_twiml(render_relay(relay_reply(""), cfg));
  auto relay = doc.find("ConversationRelay");
  REQUIRE(relay != nullptr);
  CHECK(attr_names(*relay)
        == names{"url", "language", "ttsProvider",
                 "welcomeGreetingInterruptible", "interruptible",
                 "dtmfDetection"});
  CHECK(child_names(*relay) == names{"Parameter", "Parameter"});
}

TEST_CASE("relay: the greeting and other values are escaped", "[voice_twiml]") {
  auto cfg = test_config();
  cfg.voice.hints = {"AT&T", "\"q\""};
  cfg.relay.voice = "v\"><Hangup/>";
  cfg.server.public_url = "https://example.com/a?b=1&c=2";
  const std::string greeting =
    "Say \"yes\" & <wait>; it's \"/><Dial>+19005551212</Dial>";
  auto xml = sb::render_relay_twiml(
    relay_reply(greeting), cfg, "wss://x/relay/CA1/t?a=1&b=2", "CA1", "t\"&<");
  CHECK(xml.find("welcomeGreeting=\"Say &quot;yes&quot; &amp; &lt;wait&gt;;"
                 " it&apos;s &quot;/&gt;&lt;Dial&gt;+19005551212"
                 "&lt;/Dial&gt;\"")
        != std::string::npos);
  CHECK(xml.find("<Dial") == std::string::npos);
  CHECK(xml.find("<Hangup") == std::string::npos);
  auto doc = parse_twiml(xml);
  CHECK(doc.find("Dial") == nullptr);
  CHECK(doc.find("Hangup") == nullptr);
  auto connect = doc.find("Connect");
  REQUIRE(connect != nullptr);
  CHECK(connect->attr("action")
        == "https://example.com/a?b=1&c=2/voice/relay-done");
  auto relay = doc.find("ConversationRelay");
  REQUIRE(relay != nullptr);
  CHECK(relay->attr("welcomeGreeting") == greeting);
  CHECK(relay->attr("voice") == "v\"><Hangup/>");
  CHECK(relay->attr("hints") == "AT&T,\"q\"");
  CHECK(relay->attr("url") == "wss://x/relay/CA1/t?a=1&b=2");
  auto params = doc.find_all("Parameter");
  REQUIRE(params.size() == 2);
  CHECK(params[1]->attr("value") == "t\"&<");
}

TEST_CASE("relay without its session falls back to hanging up",
          "[voice_twiml]") {
  auto cfg = test_config();
  auto reply = relay_reply("Hello!");
  // render_twiml has no call SID or token to open a session with.
  auto doc = render(reply, cfg);
  REQUIRE(child_names(doc) == names{"Say", "Hangup"});
  CHECK(doc.children[0].text == "Hello!");
  // Neither does render_relay_twiml without a URL or a call SID.
  CHECK(sb::render_relay_twiml(reply, cfg, "", "CA1", "t")
        == sb::render_twiml(reply, cfg));
  CHECK(sb::render_relay_twiml(reply, cfg, relay_url, "", "t")
        == sb::render_twiml(reply, cfg));
  // Other actions render as render_twiml does.
  auto listen = make_reply(sb::reply_action::listen, "Hi");
  CHECK(sb::render_relay_twiml(listen, cfg, relay_url, "CA1", "t")
        == sb::render_twiml(listen, cfg));
}

TEST_CASE("relay_socket_url swaps the scheme and appends sid and token",
          "[voice_twiml]") {
  auto cfg = test_config();
  CHECK(sb::relay_socket_url(cfg, "CA0123", "171.abc_-")
        == "wss://switchboard.example.com/relay/CA0123/171.abc_-");
  cfg.server.public_url = "http://127.0.0.1:8000";
  CHECK(sb::relay_socket_url(cfg, "CA1", "t")
        == "ws://127.0.0.1:8000/relay/CA1/t");
  cfg.server.public_url = "https://example.com/base";
  CHECK(sb::relay_socket_url(cfg, "CA1", "t")
        == "wss://example.com/base/relay/CA1/t");
  // Only http(s) bases become WebSocket URLs.
  cfg.server.public_url = "ftp://example.com";
  CHECK(sb::relay_socket_url(cfg, "CA1", "t").empty());
  cfg.server.public_url = "httpx://example.com";
  CHECK(sb::relay_socket_url(cfg, "CA1", "t").empty());
}

TEST_CASE("parse_relay_target reads /relay/{CallSid}/{token} back",
          "[voice_twiml]") {
  using target = std::pair<std::string, std::string>;
  const std::string sid = "CA0123456789abcdef0123456789abcdef";
  const std::string token =
    "1700000000.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE";
  auto t = sb::parse_relay_target("/relay/" + sid + "/" + token);
  REQUIRE(t);
  CHECK(*t == target{sid, token});
  CHECK(sb::parse_relay_target("/relay/C/t") == target{"C", "t"});
  // The longest of each.
  const std::string sid64(64, 'a');
  const std::string token128(128, '_');
  CHECK(sb::parse_relay_target("/relay/" + sid64 + "/" + token128)
        == target{sid64, token128});
  // What relay_socket_url writes, this reads (after the scheme and host).
  auto cfg = test_config();
  auto url = sb::relay_socket_url(cfg, sid, token);
  auto path = url.substr(std::string{"wss://switchboard.example.com"}.size());
  CHECK(sb::parse_relay_target(path) == target{sid, token});
}

TEST_CASE("parse_relay_target refuses every other path", "[voice_twiml]") {
  const std::string sid65(65, 'a');
  const std::string token129(129, 'b');
  const std::vector<std::string> paths{"",
                                       "/",
                                       "/relay",
                                       "/relay/",
                                       "/relay//",
                                       "/relay/CA1",
                                       "/relay/CA1/",
                                       "/relay//tok",
                                       "/relay/CA1/tok/",
                                       "/relay/CA1/tok/x",
                                       "/relay/CA1//tok",
                                       "//relay/CA1/tok",
                                       "relay/CA1/tok",
                                       "/Relay/CA1/tok",
                                       "/relays/CA1/tok",
                                       "/voice/relay/CA1/tok",
                                       "/relay/CA1/tok?x=1",
                                       "/relay/CA1/tok#f",
                                       "/relay/CA-1/tok",
                                       "/relay/CA_1/tok",
                                       "/relay/CA.1/tok",
                                       "/relay/CA%31/tok",
                                       "/relay/CA1/to%6B",
                                       "/relay/CA1/to+k",
                                       "/relay/CA1/to k",
                                       "/relay/CA 1/tok",
                                       "/relay/CA1/tok\n",
                                       "/relay/CA1/t~k",
                                       "/relay/नमस्ते/tok",
                                       "/relay/CA1/टोकन",
                                       "/relay/" + sid65 + "/tok",
                                       "/relay/CA1/" + token129,
                                       std::string{"/relay/CA1/t\0k", 14}};
  for (const auto& bad : paths) {
    CAPTURE(bad);
    CHECK_FALSE(sb::parse_relay_target(bad));
  }
}

TEST_CASE("media: <Connect><Stream> with the call's token as a Parameter",
          "[voice_twiml]") {
  auto cfg = test_config();
  cfg.server.public_url = "https://switchboard.example.com";
  auto reply = make_reply(sb::reply_action::media, "");
  CHECK(sb::media_socket_url(cfg) == "wss://switchboard.example.com/media");
  auto xml = sb::render_media_twiml(reply, cfg, sb::media_socket_url(cfg),
                                    "CA0123", "171.sig_-x");
  CHECK(xml
        == std::string{xml_head}
             + "<Response><Connect action=\"https://switchboard.example.com/"
               "voice/media-done\" method=\"POST\"><Stream url=\"wss://"
               "switchboard.example.com/media\" statusCallback=\"https://"
               "switchboard.example.com/voice/media-status\" "
               "statusCallbackMethod=\"POST\"><Parameter name=\"callSid\" "
               "value=\"CA0123\"/><Parameter name=\"token\" "
               "value=\"171.sig_-x\"/></Stream></Connect></Response>");
  // No query string in the stream URL: Twilio would drop it.
  CHECK(xml.find("/media?") == std::string::npos);
  SECTION("without a URL or a call SID it hangs up, as a bad relay does") {
    auto bare = sb::render_media_twiml(reply, cfg, "", "CA0123", "t");
    CHECK(bare.find("<Hangup/>") != std::string::npos);
    CHECK(bare.find("<Stream") == std::string::npos);
  }
}
