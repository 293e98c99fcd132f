// Tests for net/client's http_client, the tools' client on curl_session:
// name/value headers and form posts reach the server, HTTP error statuses
// are answers, and each failure maps to the errc its header promises.
#include "net/client/http_client.hpp"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/fixtures/refusing_port.hpp"
#include "tests/net/client/canned_server.hpp"

namespace {

using namespace std::chrono_literals;
using sb::errc;
using sb::test::canned_server;
using sb::test::text_answer;

} // namespace

TEST_CASE("post_form sends the form type and extra headers", "[http_client]") {
  canned_server server;
  server.answer(text_answer(404, "no such call"));
  sb::http_client client;
  auto r = client.post_form(server.url("/voice/status"), "CallSid=CA1",
                            {{"X-Twilio-Signature", "sig"}});
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->body == "no such call");
  CHECK(r->content_type == "text/plain; charset=utf-8");
  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].content_type == "application/x-www-form-urlencoded");
  CHECK(seen[0].twilio_signature == "sig");
  CHECK(seen[0].body == "CallSid=CA1");
}

TEST_CASE("http_client failures name the request", "[http_client]") {
  SECTION("a timeout is timed_out") {
    canned_server server;
    server.answer(text_answer(200, "late"), 10s);
    sb::http_client client(300ms);
    auto r = client.get(server.url("/slow"));
    REQUIRE_FALSE(r);
    CHECK(sb::has_code(r.error(), errc::timed_out));
    CHECK(sb::what(r.error()).rfind("GET " + server.url("/slow") + ": ", 0)
          == 0);
  }
  SECTION("a refused connection is backend_failed") {
    sb::test::refusing_port closed;
    sb::http_client client(2s);
    const auto url = "http://127.0.0.1:" + std::to_string(closed.port());
    auto r = client.request("HEAD", url);
    REQUIRE_FALSE(r);
    CHECK(sb::has_code(r.error(), errc::backend_failed));
    CHECK(sb::what(r.error()).rfind("HEAD " + url + ": ", 0) == 0);
  }
}
