// The protocol, transport-free: JSON-RPC framing (parse errors, id kinds,
// notifications, responses and batches refused), both eras' handshakes and
// the envelope of their results (resultType, serverInfo, caching hints
// only in the modern era), the modern envelope's checks (an unsupported
// version with the supported list, missing capabilities), a request that
// is in no era, unknown methods, and that a second answer is never sent.
#include <string>

#include <catch2/catch.hpp>

#include "tests/mcp/mcp_fixture.hpp"

using namespace sb::test;

namespace {

// A server with no services: the protocol alone.
sb::mcp_server bare_server() {
  return sb::mcp_server{{false, "test"}, {}};
}

const std::string meta_version = "io.modelcontextprotocol/protocolVersion";
const std::string server_info_key = "io.modelcontextprotocol/serverInfo";

std::string legacy_line(const std::string& id, const std::string& method,
                        const std::string& params = "{}") {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":")" + method
         + R"(","params":)" + params + "}";
}

const std::string initialize_2025 = legacy_line(
  "0", "initialize",
  R"({"protocolVersion":"2025-11-25","capabilities":{},)"
  R"("clientInfo":{"name":"t","version":"1"}})");

} // namespace

TEST_CASE("a line that is not one JSON-RPC request is refused with the "
          "JSON-RPC code for it",
          "[mcp][protocol]") {
  auto server = bare_server();
  auto not_json = ask(server, "{\"jsonrpc\":\"2.0\",");
  CHECK(not_json.code() == -32700);
  CHECK(not_json.status == 400);
  CHECK_FALSE(not_json.doc.HasMember("id"));
  CHECK(ask(server, "[1,2]").code() == -32600);
  CHECK(ask(server, "\"hello\"").code() == -32600);
  CHECK(ask(server, R"({"jsonrpc":"1.0","id":1,"method":"ping"})").code()
        == -32600);
  CHECK(ask(server, R"({"jsonrpc":"2.0","id":1})").code() == -32600);
  auto response = ask(server, R"({"jsonrpc":"2.0","id":1,"result":{}})");
  CHECK(response.code() == -32600);
  CHECK(response.doc["id"] == 1);
  auto null_id = ask(server, R"({"jsonrpc":"2.0","id":null,"method":"x"})");
  CHECK(null_id.code() == -32600);
  CHECK(ask(server, R"({"jsonrpc":"2.0","id":1.5,"method":"x"})").code()
        == -32600);
  CHECK(
    ask(server, R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1]})").code()
    == -32600);
  // A NUL byte would end RapidJSON's reading early: the line is refused.
  CHECK(ask(server, std::string(R"({"jsonrpc":"2.0","id":1,"method":"x"})")
                      + std::string(1, '\0') + "junk")
          .code()
        == -32700);
}

TEST_CASE("a request's id comes back as it was sent: a string byte for "
          "byte, an integer as an integer",
          "[mcp][protocol]") {
  auto server = bare_server();
  auto by_string = ask(server, modern(R"("a\"b\u00e9")", "server/discover"));
  REQUIRE(by_string.doc["id"].IsString());
  CHECK(std::string(by_string.doc["id"].GetString()) == "a\"b\xc3\xa9");
  auto big = ask(server, modern("9007199254740993", "server/discover"));
  REQUIRE(big.doc["id"].IsUint64());
  CHECK(big.doc["id"].GetUint64() == 9007199254740993ull);
  auto negative = ask(server, modern("-4", "server/discover"));
  CHECK(negative.doc["id"] == -4);
}

TEST_CASE("a notification gets no answer, whatever its method",
          "[mcp][protocol]") {
  auto server = bare_server();
  sb::mcp_legacy_session session;
  for (auto line :
       {R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
        R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
        R"("params":{"requestId":3}})",
        R"({"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"}})"}) {
    auto a = ask(server, line, &session);
    CHECK(a.body.empty());
    CHECK(a.status == 202);
  }
  // notifications/initialized alone opens no legacy session.
  CHECK(session.protocol_version.empty());
}

TEST_CASE("server/discover answers the versions, capabilities and "
          "instructions, with the modern result envelope",
          "[mcp][protocol]") {
  auto server = bare_server();
  auto a = ask(server, modern("1", "server/discover"));
  REQUIRE_FALSE(a.is_error());
  const auto& r = a.result();
  CHECK(std::string(r["resultType"].GetString()) == "complete");
  CHECK(r["supportedVersions"][0] == "2026-07-28");
  CHECK(r["supportedVersions"][1] == "2025-11-25");
  CHECK(r["capabilities"]["tools"].IsObject());
  CHECK(r["capabilities"]["resources"].IsObject());
  CHECK(std::string(r["instructions"].GetString()).find("calls")
        != std::string::npos);
  CHECK(r["ttlMs"] == 0);
  CHECK(r["cacheScope"] == "private");
  const auto& info = r["_meta"][server_info_key.c_str()];
  CHECK(info["name"] == "switchboard");
  CHECK(std::string(info["version"].GetString()).find('.')
        != std::string::npos);
}

TEST_CASE("a modern request for another version is refused -32022 with the "
          "versions this server speaks",
          "[mcp][protocol]") {
  auto server = bare_server();
  auto line = modern("1", "tools/list");
  line.replace(line.find("2026-07-28"), 10, "1900-01-01");
  auto a = ask(server, line);
  CHECK(a.code() == -32022);
  CHECK(a.message() == "Unsupported protocol version");
  CHECK(a.status == 400);
  const auto& data = a.doc["error"]["data"];
  REQUIRE(data["supported"].IsArray());
  CHECK(data["supported"][0] == "2026-07-28");
  CHECK(data["supported"][1] == "2025-11-25");
  CHECK(data["requested"] == "1900-01-01");
}

TEST_CASE("a modern request without the client's capabilities, or with a "
          "malformed _meta, is invalid params with status 400",
          "[mcp][protocol]") {
  auto server = bare_server();
  auto no_caps = ask(server, R"({"jsonrpc":"2.0","id":1,"method":"tools/list",)"
                             R"("params":{"_meta":{")"
                               + meta_version + R"(":"2026-07-28"}}})");
  CHECK(no_caps.code() == -32602);
  CHECK(no_caps.status == 400);
  CHECK(no_caps.message().find("clientCapabilities") != std::string::npos);
  auto bad_meta = ask(server, R"({"jsonrpc":"2.0","id":1,"method":"tools/)"
                              R"(list","params":{"_meta":[]}})");
  CHECK(bad_meta.code() == -32602);
  CHECK(bad_meta.message().find("_meta") != std::string::npos);
  auto bad_version = ask(server, R"({"jsonrpc":"2.0","id":1,"method":"x",)"
                                 R"("params":{"_meta":{")"
                                   + meta_version + R"(":7}}})");
  CHECK(bad_version.code() == -32602);
  CHECK(bad_version.status == 400);
}

TEST_CASE("without modern _meta and before initialize, a request is in no "
          "era and is refused -32600",
          "[mcp][protocol]") {
  auto server = bare_server();
  sb::mcp_legacy_session session;
  auto a = ask(server, legacy_line("1", "tools/list"), &session);
  CHECK(a.code() == -32600);
  CHECK(a.message().find("initialize") != std::string::npos);
  CHECK(a.status == 400);
  // Nor does a transport that keeps no session get legacy service.
  CHECK(ask(server, legacy_line("1", "ping")).code() == -32600);
}

TEST_CASE("initialize opens the legacy era: the asked version if known, "
          "else the newest, and results without resultType",
          "[mcp][protocol]") {
  auto server = bare_server();
  sb::mcp_legacy_session session;
  auto init = ask(server, initialize_2025, &session);
  REQUIRE_FALSE(init.is_error());
  const auto& r = init.result();
  CHECK(r["protocolVersion"] == "2025-11-25");
  CHECK(r["capabilities"]["tools"]["listChanged"] == false);
  CHECK(r["capabilities"]["resources"].IsObject());
  CHECK(r["serverInfo"]["name"] == "switchboard");
  CHECK(r["instructions"].IsString());
  CHECK_FALSE(r.HasMember("resultType"));
  CHECK(session.protocol_version == "2025-11-25");

  auto initialized = ask(
    server, R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
    &session);
  CHECK(initialized.body.empty());
  auto ping = ask(server, legacy_line("2", "ping"), &session);
  REQUIRE_FALSE(ping.is_error());
  CHECK(ping.result().ObjectEmpty());
  auto tools = ask(server, legacy_line("3", "tools/list"), &session);
  REQUIRE_FALSE(tools.is_error());
  CHECK(tools.result()["tools"].IsArray());
  CHECK_FALSE(tools.result().HasMember("resultType"));
  CHECK_FALSE(tools.result().HasMember("ttlMs"));

  // The version initialize agrees to, on a fresh session, for each asked.
  auto agreed = [&server](const std::string& asked) {
    sb::mcp_legacy_session fresh;
    auto a = ask(server,
                 legacy_line("0", "initialize",
                             R"({"protocolVersion":")" + asked
                               + R"(","capabilities":{}})"),
                 &fresh);
    CHECK(a.result()["protocolVersion"] == fresh.protocol_version.c_str());
    return fresh.protocol_version;
  };
  CHECK(agreed("2025-06-18") == "2025-06-18");
  CHECK(agreed("2025-03-26") == "2025-03-26");
  CHECK(agreed("2024-11-05") == "2024-11-05");
  CHECK(agreed("2099-01-01") == "2025-11-25");
  CHECK(agreed("2026-07-28") == "2025-11-25");
  sb::mcp_legacy_session none;
  auto missing = ask(server, legacy_line("0", "initialize"), &none);
  CHECK(missing.code() == -32602);
  CHECK(missing.message().find("protocolVersion") != std::string::npos);
  CHECK(none.protocol_version.empty());
}

TEST_CASE("a modern request on a legacy connection is served modern, and "
          "each era keeps its own methods",
          "[mcp][protocol]") {
  auto server = bare_server();
  sb::mcp_legacy_session session;
  ask(server, initialize_2025, &session);
  auto modern_list = ask(server, modern("4", "tools/list"), &session);
  REQUIRE_FALSE(modern_list.is_error());
  CHECK(modern_list.result()["resultType"] == "complete");
  CHECK(modern_list.result()["cacheScope"] == "private");
  CHECK(modern_list.result()["_meta"].HasMember(server_info_key.c_str()));
  // ping is the legacy era's; server/discover the modern one's.
  auto modern_ping = ask(server, modern("5", "ping"), &session);
  CHECK(modern_ping.code() == -32601);
  CHECK(modern_ping.status == 404);
  auto legacy_discover = ask(server, legacy_line("6", "server/discover"),
                             &session);
  CHECK(legacy_discover.code() == -32601);
  CHECK(legacy_discover.status == 200);
}

TEST_CASE("an unknown method is -32601, 404 in the modern era",
          "[mcp][protocol]") {
  auto server = bare_server();
  auto a = ask(server, modern("1", "prompts/list"));
  CHECK(a.code() == -32601);
  CHECK(a.status == 404);
  CHECK(a.message().find("prompts/list") != std::string::npos);
  CHECK(a.doc["id"] == 1);
}

TEST_CASE("tools/list gives one page: a cursor is invalid params",
          "[mcp][protocol]") {
  auto server = bare_server();
  auto a = ask(server, modern("1", "tools/list", R"("cursor":"x")"));
  CHECK(a.code() == -32602);
  CHECK(a.message().rfind("cursor:", 0) == 0);
}

TEST_CASE("parse_mcp_message keeps what the HTTP transport compares "
          "against its headers",
          "[mcp][protocol]") {
  auto call = sb::parse_mcp_message(
    modern("1", "tools/call", R"("name":"get_call","arguments":{})"));
  REQUIRE_FALSE(call.answer);
  CHECK(call.message.method == "tools/call");
  CHECK(call.message.name == "get_call");
  CHECK(call.message.protocol_version == "2026-07-28");
  auto read = sb::parse_mcp_message(
    modern("1", "resources/read", R"("uri":"switchboard://calls/x")"));
  CHECK(read.message.name == "switchboard://calls/x");
  auto list = sb::parse_mcp_message(modern("1", "tools/list", R"("name":"x")"));
  CHECK(list.message.name.empty());
  auto bare = sb::parse_mcp_message(
    R"({"jsonrpc":"2.0","id":"q","method":"m"})");
  CHECK(bare.message.params == "{}");
  CHECK(bare.message.id == "\"q\"");
  CHECK(bare.message.protocol_version.empty());
}

TEST_CASE("done is called once even if a service answers twice",
          "[mcp][protocol]") {
  sb::mcp_services services;
  services.admin = [](std::string, std::function<void(std::string)> done) {
    done(R"({"ok":true,"result":{"calls":[]}})");
    done(R"({"ok":true,"result":{"calls":[]}})");
  };
  sb::mcp_server server{{false, "test"}, services};
  int answers = 0;
  auto parsed = sb::parse_mcp_message(call_line("list_live_calls"));
  server.handle(parsed.message, nullptr, "test",
                [&answers](sb::mcp_answer) { ++answers; });
  CHECK(answers == 1);
}
