// The scripted responder's brain: keyword rules that pick a reply, used by
// llm.backend = "scripted" (the embedded default, no model needed).
// Pure logic, no I/O except load_rules_file().
//
// Matching: the caller's text is lower-cased (ASCII letters only; Devanagari
// has no case) and each rule's keywords are searched as whole words: ASCII
// words end at any non-alphanumeric byte, Hindi words at a space, ASCII
// punctuation or a danda (so "बाय" does not match inside "बायाँ"); the
// first rule with a hit wins, else the default rule. A rule marked end_call
// ends the call after its reply — but only when no earlier rule matched, except
// that a goodbye keyword anywhere in the text always ends the call (the
// prototype's behaviour: "hello, bye" greets and hangs up). A rule marked
// transfer asks for the caller to be connected to a person, only when it is the
// rule that answers (the responder passes the intent on only where the call
// offers transfers). The reply language is Hindi when the caller's text
// contains Devanagari, else English; a rule without a Hindi reply falls back to
// English.
// "{speech}" in a reply is replaced by the caller's text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

struct scripted_rule {
  std::string name;                  // e.g. "hello"
  std::vector<std::string> keywords; // lower-case
  std::string reply_en;
  std::string reply_hi; // may be empty
  bool end_call = false;
  bool transfer = false; // a transfer intent
};

struct scripted_rules {
  std::vector<scripted_rule> rules; // in priority order
  scripted_rule fallback;           // no keyword matched; uses {speech}
};

struct scripted_answer {
  std::string text;
  std::string rule; // name of the rule that answered
  bool end_call = false;
  bool transfer = false; // the answering rule has transfer
};

/// hello / help / transfer / goodbye and a default, in English and Hindi.
scripted_rules builtin_rules();

/// Loads rules from a TOML file:
///   [[rule]]  name = "hello"  keywords = ["hello", "namaste", "नमस्ते"]
///             reply_en = "..."  reply_hi = "..."  end_call = false
///             transfer = false
///   [fallback] reply_en = "I understand you said: {speech}. ..."  reply_hi =
///   "..."
/// Errors: errc::bad_config with "PATH:LINE: rule[N].key: why".
caf::expected<scripted_rules> load_rules_file(const std::string& path);

/// Picks the reply for `speech`. Never fails.
scripted_answer answer(const scripted_rules& rules, std::string_view speech);

/// True if `text` contains a Devanagari code point (U+0900..U+097F).
bool contains_devanagari(std::string_view text);

} // namespace sb
