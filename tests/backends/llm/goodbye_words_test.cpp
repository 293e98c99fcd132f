// Tests for backends/llm/goodbye_words: whole-word, case-blind matching of
// the caller's words against llm.goodbye_words, in English and in
// Devanagari, with the default list the daemon ships.
#include "backends/llm/goodbye_words.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/config.hpp"

namespace {

using sb::says_goodbye;
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
    CHECK(says_goodbye(speech, defaults));
  }
}

TEST_CASE("a goodbye word inside another word does not count",
          "[goodbye_words]") {
  for (const char* speech : {"maybe", "abyss", "byelaw", "byeee", "goodbyes",
                             "bye5", "hello", "", "   ", "by e"}) {
    CAPTURE(speech);
    CHECK_FALSE(says_goodbye(speech, {"bye", "goodbye"}));
  }
  // An elongation counts once it is listed.
  CHECK(says_goodbye("Byeee!", {"byeee"}));
}

TEST_CASE("Hindi goodbyes match on whole Devanagari words", "[goodbye_words]") {
  for (const char* speech :
       {"अलविदा", "ठीक है, अलविदा।", "धन्यवाद बाय", "बाय बाय", "अच्छा, फिर मिलेंगे!",
        "फिर  मिलेंगे", "फिर\nमिलेंगे॥", "«अलविदा»", "अलविदा\xE2\x80\x94दोस्त",
        "ok\xC2\xA0"
        "बाय"}) {
    CAPTURE(speech);
    CHECK(says_goodbye(speech, defaults));
  }
  for (const char* speech : {"बायाँ", "बायें मुड़िए", "फिरमिलेंगे", "फिर मिलेंगेगे",
                             "मिलेंगे फिर", "अलविदाई", "फिर से मिलेंगे"}) {
    CAPTURE(speech);
    CHECK_FALSE(says_goodbye(speech, defaults));
  }
}

TEST_CASE("the default list covers the scripted goodbye rule's keywords",
          "[goodbye_words]") {
  // What the scripted backend's goodbye rule hangs up on: the real models'
  // default must not hang up on less.
  for (const char* keyword : {"bye", "goodbye", "अलविदा", "बाय", "फिर मिलेंगे"}) {
    CAPTURE(keyword);
    CHECK(says_goodbye(keyword, defaults));
  }
  // धन्यवाद (thank you) is polite mid-conversation, not a goodbye.
  CHECK_FALSE(says_goodbye("धन्यवाद", defaults));
  CHECK_FALSE(says_goodbye("thank you", defaults));
}

TEST_CASE("phrases of several words match them in order, adjacent",
          "[goodbye_words]") {
  const words list = {"that's all", "See You Later"};
  CHECK(says_goodbye("ok that's all thanks", list));
  CHECK(says_goodbye("THAT'S ALL", list));
  CHECK(says_goodbye("see you later!", list));
  CHECK(says_goodbye("see-you, later", list));
  CHECK_FALSE(says_goodbye("see you", list));
  CHECK_FALSE(says_goodbye("later, see you", list));
  CHECK_FALSE(says_goodbye("that's not all", list));
}

TEST_CASE("no phrases, or phrases with no word, never match",
          "[goodbye_words]") {
  CHECK_FALSE(says_goodbye("bye", {}));
  CHECK_FALSE(says_goodbye("bye", {""}));
  CHECK_FALSE(says_goodbye("bye!", {"!"}));
  CHECK_FALSE(says_goodbye("।", {"।"}));
  CHECK(says_goodbye("bye", {"", "!", "bye"}));
}

TEST_CASE("text that is not UTF-8 never splits or crashes a match",
          "[goodbye_words]") {
  CHECK_FALSE(says_goodbye("bye\xFF", {"bye"}));
  CHECK_FALSE(says_goodbye("\xE0\xA4", {"bye"}));
  CHECK(says_goodbye("\xFF bye", {"bye"}));
  CHECK(says_goodbye("bye \xE0\xA4", {"bye"}));
  // An overlong '!' (C0 A1) is not a separator.
  CHECK_FALSE(says_goodbye("bye\xC0\xA1", {"bye"}));
}

TEST_CASE("words are cut at separators, ASCII lowered", "[goodbye_words]") {
  CHECK(sb::goodbye_words_of("Okay, BYE-bye!") == words{"okay", "bye", "bye"});
  CHECK(sb::goodbye_words_of("ठीक है। अलविदा॥") == words{"ठीक", "है", "अलविदा"});
  // A zero-width non-joiner stays inside its word.
  CHECK(sb::goodbye_words_of("क\xE2\x80\x8Cष") == words{"क\xE2\x80\x8Cष"});
  CHECK(sb::goodbye_words_of("") == words{});
}
