// Tests for cli/sim/twiml_reader: the documents the daemon writes, entity and
// character-reference decoding, find()/find_all() over nested elements,
// self-closing elements, and malformed input, which must come back as an
// error naming a byte offset and never crash or throw.
#include "cli/sim/twiml_reader.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/support/twiml_parse.hpp"

namespace {

using sb::test::parse_twiml;

constexpr const char* declaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";

// A listen reply as app/voice_twiml renders it.
std::string listen_doc() {
  return std::string{declaration}
         + R"(<Response><Gather input="speech" )"
           R"(action="http://127.0.0.1:8000/voice/process-speech" )"
           R"(method="POST" )"
           R"(speechTimeout="3" language="hi-IN" )"
           R"(speechModel="experimental_conversations" enhanced="true" )"
           R"(hints="hello, help, namaste"><Say voice="Polly.Aditi" )"
           R"(language="hi-IN">Hello &amp; welcome &lt;caller&gt;</Say>)"
           R"(</Gather><Redirect method="POST">)"
           R"(http://127.0.0.1:8000/voice/process-speech</Redirect>)"
           R"(</Response>)";
}

// A hangup reply as app/voice_twiml renders it.
std::string hangup_doc() {
  return std::string{declaration}
         + R"(<Response><Say voice="Polly.Aditi" language="hi-IN">)"
           R"(Thank you for calling. Dhanyavaad, goodbye!</Say><Hangup/>)"
           R"(</Response>)";
}

// The error text for input that must be rejected; fails the test if it
// parses or if the reader throws.
std::string error_of(const std::string& xml) {
  INFO(xml);
  caf::expected<sb::twiml_node> doc{caf::error{}};
  REQUIRE_NOTHROW(doc = sb::read_twiml(xml));
  REQUIRE_FALSE(doc);
  CHECK(sb::has_code(doc.error(), sb::errc::bad_request));
  return sb::what(doc.error());
}

// The "at byte N" offset an error names, or -1.
long offset_in(const std::string& message) {
  auto pos = message.rfind("at byte ");
  if (pos == std::string::npos)
    return -1;
  return std::stol(message.substr(pos + 8));
}

void check_rejected(const std::string& xml, const std::string& why) {
  auto msg = error_of(xml);
  CAPTURE(xml, msg);
  CHECK(msg.find(why) != std::string::npos);
  auto off = offset_in(msg);
  CHECK(off >= 0);
  CHECK(off <= static_cast<long>(xml.size()));
}

std::string text_of(const std::string& body) {
  auto doc = parse_twiml("<Response><Say>" + body + "</Say></Response>");
  auto say = doc.find("Say");
  REQUIRE(say != nullptr);
  return say->text;
}

} // namespace

TEST_CASE("reads a listen reply", "[twiml_reader]") {
  auto doc = parse_twiml(listen_doc());
  CHECK(doc.name == "Response");
  CHECK(doc.attrs.empty());
  REQUIRE(doc.children.size() == 2);

  const auto& gather = doc.children[0];
  CHECK(gather.name == "Gather");
  REQUIRE(gather.attrs.size() == 8);
  CHECK(gather.attrs[0].first == "input");
  CHECK(gather.attrs[7].first == "hints");
  CHECK(gather.attr("input") == "speech");
  CHECK(gather.attr("action") == "http://127.0.0.1:8000/voice/process-speech");
  CHECK(gather.attr("method") == "POST");
  CHECK(gather.attr("speechTimeout") == "3");
  CHECK(gather.attr("language") == "hi-IN");
  CHECK(gather.attr("speechModel") == "experimental_conversations");
  CHECK(gather.attr("enhanced") == "true");
  CHECK(gather.attr("hints") == "hello, help, namaste");
  CHECK(gather.attr("missing").empty());

  REQUIRE(gather.children.size() == 1);
  const auto& say = gather.children[0];
  CHECK(say.name == "Say");
  CHECK(say.attr("voice") == "Polly.Aditi");
  CHECK(say.text == "Hello & welcome <caller>");
  CHECK(say.children.empty());

  const auto& redirect = doc.children[1];
  CHECK(redirect.name == "Redirect");
  CHECK(redirect.attr("method") == "POST");
  CHECK(redirect.text == "http://127.0.0.1:8000/voice/process-speech");
}

TEST_CASE("reads a hangup reply", "[twiml_reader]") {
  auto doc = parse_twiml(hangup_doc());
  REQUIRE(doc.children.size() == 2);
  CHECK(doc.children[0].name == "Say");
  CHECK(doc.children[0].text == "Thank you for calling. Dhanyavaad, goodbye!");
  CHECK(doc.children[1].name == "Hangup");
  CHECK(doc.children[1].attrs.empty());
  CHECK(doc.children[1].children.empty());
  CHECK(doc.children[1].text.empty());
}

TEST_CASE("reads documents without a declaration, with whitespace and "
          "comments",
          "[twiml_reader]") {
  CHECK(parse_twiml("<Response/>").children.empty());
  CHECK(parse_twiml("<Response></Response>").children.empty());
  auto doc = parse_twiml(
    "  <?xml version=\"1.0\"?>\n<!-- a comment -->\n"
    "<Response>\n  <Say>hi</Say>\n  <Hangup />\n</Response>\n");
  REQUIRE(doc.children.size() == 2);
  CHECK(doc.children[0].text == "hi");
  CHECK(doc.children[1].name == "Hangup");
}

TEST_CASE("entities decode to UTF-8", "[twiml_reader]") {
  CHECK(text_of("&amp;") == "&");
  CHECK(text_of("&lt;") == "<");
  CHECK(text_of("&gt;") == ">");
  CHECK(text_of("&quot;") == "\"");
  CHECK(text_of("&apos;") == "'");
  CHECK(text_of("&#2344;") == "न");
  CHECK(text_of("&#x928;") == "न");
  CHECK(text_of("&#X928;") == "न");
  CHECK(text_of("&#65;&#x42;") == "AB");
  CHECK(text_of("&#xA9;") == "\xC2\xA9");
  CHECK(text_of("&#x1F600;") == "\xF0\x9F\x98\x80");
  CHECK(text_of("&#x10FFFF;") == "\xF4\x8F\xBF\xBF");
  CHECK(text_of("&#9;&#10;&#13;") == "\t\n\r");
  CHECK(text_of("&#xD7FF;&#xE000;&#xFFFD;")
        == "\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBD");
  CHECK(text_of("&#x0928;&#002344;") == "नन");
  CHECK(text_of("a &amp;&lt;&gt;&quot;&apos; b") == "a &<>\"' b");
  CHECK(text_of("&amp;amp;") == "&amp;");
  CHECK(text_of("नमस्ते") == "नमस्ते");

  auto doc = parse_twiml(R"(<Response><Say voice="&quot;&#x928;&amp;&apos;">)"
                         R"(x</Say></Response>)");
  REQUIRE(doc.find("Say") != nullptr);
  CHECK(doc.find("Say")->attr("voice") == "\"न&'");
}

TEST_CASE("nested find and find_all", "[twiml_reader]") {
  auto doc = parse_twiml(
    "<Response>"
    "<Say>one</Say>"
    "<Gather><Say>two</Say><Pause length=\"1\"/><Say>three</Say></Gather>"
    "<Connect><Stream url=\"wss://x\"><Parameter name=\"a\" value=\"1\"/>"
    "<Parameter name=\"b\" value=\"2\"/></Stream></Connect>"
    "<Say>four</Say>"
    "</Response>");

  auto first = doc.find("Say");
  REQUIRE(first != nullptr);
  CHECK(first->text == "one");

  auto says = doc.find_all("Say");
  REQUIRE(says.size() == 4);
  CHECK(says[0]->text == "one");
  CHECK(says[1]->text == "two");
  CHECK(says[2]->text == "three");
  CHECK(says[3]->text == "four");

  auto params = doc.find_all("Parameter");
  REQUIRE(params.size() == 2);
  CHECK(params[0]->attr("name") == "a");
  CHECK(params[1]->attr("value") == "2");

  auto stream = doc.find("Stream");
  REQUIRE(stream != nullptr);
  CHECK(stream->attr("url") == "wss://x");
  CHECK(stream->find_all("Parameter").size() == 2);

  auto gather = doc.find("Gather");
  REQUIRE(gather != nullptr);
  CHECK(gather->find("Say")->text == "two");
  CHECK(gather->find_all("Say").size() == 2);
  CHECK(gather->find("Parameter") == nullptr);
  CHECK(gather->find("Gather") == nullptr); // descendants only

  CHECK(doc.find("Dial") == nullptr);
  CHECK(doc.find_all("Dial").empty());
  CHECK(doc.find("Response") == nullptr);
}

TEST_CASE("find is depth-first, in document order", "[twiml_reader]") {
  auto doc = parse_twiml("<Response><A><B><Say>deep</Say></B></A>"
                         "<Say>shallow</Say></Response>");
  REQUIRE(doc.find("Say") != nullptr);
  CHECK(doc.find("Say")->text == "deep");
  auto all = doc.find_all("Say");
  REQUIRE(all.size() == 2);
  CHECK(all[0]->text == "deep");
  CHECK(all[1]->text == "shallow");
}

TEST_CASE("self-closing elements", "[twiml_reader]") {
  auto doc = parse_twiml(R"(<Response><Hangup/><Pause length="2"/>)"
                         R"(<Reject reason="busy" /></Response>)");
  REQUIRE(doc.children.size() == 3);
  CHECK(doc.children[0].name == "Hangup");
  CHECK(doc.children[1].name == "Pause");
  CHECK(doc.children[1].attr("length") == "2");
  CHECK(doc.children[1].children.empty());
  CHECK(doc.children[2].name == "Reject");
  CHECK(doc.children[2].attr("reason") == "busy");
}

TEST_CASE("malformed documents are errors with a byte offset",
          "[twiml_reader]") {
  SECTION("root is not <Response>") {
    check_rejected("<Resp></Resp>", "not <Response>");
    check_rejected("<response></response>", "not <Response>");
    check_rejected(std::string{declaration} + "<Say>hi</Say>",
                   "not <Response>");
    check_rejected("<Hangup/>", "not <Response>");
  }
  SECTION("mismatched tags") {
    check_rejected("<Response><Say>hi</Gather></Response>", "mismatched");
    check_rejected("<Response><Gather><Say>hi</Gather></Say></Response>",
                   "mismatched");
    check_rejected("<Response></Responsee>", "mismatched");
    check_rejected("<Response><Say>hi</Say></Response", "mismatched");
  }
  SECTION("unterminated attribute") {
    check_rejected(R"(<Response><Say voice="Polly.Aditi>hi</Say></Response>)",
                   "unterminated attribute");
  }
  SECTION("unknown entity") {
    check_rejected("<Response><Say>&nbsp;</Say></Response>", "unknown entity");
    check_rejected("<Response><Say>&;</Say></Response>", "unknown entity");
    check_rejected(R"(<Response><Say voice="&copy;">x</Say></Response>)",
                   "unknown entity");
    check_rejected("<Response><Say>a & b</Say></Response>", "");
  }
  SECTION("bad numeric references") {
    for (const char* ref : {"&#;",
                            "&#x;",
                            "&#12a;",
                            "&#xG1;",
                            "&#x110000;",
                            "&#1114112;",
                            "&#99999999999999999999999;",
                            "&#-1;",
                            "&#+65;",
                            "&# 65;",
                            "&#x 41;",
                            "&#x0x41;",
                            "&#x-1;",
                            "&#0;",
                            "&#1;",
                            "&#x1F;",
                            "&#xD800;",
                            "&#xDFFF;",
                            "&#xFFFE;",
                            "&#xFFFF;"}) {
      CAPTURE(ref);
      check_rejected(std::string{"<Response><Say>"} + ref + "</Say></Response>",
                     "bad character reference");
    }
  }
  SECTION("anything but comments and whitespace after </Response>") {
    check_rejected("<Response></Response><Dial>+19005551212</Dial>",
                   "content after </Response>");
    check_rejected("<Response/><Response/>", "content after </Response>");
    check_rejected("<Response/>garbage", "content after </Response>");
    check_rejected("<Response/><!-- unterminated", "content after </Response>");
  }
  SECTION("unterminated declaration or comment before the root") {
    check_rejected("<?xml version=\"1.0\"", "");
    check_rejected("<!-- never ends <Response/>", "");
  }
  SECTION("other malformed input") {
    check_rejected("", "");
    check_rejected("   ", "");
    check_rejected("hello", "");
    check_rejected("<>", "");
    check_rejected("<Response><Say voice=Polly>x</Say></Response>", "");
    check_rejected("<Response><Say>&amp</Say></Response>", "");
    check_rejected("<Response><Say>no end</Response>", "");
  }
}

TEST_CASE("the error offset points at the problem", "[twiml_reader]") {
  const std::string doc = "<Response><Say>hi</Gather></Response>";
  auto off = offset_in(error_of(doc));
  CHECK(off >= static_cast<long>(doc.find("</Gather>")));
  CHECK(off <= static_cast<long>(doc.find("</Gather>") + 9));
}

TEST_CASE("every truncated prefix of a valid document is an error",
          "[twiml_reader]") {
  for (const auto& full : {listen_doc(), hangup_doc()}) {
    REQUIRE(static_cast<bool>(sb::read_twiml(full)));
    for (size_t len = 0; len < full.size(); ++len) {
      auto prefix = full.substr(0, len);
      CAPTURE(len);
      caf::expected<sb::twiml_node> doc{caf::error{}};
      REQUIRE_NOTHROW(doc = sb::read_twiml(prefix));
      CHECK_FALSE(doc);
      if (!doc)
        CHECK(offset_in(sb::what(doc.error())) >= 0);
    }
  }
}

TEST_CASE("comments and whitespace may follow the root", "[twiml_reader]") {
  auto doc = parse_twiml("<Response><Hangup/></Response>\n<!-- done -->\n  ");
  REQUIRE(doc.children.size() == 1);
  CHECK(doc.children[0].name == "Hangup");
}

TEST_CASE("hostile nesting is an error, not a stack overflow",
          "[twiml_reader]") {
  std::string xml = "<Response>";
  for (int i = 0; i < 200000; ++i)
    xml += "<N>";
  check_rejected(xml, "nested deeper");
  xml += "<Say>x</Say>";
  for (int i = 0; i < 200000; ++i)
    xml += "</N>";
  xml += "</Response>";
  check_rejected(xml, "nested deeper");
}

TEST_CASE("moderate nesting is read", "[twiml_reader]") {
  std::string xml = "<Response>";
  for (int i = 0; i < 200; ++i)
    xml += "<N>";
  xml += "<Say>deep</Say>";
  for (int i = 0; i < 200; ++i)
    xml += "</N>";
  xml += "</Response>";
  auto doc = parse_twiml(xml);
  REQUIRE(doc.find("Say") != nullptr);
  CHECK(doc.find("Say")->text == "deep");
}
