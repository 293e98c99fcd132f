// The scripted responder: the built-in keyword rules (the prototype's
// replies, plus Hindi), the TOML rules-file loader, and the matcher that
// picks a reply. toml++ throws, so its exceptions are caught here, in the
// one function that calls it, and turned into errc::bad_config values.
#include "backends/llm/scripted_rules.hpp"

#include <initializer_list>
#include <string_view>
#include <unordered_set>

#include <toml++/toml.h>

#include "core/error.hpp"
#include "core/text.hpp"

namespace sb {

namespace {

constexpr std::string_view speech_placeholder = "{speech}";

// ---------------------------------------------------------------------------
// Built-in rules. backends/llm/rules.example.toml carries the same text; a test
// keeps the two equal, so change both together.
// ---------------------------------------------------------------------------

scripted_rule hello_rule() {
  return {"hello",
          {"hello", "hi", "namaste", "नमस्ते", "नमस्कार", "हेलो", "हैलो"},
          "Hello! Namaste! It is nice to hear from you. "
          "How can I help you today?",
          "नमस्ते! आपसे बात करके अच्छा लगा। "
          "बताइए, आज मैं आपकी क्या मदद कर सकती हूँ?",
          false};
}

scripted_rule help_rule() {
  return {"help",
          {"help", "support", "मदद", "सहायता"},
          "I am here to help. You can ask me about your account, your orders, "
          "or payments. What would you like to know?",
          "मैं आपकी मदद के लिए यहाँ हूँ। आप मुझसे अपने खाते, अपने ऑर्डर "
          "या भुगतान के बारे में पूछ सकते हैं। आप क्या जानना चाहेंगे?",
          false};
}

// A caller who asks for a person. First, so "hello, I need help from a
// human" is transferred rather than greeted; before goodbye, so "agent
// please, bye" gets this reply (end_call is still set: a goodbye anywhere
// counts, and the call actor lets the transfer win). No bare "transfer":
// callers say "transfer money".
scripted_rule transfer_rule() {
  scripted_rule rule{"transfer",
                     {"agent", "human", "person", "operator", "representative",
                      "एजेंट", "इंसान"},
                     "Let me connect you to a colleague.",
                     "मैं आपको अपने एक सहकर्मी से जोड़ रही हूँ।",
                     false};
  rule.transfer = true;
  return rule;
}

// Only words that mean "goodbye": धन्यवाद (thank you) would hang up on a
// caller who is merely polite mid-conversation.
scripted_rule goodbye_rule() {
  return {"goodbye",
          {"bye", "goodbye", "अलविदा", "बाय", "फिर मिलेंगे"},
          "Thank you for calling. Dhanyavaad, goodbye!",
          "कॉल करने के लिए धन्यवाद। अलविदा!",
          true};
}

scripted_rule fallback_rule() {
  return {"fallback",
          {},
          "I understand you said: {speech}. How else can I help you?",
          "मैं समझ गई, आपने कहा: {speech}। "
          "मैं आपकी और क्या मदद कर सकती हूँ?",
          false};
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

std::string ascii_lower(std::string_view text) {
  std::string out{text};
  for (char& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80)
      return false;
  return true;
}

// Letters and digits glue a word together; everything else (spaces,
// punctuation, and any non-ASCII byte) separates words, so "hello," and
// "bye!" match while "byelaw" and "hi5" do not.
bool is_word_byte(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9');
}

bool contains_word(std::string_view text, std::string_view word) {
  for (size_t pos = text.find(word); pos != std::string_view::npos;
       pos = text.find(word, pos + 1)) {
    size_t end = pos + word.size();
    bool starts = pos == 0 || !is_word_byte(text[pos - 1]);
    bool ends = end == text.size() || !is_word_byte(text[end]);
    if (starts && ends)
      return true;
  }
  return false;
}

// In Hindi a word ends at a space, ASCII punctuation or a danda (।, ॥);
// any other non-ASCII byte (a letter, a vowel sign) continues the word, so
// "बाय" (bye) does not match inside "बायाँ" (left).
bool is_danda(std::string_view text, size_t pos) {
  return text.substr(pos, 3) == "\xE0\xA5\xA4"
         || text.substr(pos, 3) == "\xE0\xA5\xA5";
}

bool hindi_boundary_before(std::string_view text, size_t pos) {
  if (pos == 0)
    return true;
  auto prev = static_cast<unsigned char>(text[pos - 1]);
  if (prev < 0x80)
    return !is_word_byte(text[pos - 1]);
  return pos >= 3 && is_danda(text, pos - 3);
}

bool hindi_boundary_after(std::string_view text, size_t end) {
  if (end == text.size())
    return true;
  if (static_cast<unsigned char>(text[end]) < 0x80)
    return !is_word_byte(text[end]);
  return is_danda(text, end);
}

bool keyword_hit(std::string_view lowered, const std::string& keyword) {
  if (keyword.empty())
    return false;
  if (is_ascii(keyword))
    return contains_word(lowered, keyword);
  for (size_t pos = lowered.find(keyword); pos != std::string_view::npos;
       pos = lowered.find(keyword, pos + 1))
    if (hindi_boundary_before(lowered, pos)
        && hindi_boundary_after(lowered, pos + keyword.size()))
      return true;
  return false;
}

bool rule_hit(std::string_view lowered, const scripted_rule& rule) {
  for (const auto& keyword : rule.keywords)
    if (keyword_hit(lowered, keyword))
      return true;
  return false;
}

// One left-to-right pass: the caller's words are inserted but never scanned
// again, so speech that itself says "{speech}" is not expanded.
std::string fill_speech(std::string_view reply, std::string_view speech) {
  std::string out;
  size_t pos = 0;
  for (size_t hit = reply.find(speech_placeholder);
       hit != std::string_view::npos;
       hit = reply.find(speech_placeholder, pos)) {
    out.append(reply.substr(pos, hit - pos));
    out.append(speech);
    pos = hit + speech_placeholder.size();
  }
  out.append(reply.substr(pos));
  return out;
}

// ---------------------------------------------------------------------------
// Rules file
// ---------------------------------------------------------------------------

// Where a problem is, for "PATH:LINE: what" messages.
struct file_context {
  const std::string& path;

  caf::error fail(const toml::node& at, const std::string& what) const {
    return fail(at.source(), what);
  }

  caf::error fail(const toml::source_region& at,
                  const std::string& what) const {
    std::string where = path;
    if (at.begin.line > 0)
      where += ":" + std::to_string(at.begin.line);
    return make_error(errc::bad_config, where + ": " + what);
  }
};

caf::error check_keys(const file_context& ctx, const toml::table& table,
                      const std::string& label,
                      std::initializer_list<std::string_view> known) {
  for (auto&& [key, node] : table) {
    bool ok = false;
    for (auto k : known)
      ok = ok || key.str() == k;
    if (!ok)
      return ctx.fail(node,
                      label + "." + std::string{key.str()} + ": unknown key");
  }
  return caf::none;
}

// Reads table.key into `out`. A missing key is an error only if `required`.
caf::error read_string(const file_context& ctx, const toml::table& table,
                       const std::string& label, std::string_view key,
                       bool required, std::string& out) {
  std::string field = label + "." + std::string{key};
  const toml::node* node = table.get(key);
  if (node == nullptr)
    return required ? ctx.fail(table, field + ": missing") : caf::none;
  const auto* str = node->as_string();
  if (str == nullptr)
    return ctx.fail(*node, field + ": must be a string");
  if (required && str->get().empty())
    return ctx.fail(*node, field + ": must not be empty");
  out = str->get();
  return caf::none;
}

caf::error read_keywords(const file_context& ctx, const toml::table& table,
                         const std::string& label, scripted_rule& rule) {
  std::string field = label + ".keywords";
  const toml::node* node = table.get("keywords");
  if (node == nullptr)
    return ctx.fail(table, field + ": missing");
  const auto* array = node->as_array();
  if (array == nullptr || array->empty())
    return ctx.fail(*node, field + ": must be a non-empty array of strings");
  for (const auto& item : *array) {
    const auto* str = item.as_string();
    if (str == nullptr || str->get().empty())
      return ctx.fail(item, field
                              + ": every keyword must be a non-empty "
                                "string");
    rule.keywords.push_back(ascii_lower(str->get()));
  }
  return caf::none;
}

caf::error read_bool(const file_context& ctx, const toml::table& table,
                     const std::string& label, std::string_view key,
                     bool& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr)
    return caf::none;
  const auto* flag = node->as_boolean();
  if (flag == nullptr)
    return ctx.fail(*node,
                    label + "." + std::string{key} + ": must be true or false");
  out = flag->get();
  return caf::none;
}

caf::expected<scripted_rule> parse_rule(const file_context& ctx,
                                        const toml::table& table,
                                        const std::string& label) {
  scripted_rule rule;
  caf::error err = check_keys(ctx, table, label,
                              {"name", "keywords", "reply_en", "reply_hi",
                               "end_call", "transfer"});
  if (!err)
    err = read_string(ctx, table, label, "name", true, rule.name);
  if (!err)
    err = read_keywords(ctx, table, label, rule);
  if (!err)
    err = read_string(ctx, table, label, "reply_en", true, rule.reply_en);
  if (!err)
    err = read_string(ctx, table, label, "reply_hi", false, rule.reply_hi);
  if (!err)
    err = read_bool(ctx, table, label, "end_call", rule.end_call);
  if (!err)
    err = read_bool(ctx, table, label, "transfer", rule.transfer);
  if (err)
    return err;
  return rule;
}

caf::error parse_rule_array(const file_context& ctx, const toml::node& node,
                            std::vector<scripted_rule>& out) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables() || array->empty())
    return ctx.fail(node, "rule: must be one or more [[rule]] tables");
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < array->size(); ++i) {
    std::string label = "rule[" + std::to_string(i) + "]";
    const toml::table& table = *(*array)[i].as_table();
    auto rule = parse_rule(ctx, table, label);
    if (!rule)
      return std::move(rule.error());
    if (!names.insert(rule->name).second)
      return ctx.fail(*table.get("name"), label
                                            + ".name: duplicate rule name \""
                                            + rule->name + "\"");
    out.push_back(std::move(*rule));
  }
  return caf::none;
}

caf::error parse_fallback(const file_context& ctx, const toml::node& node,
                          scripted_rule& out) {
  const auto* table = node.as_table();
  if (table == nullptr)
    return ctx.fail(node, "fallback: must be a table ([fallback])");
  scripted_rule fallback = fallback_rule();
  fallback.reply_hi.clear(); // a file's fallback says all it means
  caf::error err = check_keys(ctx, *table, "fallback",
                              {"reply_en", "reply_hi"});
  if (!err)
    err = read_string(ctx, *table, "fallback", "reply_en", true,
                      fallback.reply_en);
  if (!err)
    err = read_string(ctx, *table, "fallback", "reply_hi", false,
                      fallback.reply_hi);
  if (err)
    return err;
  out = std::move(fallback);
  return caf::none;
}

caf::expected<scripted_rules> parse_document(const file_context& ctx,
                                             const toml::table& root) {
  scripted_rules result;
  result.fallback = fallback_rule();
  for (auto&& [key, node] : root)
    if (key.str() != "rule" && key.str() != "fallback")
      return ctx.fail(node, std::string{key.str()} + ": unknown key");
  const toml::node* rules = root.get("rule");
  if (rules == nullptr)
    return ctx.fail(root, "rule: the file has no [[rule]] tables");
  if (auto err = parse_rule_array(ctx, *rules, result.rules))
    return err;
  if (const toml::node* fallback = root.get("fallback"))
    if (auto err = parse_fallback(ctx, *fallback, result.fallback))
      return err;
  return result;
}

} // namespace

scripted_rules builtin_rules() {
  return {{transfer_rule(), hello_rule(), help_rule(), goodbye_rule()},
          fallback_rule()};
}

caf::expected<scripted_rules> load_rules_file(const std::string& path) {
  file_context ctx{path};
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& err) {
    // A file that cannot be opened has no position; syntax errors do.
    const auto& at = err.source().begin;
    std::string where = path;
    if (at.line > 0)
      where += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    return make_error(errc::bad_config,
                      where + ": " + std::string{err.description()});
  }
  return parse_document(ctx, root);
}

scripted_answer answer(const scripted_rules& rules, std::string_view speech) {
  std::string lowered = ascii_lower(speech);
  const scripted_rule* chosen = nullptr;
  bool end_call = false;
  // The first hit chooses the reply, but every end_call rule is checked so
  // that a goodbye after a greeting still hangs up.
  for (const auto& rule : rules.rules) {
    if (!rule_hit(lowered, rule))
      continue;
    if (chosen == nullptr)
      chosen = &rule;
    end_call = end_call || rule.end_call;
  }
  if (chosen == nullptr)
    chosen = &rules.fallback;
  bool hindi = contains_devanagari(speech) && !chosen->reply_hi.empty();
  const std::string& reply = hindi ? chosen->reply_hi : chosen->reply_en;
  return {fill_speech(reply, trim_space(speech)), chosen->name,
          end_call || chosen->end_call, chosen->transfer};
}

// U+0900..U+097F is E0 A4 80 .. E0 A5 BF in UTF-8. E0 never appears as a
// continuation byte, so a byte pair test cannot match mid-character.
bool contains_devanagari(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    auto lead = static_cast<unsigned char>(text[i]);
    auto next = static_cast<unsigned char>(text[i + 1]);
    if (lead == 0xE0 && (next == 0xA4 || next == 0xA5))
      return true;
  }
  return false;
}

} // namespace sb
