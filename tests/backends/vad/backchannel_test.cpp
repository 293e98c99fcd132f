// Tests for backends/vad/backchannel: a transcript made only of
// media.backchannel_words (whole words, any case, Hindi too) is a
// backchannel; anything else, or no words at all, is not; and the
// barge-in decision built on it.
#include "backends/vad/backchannel.hpp"

#include <catch2/catch.hpp>

#include "core/config.hpp"

namespace {

const std::vector<std::string>& defaults() {
  static const sb::media_config cfg;
  return cfg.backchannel_words;
}

} // namespace

TEST_CASE("only backchannel words: a backchannel", "[backchannel]") {
  for (const char* text : {"mm",        "Mm.",        "okay",
                           "OK!",       "okay, okay", "mhm... yeah",
                           "uh huh",    "  Yes  ",    "right, sure",
                           "haan",      "Haan ji",    "achha",
                           "theek hai", "हाँ",         "हां",
                           "हाँ जी",     "जी।",        "अच्छा",
                           "ठीक है",     "हाँ, ok",     "accha... theek hai"}) {
    INFO(text);
    CHECK(sb::is_backchannel(text, defaults()));
  }
}

TEST_CASE("any other word: not a backchannel", "[backchannel]") {
  for (const char* text :
       {"okay wait", "no", "mm, actually I need help", "stop", "okayish", "mmm",
        "yes please", "hmmm", "हाँ लेकिन", "नहीं", "ठीक नहीं है", "okay 2",
        "right now"}) {
    INFO(text);
    CHECK_FALSE(sb::is_backchannel(text, defaults()));
  }
}

TEST_CASE("no words at all: not a backchannel", "[backchannel]") {
  for (const char* text : {"", " ", "...", "?!", "।"}) {
    INFO("'" << text << "'");
    CHECK_FALSE(sb::is_backchannel(text, defaults()));
  }
}

TEST_CASE("the word list is the configuration's", "[backchannel]") {
  CHECK_FALSE(sb::is_backchannel("mm", {}));
  CHECK(sb::is_backchannel("Bilkul", {"bilkul"}));
  CHECK(sb::is_backchannel("बिलकुल", {"बिलकुल"}));
  // An entry of several words allows each of them.
  CHECK(sb::is_backchannel("go on", {"go on"}));
  CHECK(sb::is_backchannel("on", {"go on"}));
  // Devanagari compares as written: a vowel sign continues the word.
  CHECK_FALSE(sb::is_backchannel("हाँजी", {"हाँ", "जी"}));
}

TEST_CASE("barge-in decision: interrupt on a real word, never on a "
          "backchannel or on nothing yet",
          "[backchannel]") {
  const sb::barge_in event{1000, 1500};
  CHECK(sb::should_interrupt(event, "wait, that's wrong", defaults()));
  CHECK(sb::should_interrupt(event, "okay but", defaults()));
  CHECK(sb::should_interrupt(event, "रुको", defaults()));
  CHECK_FALSE(sb::should_interrupt(event, "mm okay", defaults()));
  CHECK_FALSE(sb::should_interrupt(event, "हाँ जी", defaults()));
  CHECK_FALSE(sb::should_interrupt(event, "", defaults()));
  CHECK_FALSE(sb::should_interrupt(event, "...", defaults()));
}
