// A small TwiML writer. Every text node and attribute value goes through
// xml_escape(), so caller or LLM text can never become a verb: the input
// "</Say><Dial>+1900</Dial>" comes out as spoken text.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb {

using xml_attrs = std::vector<std::pair<std::string, std::string>>;

/// Escapes & < > " ' for use in text or a double-quoted attribute; drops
/// characters XML 1.0 forbids (C0 controls except tab/LF/CR) and replaces
/// invalid UTF-8 sequences with U+FFFD, so the output is always well-formed.
std::string xml_escape(std::string_view text);

/// Writes a <Response> document. Attribute values and text are escaped;
/// element names are the caller's constants and are not.
///   twiml_writer w;
///   w.open("Gather", {{"input", "speech"}}).text_element("Say", txt, {})
///    .close().empty_element("Hangup");
///   std::string xml = w.finish();
class twiml_writer {
public:
  twiml_writer();

  twiml_writer& open(std::string_view name, const xml_attrs& attrs = {});
  twiml_writer& close(); // closes the last open()
  twiml_writer& text_element(std::string_view name, std::string_view text,
                             const xml_attrs& attrs = {});
  twiml_writer& empty_element(std::string_view name,
                              const xml_attrs& attrs = {});

  /// Closes every open element and </Response>; returns the document,
  /// starting with <?xml version="1.0" encoding="UTF-8"?>.
  std::string finish();

private:
  void write_start(std::string_view name, const xml_attrs& attrs);
  std::string out_;
  std::vector<std::string> open_;
};

} // namespace sb
