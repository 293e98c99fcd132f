// Tests for the Unix-socket line listener: a real server on a socket in a
// temporary directory, run by two I/O threads, driven by a small blocking
// client so tests can pipeline, send overlong lines, leave mid-reply and
// check the socket file itself. Every wait has a finite deadline.
#include "net/line/line_server.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using local = asio::local::stream_protocol;
using error_code = boost::system::error_code;
using sb::test::temp_dir;

constexpr auto deadline = std::chrono::seconds(5);

// One client connection. Each call runs a private io_context until its
// operation ends or the deadline passes, so a hung server fails the test
// instead of hanging it.
class test_client {
public:
  explicit test_client(const std::string& path) {
    error_code ec;
    socket_.connect(local::endpoint(path), ec);
    INFO(ec.message());
    REQUIRE_FALSE(ec);
  }

  void send(const std::string& raw) {
    auto result = run(
      [&](auto done) { asio::async_write(socket_, asio::buffer(raw), done); });
    REQUIRE_FALSE(result);
  }

  // One reply line, without its newline.
  std::string read_line() {
    size_t n = 0;
    auto result = run([&](auto done) {
      asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), '\n',
                             [&n, done](error_code ec, size_t k) {
                               n = k;
                               done(ec, k);
                             });
    });
    INFO(result.message());
    REQUIRE_FALSE(result);
    auto line = buffer_.substr(0, n - 1);
    buffer_.erase(0, n);
    return line;
  }

  // Reads some bytes of a long reply, then stops reading.
  void read_some() {
    std::array<char, 1024> chunk{};
    auto result = run(
      [&](auto done) { socket_.async_read_some(asio::buffer(chunk), done); });
    REQUIRE_FALSE(result);
  }

  // Reads until the server closes or the deadline passes.
  error_code read_to_end() {
    return run([&](auto done) {
      asio::async_read(socket_, asio::dynamic_buffer(buffer_), done);
    });
  }

  void close() {
    error_code ec;
    socket_.close(ec);
  }

private:
  // Starts one operation and runs until it ends; past the deadline the
  // socket is cancelled, so the operation ends with operation_aborted.
  template <class Start>
  error_code run(Start start) {
    error_code result;
    asio::steady_timer timer(ioc_, deadline);
    start([&](error_code ec, size_t) {
      result = ec;
      timer.cancel();
    });
    timer.async_wait([this](error_code ec) {
      if (!ec)
        socket_.cancel();
    });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  asio::io_context ioc_;
  local::socket socket_{ioc_};
  std::string buffer_;
};

// Collects what the handler receives so the test thread can answer later,
// from its own thread, in any order.
struct inbox {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> lines;
  std::vector<sb::peer_info> peers;
  std::vector<sb::line_responder> responders;

  sb::line_handler handler() {
    return [this](std::string line, const sb::peer_info& peer,
                  sb::line_responder respond) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(std::move(line));
      peers.push_back(peer);
      responders.push_back(std::move(respond));
      changed.notify_all();
    };
  }

  // True once `n` lines arrived; false if `within` passed first.
  bool wait_for(size_t n,
                std::chrono::milliseconds within = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, within, [&] { return lines.size() >= n; });
  }

  sb::line_responder responder(size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    return responders.at(i);
  }
};

// Answers at once: {"echo": LINE}.
sb::line_handler echo_handler() {
  return [](std::string line, const sb::peer_info&,
            sb::line_responder respond) { respond("{\"echo\":" + line + "}"); };
}

// The server under test, run by two I/O threads as in the daemon. The
// destructor stops ioc and joins before any member goes away.
struct server_fixture {
  temp_dir dir;
  std::string path = dir.file("admin.sock");
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    ioc.get_executor()};
  inbox box;
  std::unique_ptr<sb::line_server> server;
  std::vector<std::thread> threads;

  void start(sb::line_handler handler, sb::line_server_options opts = {}) {
    auto started = sb::line_server::start(ioc, path, std::move(handler),
                                          std::move(opts));
    INFO((started ? std::string() : sb::what(started.error())));
    REQUIRE(started);
    server = std::move(*started);
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([this] { ioc.run(); });
  }

  ~server_fixture() {
    server.reset();
    work.reset();
    ioc.stop();
    for (auto& t : threads)
      t.join();
  }
};

std::string start_error(asio::io_context& ioc, const std::string& path) {
  auto started = sb::line_server::start(ioc, path, echo_handler());
  REQUIRE_FALSE(started);
  CHECK(sb::has_code(started.error(), sb::errc::bad_config));
  return sb::what(started.error());
}

// Leaves a socket file behind with nobody listening, as a crash would.
void make_stale_socket(const std::string& path) {
  asio::io_context ioc;
  local::acceptor acceptor(ioc);
  acceptor.open();
  acceptor.bind(local::endpoint(path));
  acceptor.listen();
  acceptor.close();
  REQUIRE(fs::is_socket(path));
}

} // namespace

TEST_CASE_METHOD(server_fixture, "line_server: one request, one reply",
                 "[line_server]") {
  start(echo_handler());
  test_client client(path);
  client.send("{\"cmd\":\"stats\"}\n");
  CHECK(client.read_line() == R"({"echo":{"cmd":"stats"}})");
  CHECK(server->in_flight() == 0);
  CHECK(server->path() == path);
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: the handler sees the peer's "
                 "pid and uid",
                 "[line_server]") {
  start(box.handler());
  test_client client(path);
  client.send("1\n");
  REQUIRE(box.wait_for(1));
  CHECK(box.peers[0].pid == ::getpid());
  CHECK(box.peers[0].uid == ::getuid());
  CHECK(box.peers[0].gid == ::getgid());
  box.responder(0)("2");
  CHECK(client.read_line() == "2");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: pipelined lines are answered "
                 "in order",
                 "[line_server]") {
  start(box.handler());
  test_client client(path);
  client.send("a\nb\r\n\nc\n");
  REQUIRE(box.wait_for(3));
  CHECK(box.lines == std::vector<std::string>{"a", "b", "c"});
  CHECK(server->in_flight() == 3);
  // Answered last to first, from another thread; replies still leave in
  // request order.
  std::thread answerer([&] {
    box.responder(2)("C");
    box.responder(1)("B");
    box.responder(0)("A");
  });
  answerer.join();
  CHECK(client.read_line() == "A");
  CHECK(client.read_line() == "B");
  CHECK(client.read_line() == "C");
  CHECK(server->in_flight() == 0);
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: a full pipeline pauses reading "
                 "until a reply leaves",
                 "[line_server]") {
  sb::line_server_options opts;
  opts.max_pipeline = 4;
  start(box.handler(), opts);
  test_client client(path);
  client.send("1\n2\n3\n4\n5\n6\n");
  REQUIRE(box.wait_for(4));
  CHECK_FALSE(box.wait_for(5, std::chrono::milliseconds(100)));
  box.responder(0)("r1");
  CHECK(client.read_line() == "r1");
  REQUIRE(box.wait_for(5));
  box.responder(1)("r2");
  REQUIRE(box.wait_for(6));
  for (size_t i = 2; i < 6; ++i)
    box.responder(i)("r" + std::to_string(i + 1));
  for (int i = 2; i <= 6; ++i)
    CHECK(client.read_line() == "r" + std::to_string(i));
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: two clients are served at "
                 "once",
                 "[line_server]") {
  start(box.handler());
  test_client first(path);
  test_client second(path);
  first.send("first\n");
  REQUIRE(box.wait_for(1));
  second.send("second\n");
  REQUIRE(box.wait_for(2));
  // The second is answered while the first still waits.
  box.responder(1)("to second");
  CHECK(second.read_line() == "to second");
  box.responder(0)("to first");
  CHECK(first.read_line() == "to first");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: an overlong line gets an error "
                 "and the connection stays usable",
                 "[line_server]") {
  start(echo_handler());
  test_client client(path);
  const std::string longest(64 * 1024, '7');
  const std::string too_long =
    R"json({"ok":false,"error":"line too long (max 65536 bytes)"})json";
  client.send(std::string(70000, 'x') + "\n" + longest + "\n"
              + std::string(64 * 1024 + 1, 'y') + "\r\n\"good\"\n");
  CHECK(client.read_line() == too_long);
  CHECK(client.read_line() == "{\"echo\":" + longest + "}");
  CHECK(client.read_line() == too_long);
  CHECK(client.read_line() == R"({"echo":"good"})");
  // A second client is unaffected by the first one's garbage.
  test_client other(path);
  other.send("1\n");
  CHECK(other.read_line() == R"({"echo":1})");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: an overlong line sent in "
                 "pieces is discarded to its newline",
                 "[line_server]") {
  sb::line_server_options opts;
  opts.max_line_bytes = 16;
  start(echo_handler(), opts);
  test_client client(path);
  client.send(std::string(10, 'a'));
  client.send(std::string(10, 'b'));
  client.send(std::string(10, 'c'));
  client.send("d\n2\n");
  CHECK(client.read_line()
        == R"json({"ok":false,"error":"line too long (max 16 bytes)"})json");
  CHECK(client.read_line() == R"({"echo":2})");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: a client that leaves "
                 "mid-reply does not affect others",
                 "[line_server]") {
  const std::string big(8 * 1024 * 1024, 'z');
  start(
    [&big](std::string line, const sb::peer_info&, sb::line_responder respond) {
      respond(line == "big" ? big : "small");
    });
  test_client leaver(path);
  leaver.send("big\n");
  leaver.read_some();
  leaver.close();
  test_client stayer(path);
  stayer.send("x\n");
  CHECK(stayer.read_line() == "small");
  stayer.send("x\n");
  CHECK(stayer.read_line() == "small");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: an answer after the client "
                 "left is harmless",
                 "[line_server]") {
  start(box.handler());
  {
    test_client client(path);
    client.send("1\n");
    REQUIRE(box.wait_for(1));
  }
  box.responder(0)("late");
  test_client next(path);
  next.send("2\n");
  REQUIRE(box.wait_for(2));
  box.responder(1)("ok");
  CHECK(next.read_line() == "ok");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: a dropped responder and a "
                 "throwing handler answer internal error",
                 "[line_server]") {
  start([](std::string line, const sb::peer_info&, sb::line_responder respond) {
    if (line == "throw")
      throw std::runtime_error("boom");
    if (line == "drop")
      return;
    respond("fine");
  });
  test_client client(path);
  client.send("drop\nthrow\nok\n");
  const std::string internal = R"({"ok":false,"error":"internal error"})";
  CHECK(client.read_line() == internal);
  CHECK(client.read_line() == internal);
  CHECK(client.read_line() == "fine");
  CHECK(server->in_flight() == 0);
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: a reply's newlines cannot "
                 "split it",
                 "[line_server]") {
  start([](std::string, const sb::peer_info&, sb::line_responder respond) {
    respond("{\n\"a\": 1\r\n}");
  });
  test_client client(path);
  client.send("x\n");
  CHECK(client.read_line() == "{ \"a\": 1  }");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: after a half-close, a last "
                 "line without newline is answered, then the "
                 "connection closes",
                 "[line_server]") {
  start(echo_handler());
  local::socket raw(ioc);
  raw.connect(local::endpoint(path));
  asio::write(raw, asio::buffer(std::string("3\n4")));
  raw.shutdown(local::socket::shutdown_send);
  // Blocking read: the server's idle timeout bounds it if the close never
  // comes.
  std::string got;
  error_code ec;
  asio::read(raw, asio::dynamic_buffer(got), ec);
  CHECK(ec == asio::error::eof);
  CHECK(got == "{\"echo\":3}\n{\"echo\":4}\n");
}

// Found by fuzz/admin_line_fuzz.cpp: a last line of max_line_bytes + 1
// without its newline got no reply at all.
TEST_CASE_METHOD(server_fixture,
                 "line_server: after a half-close, a last "
                 "line one byte over the limit gets the "
                 "too-long reply",
                 "[line_server]") {
  sb::line_server_options opts;
  opts.max_line_bytes = 64;
  start(echo_handler(), opts);
  local::socket raw(ioc);
  raw.connect(local::endpoint(path));
  asio::write(raw, asio::buffer(std::string("5\n") + std::string(65, 'u')));
  raw.shutdown(local::socket::shutdown_send);
  std::string got;
  error_code ec;
  asio::read(raw, asio::dynamic_buffer(got), ec);
  CHECK(ec == asio::error::eof);
  CHECK(got
        == "{\"echo\":5}\n"
           R"json({"ok":false,"error":"line too long (max 64 bytes)"})json"
           "\n");
}

TEST_CASE_METHOD(server_fixture, "line_server: an idle connection is closed",
                 "[line_server]") {
  sb::line_server_options opts;
  opts.idle_timeout = std::chrono::milliseconds(50);
  start(echo_handler(), opts);
  test_client client(path);
  CHECK(client.read_to_end() == asio::error::eof);
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: stop_accepting refuses new "
                 "clients and serves open ones",
                 "[line_server]") {
  start(box.handler());
  test_client open(path);
  open.send("1\n");
  REQUIRE(box.wait_for(1));
  server->stop_accepting();
  // The close is posted to the acceptor's strand: a connect may still get
  // through until it has run, so try (a bounded number of times) until one
  // is refused.
  error_code ec;
  for (int i = 0; i < 10000 && ec != asio::error::connection_refused; ++i) {
    asio::io_context probe_ioc;
    local::socket probe(probe_ioc);
    probe.connect(local::endpoint(path), ec);
    std::this_thread::yield();
  }
  CHECK(ec == asio::error::connection_refused);
  box.responder(0)("still here");
  CHECK(open.read_line() == "still here");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: the socket file is mode 0660 "
                 "and unlinked on destruction",
                 "[line_server]") {
  const auto old_mask = ::umask(0);
  start(echo_handler());
  ::umask(old_mask);
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 07777) == 0660);
  server.reset();
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: a stale socket file is "
                 "replaced",
                 "[line_server]") {
  make_stale_socket(path);
  start(echo_handler());
  test_client client(path);
  client.send("1\n");
  CHECK(client.read_line() == R"({"echo":1})");
}

TEST_CASE_METHOD(server_fixture,
                 "line_server: a live socket is refused and "
                 "keeps working",
                 "[line_server]") {
  start(echo_handler());
  asio::io_context other;
  const auto why = start_error(other, path);
  CHECK(why == "another switchboardd is listening on " + path);
  REQUIRE(fs::is_socket(path));
  test_client client(path);
  client.send("1\n");
  CHECK(client.read_line() == R"({"echo":1})");
}

TEST_CASE("line_server: a path that is not a socket is refused",
          "[line_server]") {
  temp_dir dir;
  asio::io_context ioc;
  const auto file = dir.file("admin.sock");
  std::ofstream(file) << "keep me\n";
  const auto why = start_error(ioc, file);
  CHECK(why.find(file) != std::string::npos);
  CHECK(why.find("not a socket") != std::string::npos);
  std::ifstream in(file);
  std::string kept;
  std::getline(in, kept);
  CHECK(kept == "keep me");
  CHECK(start_error(ioc, dir.file("no-such-dir/admin.sock")).find("bind")
        != std::string::npos);
  CHECK(start_error(ioc, "/tmp/" + std::string(200, 's')).find("longer")
        != std::string::npos);
}
