// The pure parts of the admin front (app/admin_front.hpp): who may use the
// admin socket, what a line becomes, and the reply lines written from the
// admin actor's answers. No socket and no actor: the handler that joins
// them is exercised by the e2e admin and ctl tests.
#include "app/admin_front.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using sb::admin_owner;
using sb::peer_info;

const admin_owner owner{1000, 2000};

peer_info peer(uint32_t uid, uint32_t gid) {
  peer_info p;
  p.pid = 42;
  p.uid = uid;
  p.gid = gid;
  return p;
}

// A lookup that records whether it was asked and answers `groups`.
struct fake_groups {
  std::optional<std::vector<uint32_t>> groups;
  mutable int asked = 0;

  sb::group_lookup lookup() const {
    return [this](uint32_t) {
      ++asked;
      return groups;
    };
  }
};

} // namespace

TEST_CASE("admin peers: root, our user and our group pass without a lookup",
          "[admin_front]") {
  fake_groups none;
  CHECK(sb::admin_peer_allowed(peer(0, 5), owner, none.lookup()));
  CHECK(sb::admin_peer_allowed(peer(1000, 5), owner, none.lookup()));
  CHECK(sb::admin_peer_allowed(peer(1234, 2000), owner, none.lookup()));
  CHECK(none.asked == 0);
}

TEST_CASE("admin peers: anyone else needs our group among theirs",
          "[admin_front]") {
  fake_groups member{std::vector<uint32_t>{5, 2000, 7}};
  CHECK(sb::admin_peer_allowed(peer(1234, 5), owner, member.lookup()));
  CHECK(member.asked == 1);

  fake_groups stranger{std::vector<uint32_t>{5, 7}};
  CHECK_FALSE(sb::admin_peer_allowed(peer(1234, 5), owner, stranger.lookup()));

  fake_groups unknown; // no such user, or the lookup failed
  CHECK_FALSE(sb::admin_peer_allowed(peer(1234, 5), owner, unknown.lookup()));
}

TEST_CASE("admin peers: the system lookup knows root's groups",
          "[admin_front]") {
  const auto groups = sb::system_groups_of(0);
  REQUIRE(groups);
  CHECK(std::find(groups->begin(), groups->end(), 0u) != groups->end());
}

TEST_CASE("admin step: a refused peer is answered without parsing",
          "[admin_front]") {
  auto step = sb::admin_step_for(R"({"cmd":"stats"})", false);
  CHECK_FALSE(step.command);
  CHECK(step.reply == R"({"ok":false,"error":"permission denied"})");
  // Garbage from a refused peer gets the same answer, not a parse error.
  CHECK(sb::admin_step_for("not json", false).reply == step.reply);
}

TEST_CASE("admin step: a line that parses becomes its command",
          "[admin_front]") {
  auto step = sb::admin_step_for(R"({"cmd":"say","sid":"CA1","text":"hello"})",
                                 true);
  REQUIRE(step.command);
  CHECK(step.command->cmd == "say");
  CHECK(step.command->sid == "CA1");
  CHECK(step.command->text == "hello");
  CHECK(step.reply.empty());
}

TEST_CASE("admin step: a line that does not parse gets its error",
          "[admin_front]") {
  CHECK(sb::admin_step_for("[1]", true).reply
        == R"({"ok":false,"error":"expected one JSON object per line"})");
  CHECK(sb::admin_step_for(R"({"cmd":"hangup"})", true).reply
        == R"({"ok":false,"error":"sid: required"})");
  CHECK(sb::admin_step_for(R"({"cmd":"dial","to":5})", true).reply
        == R"({"ok":false,"error":"to: must be a string"})");
  auto unknown = sb::admin_step_for(R"({"cmd":"flush"})", true);
  CHECK_FALSE(unknown.command);
  CHECK(unknown.reply.find("unknown command \\\"flush\\\"")
        != std::string::npos);
}

TEST_CASE("admin reply lines: results by command, errors as ok false",
          "[admin_front]") {
  sb::admin_command stats{"stats", {}, {}, {}, {}};
  sb::admin_reply r;
  r.stats.live_calls = 2;
  r.stats.calls_total = 9;
  r.stats.calls_rejected = 1;
  CHECK(sb::admin_reply_line(stats, r)
        == R"({"ok":true,"result":{"live_calls":2,"calls_total":9,)"
           R"("calls_rejected":1,"draining":false}})");

  sb::admin_command dial{"dial", {}, "+15550001111", {}, {}};
  sb::admin_reply dialed;
  dialed.call_sid = "CA9";
  dialed.status = "queued";
  CHECK(sb::admin_reply_line(dial, dialed)
        == R"({"ok":true,"result":{"call_sid":"CA9","status":"queued"}})");

  sb::admin_command drain{"drain", {}, {}, {}, {}};
  CHECK(sb::admin_reply_line(drain, {})
        == R"({"ok":true,"result":{"done":true}})");

  sb::admin_reply failed;
  failed.ok = false;
  failed.error = "no such call";
  CHECK(sb::admin_reply_line(drain, failed)
        == R"({"ok":false,"error":"no such call"})");
}

TEST_CASE("admin error lines escape the text", "[admin_front]") {
  CHECK(sb::admin_error_line("a \"b\"\n")
        == R"({"ok":false,"error":"a \"b\"\n"})");
}
