// TwiML output: xml_escape() and twiml_writer. The writer is the only place
// the daemon produces XML, so the guarantee that caller or model text can
// never become markup lives here: every text node and attribute value goes
// through xml_escape(), whose output is well-formed XML 1.0 character data
// whatever bytes come in.
#include "twilio/twiml.hpp"

#include "net/text/form.hpp" // is_valid_utf8: one UTF-8 validity table in net/

namespace sb {

namespace {

constexpr std::string_view xml_declaration =
  R"(<?xml version="1.0" encoding="UTF-8"?>)";
constexpr std::string_view replacement_char = "\xEF\xBF\xBD"; // U+FFFD

// XML 1.0 section 2.2 allows tab, LF and CR but no other C0 control.
bool is_forbidden_control(unsigned char c) {
  return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

// Appends the entity for one of & < > " ', or the byte itself. Quotes are
// escaped even in text nodes so one function serves text and attributes.
void append_ascii(std::string& out, char c) {
  switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default: out += c;
  }
}

size_t expected_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF)
    return 3;
  if (lead >= 0xF0 && lead <= 0xF4)
    return 4;
  return 0;
}

// Copies the non-ASCII sequence at `pos` (or U+FFFD in its place) and
// returns the position after it. A bad sequence is replaced together with
// the continuation bytes that trail it: those can never start a character,
// so one U+FFFD per broken character is enough and nothing valid is lost.
size_t append_non_ascii(std::string& out, std::string_view text, size_t pos) {
  size_t len = expected_length(static_cast<unsigned char>(text[pos]));
  if (len != 0 && pos + len <= text.size()) {
    std::string_view seq = text.substr(pos, len);
    if (is_valid_utf8(seq)) {
      // U+FFFE and U+FFFF are noncharacters that XML 1.0 excludes.
      if (seq != "\xEF\xBF\xBE" && seq != "\xEF\xBF\xBF")
        out += seq;
      return pos + len;
    }
  }
  out += replacement_char;
  ++pos;
  while (pos < text.size()
         && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80)
    ++pos;
  return pos;
}

} // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  // Runs of bytes that need nothing are copied whole: replies are mostly
  // plain text, and a byte-at-a-time append was a visible part of a turn.
  size_t run = 0;
  for (size_t pos = 0; pos < text.size();) {
    auto c = static_cast<unsigned char>(text[pos]);
    if (c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>' && c != '"'
        && c != '\'') {
      ++pos;
      continue;
    }
    out.append(text.data() + run, pos - run);
    if (c >= 0x80) {
      pos = append_non_ascii(out, text, pos);
    } else {
      if (!is_forbidden_control(c))
        append_ascii(out, text[pos]);
      ++pos;
    }
    run = pos;
  }
  out.append(text.data() + run, text.size() - run);
  return out;
}

twiml_writer::twiml_writer() {
  out_ += xml_declaration;
  out_ += "<Response>";
}

twiml_writer& twiml_writer::open(std::string_view name,
                                 const xml_attrs& attrs) {
  write_start(name, attrs);
  out_ += '>';
  open_.emplace_back(name);
  return *this;
}

// With nothing open this does nothing: <Response> is closed by finish()
// only, so a stray close() cannot end the document early.
twiml_writer& twiml_writer::close() {
  if (open_.empty())
    return *this;
  out_ += "</";
  out_ += open_.back();
  out_ += '>';
  open_.pop_back();
  return *this;
}

twiml_writer& twiml_writer::text_element(std::string_view name,
                                         std::string_view text,
                                         const xml_attrs& attrs) {
  write_start(name, attrs);
  out_ += '>';
  out_ += xml_escape(text);
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

twiml_writer& twiml_writer::empty_element(std::string_view name,
                                          const xml_attrs& attrs) {
  write_start(name, attrs);
  out_ += "/>";
  return *this;
}

// Leaves a fresh document behind, so a writer reused after finish() starts
// a new <Response> instead of appending to a moved-from string.
std::string twiml_writer::finish() {
  while (!open_.empty())
    close();
  out_ += "</Response>";
  std::string doc = std::move(out_);
  *this = twiml_writer{};
  return doc;
}

void twiml_writer::write_start(std::string_view name, const xml_attrs& attrs) {
  out_ += '<';
  out_ += name;
  for (const auto& [attr, value] : attrs) {
    out_ += ' ';
    out_ += attr;
    out_ += "=\"";
    out_ += xml_escape(value);
    out_ += '"';
  }
}

} // namespace sb
