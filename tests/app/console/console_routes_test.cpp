// The console's URL space and its pure checks (app/console/console_routes,
// console_audio): which path is which route, 404 and 405, who needs a
// session, the cross-site refusal of POSTs, the headers and cookies, and
// which files a turn's audio may be served from.
#include "app/console/console_routes.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "app/console/console_audio.hpp"
#include "backends/audio/audio_format.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using sb::console_route_id;
using sb::match_console_route;

std::string header(const sb::http_response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name)
      return v;
  return {};
}

sb::http_request post(std::string host, std::string origin,
                      std::string marker = "switchboard-console") {
  sb::http_request r;
  r.method = "POST";
  r.host = std::move(host);
  r.origin = std::move(origin);
  r.requested_by = std::move(marker);
  return r;
}

} // namespace

TEST_CASE("paths map to the console's routes", "[console_routes]") {
  CHECK(match_console_route("GET", "/").id == console_route_id::root);
  auto page = match_console_route("GET", "/calls");
  CHECK(page.id == console_route_id::page);
  CHECK(page.file == "calls.html");
  CHECK_FALSE(page.api);
  auto call_page = match_console_route("GET", "/calls/CA1");
  CHECK(call_page.file == "call.html");
  CHECK(call_page.sid == "CA1");
  CHECK(match_console_route("GET", "/system").file == "system.html");
  auto asset = match_console_route("GET", "/assets/calls.js");
  CHECK(asset.id == console_route_id::asset);
  CHECK(asset.file == "calls.js");
  auto detail = match_console_route("GET", "/api/calls/CA9");
  CHECK(detail.id == console_route_id::call);
  CHECK(detail.sid == "CA9");
  CHECK(detail.api);
  auto audio = match_console_route("GET", "/api/calls/CA9/turns/12/audio");
  CHECK(audio.id == console_route_id::turn_audio);
  CHECK(audio.seq == 12);
  CHECK(match_console_route("POST", "/api/calls/CA9/hangup").id
        == console_route_id::hangup);
  CHECK(match_console_route("POST", "/api/calls/CA9/say").id
        == console_route_id::say);
  CHECK(match_console_route("POST", "/api/reload").id
        == console_route_id::reload);
  CHECK(match_console_route("GET", "/api/events").id
        == console_route_id::events);
  auto mcp = match_console_route("POST", "/mcp");
  CHECK(mcp.id == console_route_id::mcp);
  CHECK(mcp.error == 0);
  CHECK(mcp.api);
}

TEST_CASE("unknown paths are 404, a wrong method 405 with Allow",
          "[console_routes]") {
  for (const char* path :
       {"/nowhere", "/calls/", "/calls/CA1/more", "/assets/", "/api/nothing",
        "/api/calls/", "/api/calls/CA1/turns/x/audio",
        "/api/calls/CA1/turns//audio", "/api/calls/CA1/unknown"}) {
    INFO(path);
    CHECK(match_console_route("GET", path).error == 404);
  }
  auto get_login = match_console_route("GET", "/api/login");
  CHECK(get_login.error == 405);
  CHECK(std::string{get_login.allow} == "POST");
  auto post_calls = match_console_route("POST", "/api/calls");
  CHECK(post_calls.error == 405);
  CHECK(std::string{post_calls.allow} == "GET");
  CHECK(match_console_route("DELETE", "/calls").error == 405);
  CHECK(match_console_route("GET", "/api/calls/CA1/hangup").error == 405);
  // MCP's Streamable HTTP has no GET stream and no session to DELETE.
  for (const char* method : {"GET", "DELETE", "PUT", "HEAD"}) {
    INFO(method);
    auto mcp = match_console_route(method, "/mcp");
    CHECK(mcp.error == 405);
    CHECK(std::string{mcp.allow} == "POST");
  }
  CHECK(match_console_route("POST", "/mcp/").error == 404);
}

TEST_CASE("every route but login, assets, / and /mcp needs a session",
          "[console_routes]") {
  // /mcp checks its bearer token and its Origin itself: no cookie, no
  // X-Requested-By (an MCP client is not the console's page).
  CHECK_FALSE(sb::needs_session(match_console_route("POST", "/mcp")));
  CHECK_FALSE(sb::is_console_post(console_route_id::mcp));
  CHECK_FALSE(sb::needs_session(match_console_route("GET", "/")));
  CHECK_FALSE(sb::needs_session(match_console_route("GET", "/login")));
  CHECK_FALSE(sb::needs_session(match_console_route("GET", "/assets/a.css")));
  CHECK_FALSE(sb::needs_session(match_console_route("POST", "/api/login")));
  CHECK(sb::needs_session(match_console_route("GET", "/calls")));
  CHECK(sb::needs_session(match_console_route("GET", "/api/me")));
  CHECK(sb::needs_session(match_console_route("GET", "/api/events")));
  CHECK(sb::needs_session(match_console_route("POST", "/api/logout")));
  CHECK(sb::is_console_post(console_route_id::login));
  CHECK(sb::is_console_post(console_route_id::drain));
  CHECK_FALSE(sb::is_console_post(console_route_id::calls));
}

TEST_CASE("a POST must carry the console's marker and its own origin",
          "[console_routes]") {
  CHECK(
    sb::console_post_refusal(post("127.0.0.1:8001", "http://127.0.0.1:8001"))
    == "");
  CHECK(
    sb::console_post_refusal(post("console.example", "https://console.example"))
    == "");
  CHECK(sb::console_post_refusal(
          post("127.0.0.1:8001", "http://127.0.0.1:8001", ""))
        == "X-Requested-By: must be switchboard-console");
  CHECK(sb::console_post_refusal(post("127.0.0.1:8001", "http://evil.example"))
          .rfind("Origin:", 0)
        == 0);
  CHECK_FALSE(sb::console_post_refusal(post("127.0.0.1:8001", "")).empty());
  CHECK_FALSE(sb::console_post_refusal(post("", "http://")).empty());
  CHECK_FALSE(sb::console_post_refusal(
                post("127.0.0.1:8001", "http://127.0.0.1:8001.evil"))
                .empty());
}

TEST_CASE("answers carry the security headers, cookies and redirects",
          "[console_routes]") {
  auto r = sb::console_error(404, "no call \"CA1\"");
  CHECK(r.body == R"({"error":"no call \"CA1\""})");
  sb::add_console_headers(r, true);
  CHECK(header(r, "Content-Security-Policy").rfind("default-src 'none';", 0)
        == 0);
  CHECK(header(r, "X-Content-Type-Options") == "nosniff");
  CHECK(header(r, "Referrer-Policy") == "no-referrer");
  CHECK(header(r, "Cache-Control") == "no-store");
  auto page = sb::console_ok();
  sb::add_console_headers(page, false);
  CHECK(header(page, "Cache-Control").empty());

  CHECK(sb::session_cookie("ab")
        == "sb_session=ab; Path=/; HttpOnly; SameSite=Strict");
  CHECK(sb::session_cookie("").find("Max-Age=0") != std::string::npos);
  sb::http_request req;
  req.target = "/calls?since=2026-12-01&number=+1 5";
  CHECK(sb::login_location(req)
        == "/login?next=%2Fcalls%3Fsince%3D2026-12-01%26number%3D%2B1+5");
  CHECK(header(sb::console_redirect("/calls"), "Location") == "/calls");
}

TEST_CASE("turn audio is served only from the two audio folders",
          "[console_audio]") {
  namespace fs = std::filesystem;
  sb::test::temp_dir tmp;
  const fs::path root = tmp.path();
  const auto cache = root / "cache", heard = root / "heard";
  fs::create_directories(cache);
  fs::create_directories(heard);
  const std::string id(64, 'a');
  std::ofstream{cache / (id + ".wav")} << "RIFF";
  std::ofstream{heard / "CA1-1.wav"} << "RIFF";
  std::ofstream{root / "secret.wav"} << "RIFF";
  fs::create_symlink(root / "secret.wav", heard / "link.wav");
  auto file = [&](const std::string& audio) {
    return sb::turn_audio_file(audio, cache.string(), heard.string());
  };
  CHECK(file(id) == fs::canonical(cache / (id + ".wav")).string());
  CHECK(file((heard / "CA1-1.wav").string()));
  CHECK_FALSE(file((root / "secret.wav").string()));
  CHECK_FALSE(file((heard / ".." / "secret.wav").string()));
  CHECK_FALSE(file((heard / "link.wav").string()));
  CHECK_FALSE(file(heard.string()));
  CHECK_FALSE(file(std::string(64, 'b')));
  CHECK_FALSE(file(""));
}

TEST_CASE("a media reply's clauses play as one WAV, and only cached ones",
          "[console_audio]") {
  namespace fs = std::filesystem;
  sb::test::temp_dir tmp;
  const fs::path cache = fs::path{tmp.path()} / "cache";
  fs::create_directories(cache);
  auto clause = [&](char name, size_t samples, int16_t level) {
    sb::pcm_audio pcm;
    pcm.sample_rate = sb::phone_sample_rate;
    pcm.samples.assign(samples, level);
    auto wav = sb::to_phone_wav(pcm);
    const std::string id(64, name);
    std::ofstream{cache / (id + ".wav"), std::ios::binary}.write(
      reinterpret_cast<const char*>(wav.data()),
      static_cast<std::streamsize>(wav.size()));
    return id;
  };
  auto first = clause('a', 8000, 1000);
  auto second = clause('b', 4000, -1000);
  auto joined = sb::turn_audio_wav(first + " " + second, cache.string(), {});
  REQUIRE(joined);
  auto pcm = sb::read_wav(*joined);
  REQUIRE(pcm);
  CHECK(pcm->sample_rate == 8000);
  REQUIRE(pcm->samples.size() == 12000);
  CHECK(pcm->samples.front() > 0); // the first clause first
  CHECK(pcm->samples.back() < 0);
  // One id alone is its file as stored.
  auto alone = sb::turn_audio_wav(first, cache.string(), {});
  REQUIRE(alone);
  CHECK(alone->size() == fs::file_size(cache / (first + ".wav")));
  // A missing clause or a name that is not a cache id serves nothing.
  CHECK_FALSE(
    sb::turn_audio_wav(first + " " + std::string(64, 'c'), cache.string(), {}));
  CHECK_FALSE(sb::turn_audio_wav(first + " ../" + second, cache.string(), {}));
}
