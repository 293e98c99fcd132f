// Calls' transcripts as resources: the newest calls listed with a cursor
// for the rest, the one URI template, a transcript read as text, and an
// unknown call, a URI that is not one of ours or a bad cursor refused
// naming the field.
#include <string>

#include <catch2/catch.hpp>

#include "tests/mcp/mcp_tool_calls.hpp"

using namespace sb::test;

TEST_CASE("calls' transcripts are resources: listed newest first, one "
          "template, read as text",
          "[mcp][resources]") {
  tools_fixture f{false, 60};
  auto list = ask(*f.server, modern("1", "resources/list"));
  REQUIRE_FALSE(list.is_error());
  const auto& resources = list.result()["resources"];
  REQUIRE(resources.Size() == 50);
  CHECK(resources[0]["uri"] == ("switchboard://calls/" + call_live).c_str());
  CHECK(resources[0]["mimeType"] == "text/plain");
  CHECK(resources[0]["name"] == call_live.c_str());
  CHECK(list.result()["cacheScope"] == "private");
  REQUIRE(list.result().HasMember("nextCursor"));
  auto next = ask(
    *f.server,
    modern("2", "resources/list",
           R"("cursor":")"
             + std::string(list.result()["nextCursor"].GetString()) + "\""));
  CHECK(next.result()["resources"].Size() == 13);
  CHECK_FALSE(next.result().HasMember("nextCursor"));

  auto templates = ask(*f.server, modern("3", "resources/templates/list"));
  CHECK(templates.result()["resourceTemplates"][0]["uriTemplate"]
        == "switchboard://calls/{call_sid}");

  auto uri = "switchboard://calls/" + call_a;
  auto read = ask(*f.server,
                  modern("4", "resources/read", R"("uri":")" + uri + "\""));
  REQUIRE_FALSE(read.is_error());
  const auto& content = read.result()["contents"][0];
  CHECK(content["uri"] == uri.c_str());
  CHECK(content["mimeType"] == "text/plain");
  std::string text = content["text"].GetString();
  CHECK(text.find("10:00:01 caller: hello, where is my order\n")
        != std::string::npos);
  CHECK(text.find("10:00:02 assistant: your order ships on Tuesday "
                  "[interrupted]\n")
        != std::string::npos);
  CHECK(text.find("\n  tool lookup_order {\"order_id\":\"A123\"} -> "
                  "{\"status\":\"shipped\"} (12 ms)\n"
                  "  tool track_parcel not json -> error: timed out after "
                  "3000 ms (3000 ms)\n10:00:05 caller: great")
        != std::string::npos);
  CHECK(text.find("10:00:06 assistant: goodbye\n") != std::string::npos);
}

TEST_CASE("reading an unknown call or a malformed URI is -32602 naming uri",
          "[mcp][resources]") {
  tools_fixture f;
  auto read = [&f](const std::string& uri) {
    return ask(*f.server,
               modern("1", "resources/read", R"("uri":")" + uri + "\""));
  };
  auto unknown = read("switchboard://calls/" + sid_of(0xbad));
  CHECK(unknown.code() == -32602);
  CHECK(unknown.message() == "uri: no call " + sid_of(0xbad) + " is stored");
  CHECK(unknown.doc["error"]["data"]["uri"]
        == ("switchboard://calls/" + sid_of(0xbad)).c_str());
  for (auto bad : {std::string("file:///etc/passwd"),
                   "switchboard://calls/" + call_a + "/../x",
                   std::string("switchboard://calls/")}) {
    auto a = read(bad);
    CHECK(a.code() == -32602);
    CHECK(a.message().rfind("uri:", 0) == 0);
  }
  auto bad_cursor = ask(*f.server,
                        modern("1", "resources/list", R"("cursor":"nothex")"));
  CHECK(bad_cursor.code() == -32602);
}
