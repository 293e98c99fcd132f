// clause_chunker: the buffer holds what the model said since the last
// piece; each push scans it for the first boundary and cuts there, as
// often as boundaries are found.
#include "backends/llm/clause_chunker.hpp"

namespace sb {

namespace {

constexpr std::string_view danda = "\xE0\xA5\xA4";        // ।
constexpr std::string_view double_danda = "\xE0\xA5\xA5"; // ॥

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool ends_with_at(std::string_view text, size_t end, std::string_view what) {
  return end >= what.size()
         && text.substr(end - what.size(), what.size()) == what;
}

} // namespace

clause_chunker::clause_chunker(size_t min_clause_bytes, size_t max_piece_bytes)
  : min_clause_bytes_(min_clause_bytes), max_piece_bytes_(max_piece_bytes) {
}

size_t clause_chunker::piece_end() const {
  const std::string_view text = buffer_;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const size_t end = i + 1;
    const bool at_end = end == text.size();
    if (c == '!' || c == '?')
      return end;
    if (ends_with_at(text, end, danda) || ends_with_at(text, end, double_danda))
      return end;
    if (c == '.') {
      // "3." may become "3.5": wait for what follows a digit's dot.
      if (at_end && i > 0 && is_digit(text[i - 1]))
        return 0;
      if (at_end || is_space(text[end]) || !is_digit(text[end]))
        return end;
      continue;
    }
    if ((c == ',' || c == ';' || c == ':' || c == '-') && !at_end
        && is_space(text[end]) && end >= min_clause_bytes_)
      return end;
  }
  if (text.size() <= max_piece_bytes_)
    return 0;
  // No boundary in a long run: cut at the last space, never inside a word
  // (and so never inside a UTF-8 sequence).
  auto space = text.find_last_of(" \n\t", max_piece_bytes_);
  return space == std::string_view::npos || space == 0 ? 0 : space;
}

std::vector<std::string> clause_chunker::push(std::string_view token) {
  buffer_.append(token);
  std::vector<std::string> pieces;
  while (auto end = piece_end()) {
    // Closing quotes and brackets belong to the sentence they end.
    while (
      end < buffer_.size()
      && (buffer_[end] == '"' || buffer_[end] == '\'' || buffer_[end] == ')'))
      ++end;
    pieces.push_back(buffer_.substr(0, end));
    buffer_.erase(0, end);
  }
  return pieces;
}

std::string clause_chunker::finish() {
  std::string rest;
  rest.swap(buffer_);
  return rest;
}

} // namespace sb
