// Tests for backends/llm/scripted_rules: every built-in rule in English and
// Hindi, the fallback's {speech} substitution, whole-word matching, the
// "goodbye anywhere hangs up" rule, the transfer intent, the rules-file
// loader's errors, and that rules.example.toml behaves exactly like the
// built-in rules.
#include "backends/llm/scripted_rules.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/support/paths.hpp"

namespace {

const sb::scripted_rules& builtins() {
  static const sb::scripted_rules rules = sb::builtin_rules();
  return rules;
}

const sb::scripted_rule& builtin(const std::string& name) {
  for (const auto& rule : builtins().rules)
    if (rule.name == name)
      return rule;
  FAIL("no built-in rule " << name);
  return builtins().fallback; // not reached: FAIL throws
}

sb::scripted_answer ask(std::string_view speech) {
  return sb::answer(builtins(), speech);
}

// A rules file in the temp directory, removed when the test ends.
class temp_file {
public:
  explicit temp_file(const std::string& content) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path()
             / ("sb_rules_test_" + std::to_string(::getpid()) + "_"
                + std::to_string(counter++) + ".toml"))
              .string();
    std::ofstream{path_, std::ios::binary} << content;
  }
  ~temp_file() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

// The error message for a rules file that must be rejected.
std::string load_error(const std::string& content) {
  temp_file file{content};
  auto rules = sb::load_rules_file(file.path());
  INFO(content);
  REQUIRE_FALSE(rules);
  CHECK(rules.error() == sb::errc::bad_config);
  std::string message = sb::what(rules.error());
  // Callers print the message as is, so it must lead with the path; strip
  // it so the expectations below read as "LINE: what".
  REQUIRE(message.rfind(file.path() + ":", 0) == 0);
  return message.substr(file.path().size() + 1);
}

// A valid four-line [[rule]] table.
std::string rule_named(const std::string& name) {
  return "[[rule]]\n"
         "name = \""
         + name
         + "\"\n"
           "keywords = [\""
         + name
         + "\"]\n"
           "reply_en = \"Hi!\"\n";
}

const std::string good_rule = rule_named("hello");

} // namespace

TEST_CASE("hello rule answers in English and Hindi", "[scripted]") {
  auto en = ask("Hello there");
  CHECK(en.rule == "hello");
  CHECK(en.text == builtin("hello").reply_en);
  CHECK(en.text
        == "Hello! Namaste! It is nice to hear from you. "
           "How can I help you today?");
  CHECK_FALSE(en.end_call);
  for (const char* speech : {"नमस्ते जी", "हेलो", "नमस्कार"}) {
    auto hi = ask(speech);
    INFO(speech);
    CHECK(hi.rule == "hello");
    CHECK(hi.text == builtin("hello").reply_hi);
    CHECK_FALSE(hi.end_call);
  }
  CHECK(ask("HI").rule == "hello");
  CHECK(ask("namaste ji").rule == "hello");
}

TEST_CASE("help rule answers in English and Hindi", "[scripted]") {
  auto en = ask("I need some help with my bill");
  CHECK(en.rule == "help");
  CHECK(en.text
        == "I am here to help. You can ask me about your account, "
           "your orders, or payments. What would you like to know?");
  CHECK_FALSE(en.end_call);
  CHECK(ask("customer SUPPORT please").rule == "help");
  auto hi = ask("मुझे मदद चाहिए");
  CHECK(hi.rule == "help");
  CHECK(hi.text == builtin("help").reply_hi);
  CHECK(ask("सहायता").rule == "help");
}

TEST_CASE("goodbye rule ends the call in English and Hindi", "[scripted]") {
  auto en = ask("ok, goodbye");
  CHECK(en.rule == "goodbye");
  CHECK(en.text == "Thank you for calling. Dhanyavaad, goodbye!");
  CHECK(en.end_call);
  for (const char* speech : {"अच्छा, अलविदा", "ठीक है बाय", "फिर मिलेंगे"}) {
    auto hi = ask(speech);
    INFO(speech);
    CHECK(hi.rule == "goodbye");
    CHECK(hi.text == builtin("goodbye").reply_hi);
    CHECK(hi.end_call);
  }
}

TEST_CASE("the built-in rules, in order", "[scripted]") {
  std::vector<std::string> names;
  for (const auto& rule : builtins().rules)
    names.push_back(rule.name);
  CHECK(names
        == std::vector<std::string>{"transfer", "hello", "help", "goodbye"});
  for (const auto& rule : builtins().rules) {
    INFO(rule.name);
    CHECK(rule.transfer == (rule.name == "transfer"));
    CHECK(rule.end_call == (rule.name == "goodbye"));
  }
  CHECK_FALSE(builtins().fallback.transfer);
}

TEST_CASE("transfer rule asks for a person in English and Hindi",
          "[scripted]") {
  for (const char* speech :
       {"Can I talk to a human?", "AGENT please", "get me an operator",
        "I want a representative", "a real person please"}) {
    auto en = ask(speech);
    INFO(speech);
    CHECK(en.rule == "transfer");
    CHECK(en.text == "Let me connect you to a colleague.");
    CHECK(en.transfer);
    CHECK_FALSE(en.end_call);
  }
  for (const char* speech : {"मुझे एजेंट से बात करनी है", "किसी इंसान से बात कराइए"}) {
    auto hi = ask(speech);
    INFO(speech);
    CHECK(hi.rule == "transfer");
    CHECK(hi.text == builtin("transfer").reply_hi);
    CHECK(hi.text == "मैं आपको अपने एक सहकर्मी से जोड़ रही हूँ।");
    CHECK(hi.transfer);
  }
  // Whole words only, as every rule.
  CHECK(ask("my travel agents").rule == "fallback");
  CHECK_FALSE(ask("humane").transfer);
  // Money is transferred too: that is no request for a person.
  CHECK_FALSE(ask("I want to transfer money").transfer);
}

TEST_CASE("asking for a person wins over a greeting and a goodbye",
          "[scripted]") {
  // First of the rules: a caller who greets and asks is transferred.
  auto greeting = ask("hello, I want an agent");
  CHECK(greeting.rule == "transfer");
  CHECK(greeting.transfer);
  CHECK(ask("help, operator").transfer);
  // Before goodbye: the transfer answers, and the goodbye is still seen
  // (the call actor lets the transfer win).
  auto leaving = ask("an agent please, bye");
  CHECK(leaving.rule == "transfer");
  CHECK(leaving.transfer);
  CHECK(leaving.end_call);
  for (const char* speech : {"hello", "goodbye", "what is my balance"}) {
    INFO(speech);
    CHECK_FALSE(ask(speech).transfer);
  }
}

TEST_CASE("Hindi keywords match whole words only", "[scripted]") {
  // बायाँ (left) and बायोडाटा (biodata) start with बाय (bye).
  for (const char* speech : {"बायाँ मुड़िए", "मेरा बायोडाटा भेजिए"}) {
    INFO(speech);
    CHECK_FALSE(ask(speech).end_call);
  }
  CHECK(ask("ठीक है, बाय।").end_call);
  CHECK(ask("बाय").end_call);
  CHECK(ask("मुझे मदद चाहिए।").rule == "help");
  CHECK(ask("मददगार").rule == "fallback");
}

TEST_CASE("thanking alone does not hang up", "[scripted]") {
  auto hi = ask("धन्यवाद");
  CHECK(hi.rule == "fallback");
  CHECK_FALSE(hi.end_call);
  CHECK_FALSE(ask("thank you").end_call);
}

TEST_CASE("fallback repeats the caller's words", "[scripted]") {
  auto en = ask("  what is my balance  ");
  CHECK(en.rule == "fallback");
  CHECK(en.text
        == "I understand you said: what is my balance. "
           "How else can I help you?");
  CHECK_FALSE(en.end_call);
  auto hi = ask("मेरा बैलेंस क्या है");
  CHECK(hi.rule == "fallback");
  CHECK(hi.text
        == "मैं समझ गई, आपने कहा: मेरा बैलेंस क्या है। "
           "मैं आपकी और क्या मदद कर सकती हूँ?");
}

TEST_CASE("{speech} inside the caller's words is not expanded", "[scripted]") {
  auto en = ask("say {speech} twice");
  CHECK(en.text
        == "I understand you said: say {speech} twice. "
           "How else can I help you?");
}

TEST_CASE("ASCII keywords match whole words only", "[scripted]") {
  CHECK(ask("a question about the byelaw").rule == "fallback");
  CHECK_FALSE(ask("a question about the byelaw").end_call);
  CHECK(ask("this is highly unusual").rule == "fallback");
  CHECK(ask("hi5").rule == "fallback");
  CHECK(ask("helpful").rule == "fallback");
  CHECK(ask("(help)").rule == "help");
  CHECK(ask("bye!").end_call);
  CHECK(ask("bye-bye").end_call);
}

TEST_CASE("a goodbye anywhere hangs up after the first rule's reply",
          "[scripted]") {
  auto answer = ask("Hello, bye");
  CHECK(answer.rule == "hello");
  CHECK(answer.text == builtin("hello").reply_en);
  CHECK(answer.end_call);
  auto hindi = ask("मदद नहीं चाहिए, अलविदा");
  CHECK(hindi.rule == "help");
  CHECK(hindi.text == builtin("help").reply_hi);
  CHECK(hindi.end_call);
}

TEST_CASE("rule order, not word order, decides the reply", "[scripted]") {
  CHECK(ask("help, hello").rule == "hello");
}

TEST_CASE("reply language follows Devanagari in the speech", "[scripted]") {
  CHECK(ask("hello नमस्ते").text == builtin("hello").reply_hi);
  sb::scripted_rules rules = builtins();
  for (auto& rule : rules.rules)
    if (rule.name == "hello")
      rule.reply_hi.clear();
  CHECK(sb::answer(rules, "नमस्ते").text == builtin("hello").reply_en);
}

TEST_CASE("contains_devanagari", "[scripted]") {
  CHECK(sb::contains_devanagari("नमस्ते"));
  CHECK(sb::contains_devanagari("ok \xE0\xA4\x80"));    // U+0900
  CHECK(sb::contains_devanagari("\xE0\xA5\xBF"));       // U+097F
  CHECK_FALSE(sb::contains_devanagari("\xE0\xA6\x85")); // Bengali U+0985
  CHECK_FALSE(sb::contains_devanagari("hello, namaste"));
  CHECK_FALSE(sb::contains_devanagari(""));
}

TEST_CASE("load_rules_file reads a good file", "[scripted][rules_file]") {
  temp_file file{"# comment\n"
                 "[[rule]]\n"
                 "name = \"balance\"\n"
                 "keywords = [\"Balance\", \"बैलेंस\"]\n"
                 "reply_en = \"Your balance is fine.\"\n"
                 "[[rule]]\n"
                 "name = \"stop\"\n"
                 "keywords = [\"STOP\"]\n"
                 "reply_en = \"Stopping.\"\n"
                 "reply_hi = \"रुक रहे हैं।\"\n"
                 "end_call = true\n"
                 "[[rule]]\n"
                 "name = \"person\"\n"
                 "keywords = [\"person\"]\n"
                 "reply_en = \"Connecting.\"\n"
                 "transfer = true\n"};
  auto rules = sb::load_rules_file(file.path());
  REQUIRE(rules);
  REQUIRE(rules->rules.size() == 3);
  CHECK(rules->rules[0].keywords == std::vector<std::string>{"balance", "बैलेंस"});
  CHECK(rules->rules[0].reply_hi.empty());
  CHECK_FALSE(rules->rules[0].end_call);
  CHECK(rules->rules[1].end_call);
  CHECK_FALSE(rules->rules[1].transfer);
  CHECK(rules->rules[1].reply_hi == "रुक रहे हैं।");
  CHECK(rules->rules[2].transfer);
  CHECK_FALSE(rules->rules[2].end_call);
  auto person = sb::answer(*rules, "a person please");
  CHECK(person.text == "Connecting.");
  CHECK(person.transfer);
  // Without [fallback] the built-in one answers.
  CHECK(rules->fallback.reply_en == builtins().fallback.reply_en);
  CHECK(rules->fallback.reply_hi == builtins().fallback.reply_hi);
  auto reply = sb::answer(*rules, "BALANCE please, then stop");
  CHECK(reply.text == "Your balance is fine.");
  CHECK(reply.end_call);
  CHECK(sb::answer(*rules, "मेरा बैलेंस").text == "Your balance is fine.");
}

TEST_CASE("load_rules_file reads a [fallback] table",
          "[scripted][rules_file]") {
  temp_file file{good_rule + "[fallback]\nreply_en = \"Echo: {speech}\"\n"};
  auto rules = sb::load_rules_file(file.path());
  REQUIRE(rules);
  CHECK(sb::answer(*rules, "anything").text == "Echo: anything");
  CHECK(sb::answer(*rules, "कुछ भी").text == "Echo: कुछ भी");
  CHECK(sb::answer(*rules, "anything").rule == "fallback");
}

TEST_CASE("load_rules_file: missing file and syntax errors",
          "[scripted][rules_file]") {
  auto missing = sb::load_rules_file("/nonexistent/sb/rules.toml");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == sb::errc::bad_config);
  CHECK(sb::what(missing.error()).rfind("/nonexistent/sb/rules.toml: ", 0)
        == 0);
  // "LINE:COL: description" from toml++.
  std::string syntax = load_error("[[rule]]\nname = \n");
  CHECK(syntax.rfind("2:", 0) == 0);
  CHECK(load_error("[[rule]\n").rfind("1:", 0) == 0);
}

TEST_CASE("load_rules_file names the offending key", "[scripted][rules_file]") {
  CHECK(load_error(good_rule + "replyen = \"x\"\n")
        == "5: rule[0].replyen: unknown key");
  CHECK(load_error(good_rule + rule_named("other")
                   + "[[rule]]\nname = \"x\"\nkeywords = []\n"
                     "reply_en = \"y\"\n")
        == "11: rule[2].keywords: must be a non-empty array of strings");
  CHECK(load_error("[[rule]]\nname = \"a\"\nkeywords = [\"ok\", \"\"]\n"
                   "reply_en = \"y\"\n")
        == "3: rule[0].keywords: every keyword must be a non-empty string");
  CHECK(load_error("[[rule]]\nname = \"a\"\nkeywords = \"ok\"\n"
                   "reply_en = \"y\"\n")
        == "3: rule[0].keywords: must be a non-empty array of strings");
  CHECK(load_error("\n[[rule]]\nkeywords = [\"ok\"]\nreply_en = \"y\"\n")
        == "2: rule[0].name: missing");
  CHECK(load_error("[[rule]]\nname = \"a\"\nkeywords = [\"ok\"]\n"
                   "reply_en = \"\"\n")
        == "4: rule[0].reply_en: must not be empty");
  CHECK(load_error(good_rule + "end_call = \"yes\"\n")
        == "5: rule[0].end_call: must be true or false");
  CHECK(load_error(good_rule + "transfer = 1\n")
        == "5: rule[0].transfer: must be true or false");
  CHECK(load_error(good_rule + "reply_hi = 3\n")
        == "5: rule[0].reply_hi: must be a string");
}

TEST_CASE("load_rules_file checks the file's shape", "[scripted][rules_file]") {
  CHECK(load_error("greeting = 1\n" + good_rule) == "1: greeting: unknown key");
  CHECK(load_error("[fallback]\nreply_en = \"x\"\n")
        == "1: rule: the file has no [[rule]] tables");
  CHECK(load_error("rule = \"hello\"\n")
        == "1: rule: must be one or more [[rule]] tables");
  CHECK(load_error(good_rule + good_rule)
        == "6: rule[1].name: duplicate rule name \"hello\"");
  CHECK(load_error(good_rule + "[fallback]\nreply = \"x\"\n")
        == "6: fallback.reply: unknown key");
  CHECK(load_error(good_rule + "[fallback]\nreply_hi = \"x\"\n")
        == "5: fallback.reply_en: missing");
}

TEST_CASE("rules.example.toml equals the built-in rules",
          "[scripted][rules_file]") {
  auto loaded = sb::load_rules_file(sb::test::source_dir()
                                    + "/backends/llm/rules.example.toml");
  REQUIRE(loaded);
  const auto& builtin_set = builtins();
  REQUIRE(loaded->rules.size() == builtin_set.rules.size());
  for (size_t i = 0; i < builtin_set.rules.size(); ++i) {
    const auto& want = builtin_set.rules[i];
    const auto& got = loaded->rules[i];
    INFO("rule " << want.name);
    CHECK(got.name == want.name);
    CHECK(got.keywords == want.keywords);
    CHECK(got.reply_en == want.reply_en);
    CHECK(got.reply_hi == want.reply_hi);
    CHECK(got.end_call == want.end_call);
    CHECK(got.transfer == want.transfer);
  }
  CHECK(loaded->fallback.name == builtin_set.fallback.name);
  CHECK(loaded->fallback.reply_en == builtin_set.fallback.reply_en);
  CHECK(loaded->fallback.reply_hi == builtin_set.fallback.reply_hi);
  for (const char* speech :
       {"hello", "Hello, bye", "नमस्ते", "help me", "मदद", "goodbye", "अलविदा",
        "byelaw", "what is {speech}", "मेरा बैलेंस", "", "a human please", "एजेंट",
        "operator, bye"}) {
    INFO(speech);
    auto want = sb::answer(builtin_set, speech);
    auto got = sb::answer(*loaded, speech);
    CHECK(got.text == want.text);
    CHECK(got.rule == want.rule);
    CHECK(got.end_call == want.end_call);
    CHECK(got.transfer == want.transfer);
  }
}
