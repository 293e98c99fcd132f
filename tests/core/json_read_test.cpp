// core/json_read.hpp: all of the text is read, a NUL byte included.
#include "core/json_read.hpp"

#include <string>

#include <catch2/catch.hpp>

TEST_CASE("parse_whole_json reads JSON text and refuses a raw NUL byte",
          "[json]") {
  rapidjson::Document doc;
  CHECK(sb::parse_whole_json(doc, R"({"cmd":"calls"})"));
  REQUIRE(doc.IsObject());
  CHECK(std::string(doc["cmd"].GetString()) == "calls");
  // RapidJSON alone reads up to the NUL and stops: the trailing object
  // would go unread, and the first one pass as the whole line.
  std::string two = R"({"cmd":"calls"})";
  two += '\0';
  two += R"({"cmd":"hangup"})";
  rapidjson::Document plain;
  plain.Parse(two.data(), two.size());
  CHECK_FALSE(plain.HasParseError());
  CHECK_FALSE(sb::parse_whole_json(doc, two));
  CHECK_FALSE(sb::parse_whole_json(doc, std::string("\0", 1)));
  // Escaped, a NUL is just a character of a string.
  CHECK(sb::parse_whole_json(doc, R"({"s":"a\u0000b"})"));
  CHECK(doc["s"].GetStringLength() == 3);
  CHECK_FALSE(sb::parse_whole_json(doc, R"({"cmd":)"));
  CHECK_FALSE(sb::parse_whole_json(doc, ""));
}
