// The stdio transport on the real binary: build/cli/switchboardctl mcp,
// started with pipes on a real database and no daemon, as an MCP host
// starts it. Each request is answered with one line before the next is
// sent (so every answer is flushed as it is made); notifications get
// nothing; a line over 4 MiB is a parse error and the server goes on;
// stdout holds only JSON-RPC responses (the logs are on stderr); the end
// of stdin ends the process with status 0. The line reader is also tested
// on its own.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "cli/ctl/ctl_mcp.hpp"
#include "tests/mcp/mcp_fixture.hpp"
#include "tests/support/exec_argv.hpp"
#include "tests/support/paths.hpp"

using namespace sb::test;

namespace {

// switchboardctl mcp as a child process: stdin and stdout are pipes,
// stderr a file. Runs in `cwd`, where no config.toml lies.
class mcp_child {
public:
  mcp_child(const std::vector<std::string>& args, const std::string& cwd,
            const std::string& stderr_path) {
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::vector<std::string> argv{binary_dir() + "/cli/switchboardctl", "mcp"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err < 0 || chdir(cwd.c_str()) != 0)
        _exit(126);
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      exec_argv(argv);
    }
    close(in[0]);
    close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
  }

  ~mcp_child() {
    if (to_child_ >= 0)
      close(to_child_);
    if (from_child_ >= 0)
      close(from_child_);
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void send(const std::string& line) {
    auto text = line + "\n";
    size_t done = 0;
    while (done < text.size()) {
      auto n = write(to_child_, text.data() + done, text.size() - done);
      REQUIRE(n > 0);
      done += static_cast<size_t>(n);
    }
  }

  /// The next line on stdout; "" if none comes within 10 s or it ends.
  std::string receive() {
    for (;;) {
      auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        auto line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        all_.push_back(line);
        return line;
      }
      if (!read_some())
        return {};
    }
  }

  /// Closes stdin, reads stdout to its end and returns the exit status
  /// (-1 if the child did not exit normally).
  int finish() {
    close(to_child_);
    to_child_ = -1;
    while (read_some()) {
    }
    for (auto line = receive(); !line.empty(); line = receive()) {
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  /// Every whole line the child wrote to stdout, and what is left over.
  const std::vector<std::string>& lines() const {
    return all_;
  }
  const std::string& leftover() const {
    return buffer_;
  }

private:
  bool read_some() {
    pollfd p{from_child_, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0)
      return false;
    char buf[65536];
    auto n = read(from_child_, buf, sizeof buf);
    if (n <= 0)
      return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
  std::vector<std::string> all_;
};

rapidjson::Document parsed(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  INFO(line);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string file_text(const std::string& path) {
  std::ifstream in{path};
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

} // namespace

TEST_CASE("switchboardctl mcp serves both eras over stdio on a database, "
          "with nothing but protocol on stdout",
          "[mcp][stdio]") {
  test_database t;
  const auto sid = sid_of(7);
  sb::write_batch b;
  b.calls.push_back(make_call(sid, "2026-11-05T12:00:00.000Z"));
  b.turns = {make_turn(sid, 1, "I would like a table for two",
                       "2026-11-05T12:00:03.000Z"),
             make_turn(sid, 2, "Booked for eight o'clock",
                       "2026-11-05T12:00:04.000Z")};
  t.write(b);
  temp_dir cwd{"mcp-cwd"};
  const auto stderr_path = cwd.file("stderr");
  mcp_child child{{"--db", t.path, "--socket", cwd.file("none.sock")},
                  cwd.path(),
                  stderr_path};

  // The SDK's probe: modern, answered.
  child.send(modern("1", "server/discover"));
  auto discover = parsed(child.receive());
  CHECK(discover["result"]["supportedVersions"][0] == "2026-07-28");

  child.send(modern("2", "tools/list"));
  auto tools = parsed(child.receive());
  REQUIRE(tools["result"]["tools"].IsArray());
  CHECK(tools["result"]["tools"].Size() == 5); // no actions without config
  CHECK(tools["result"]["resultType"] == "complete");

  child.send(call_line("get_call", R"({"call_sid":")" + sid + "\"}"));
  auto call = parsed(child.receive());
  const auto& turns = call["result"]["structuredContent"]["turns"];
  REQUIRE(turns.Size() == 2);
  CHECK(turns[0]["content"] == "I would like a table for two");
  CHECK(turns[1]["content"] == "Booked for eight o'clock");

  // The daemon is down: a tool error saying so, and the server goes on.
  child.send(call_line("list_live_calls"));
  auto live = parsed(child.receive());
  CHECK(live["result"]["isError"] == true);
  CHECK(std::string(live["result"]["content"][0]["text"].GetString())
          .find("the daemon is not running")
        != std::string::npos);

  // Legacy: initialize, the initialized notification (no answer), then
  // requests without _meta.
  child.send(R"({"jsonrpc":"2.0","id":"init","method":"initialize",)"
             R"("params":{"protocolVersion":"2025-11-25","capabilities":{},)"
             R"("clientInfo":{"name":"t","version":"1"}}})");
  auto init = parsed(child.receive());
  CHECK(init["id"] == "init");
  CHECK(init["result"]["protocolVersion"] == "2025-11-25");
  child.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  child.send(R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})");
  auto legacy_tools = parsed(child.receive());
  CHECK(legacy_tools["id"] == 3); // the notification got no line
  CHECK(legacy_tools["result"]["tools"].Size() == 5);
  CHECK_FALSE(legacy_tools["result"].HasMember("resultType"));

  // A line over 4 MiB, then one more request: both answered, in order.
  child.send(std::string(sb::mcp_max_line_bytes + 10, 'x'));
  auto too_long = parsed(child.receive());
  CHECK(too_long["error"]["code"] == -32700);
  child.send(R"({"jsonrpc":"2.0","id":4,"method":"ping"})");
  auto ping = parsed(child.receive());
  CHECK(ping["id"] == 4);

  CHECK(child.finish() == 0);
  CHECK(child.leftover().empty());
  for (const auto& line : child.lines()) {
    auto doc = parsed(line);
    CHECK(doc["jsonrpc"] == "2.0");
    CHECK((doc.HasMember("result") || doc.HasMember("error")));
  }
  CHECK(child.lines().size() == 8);
  CHECK(file_text(stderr_path).find("mcp: serving on stdio")
        != std::string::npos);
}

TEST_CASE("the stdio line reader: lines, CRLF, an unterminated last line, "
          "and a line past the limit skipped to its end",
          "[mcp][stdio]") {
  std::istringstream in{"one\r\ntwo\n" + std::string(20, 'x') + "\nlast"};
  std::string line;
  CHECK(sb::read_mcp_line(in, line, 10) == sb::mcp_line::line);
  CHECK(line == "one");
  CHECK(sb::read_mcp_line(in, line, 10) == sb::mcp_line::line);
  CHECK(line == "two");
  CHECK(sb::read_mcp_line(in, line, 10) == sb::mcp_line::too_long);
  CHECK(line.empty());
  CHECK(sb::read_mcp_line(in, line, 10) == sb::mcp_line::line);
  CHECK(line == "last");
  CHECK(sb::read_mcp_line(in, line, 10) == sb::mcp_line::end);
}

TEST_CASE("switchboardctl mcp in-process: notifications and blank lines "
          "are not answered, and the end of input returns 0",
          "[mcp][stdio]") {
  test_database t;
  std::istringstream in{
    "\n" + modern("1", "tools/list") + "\n"
    + R"({"jsonrpc":"2.0","method":"notifications/cancelled"})" + "\n  \n"
    + "not json\n"};
  std::ostringstream out;
  sb::mcp_stdio_options o;
  o.db = t.path;
  o.socket = t.dir.file("none.sock");
  CHECK(sb::serve_mcp_stdio(o, in, out) == 0);
  std::istringstream lines{out.str()};
  std::string first, second, third;
  std::getline(lines, first);
  std::getline(lines, second);
  CHECK_FALSE(std::getline(lines, third));
  CHECK(parsed(first)["id"] == 1);
  CHECK(parsed(second)["error"]["code"] == -32700);
}
