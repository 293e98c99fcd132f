// Reading the JSON files of tests/data (tests/data/README.md says where
// they come from) in the suites that use them. Header-only; for Catch2
// test files (a file that cannot be read or parsed fails the test).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "tests/support/paths.hpp"

namespace sb::test {

/// tests/data/`relative`, parsed; its root must be an object.
inline rapidjson::Document load_test_json(const std::string& relative) {
  const std::string path = data_dir() + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  INFO("reading " << path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

/// A JSON string's text; empty for any other value.
inline std::string json_text(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength())
                      : std::string();
}

} // namespace sb::test
