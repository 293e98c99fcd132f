// Reads the TwiML documents the daemon returns, as Twilio would, into a
// small element tree: enough XML (elements, attributes, text, the five
// named entities and numeric references) for the simulator and the tests
// to follow a call. Not a general XML parser: no DTDs, CDATA or namespaces.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

struct twiml_node {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text; // decoded text directly inside
  std::vector<twiml_node> children;

  /// The attribute's value, or empty.
  std::string attr(std::string_view key) const;
  /// The first descendant (depth-first) named `name`, or nullptr.
  const twiml_node* find(std::string_view name) const;
  /// All descendants named `name`, in document order.
  std::vector<const twiml_node*> find_all(std::string_view name) const;
};

/// Parses a document whose root must be <Response>. Errors:
/// errc::bad_request naming the byte offset.
caf::expected<twiml_node> read_twiml(std::string_view xml);

} // namespace sb
