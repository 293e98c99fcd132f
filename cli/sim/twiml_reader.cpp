#include "cli/sim/twiml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/error.hpp"

namespace sb {

std::string twiml_node::attr(std::string_view key) const {
  for (const auto& [k, v] : attrs)
    if (k == key)
      return v;
  return {};
}

const twiml_node* twiml_node::find(std::string_view want) const {
  for (const auto& c : children) {
    if (c.name == want)
      return &c;
    if (auto hit = c.find(want))
      return hit;
  }
  return nullptr;
}

std::vector<const twiml_node*>
twiml_node::find_all(std::string_view want) const {
  std::vector<const twiml_node*> out;
  for (const auto& c : children) {
    if (c.name == want)
      out.push_back(&c);
    auto deeper = c.find_all(want);
    out.insert(out.end(), deeper.begin(), deeper.end());
  }
  return out;
}

namespace {

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// XML 1.0 section 2.2: a character reference must name a Char.
bool is_xml_char(unsigned long cp) {
  if (cp < 0x20)
    return cp == 0x9 || cp == 0xA || cp == 0xD;
  return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD)
         || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// TwiML nests a few levels; the bound keeps hostile input from exhausting
// the stack, since element() and content() recurse per level.
constexpr int max_depth = 256;

class reader {
public:
  explicit reader(std::string_view xml) : s_(xml) {
  }

  caf::expected<twiml_node> document() {
    skip_prolog();
    twiml_node root;
    if (auto err = element(root))
      return err;
    if (root.name != "Response")
      return fail("root element is <" + root.name + ">, not <Response>");
    // Only comments and whitespace may follow the root: a second element
    // after </Response> is not well-formed, and must not go unseen.
    skip_prolog();
    if (i_ != s_.size())
      return fail("content after </Response>");
    return root;
  }

private:
  caf::error fail(const std::string& why) const {
    return make_error(errc::bad_request,
                      "TwiML: " + why + " at byte " + std::to_string(i_));
  }

  bool at(std::string_view t) const {
    return s_.substr(i_, t.size()) == t;
  }

  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }

  void skip_prolog() {
    skip_space();
    while (at("<?") || at("<!--")) {
      auto end = s_.find(at("<?") ? "?>" : "-->", i_);
      if (end == std::string_view::npos)
        return; // unterminated: left for the caller to reject
      i_ = end + (at("<?") ? 2 : 3);
      skip_space();
    }
  }

  std::string name() {
    size_t b = i_;
    while (i_ < s_.size()
           && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-'
               || s_[i_] == '_' || s_[i_] == ':'))
      ++i_;
    return std::string{s_.substr(b, i_ - b)};
  }

  caf::error decode(std::string_view raw, std::string& out) {
    for (size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] != '&') {
        out += raw[k];
        continue;
      }
      auto semi = raw.find(';', k);
      if (semi == std::string_view::npos)
        return fail("unterminated entity");
      auto ent = raw.substr(k + 1, semi - k - 1);
      if (ent == "amp")
        out += '&';
      else if (ent == "lt")
        out += '<';
      else if (ent == "gt")
        out += '>';
      else if (ent == "quot")
        out += '"';
      else if (ent == "apos")
        out += '\'';
      else if (!ent.empty() && ent[0] == '#') {
        bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
        auto digits = std::string{ent.substr(hex ? 2 : 1)};
        // strtoul alone would also take a sign, spaces or a 0x prefix.
        auto is_digit = [hex](char c) {
          auto u = static_cast<unsigned char>(c);
          return hex ? std::isxdigit(u) != 0 : std::isdigit(u) != 0;
        };
        char* end = nullptr;
        auto cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
        bool all_digits = std::all_of(digits.begin(), digits.end(), is_digit);
        if (digits.empty() || !all_digits || *end != '\0' || !is_xml_char(cp))
          return fail("bad character reference");
        append_utf8(out, cp);
      } else
        return fail("unknown entity &" + std::string{ent} + ";");
      k = semi;
    }
    return caf::none;
  }

  caf::error attributes(twiml_node& node) {
    for (;;) {
      skip_space();
      if (at("/>") || at(">"))
        return caf::none;
      auto key = name();
      if (key.empty())
        return fail("bad attribute");
      skip_space();
      if (!at("=\""))
        return fail("expected =\" after " + key);
      i_ += 2;
      auto end = s_.find('"', i_);
      if (end == std::string_view::npos)
        return fail("unterminated attribute");
      std::string value;
      if (auto err = decode(s_.substr(i_, end - i_), value))
        return err;
      node.attrs.emplace_back(std::move(key), std::move(value));
      i_ = end + 1;
    }
  }

  caf::error element(twiml_node& node) {
    skip_space();
    if (!at("<"))
      return fail("expected '<'");
    ++i_;
    node.name = name();
    if (node.name.empty())
      return fail("bad element name");
    if (auto err = attributes(node))
      return err;
    if (at("/>")) {
      i_ += 2;
      return caf::none;
    }
    ++i_; // '>'
    return content(node);
  }

  caf::error content(twiml_node& node) {
    for (;;) {
      auto lt = s_.find('<', i_);
      if (lt == std::string_view::npos)
        return fail("missing </" + node.name + ">");
      if (auto err = decode(s_.substr(i_, lt - i_), node.text))
        return err;
      i_ = lt;
      if (at("</")) {
        i_ += 2;
        if (name() != node.name || !at(">"))
          return fail("mismatched end tag for <" + node.name + ">");
        ++i_;
        return caf::none;
      }
      if (++depth_ > max_depth)
        return fail("elements nested deeper than " + std::to_string(max_depth));
      node.children.emplace_back();
      if (auto err = element(node.children.back()))
        return err;
      --depth_;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
};

} // namespace

caf::expected<twiml_node> read_twiml(std::string_view xml) {
  return reader{xml}.document();
}

} // namespace sb
