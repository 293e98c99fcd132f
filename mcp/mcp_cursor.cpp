// Hex of "started_at\ncall_sid": neither part holds a newline (ISO-8601
// text, a CallSid), so the one separator is unambiguous.
#include "mcp/mcp_cursor.hpp"

namespace sb {

namespace {

constexpr const char* hex_digits = "0123456789abcdef";

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return -1;
}

} // namespace

std::string encode_cursor(const call_cursor& at) {
  if (at.empty())
    return {};
  std::string token;
  for (unsigned char ch : at.started_at + "\n" + at.call_sid) {
    token += hex_digits[ch >> 4];
    token += hex_digits[ch & 0xF];
  }
  return token;
}

std::optional<call_cursor> decode_cursor(const std::string& token) {
  if (token.empty() || token.size() % 2 != 0)
    return std::nullopt;
  std::string text;
  for (size_t i = 0; i < token.size(); i += 2) {
    int hi = hex_value(token[i]);
    int lo = hex_value(token[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    text += static_cast<char>(hi * 16 + lo);
  }
  auto newline = text.find('\n');
  if (newline == std::string::npos || newline + 1 == text.size()
      || text.find('\n', newline + 1) != std::string::npos)
    return std::nullopt;
  return call_cursor{text.substr(0, newline), text.substr(newline + 1)};
}

} // namespace sb
