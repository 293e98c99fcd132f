// What /mcp asks of a request before its body is served
// (app/console/console_mcp_checks): the Origin, the bearer credential, the
// Base64 sentinel of header values, the request metadata headers against
// the body of a modern request, and the legacy revision a request without
// modern _meta is served in.
#include "app/console/console_mcp_checks.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

namespace {

using sb::mcp_header_mismatch;

const std::string own = "http://127.0.0.1:8001";

// A modern tools/call of `name`, as parse_mcp_message leaves it.
sb::mcp_message tools_call(std::string name) {
  sb::mcp_message m;
  m.id = "7";
  m.method = "tools/call";
  m.params = "{}";
  m.protocol_version = sb::mcp_modern_version;
  m.name = std::move(name);
  return m;
}

// The headers a conforming client sends for `m`.
sb::http_request headers_of(const sb::mcp_message& m) {
  sb::http_request req;
  req.mcp_protocol_version = m.protocol_version;
  req.mcp_method = m.method;
  req.mcp_name = m.name;
  return req;
}

} // namespace

TEST_CASE("Origin: none, the console's own or an allowed one",
          "[console_mcp]") {
  const std::vector<std::string> allowed{"http://localhost:6274"};
  CHECK(sb::mcp_origin_allowed("", own, allowed));
  CHECK(sb::mcp_origin_allowed(own, own, allowed));
  CHECK(sb::mcp_origin_allowed("http://localhost:6274", own, allowed));
  // A page on another host, even one that resolves to us (DNS
  // rebinding), or the same host on another port or scheme.
  for (const char* foreign :
       {"http://evil.example", "http://127.0.0.1:8002",
        "https://127.0.0.1:8001", "http://localhost:6274/", "null",
        "http://LOCALHOST:6274"}) {
    INFO(foreign);
    CHECK_FALSE(sb::mcp_origin_allowed(foreign, own, allowed));
  }
  CHECK_FALSE(sb::mcp_origin_allowed("http://localhost:6274", own, {}));
}

TEST_CASE("the bearer credential, its scheme in any case", "[console_mcp]") {
  CHECK(sb::bearer_credential("Bearer abc") == std::string_view{"abc"});
  CHECK(sb::bearer_credential("bearer abc") == std::string_view{"abc"});
  CHECK(sb::bearer_credential("BEARER  abc ") == std::string_view{"abc"});
  CHECK_FALSE(sb::bearer_credential(""));
  CHECK_FALSE(sb::bearer_credential("Bearer"));
  CHECK_FALSE(sb::bearer_credential("Bearer "));
  CHECK_FALSE(sb::bearer_credential("Basic dTpw"));
  CHECK_FALSE(sb::bearer_credential("Bearerabc"));
}

TEST_CASE("header values in the Base64 sentinel are decoded", "[console_mcp]") {
  // The specification's own examples.
  CHECK(sb::decode_mcp_header_value("us-west1") == std::string{"us-west1"});
  CHECK(sb::decode_mcp_header_value("=?base64?SGVsbG8sIOS4lueVjA==?=")
        == std::string{"Hello, 世界"});
  CHECK(sb::decode_mcp_header_value("=?base64?IHBhZGRlZCA=?=")
        == std::string{" padded "});
  CHECK(sb::decode_mcp_header_value("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=")
        == std::string{"=?base64?literal?="});
  CHECK_FALSE(sb::decode_mcp_header_value("=?base64?not base64!?="));
  // The markers are case-sensitive: anything else is the value itself.
  CHECK(sb::decode_mcp_header_value("=?BASE64?SGk=?=")
        == std::string{"=?BASE64?SGk=?="});
}

TEST_CASE("a modern request's headers must mirror its body", "[console_mcp]") {
  auto m = tools_call("get_call");
  CHECK(mcp_header_mismatch(m, headers_of(m)).empty());

  // One header changed at a time, and what that must say.
  using header = std::string sb::http_request::*;
  struct change {
    header field;
    std::string value;
    std::string why;
  };
  const std::vector<change> changes{
    {&sb::http_request::mcp_protocol_version, "",
     "Header mismatch: the MCP-Protocol-Version header is required on this "
     "request"},
    {&sb::http_request::mcp_protocol_version, sb::mcp_legacy_version,
     "Header mismatch: MCP-Protocol-Version header value '2025-11-25' does "
     "not match body value '2026-07-28'"},
    {&sb::http_request::mcp_method, "",
     "Header mismatch: the Mcp-Method header is required on this request"},
    {&sb::http_request::mcp_method, "tools/list",
     "Header mismatch: Mcp-Method header value 'tools/list' does not match "
     "body value 'tools/call'"},
    {&sb::http_request::mcp_name, "",
     "Header mismatch: the Mcp-Name header is required on this request"},
    {&sb::http_request::mcp_name, "hang_up",
     "Header mismatch: Mcp-Name header value 'hang_up' does not match body "
     "value 'get_call'"},
    // Header values are case-sensitive.
    {&sb::http_request::mcp_name, "GET_CALL",
     "Header mismatch: Mcp-Name header value 'GET_CALL' does not match body "
     "value 'get_call'"},
  };
  for (const auto& c : changes) {
    INFO(c.why);
    auto req = headers_of(m);
    req.*c.field = c.value;
    CHECK(mcp_header_mismatch(m, req) == c.why);
  }
}

TEST_CASE("Mcp-Name is compared after decoding, and must be header-safe",
          "[console_mcp]") {
  auto m = tools_call("Hello, 世界");
  auto req = headers_of(m);
  req.mcp_name = "=?base64?SGVsbG8sIOS4lueVjA==?=";
  CHECK(mcp_header_mismatch(m, req).empty());
  req.mcp_name = "Hello, 世界"; // raw UTF-8 in a header
  CHECK(mcp_header_mismatch(m, req)
        == "Header mismatch: the Mcp-Name header holds characters a header "
           "value may not (use =?base64?…?=)");
  req.mcp_name = "=?base64?%%%%?=";
  CHECK(mcp_header_mismatch(m, req)
        == "Header mismatch: the Mcp-Name header's =?base64?…?= value is not "
           "valid Base64");
  // A resource's URI is its name.
  sb::mcp_message read;
  read.id = "\"r1\"";
  read.method = "resources/read";
  read.protocol_version = sb::mcp_modern_version;
  read.name = "switchboard://calls/CA0123";
  CHECK(mcp_header_mismatch(read, headers_of(read)).empty());
  auto other = headers_of(read);
  other.mcp_name = "switchboard://calls/CA9999";
  CHECK_FALSE(mcp_header_mismatch(read, other).empty());
}

TEST_CASE("Mcp-Name is only checked where the body names a target",
          "[console_mcp]") {
  sb::mcp_message list;
  list.id = "1";
  list.method = "tools/list";
  list.protocol_version = sb::mcp_modern_version;
  auto req = headers_of(list);
  req.mcp_name = "anything";
  CHECK(mcp_header_mismatch(list, req).empty());
  // A tools/call without params.name is the server's to refuse (-32602
  // naming the field), not a header mismatch.
  auto nameless = tools_call("");
  CHECK(mcp_header_mismatch(nameless, headers_of(nameless)).empty());
  // Notifications carry no required headers in this revision.
  sb::mcp_message note;
  note.method = "notifications/cancelled";
  note.protocol_version = sb::mcp_modern_version;
  CHECK(mcp_header_mismatch(note, sb::http_request{}).empty());
}

TEST_CASE("a request without modern _meta is served in the legacy revision "
          "its header names",
          "[console_mcp]") {
  sb::mcp_message m;
  m.id = "3";
  m.method = "tools/list";
  auto none = sb::mcp_legacy_session_for(m, "");
  CHECK_FALSE(none.refusal);
  CHECK(none.session.protocol_version == "2025-03-26");
  for (const char* v : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    INFO(v);
    auto named = sb::mcp_legacy_session_for(m, v);
    CHECK_FALSE(named.refusal);
    CHECK(named.session.protocol_version == v);
  }
  // The modern revision needs its _meta in the body.
  auto modern = sb::mcp_legacy_session_for(m, sb::mcp_modern_version);
  REQUIRE(modern.refusal);
  CHECK(modern.refusal->http_status == 400);
  CHECK(modern.refusal->body.find("-32020") != std::string::npos);
  // A revision we do not speak: -32022 with what we do.
  auto unknown = sb::mcp_legacy_session_for(m, "1999-01-01");
  REQUIRE(unknown.refusal);
  CHECK(unknown.refusal->http_status == 400);
  rapidjson::Document doc;
  doc.Parse(unknown.refusal->body.c_str());
  REQUIRE(doc.IsObject());
  CHECK(doc["id"].GetInt() == 3);
  CHECK(doc["error"]["code"].GetInt() == -32022);
  const auto& data = doc["error"]["data"];
  CHECK(std::string{data["requested"].GetString()} == "1999-01-01");
  REQUIRE(data["supported"].Size() == 4);
  CHECK(std::string{data["supported"][0].GetString()} == "2026-07-28");
  CHECK(std::string{data["supported"][1].GetString()} == "2025-11-25");
}
