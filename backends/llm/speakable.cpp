// make_speakable in three passes: markdown is stripped line by line (block
// structure lives in line starts: fences, headings, list markers, table
// pipes), then inline marks within each line; then one pass over code
// points drops pictographs and invalid bytes and collapses whitespace;
// last, the text is capped on a sentence or word boundary.
#include "backends/llm/speakable.hpp"

#include <cstdint>

namespace sb {

namespace {

constexpr std::string_view danda = "\u0964";        // ।
constexpr std::string_view double_danda = "\u0965"; // ॥

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size()
         && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
         || (c >= 'A' && c <= 'Z');
}

// A byte that belongs to a word: ASCII letters and digits, and every byte
// of a non-ASCII sequence (Devanagari letters and signs among them).
bool is_word_byte(char c) {
  return is_ascii_alnum(c) || static_cast<unsigned char>(c) >= 0x80;
}

// U+0900..U+097F is E0 A4 80..E0 A5 BF in UTF-8.
bool has_devanagari(std::string_view s) {
  return s.find("\xE0\xA4") != std::string_view::npos
         || s.find("\xE0\xA5") != std::string_view::npos;
}

bool ends_in_punctuation(std::string_view s) {
  if (s.empty())
    return false;
  if (std::string_view(".,!?;:").find(s.back()) != std::string_view::npos)
    return true;
  return ends_with(s, danda) || ends_with(s, double_danda);
}

// -- block structure ----------------------------------------------------------

// A fence opener or closer: three or more ` or ~.
bool is_fence(std::string_view line) {
  return starts_with(line, "```") || starts_with(line, "~~~");
}

// A line of only - * _ = (three or more) and spaces: a rule or a setext
// heading underline.
bool is_rule(std::string_view line) {
  return line.size() >= 3
         && line.find_first_not_of("-*_= ") == std::string_view::npos;
}

// A table separator row: | --- | :---: |
bool is_table_separator(std::string_view line) {
  return line.find_first_not_of("|-: ") == std::string_view::npos
         && line.find('-') != std::string_view::npos;
}

// "| a | b |" → "a, b".
std::string table_cells(std::string_view row) {
  std::string out;
  size_t start = 0;
  while (start <= row.size()) {
    auto bar = row.find('|', start);
    if (bar == std::string_view::npos)
      bar = row.size();
    const auto cell = trim(row.substr(start, bar - start));
    if (!cell.empty())
      out.append(out.empty() ? "" : ", ").append(cell);
    start = bar + 1;
  }
  return out;
}

// Strips a list marker ("- ", "* ", "+ ", "• ", "12. ", "3) "); true if
// there was one.
bool strip_list_marker(std::string_view& line) {
  for (std::string_view bullet : {"- ", "* ", "+ ", "\u2022 "})
    if (starts_with(line, bullet)) {
      line = trim(line.substr(bullet.size()));
      return true;
    }
  size_t digits = 0;
  while (digits < line.size() && digits < 9 && line[digits] >= '0'
         && line[digits] <= '9')
    ++digits;
  if (digits > 0 && digits + 1 < line.size()
      && (line[digits] == '.' || line[digits] == ')')
      && line[digits + 1] == ' ') {
    line = trim(line.substr(digits + 2));
    return true;
  }
  return false;
}

// Strips "#… " heading marks (and closing #s); true if it was a heading.
bool strip_heading(std::string_view& line) {
  size_t hashes = 0;
  while (hashes < line.size() && line[hashes] == '#')
    ++hashes;
  if (hashes == 0 || hashes > 6
      || (hashes < line.size() && line[hashes] != ' '))
    return false;
  line = trim(line.substr(hashes));
  while (!line.empty() && line.back() == '#')
    line.remove_suffix(1);
  line = trim(line);
  return true;
}

// -- inline marks -------------------------------------------------------------

// If `s[i]` opens a link "[text](url)", sets `close` to the ']' and
// `after` past the ')'.
// Leaves both untouched otherwise.
bool find_link(std::string_view s, size_t i, size_t& close, size_t& after) {
  const auto bracket = s.find(']', i + 1);
  if (bracket == std::string_view::npos || bracket + 1 >= s.size()
      || s[bracket + 1] != '(')
    return false;
  int depth = 0;
  for (size_t j = bracket + 1; j < s.size(); ++j) {
    if (s[j] == '(') {
      ++depth;
    } else if (s[j] == ')' && --depth == 0) {
      close = bracket;
      after = j + 1;
      return true;
    }
  }
  return false;
}

// If `s[i]` opens an HTML tag or autolink ("<br>", "</b>",
// "<https://…>"), returns the index past its '>'; else 0.
size_t tag_end(std::string_view s, size_t i) {
  if (i + 1 >= s.size() || !(is_ascii_alnum(s[i + 1]) || s[i + 1] == '/'))
    return 0;
  const auto end = s.find_first_of("> \t", i + 1);
  return end != std::string_view::npos && s[end] == '>' ? end + 1 : 0;
}

// An underscore is emphasis unless it sits inside a word (snake_case).
bool is_emphasis_underscore(std::string_view s, size_t i) {
  return !(i > 0 && i + 1 < s.size() && is_word_byte(s[i - 1])
           && is_word_byte(s[i + 1]));
}

std::string strip_inline(std::string_view s) {
  std::string out;
  size_t link_close = std::string_view::npos;
  size_t link_after = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == link_close) {
      i = link_after - 1; // skip "](url)"
      link_close = std::string_view::npos;
    } else if (c == '[' && link_close == std::string_view::npos
               && find_link(s, i, link_close, link_after)) {
      if (!out.empty() && out.back() == '!')
        out.pop_back(); // an image: keep its alt text
    } else if (c == '<' && tag_end(s, i) != 0) {
      i = tag_end(s, i) - 1;
      out += ' ';
    } else if (c == '*' || c == '`' || c == '~' || c == '\\') {
      continue;
    } else if (c == '_' && is_emphasis_underscore(s, i)) {
      continue;
    } else {
      out += c == '|' ? ' ' : c;
    }
  }
  return out;
}

// One line of markdown outside a fence, as plain text.
std::string strip_line(std::string_view line) {
  while (starts_with(line, ">"))
    line = trim(line.substr(1));
  if (is_rule(line))
    return {};
  bool item = false;
  std::string text;
  if (starts_with(line, "|")) {
    if (is_table_separator(line))
      return {};
    text = strip_inline(table_cells(line));
    item = true;
  } else {
    item = strip_heading(line) || strip_list_marker(line);
    text = strip_inline(line);
  }
  const auto body = trim(text);
  if (item && !body.empty() && !ends_in_punctuation(body))
    return std::string(body) + std::string(has_devanagari(body) ? danda : ".");
  return std::string(body);
}

std::string strip_markdown(std::string_view reply) {
  std::string out;
  bool in_fence = false;
  char fence_char = 0;
  size_t start = 0;
  while (start <= reply.size()) {
    auto nl = reply.find('\n', start);
    if (nl == std::string_view::npos)
      nl = reply.size();
    const auto line = trim(reply.substr(start, nl - start));
    start = nl + 1;
    if (is_fence(line) && (!in_fence || line[0] == fence_char)) {
      in_fence = !in_fence;
      fence_char = line[0];
      continue;
    }
    if (in_fence)
      continue;
    auto text = strip_line(line);
    if (!text.empty())
      out.append(text).append(" ");
  }
  return out;
}

// -- code points --------------------------------------------------------------

// Decodes the UTF-8 sequence at s[i]; returns its length, or 0 if it is
// not valid (truncated, overlong, surrogate, beyond U+10FFFF).
size_t decode(std::string_view s, size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len = b0 < 0x80         ? 1
               : b0 >> 5 == 0x6  ? 2
               : b0 >> 4 == 0xE  ? 3
               : b0 >> 3 == 0x1E ? 4
                                 : 0;
  if (len == 0 || i + len > s.size())
    return 0;
  cp = len == 1 ? b0 : b0 & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t min_of_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

// Joiners and modifiers that attach to a pictograph: dropped silently.
bool is_pictograph_modifier(char32_t cp) {
  return cp == 0x200D || cp == 0xFE0E || cp == 0xFE0F || cp == 0x20E3
         || (cp >= 0xE0020 && cp <= 0xE007F);
}

bool is_pictograph(char32_t cp) {
  return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF)
         || (cp >= 0x2300 && cp <= 0x23FF) || (cp >= 0x2B00 && cp <= 0x2BFF);
}

bool is_space(char32_t cp) {
  return cp <= 0x20 || cp == 0x7F || cp == 0xA0
         || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x3000
         || cp == 0xFEFF;
}

// No space before these.
bool is_closing_punctuation(std::string_view s, size_t i) {
  return std::string_view(",.!?;:").find(s[i]) != std::string_view::npos
         || starts_with(s.substr(i), danda)
         || starts_with(s.substr(i), double_danda);
}

// Drops pictographs and invalid bytes, collapses whitespace.
std::string clean_code_points(std::string_view s) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const size_t len = decode(s, i, cp);
    const size_t at = i;
    i += len == 0 ? 1 : len;
    if (len == 0 || is_pictograph_modifier(cp))
      continue;
    if (is_pictograph(cp) || is_space(cp)) {
      space = true;
      continue;
    }
    if (space && !out.empty() && !is_closing_punctuation(s, at))
      out += ' ';
    space = false;
    out.append(s.substr(at, len));
  }
  return out;
}

// A letter or digit of any script: ASCII alphanumerics, or any code point
// from U+00C0 on that is not punctuation (U+2000–U+206F, the dandas,
// CJK punctuation). Pictographs are gone by now.
bool has_speakable(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const size_t len = decode(s, i, cp);
    i += len == 0 ? 1 : len;
    if (len == 0)
      continue;
    if (cp < 0x80 ? is_ascii_alnum(static_cast<char>(cp))
                  : cp >= 0xC0 && !(cp >= 0x2000 && cp <= 0x206F) && cp != 0x964
                      && cp != 0x965 && !(cp >= 0x3000 && cp <= 0x303F))
      return true;
  }
  return false;
}

// -- capping ------------------------------------------------------------------

// The end of the last sentence that fits in `max` bytes, or 0.
size_t last_sentence_end(std::string_view s, size_t max) {
  size_t best = 0;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    size_t end = 0;
    if (s[i] == '.' || s[i] == '!' || s[i] == '?')
      end = i + 1;
    else if (starts_with(s.substr(i), danda)
             || starts_with(s.substr(i), double_danda))
      end = i + danda.size();
    if (end != 0 && end <= max && (end == s.size() || s[end] == ' '))
      best = end;
  }
  return best;
}

std::string cap(std::string_view s, size_t max) {
  if (max == 0 || s.size() <= max)
    return std::string(s);
  if (auto end = last_sentence_end(s, max); end != 0)
    return std::string(s.substr(0, end));
  auto space = s.rfind(' ', max);
  if (space != std::string_view::npos && space > 0) {
    auto words = s.substr(0, space);
    while (!words.empty()
           && std::string_view(",;: ").find(words.back())
                != std::string_view::npos)
      words.remove_suffix(1);
    return std::string(words);
  }
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string(s.substr(0, cut));
}

} // namespace

std::string make_speakable(std::string_view reply, size_t max_chars) {
  const auto text = clean_code_points(strip_markdown(reply));
  if (!has_speakable(text))
    return {};
  auto capped = cap(text, max_chars);
  return has_speakable(capped) ? capped : std::string{};
}

} // namespace sb
