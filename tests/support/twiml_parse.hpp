// Reading a TwiML document a test expects to be well-formed, with the
// simulator's reader (cli/sim/twiml_reader, as Twilio would read it): the
// parsed tree, or the running test case fails naming the document and the
// reader's reason. Header-only; uses Catch2.
#pragma once

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "core/error.hpp"

namespace sb::test {

inline twiml_node parse_twiml(const std::string& xml) {
  auto doc = read_twiml(xml);
  INFO(xml);
  if (!doc)
    FAIL("read_twiml failed: " << what(doc.error()));
  return std::move(*doc);
}

} // namespace sb::test
