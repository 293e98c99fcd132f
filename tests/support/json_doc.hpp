// Reading back the JSON a test got: parse or fail the test with where and
// why, an object's keys, a string member (with embedded NULs kept).
#pragma once

#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace sb::test {

inline rapidjson::Document parse_json(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  INFO(json);
  if (doc.HasParseError())
    FAIL("JSON parse error at "
         << doc.GetErrorOffset() << ": "
         << rapidjson::GetParseError_En(doc.GetParseError()));
  return doc;
}

inline std::set<std::string> keys_of(const rapidjson::Value& obj) {
  std::set<std::string> keys;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
    keys.emplace(it->name.GetString(), it->name.GetStringLength());
  return keys;
}

inline std::string json_str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

} // namespace sb::test
