// Tests for core/spoken_words: whole-word, case-blind matching of
// the caller's words against llm.goodbye_words, in English and in
// Devanagari, with the default list the daemon ships.
#include "core/spoken_words.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/config.hpp"

namespace {

using sb::holds_phrase;
using words = std::vector<std::string>;

const words defaults = sb::llm_config{}.goodbye_words;

} // namespace

TEST_CASE("a goodbye word anywhere, in any case, ends the call",
          "[goodbye_words]") {
  for (const char* speech :
       {"bye", "Bye!", "BYE", "okay, thanks, bye.", "Goodbye",
        "thank you goodbye", "bye-bye", "\"bye\"", "ok bye\n", "(bye)",
        "I never said bye to her"}) {
    CAPTURE(speech);
    CHECK(holds_phrase(speech, defaults));
  }
}

TEST_CASE("a goodbye word inside another word does not count",
          "[goodbye_words]") {
  for (const char* speech : {"maybe", "abyss", "byelaw", "byeee", "goodbyes",
                             "bye5", "hello", "", "   ", "by e"}) {
    CAPTURE(speech);
    CHECK_FALSE(holds_phrase(speech, {"bye", "goodbye"}));
  }
  // An elongation counts once it is listed.
  CHECK(holds_phrase("Byeee!", {"byeee"}));
}

TEST_CASE("Hindi goodbyes match on whole Devanagari words", "[goodbye_words]") {
  for (const char* speech :
       {"अलविदा", "ठीक है, अलविदा।", "धन्यवाद बाय", "बाय बाय", "अच्छा, फिर मिलेंगे!",
        "फिर  मिलेंगे", "फिर\nमिलेंगे॥", "«अलविदा»", "अलविदा\xE2\x80\x94दोस्त",
        "ok\xC2\xA0"
        "बाय"}) {
    CAPTURE(speech);
    CHECK(holds_phrase(speech, defaults));
  }
  for (const char* speech : {"बायाँ", "बायें मुड़िए", "फिरमिलेंगे", "फिर मिलेंगेगे",
                             "मिलेंगे फिर", "अलविदाई", "फिर से मिलेंगे"}) {
    CAPTURE(speech);
    CHECK_FALSE(holds_phrase(speech, defaults));
  }
}

TEST_CASE("the default list covers the scripted goodbye rule's keywords",
          "[goodbye_words]") {
  // What the scripted backend's goodbye rule hangs up on: the real models'
  // default must not hang up on less.
  for (const char* keyword : {"bye", "goodbye", "अलविदा", "बाय", "फिर मिलेंगे"}) {
    CAPTURE(keyword);
    CHECK(holds_phrase(keyword, defaults));
  }
  // धन्यवाद (thank you) is polite mid-conversation, not a goodbye.
  CHECK_FALSE(holds_phrase("धन्यवाद", defaults));
  CHECK_FALSE(holds_phrase("thank you", defaults));
}

TEST_CASE("phrases of several words match them in order, adjacent",
          "[goodbye_words]") {
  const words list = {"that's all", "See You Later"};
  CHECK(holds_phrase("ok that's all thanks", list));
  CHECK(holds_phrase("THAT'S ALL", list));
  CHECK(holds_phrase("see you later!", list));
  CHECK(holds_phrase("see-you, later", list));
  CHECK_FALSE(holds_phrase("see you", list));
  CHECK_FALSE(holds_phrase("later, see you", list));
  CHECK_FALSE(holds_phrase("that's not all", list));
}

TEST_CASE("no phrases, or phrases with no word, never match",
          "[goodbye_words]") {
  CHECK_FALSE(holds_phrase("bye", {}));
  CHECK_FALSE(holds_phrase("bye", {""}));
  CHECK_FALSE(holds_phrase("bye!", {"!"}));
  CHECK_FALSE(holds_phrase("।", {"।"}));
  CHECK(holds_phrase("bye", {"", "!", "bye"}));
}

TEST_CASE("text that is not UTF-8 never splits or crashes a match",
          "[goodbye_words]") {
  CHECK_FALSE(holds_phrase("bye\xFF", {"bye"}));
  CHECK_FALSE(holds_phrase("\xE0\xA4", {"bye"}));
  CHECK(holds_phrase("\xFF bye", {"bye"}));
  CHECK(holds_phrase("bye \xE0\xA4", {"bye"}));
  // An overlong '!' (C0 A1) is not a separator.
  CHECK_FALSE(holds_phrase("bye\xC0\xA1", {"bye"}));
}

TEST_CASE("words are cut at separators, ASCII lowered", "[goodbye_words]") {
  CHECK(sb::spoken_words("Okay, BYE-bye!") == words{"okay", "bye", "bye"});
  CHECK(sb::spoken_words("ठीक है। अलविदा॥") == words{"ठीक", "है", "अलविदा"});
  // A zero-width non-joiner stays inside its word.
  CHECK(sb::spoken_words("क\xE2\x80\x8Cष") == words{"क\xE2\x80\x8Cष"});
  CHECK(sb::spoken_words("") == words{});
}
