// Tests for cli/ctl/ctl_args: switchboardctl's command line to options, the
// request line each daemon command sends, --since normalisation, help
// texts and every kind of usage error.
#include "cli/ctl/ctl_args.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"

namespace {

sb::ctl_options parsed(const std::vector<std::string>& args) {
  auto opts = sb::parse_ctl_args(args);
  INFO((opts ? std::string() : sb::what(opts.error())));
  REQUIRE(opts);
  return *opts;
}

std::string request(const std::vector<std::string>& args) {
  return sb::request_json(parsed(args));
}

// The reason a command line is refused.
std::string refused(const std::vector<std::string>& args) {
  auto opts = sb::parse_ctl_args(args);
  REQUIRE_FALSE(opts);
  CHECK(sb::has_code(opts.error(), sb::errc::bad_request));
  return sb::what(opts.error());
}

} // namespace

TEST_CASE("ctl_args: each daemon command becomes its request line",
          "[ctl_args]") {
  CHECK(request({"calls"}) == R"({"cmd":"calls"})");
  CHECK(request({"call", "CA1"}) == R"({"cmd":"call","sid":"CA1"})");
  CHECK(request({"dial", "+919876543210"})
        == R"({"cmd":"dial","to":"+919876543210"})");
  CHECK(request({"dial", "+1555", "+1666"})
        == R"({"cmd":"dial","to":"+1555","from":"+1666"})");
  CHECK(request({"hangup", "CA9"}) == R"({"cmd":"hangup","sid":"CA9"})");
  CHECK(request({"stats"}) == R"({"cmd":"stats"})");
  CHECK(request({"reload"}) == R"({"cmd":"reload"})");
  CHECK(request({"drain"}) == R"({"cmd":"drain"})");
}

TEST_CASE("ctl_args: say joins its words and escapes them as JSON",
          "[ctl_args]") {
  CHECK(request({"say", "CA1", "please", "hold", "\"on\""})
        == R"({"cmd":"say","sid":"CA1","text":"please hold \"on\""})");
  CHECK(request({"say", "CA1", "नमस्ते\n"})
        == R"({"cmd":"say","sid":"CA1","text":"नमस्ते\n"})");
  // After --, words that look like options are text.
  CHECK(request({"say", "CA1", "--", "-5", "--json"})
        == R"({"cmd":"say","sid":"CA1","text":"-5 --json"})");
}

TEST_CASE("ctl_args: options may come before or after the command",
          "[ctl_args]") {
  auto o = parsed({"--socket", "/run/sb.sock", "calls", "--json",
                   "--config=/etc/sb.toml", "--timeout", "3"});
  CHECK(o.command == "calls");
  CHECK(o.socket == "/run/sb.sock");
  CHECK(o.config == "/etc/sb.toml");
  CHECK(o.json);
  CHECK(sb::reply_timeout(o) == std::chrono::seconds(3));
  CHECK(sb::is_daemon_command("calls"));
}

TEST_CASE("ctl_args: reply timeouts default by command", "[ctl_args]") {
  CHECK(sb::reply_timeout(parsed({"stats"})) == std::chrono::seconds(10));
  CHECK(sb::reply_timeout(parsed({"dial", "+1"})) == std::chrono::seconds(60));
}

TEST_CASE("ctl_args: history and transcript take their own options",
          "[ctl_args]") {
  auto h = parsed({"history", "--db", "x.db", "--since", "2026-11-25",
                   "--number", "+14155550100", "--limit", "5"});
  CHECK(h.db == "x.db");
  CHECK(h.since == "2026-11-25");
  CHECK(h.number == "+14155550100");
  CHECK(h.limit == 5);
  CHECK_FALSE(sb::is_daemon_command("history"));
  CHECK(parsed({"history"}).limit == 50);
  auto t = parsed({"transcript", "CA1", "--db=y.db"});
  CHECK(t.args == std::vector<std::string>{"CA1"});
  CHECK(t.db == "y.db");
  CHECK_FALSE(sb::is_daemon_command("transcript"));
}

TEST_CASE("ctl_args: mcp takes --db and --schemas, and no operands",
          "[ctl_args]") {
  auto m = parsed({"mcp", "--db", "x.db", "--socket", "s.sock"});
  CHECK(m.command == "mcp");
  CHECK(m.db == "x.db");
  CHECK(m.socket == "s.sock");
  CHECK_FALSE(m.schemas);
  CHECK(parsed({"mcp", "--schemas"}).schemas);
  CHECK_FALSE(sb::is_daemon_command("mcp"));
  CHECK(refused({"mcp", "now"})
        == "usage: switchboardctl mcp [--db PATH] "
           "[--schemas]");
  CHECK(refused({"calls", "--schemas"}) == "--schemas is only for mcp");
  const auto help = sb::help_text("mcp");
  CHECK(help.find("stdin") != std::string::npos);
  CHECK(help.find("allow_actions") != std::string::npos);
  CHECK(sb::help_text("").find("mcp") != std::string::npos);
}

TEST_CASE("ctl_args: --help and help COMMAND ask for help", "[ctl_args]") {
  auto all = parsed({"--help"});
  CHECK(all.help);
  CHECK(all.command.empty());
  auto dial = parsed({"dial", "--help"});
  CHECK(dial.help);
  CHECK(dial.command == "dial");
  auto say = parsed({"help", "say"});
  CHECK(say.help);
  CHECK(say.command == "say");
  CHECK(parsed({"-h"}).help);
  // Help wins over operands that would be wrong.
  CHECK(parsed({"calls", "extra", "--help"}).help);
}

TEST_CASE("ctl_args: help texts name every command and their operands",
          "[ctl_args]") {
  const auto all = sb::help_text("");
  for (const char* c :
       {"calls", "call SID", "dial TO [FROM]", "hangup SID", "say SID TEXT",
        "stats", "reload", "drain", "history", "transcript SID", "--socket",
        "--config", "--json", "Exit status"})
    CHECK(all.find(c) != std::string::npos);
  CHECK(sb::help_text("nonsense") == all);
  const auto history = sb::help_text("history");
  CHECK(history.rfind("Usage: switchboardctl [options] history", 0) == 0);
  CHECK(history.find("--since") != std::string::npos);
  CHECK(sb::help_text("say").find("say SID TEXT...") != std::string::npos);
}

TEST_CASE("ctl_args: bad command lines are refused with a reason",
          "[ctl_args]") {
  CHECK(refused({}) == "no command given");
  CHECK(refused({"frobnicate"}) == "unknown command 'frobnicate'");
  CHECK(refused({"calls", "--verbose"}) == "unknown option --verbose");
  CHECK(refused({"calls", "--socket"}) == "--socket wants a value");
  CHECK(refused({"calls", "--socket="}) == "--socket wants a non-empty value");
  CHECK(refused({"call"}) == "usage: switchboardctl call SID");
  CHECK(refused({"call", "CA1", "CA2"}) == "usage: switchboardctl call SID");
  CHECK(refused({"dial"}) == "usage: switchboardctl dial TO [FROM]");
  CHECK(refused({"dial", "+1", "+2", "+3"})
        == "usage: switchboardctl dial TO [FROM]");
  CHECK(refused({"say", "CA1"}) == "usage: switchboardctl say SID TEXT...");
  CHECK(refused({"stats", "now"}) == "usage: switchboardctl stats");
  CHECK(refused({"hangup", ""}).rfind("empty operand", 0) == 0);
  CHECK(refused({"calls", "--db", "x.db"})
        == "--db is only for history transcript mcp");
  CHECK(refused({"transcript", "CA1", "--limit", "3"})
        == "--limit is only for history");
  CHECK(refused({"history", "--limit", "0"}).find("1 to 100000")
        != std::string::npos);
  CHECK(refused({"history", "--limit", "12x"}).find("'12x'")
        != std::string::npos);
  CHECK(refused({"stats", "--timeout", "-1"}).find("--timeout")
        != std::string::npos);
  CHECK(refused({"history", "--since", "yesterday"}).find("'yesterday'")
        != std::string::npos);
}

TEST_CASE("ctl_args: --since takes UTC dates and times", "[ctl_args]") {
  auto since = [](const std::string& text) {
    auto s = sb::normalise_since(text);
    INFO(text);
    REQUIRE(s);
    return *s;
  };
  CHECK(since("2026-11-25") == "2026-11-25");
  CHECK(since("2026-11-25T14:30") == "2026-11-25T14:30");
  CHECK(since("2026-11-25 14:30:05") == "2026-11-25T14:30:05");
  CHECK(since("2026-11-25T14:30:05.250Z") == "2026-11-25T14:30:05.250");
  CHECK(since("2026-11-25t14:30z") == "2026-11-25T14:30");
  for (const char* bad :
       {"", "2026-1-25", "2026-13-01", "2026-11-32", "2026-11-25Z",
        "2026-11-25T", "2026-11-25T24:00", "2026-11-25T14:60",
        "2026-11-25T14:30+05:30", "2026-11-25T14:30:5", "2026-11-25T14:30.",
        "20261125", "2026/11/25"}) {
    INFO(bad);
    CHECK_FALSE(sb::normalise_since(bad));
  }
}
