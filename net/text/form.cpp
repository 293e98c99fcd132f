// Form decoding and encoding for Twilio webhook bodies and query strings.
// Decoding is strict on purpose: a body that does not decode to clean UTF-8
// is rejected with the byte offset of the first problem, so a forged or
// truncated request fails loudly here instead of putting garbage into the
// TwiML, the database or a signature check further on.
#include "net/text/form.hpp"

#include "core/error.hpp"

namespace sb {

namespace {

constexpr size_t npos = std::string_view::npos;

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

caf::error form_error(const std::string& why, size_t offset) {
  return make_error(errc::bad_request,
                    "form body: " + why + " at byte " + std::to_string(offset));
}

// Length of the well-formed UTF-8 sequence at `pos`, or 0. The ranges for
// the second byte are those of RFC 3629 section 4: they exclude overlong
// forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points
// above U+10FFFF (F4 90..), which a plain "count the 10xxxxxx bytes" check
// would let through.
size_t utf8_sequence_length(std::string_view s, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80)
    return 1;
  size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    lo = lead == 0xE0 ? 0xA0 : 0x80;
    hi = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    lo = lead == 0xF0 ? 0x90 : 0x80;
    hi = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (pos + len > s.size() || byte(pos + 1) < lo || byte(pos + 1) > hi)
    return 0;
  for (size_t i = 2; i < len; ++i)
    if (byte(pos + i) < 0x80 || byte(pos + i) > 0xBF)
      return 0;
  return len;
}

// Index of the first byte that is not part of well-formed UTF-8, or npos.
size_t first_invalid_utf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    size_t len = utf8_sequence_length(s, pos);
    if (len == 0)
      return pos;
    pos += len;
  }
  return npos;
}

// Maps an index into the decoded form of `raw` back to the index in `raw`
// where that byte came from ("%XX" is three raw bytes for one decoded).
// Only used to report errors, so it re-walks rather than keeping a table.
size_t raw_index(std::string_view raw, size_t decoded_index) {
  size_t pos = 0;
  for (size_t d = 0; d < decoded_index && pos < raw.size(); ++d)
    pos += raw[pos] == '%' ? 3 : 1;
  return pos;
}

// Decodes one key or value that starts at byte `base` of the body. Escapes
// are checked before UTF-8 so that the offset points at the '%' itself.
caf::expected<std::string> decode_part(std::string_view raw, size_t base) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      int hi = i + 1 < raw.size() ? hex_value(raw[i + 1]) : -1;
      int lo = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return form_error("bad percent escape", base + i);
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  if (size_t bad = first_invalid_utf8(out); bad != npos)
    return form_error("invalid UTF-8", base + raw_index(raw, bad));
  if (size_t nul = out.find('\0'); nul != std::string::npos)
    return form_error("NUL character", base + raw_index(raw, nul));
  return out;
}

// Decodes one "key=value" (or bare "key") segment starting at `base`.
caf::error parse_pair(std::string_view segment, size_t base,
                      form_params& params) {
  size_t eq = segment.find('=');
  std::string_view raw_key = segment.substr(0, eq);
  std::string_view raw_value = eq == npos ? std::string_view{}
                                          : segment.substr(eq + 1);
  size_t value_base = eq == npos ? base + segment.size() : base + eq + 1;
  if (raw_key.empty())
    return form_error("empty key", base);
  auto key = decode_part(raw_key, base);
  if (!key)
    return std::move(key.error());
  auto value = decode_part(raw_value, value_base);
  if (!value)
    return std::move(value.error());
  params.emplace_back(std::move(*key), std::move(*value));
  return caf::none;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
         || c == '~';
}

} // namespace

caf::expected<form_params> parse_form(std::string_view body,
                                      size_t max_params) {
  form_params params;
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    size_t end = amp == npos ? body.size() : amp;
    std::string_view segment = body.substr(start, end - start);
    if (!segment.empty()) {
      if (params.size() == max_params)
        return form_error(
          "more than " + std::to_string(max_params) + " parameters", start);
      if (auto err = parse_pair(segment, start, params))
        return err;
    }
    if (amp == npos)
      break;
    start = amp + 1;
  }
  return params;
}

const std::string* find_param(const form_params& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key)
      return &v;
  return nullptr;
}

std::string param_or(const form_params& params, std::string_view key,
                     std::string_view fallback) {
  const std::string* value = find_param(params, key);
  return value ? *value : std::string{fallback};
}

std::string form_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0x0F];
    }
  }
  return out;
}

std::string form_encode(const form_params& params) {
  std::string out;
  bool first = true;
  for (const auto& [key, value] : params) {
    if (!first)
      out += '&';
    first = false;
    out += form_encode(key);
    out += '=';
    out += form_encode(value);
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  return first_invalid_utf8(text) == npos;
}

} // namespace sb
