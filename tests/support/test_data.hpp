// Reading JSON in tests: the files of tests/data (tests/data/README.md
// says where they come from) and frames a test has built. Header-only;
// for Catch2 test files (text that cannot be read or parsed fails the
// test).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "tests/support/paths.hpp"

namespace sb::test {

/// `text` parsed; it must be one JSON object.
inline rapidjson::Document parse_test_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  INFO(text);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

/// tests/data/`relative`, parsed; its root must be an object.
inline rapidjson::Document load_test_json(const std::string& relative) {
  const std::string path = data_dir() + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  INFO("reading " << path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return parse_test_json(text.str());
}

/// A JSON string's text; empty for any other value.
inline std::string json_text(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength())
                      : std::string();
}

} // namespace sb::test
