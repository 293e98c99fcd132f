// Tests for app/voice_twiml: the documents render_twiml() produces, read
// back with the simulator's TwiML reader (as Twilio would read them) and
// checked by structure rather than by string: the speech <Gather> and its
// attributes, the <Say> inside it, the <Redirect> after it, <Hangup/>, and
// caller text that must stay spoken text whatever it contains.
#include "app/voice_twiml.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/twiml_reader.hpp"
#include "core/error.hpp"

namespace {

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

sb::twiml_node parse(const std::string& xml) {
  auto doc = sb::read_twiml(xml);
  INFO(xml);
  if (!doc)
    FAIL("read_twiml failed: " << sb::what(doc.error()));
  return std::move(*doc);
}

sb::twiml_node render(const sb::voice_reply& reply, const sb::config& cfg) {
  return parse(sb::render_twiml(reply, cfg));
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
      auto doc = parse(xml);
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
  CHECK(spoken_in_gather(std::string{"a\x01" "b\x1f" "c"}) == "abc");
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
