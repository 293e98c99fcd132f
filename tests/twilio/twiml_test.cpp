// Tests for twilio/twiml: xml_escape against python-twilio's reference output,
// injection attempts, characters XML forbids, broken UTF-8, and the
// writer's document shape (declaration, nesting, attributes, finish()).
#include "twilio/twiml.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "net/text/form.hpp"

namespace {

constexpr const char* declaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";

// What an XML parser hands back for character data: the five predefined
// entities resolved. Anything else after '&' is a test failure, since
// xml_escape writes no other references.
std::string xml_unescape(std::string_view text) {
  static const std::pair<std::string_view, char> entities[] = {{"&amp;", '&'},
                                                               {"&lt;", '<'},
                                                               {"&gt;", '>'},
                                                               {"&quot;", '"'},
                                                               {"&apos;",
                                                                '\''}};
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    bool matched = false;
    for (const auto& [entity, ch] : entities) {
      if (text.substr(pos, entity.size()) == entity) {
        out += ch;
        pos += entity.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      REQUIRE(text[pos] != '&');
      out += text[pos++];
    }
  }
  return out;
}

// The names of all tags in a document, in order ("Say", "/Say", ...).
std::vector<std::string> tag_names(std::string_view doc) {
  std::vector<std::string> names;
  for (size_t pos = doc.find('<'); pos != std::string_view::npos;
       pos = doc.find('<', pos + 1)) {
    size_t end = doc.find_first_of(" />", pos + 2);
    names.emplace_back(doc.substr(pos + 1, end - pos - 1));
  }
  return names;
}

// The text between <Say> and </Say> in a one-Say document.
std::string say_body(const std::string& doc) {
  size_t open = doc.find("<Say>");
  size_t close = doc.find("</Say>");
  REQUIRE(open != std::string::npos);
  REQUIRE(close != std::string::npos);
  return doc.substr(open + 5, close - open - 5);
}

std::string say_document(std::string_view text) {
  sb::twiml_writer writer;
  writer.text_element("Say", text);
  return writer.finish();
}

} // namespace

TEST_CASE("xml_escape reads back like python-twilio's output", "[twiml]") {
  std::string input = R"(Press 1 or say "sales" & <wait>. It's fine.)";
  std::string reference =
    R"(Press 1 or say "sales" &amp; &lt;wait&gt;. It's fine.)";
  std::string ours = sb::xml_escape(input);
  CHECK(ours
        == "Press 1 or say &quot;sales&quot; &amp; &lt;wait&gt;. "
           "It&apos;s fine.");
  // Same text for an XML parser: ours only adds quote escapes on top.
  CHECK(xml_unescape(ours) == input);
  CHECK(xml_unescape(reference) == input);
  CHECK(xml_unescape(say_body(say_document(input))) == input);
}

TEST_CASE("caller text can never become a verb", "[twiml]") {
  std::string attack = "</Say><Dial>+19005550100</Dial><Say>";
  std::string doc = say_document(attack);
  CHECK(doc.find("<Dial") == std::string::npos);
  CHECK(tag_names(doc)
        == std::vector<std::string>{"?xml", "Response", "Say", "/Say",
                                    "/Response"});
  CHECK(xml_unescape(say_body(doc)) == attack);
}

TEST_CASE("attribute values are escaped", "[twiml]") {
  sb::twiml_writer writer;
  writer.empty_element("Redirect",
                       {{"action", "https://example.com/gather?step=1&lang=en"},
                        {"x", R"(a"b'c<d>)"}});
  std::string doc = writer.finish();
  CHECK(doc.find(R"(action="https://example.com/gather?step=1&amp;lang=en")")
        != std::string::npos);
  CHECK(doc.find(R"(x="a&quot;b&apos;c&lt;d&gt;")") != std::string::npos);
}

TEST_CASE("xml_escape drops characters XML 1.0 forbids", "[twiml]") {
  std::string input{"a\x01"
                    "b\tc\nd\re\x0B\x0C\x1F\x7F"
                    "f",
                    14};
  input.insert(1, 1, '\0');
  CHECK(sb::xml_escape(input)
        == "ab\tc\nd\re\x7F"
           "f");
  // U+FFFE and U+FFFF are dropped; U+FFFD itself is a fine character.
  CHECK(sb::xml_escape("x\xEF\xBF\xBEy\xEF\xBF\xBFz\xEF\xBF\xBD")
        == "xyz\xEF\xBF\xBD");
}

TEST_CASE("xml_escape replaces invalid UTF-8 with U+FFFD", "[twiml]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(sb::xml_escape("\xC3\x28") == fffd + "(");
  CHECK(sb::xml_escape("a\xFF"
                       "b")
        == "a" + fffd + "b");
  CHECK(sb::xml_escape("\xC0\xAF") == fffd);            // overlong
  CHECK(sb::xml_escape("\xED\xA0\x80!") == fffd + "!"); // surrogate
  CHECK(sb::xml_escape("\xF4\x90\x80\x80") == fffd);    // > U+10FFFF
  CHECK(sb::xml_escape("end\xE0\xA4") == "end" + fffd); // truncated
  // A broken sequence does not swallow the valid character after it.
  CHECK(sb::xml_escape("\xE0\xA4नमस्ते") == fffd + "नमस्ते");
  CHECK(sb::xml_escape("\x80\x80<") == fffd + "&lt;");
}

TEST_CASE("xml_escape keeps valid UTF-8 as is", "[twiml]") {
  std::string hindi = "नमस्ते! आपसे बात करके अच्छा लगा।";
  CHECK(sb::xml_escape(hindi) == hindi);
  CHECK(sb::xml_escape("\xF0\x9F\x93\x9E call") == "\xF0\x9F\x93\x9E call");
  CHECK(sb::xml_escape("caf\xC3\xA9") == "caf\xC3\xA9");
}

TEST_CASE("xml_escape output is always clean character data", "[twiml]") {
  // Deterministic pseudo-random bytes: the output must be valid UTF-8,
  // free of C0 controls other than tab/LF/CR, and free of raw markup.
  uint32_t state = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string input;
    for (int i = 0; i < 24; ++i) {
      state = state * 1664525u + 1013904223u;
      input += static_cast<char>(state >> 24);
    }
    std::string out = sb::xml_escape(input);
    INFO("round " << round);
    REQUIRE(sb::is_valid_utf8(out));
    bool clean = true;
    for (char c : out) {
      auto u = static_cast<unsigned char>(c);
      bool allowed_control = c == '\t' || c == '\n' || c == '\r';
      clean = clean && (u >= 0x20 || allowed_control) && c != '<' && c != '"';
    }
    REQUIRE(clean);
    REQUIRE(out.find("\xEF\xBF\xBE") == std::string::npos);
    REQUIRE(out.find("\xEF\xBF\xBF") == std::string::npos);
  }
}

TEST_CASE("twiml_writer builds a nested document", "[twiml]") {
  sb::twiml_writer writer;
  writer
    .open("Gather", {{"input", "speech"},
                     {"action", "https://example.com/gather?step=1&lang=en"}})
    .text_element("Say", "नमस्ते & hello", {{"voice", "Polly.Aditi"}})
    .close()
    .empty_element("Hangup");
  CHECK(writer.finish()
        == std::string{declaration}
             + "<Response><Gather input=\"speech\" "
               "action=\"https://example.com/gather?step=1&amp;lang=en\">"
               "<Say voice=\"Polly.Aditi\">नमस्ते &amp; hello</Say>"
               "</Gather><Hangup/></Response>");
}

TEST_CASE("twiml_writer::finish closes every open element", "[twiml]") {
  sb::twiml_writer writer;
  writer.open("Connect").open("Stream", {{"url", "wss://x/y"}});
  CHECK(writer.finish()
        == std::string{declaration}
             + R"(<Response><Connect><Stream url="wss://x/y">)"
               "</Stream></Connect></Response>");
}

TEST_CASE("twiml_writer edge cases", "[twiml]") {
  SECTION("an empty document") {
    sb::twiml_writer writer;
    CHECK(writer.finish()
          == std::string{declaration} + "<Response></Response>");
  }
  SECTION("close() with nothing open cannot close <Response>") {
    sb::twiml_writer writer;
    writer.close().empty_element("Hangup");
    CHECK(writer.finish()
          == std::string{declaration} + "<Response><Hangup/></Response>");
  }
  SECTION("a writer starts a new document after finish()") {
    sb::twiml_writer writer;
    writer.empty_element("Hangup");
    writer.finish();
    writer.empty_element("Pause", {{"length", "1"}});
    CHECK(writer.finish()
          == std::string{declaration}
               + R"(<Response><Pause length="1"/></Response>)");
  }
  SECTION("an empty text element") {
    CHECK(say_document("")
          == std::string{declaration} + "<Response><Say></Say></Response>");
  }
}
