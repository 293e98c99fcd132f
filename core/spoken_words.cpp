// The phrase matcher: both texts become word lists and a phrase matches
// as a run of whole words. Comparing word lists rather than searching
// bytes is what makes "bye" miss "maybe" and "फिर मिलेंगे" match across
// two spaces or a line break, with one rule for every script.
#include "core/spoken_words.hpp"

#include <algorithm>
#include <cstdint>

namespace sb {

namespace {

// One decoded code point and its length in bytes. An invalid or cut
// sequence decodes as one byte of U+FFFD, which (not being a separator)
// stays inside its word: garbage never creates a word boundary.
struct code_point {
  uint32_t value;
  size_t size;
};

code_point decode(std::string_view s, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80)
    return {lead, 1};
  size_t size = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (size == 0 || lead > 0xF4 || at + size > s.size())
    return {0xFFFD, 1};
  uint32_t value = lead & (0x7F >> size);
  for (size_t i = 1; i < size; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80)
      return {0xFFFD, 1};
    value = (value << 6) | (byte(at + i) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr uint32_t min_for_size[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < min_for_size[size] || (value >= 0xD800 && value <= 0xDFFF)
      || value > 0x10FFFF)
    return {0xFFFD, 1};
  return {value, size};
}

bool is_ascii_alnum(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9');
}

// The separators the header lists. Everything else non-ASCII is taken as
// part of a word: a letter, a vowel sign or a virama must never split a
// Hindi word, and the cost of a missed symbol is only that a phrase
// glued to it does not match.
bool is_separator(uint32_t c) {
  if (c < 0x80)
    return !is_ascii_alnum(c);
  switch (c) {
    case 0x00A0:
    case 0x00A1:
    case 0x00AB:
    case 0x00BB:
    case 0x00BF:
    case 0x0964:
    case 0x0965:
    case 0x0970:
    case 0x3000:
    case 0x3001:
    case 0x3002:
    case 0xFEFF: return true;
    default:
      return (c >= 0x2000 && c <= 0x200B) || (c >= 0x2010 && c <= 0x206F);
  }
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains_run(const std::vector<std::string>& words,
                  const std::vector<std::string>& run) {
  return !run.empty()
         && std::search(words.begin(), words.end(), run.begin(), run.end())
              != words.end();
}

} // namespace

std::vector<std::string> spoken_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (size_t at = 0; at < text.size();) {
    auto cp = decode(text, at);
    if (is_separator(cp.value)) {
      if (!word.empty())
        words.push_back(std::move(word));
      word.clear();
    } else if (cp.size == 1) {
      word += ascii_lower(text[at]);
    } else {
      word.append(text.substr(at, cp.size));
    }
    at += cp.size;
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

bool holds_phrase(std::string_view speech,
                  const std::vector<std::string>& phrases) {
  if (phrases.empty())
    return false;
  const auto words = spoken_words(speech);
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](const std::string& phrase) {
                       return contains_run(words, spoken_words(phrase));
                     });
}

} // namespace sb
