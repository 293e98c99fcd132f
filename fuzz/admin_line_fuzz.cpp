// Fuzzes the admin socket's line protocol: an input is the bytes a client
// sends on one connection. They go through the real line_server (net/) on a
// Unix socket to the daemon's parser and reply writer (app/admin_front),
// answered as the daemon answers but with made-up results instead of the
// admin actor. Properties: the replies come back in order, exactly one per
// non-blank line (too-long lines get the too-long reply), each equal to
// what the line alone gets; every reply is one JSON object line with a
// boolean "ok" (and an "error" string when false); a command that parses
// parses again, unchanged, from its own JSON; an error text survives
// admin_error_line byte for byte.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <rapidjson/document.h>

#include "app/admin_front.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "fuzz/fuzz_support.hpp"
#include "net/line/line_server.hpp"
#include "net/text/json_writer.hpp"

namespace {

// Small, so that the fuzzer meets the limit often.
constexpr size_t max_line_bytes = 64;

// Some reply for a parsed command, carrying its strings into every writer
// the real replies use (a NaN or infinite confidence included).
sb::admin_reply made_up_reply(const sb::admin_command& c) {
  sb::admin_reply r;
  if (c.cmd == "say") {
    r.ok = false;
    r.error = c.text;
    return r;
  }
  if (c.cmd == "dial") {
    r.call_sid = c.to;
    r.status = c.from;
    return r;
  }
  sb::stored_call call;
  call.call.call_sid = c.sid;
  call.call.from_number = c.from;
  call.call.answered_by = c.to;
  sb::turn_row turn;
  turn.role = "user";
  turn.content = c.text;
  double confidence = 0;
  std::memcpy(&confidence, c.text.data(),
              std::min(c.text.size(), sizeof confidence));
  turn.confidence = confidence;
  call.turns.push_back(turn);
  r.calls.push_back(call);
  r.stats.live_calls = static_cast<int64_t>(c.text.size());
  return r;
}

// What the daemon's handler (app/daemon.cpp) answers to one line.
std::string answer(std::string_view line) {
  auto cmd = sb::parse_admin_line(line);
  if (!cmd)
    return sb::admin_error_line(sb::what(cmd.error()));
  return sb::admin_reply_line(*cmd, made_up_reply(*cmd));
}

rapidjson::Document must_parse(const std::string& line) {
  SB_FUZZ_CHECK(line.find_first_of("\r\n") == std::string::npos);
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  SB_FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  auto ok = doc.FindMember("ok");
  SB_FUZZ_CHECK(ok != doc.MemberEnd() && ok->value.IsBool());
  if (!ok->value.GetBool()) {
    auto error = doc.FindMember("error");
    SB_FUZZ_CHECK(error != doc.MemberEnd() && error->value.IsString());
  }
  return doc;
}

std::string command_json(const sb::admin_command& c) {
  rapidjson::StringBuffer buf;
  sb::json_writer w{buf};
  w.StartObject();
  sb::write_field(w, "cmd", c.cmd);
  sb::write_field(w, "sid", c.sid);
  sb::write_field(w, "to", c.to);
  sb::write_field(w, "from", c.from);
  sb::write_field(w, "text", c.text);
  w.EndObject();
  return sb::json_text(buf);
}

// The parser and writers on their own, without the socket.
void check_line(std::string_view line) {
  must_parse(answer(line));
  auto cmd = sb::parse_admin_line(line);
  if (cmd) {
    auto again = sb::parse_admin_line(command_json(*cmd));
    SB_FUZZ_CHECK(again);
    SB_FUZZ_CHECK(again->cmd == cmd->cmd && again->sid == cmd->sid
                  && again->to == cmd->to && again->from == cmd->from
                  && again->text == cmd->text);
  }
  auto error = must_parse(sb::admin_error_line(line));
  const auto& why = error["error"];
  SB_FUZZ_CHECK(std::string_view(why.GetString(), why.GetStringLength())
                == line);
}

// One server for the whole run, on a socket in a private directory.
struct server {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
    work = boost::asio::make_work_guard(ioc);
  std::string dir;
  std::unique_ptr<sb::line_server> listener;
  std::thread thread;
  std::string too_long_reply;
};

server* the_server = nullptr;

void remove_socket_dir() {
  if (the_server != nullptr) {
    ::unlink(the_server->listener->path().c_str());
    ::rmdir(the_server->dir.c_str());
  }
}

server& start_server() {
  auto* s = new server; // lives until exit, with its I/O thread
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp")
                    + "/sb-fuzz-admin-XXXXXX";
  SB_FUZZ_CHECK(::mkdtemp(dir.data()) != nullptr);
  s->dir = dir;
  sb::line_server_options opts;
  opts.max_line_bytes = max_line_bytes;
  s->too_long_reply = R"json({"ok":false,"error":"line too long (max )json"
                      + std::to_string(max_line_bytes) + R"json( bytes)"})json";
  auto started = sb::line_server::start(
    s->ioc, s->dir + "/admin.sock",
    [](std::string line, const sb::peer_info&, sb::line_responder respond) {
      respond(answer(line));
    },
    opts);
  SB_FUZZ_CHECK(started);
  s->listener = std::move(*started);
  s->thread = std::thread([s] { s->ioc.run(); });
  s->thread.detach();
  the_server = s;
  std::atexit(remove_socket_dir);
  return *s;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// The reply lines the server must send for `bytes`, as line_server.hpp
// promises: a "\r" before "\n" is dropped, blank lines are skipped, a line
// over the limit gets the too-long reply, and a last line without its
// newline counts like the others.
std::string expected_replies(std::string_view bytes, const server& s) {
  std::string out;
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    auto line = bytes.substr(0, nl);
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    if (nl != std::string_view::npos && !line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.size() > max_line_bytes)
      out += s.too_long_reply + "\n";
    else if (!is_blank(line))
      out += answer(line) + "\n";
  }
  return out;
}

// Sends `bytes` on a new connection, half-closes it, and returns all that
// comes back until the server closes. Writes and reads interleave, so a
// client sending many lines never blocks on replies it has not read.
std::string converse(const server& s, std::string_view bytes) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  SB_FUZZ_CHECK(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const auto& path = s.listener->path();
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  // A Unix socket connects at once while the server's backlog has room.
  SB_FUZZ_CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)
                == 0);
  bool shut = false;
  std::string in;
  const auto deadline = std::chrono::steady_clock::now()
                        + std::chrono::seconds(10);
  for (;;) {
    if (bytes.empty() && !shut) {
      ::shutdown(fd, SHUT_WR);
      shut = true;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (shut ? 0 : POLLOUT)), 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    int ready = ::poll(&p, 1,
                       static_cast<int>(std::max<int64_t>(0, left.count())));
    // libFuzzer's SIGALRM (its -timeout check) interrupts poll now and then.
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready != 1)
      std::fprintf(stderr,
                   "no answer within 10 s: %zu bytes unsent, %s, "
                   "received so far:\n%s\n",
                   bytes.size(), shut ? "half-closed" : "open", in.c_str());
    SB_FUZZ_CHECK(ready == 1);
    if (p.revents & POLLOUT) {
      auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0)
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        break;
      if (n > 0)
        in.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return in;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sb::log::set_level(sb::log::level::error); // one connection per input
  start_server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = sb::fuzz::as_text(data, size);
  // Each line as the server would cut it, and the input as one line.
  check_line(bytes);
  for (auto rest = bytes; !rest.empty();) {
    auto nl = rest.find('\n');
    check_line(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  auto got = converse(*the_server, bytes);
  auto want = expected_replies(bytes, *the_server);
  if (got != want)
    std::fprintf(stderr, "replies:\n%s\nexpected:\n%s\n", got.c_str(),
                 want.c_str());
  SB_FUZZ_CHECK(got == want);
  return 0;
}
