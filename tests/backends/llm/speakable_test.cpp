// Tests for backends/llm/speakable: markdown, code, emoji and whitespace are
// removed from model replies; Hindi passes through intact; the length cap
// lands on a sentence end, else a word boundary, and never splits a UTF-8
// sequence; nothing speakable gives "".
#include "backends/llm/speakable.hpp"

#include <string>

#include <catch2/catch.hpp>

namespace {

using sb::make_speakable;

constexpr size_t no_cap = 0;

// True if `s` is well-formed UTF-8.
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t len = b < 0x80       ? 1
                       : b >> 5 == 6  ? 2
                       : b >> 4 == 14 ? 3
                       : b >> 3 == 30 ? 4
                                      : 0;
    if (len == 0 || i + len > s.size())
      return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return false;
    i += len;
  }
  return true;
}

const std::string hindi = "नमस्ते! मैं आपकी मदद के लिए यहाँ हूँ। आप क्या जानना चाहेंगे?";

} // namespace

TEST_CASE("plain text passes through", "[speakable]") {
  CHECK(make_speakable("Hello there. How can I help?", no_cap)
        == "Hello there. How can I help?");
  CHECK(make_speakable("  Hello\n\tthere  ", no_cap) == "Hello there");
  CHECK(make_speakable("snake_case and 3.5 million", 200)
        == "snake_case and 3.5 million");
}

TEST_CASE("Hindi survives intact", "[speakable]") {
  CHECK(make_speakable(hindi, no_cap) == hindi);
  CHECK(make_speakable("**नमस्ते!** आप कैसे हैं?", no_cap) == "नमस्ते! आप कैसे हैं?");
  CHECK(make_speakable("क्षमा करें॥ धन्यवाद।", 500) == "क्षमा करें॥ धन्यवाद।");
}

TEST_CASE("emphasis and headings are stripped", "[speakable]") {
  CHECK(
    make_speakable("This is **very** _important_ and ~~old~~ `code`.", no_cap)
    == "This is very important and old code.");
  CHECK(make_speakable("# Your order\nIt ships *today*.", no_cap)
        == "Your order. It ships today.");
  CHECK(make_speakable("### Steps: ###\nDone", no_cap) == "Steps: Done");
  CHECK(make_speakable("Use #1 first", no_cap) == "Use #1 first");
  CHECK(make_speakable("> quoted **text**", no_cap) == "quoted text");
}

TEST_CASE("links keep their text, tags vanish", "[speakable]") {
  CHECK(make_speakable("See [our site](https://example.com/a_(b)) now.", no_cap)
        == "See our site now.");
  CHECK(make_speakable("![a logo](logo.png) Hi", no_cap) == "a logo Hi");
  CHECK(make_speakable("Line<br>break and <https://x.y/z> done", no_cap)
        == "Line break and done");
  CHECK(make_speakable("a < b and [not a link]", no_cap)
        == "a < b and [not a link]");
}

TEST_CASE("lists become sentences", "[speakable]") {
  const auto text = make_speakable("You can:\n"
                                   "- check your **balance**\n"
                                   "* pay a bill\n"
                                   "1. talk to us\n"
                                   "2) say goodbye!\n",
                                   no_cap);
  CHECK(text
        == "You can: check your balance. pay a bill. talk to us. "
           "say goodbye!");
}

TEST_CASE("Hindi list items end with a danda", "[speakable]") {
  CHECK(make_speakable("## विकल्प\n- खाता\n- ऑर्डर?\n- payment", no_cap)
        == "विकल्प। खाता। ऑर्डर? payment.");
}

TEST_CASE("tables read as cells, rules vanish", "[speakable]") {
  const auto text = make_speakable("| Plan | Price |\n"
                                   "|:-----|------:|\n"
                                   "| Basic | 100 |\n"
                                   "---\n"
                                   "That is all.",
                                   no_cap);
  CHECK(text == "Plan, Price. Basic, 100. That is all.");
}

TEST_CASE("code blocks are dropped entirely", "[speakable]") {
  CHECK(make_speakable("Run this:\n```bash\nrm -rf /tmp/x\necho hi\n```\n"
                       "Then wait.",
                       no_cap)
        == "Run this: Then wait.");
  CHECK(make_speakable("~~~\ncode\n~~~\nAfter.", no_cap) == "After.");
  CHECK(make_speakable("Before.\n```\nnever closed\nstill code", no_cap)
        == "Before.");
  CHECK(make_speakable("```\nonly code\n```", no_cap).empty());
}

TEST_CASE("emoji and pictographs are dropped", "[speakable]") {
  CHECK(make_speakable("Great job 😀! 👍🏽 ✅ Done ⭐.", no_cap)
        == "Great job! Done.");
  // A ZWJ family, a flag, a keycap and a heart with its variation
  // selector.
  CHECK(make_speakable("Hi 👨‍👩‍👧 🇮🇳 1️⃣ ❤️ there",
                       no_cap)
        == "Hi 1 there");
  CHECK(make_speakable("नमस्ते 🙏", no_cap) == "नमस्ते");
  CHECK(make_speakable("**Sure!** I can help with `orders` 😀. What is "
                       "your order number?",
                       400)
        == "Sure! I can help with orders. What is your order number?");
}

TEST_CASE("invalid UTF-8 bytes are dropped", "[speakable]") {
  CHECK(make_speakable("ok\xff\xfe fine \xe0\xa4", no_cap) == "ok fine");
}

TEST_CASE("nothing speakable gives an empty string", "[speakable]") {
  CHECK(make_speakable("", 100).empty());
  CHECK(make_speakable("   \n\t ", 100).empty());
  CHECK(make_speakable("😀😀 🎉", 100).empty());
  CHECK(make_speakable("**...** --- | |", 100).empty());
  CHECK(make_speakable("। ॥", 100).empty());
}

TEST_CASE("the cap lands on a sentence end when there is one", "[speakable]") {
  const std::string text = "First sentence. Second one! Third one is long.";
  CHECK(make_speakable(text, text.size()) == text);
  CHECK(make_speakable(text, text.size() - 1) == "First sentence. Second one!");
  CHECK(make_speakable(text, 27) == "First sentence. Second one!");
  CHECK(make_speakable(text, 26) == "First sentence.");
  // 3.5 is not a sentence end.
  CHECK(make_speakable("It costs 3.5 dollars today", 14) == "It costs 3.5");
}

TEST_CASE("the cap falls back to a word boundary", "[speakable]") {
  CHECK(make_speakable("one two three four", 12) == "one two");
  CHECK(make_speakable("one two, three four", 9) == "one two");
  CHECK(make_speakable("one two three", 7) == "one two");
  CHECK(make_speakable("abcdefghij", 4) == "abcd");
}

TEST_CASE("the cap never splits UTF-8 and respects the danda", "[speakable]") {
  // "नमस्ते!" is 6 code points of 3 bytes and "!"; the first two sentences
  // are 95 bytes.
  CHECK(make_speakable(hindi, 30) == "नमस्ते!");
  CHECK(make_speakable(hindi, 94) == "नमस्ते!");
  const auto two = make_speakable(hindi, 95);
  CHECK(two == "नमस्ते! मैं आपकी मदद के लिए यहाँ हूँ।");
  for (size_t cap = 1; cap < hindi.size() + 2; ++cap) {
    const auto out = make_speakable(hindi, cap);
    INFO("cap " << cap);
    CHECK(out.size() <= cap);
    CHECK(valid_utf8(out));
    CHECK(hindi.compare(0, out.size(), out) == 0);
  }
  const std::string word = "नमस्ते";
  CHECK(make_speakable(word, 7) == "नम");
  CHECK(make_speakable(word, 2).empty());
}
