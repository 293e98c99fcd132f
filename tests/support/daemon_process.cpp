#include "support/daemon_process.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tests/support/paths.hpp"

namespace sb::test {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string daemon_config(const daemon_options& o, int port) {
  std::ostringstream t;
  auto url = "http://127.0.0.1:" + std::to_string(port);
  t << "[server]\nlisten = \"127.0.0.1:" << port << "\"\n"
    << "public_url = \"" << url << "\"\nio_threads = 2\n"
    << o.server_extra << "[twilio]\naccount_sid = \"" << o.account_sid << "\"\n"
    << "auth_token = \"" << o.auth_token << "\"\n"
    << "phone_number = \"" << o.phone_number << "\"\n"
    << "api_base = \"" << o.api_base << "\"\n"
    << "validate_signatures = " << (o.validate_signatures ? "true" : "false")
    << "\nasync_amd = " << (o.async_amd ? "true" : "false")
    << "\nrest_timeout_ms = 2000\n"
    << "[voice]\nmachine_action = \"" << o.machine_action << "\"\n"
    << o.voice_extra << "[storage]\npath = \"" << o.db_path << "\"\n"
    << o.storage_extra << "[admin]\nsocket = \"" << o.db_path << ".sock\"\n"
    << "token = \"" << o.admin_token << "\"\n"
    << "[console]\nlisten = \"" << o.console_listen << "\"\n"
    << o.console_extra << "[limits]\nmax_calls = " << o.max_calls << "\n"
    << "webhook_deadline_ms = " << o.webhook_deadline_ms << "\n"
    << "call_idle_timeout_s = " << o.call_idle_timeout_s << "\n"
    << "max_await_redirects = " << o.max_await_redirects << "\n"
    << "[tts]\nengine = \"" << o.tts_engine << "\"\n"
    << "cache_dir = \"" << o.db_path << ".audio\"\n"
    << o.tts_extra << "[runtime]\nscheduler_threads = 2\n"
    << o.extra_toml;
  return t.str();
}

// The daemon's stderr, drained by a thread so the pipe never fills.
struct daemon_process::output {
  std::mutex mtx;
  std::condition_variable changed;
  std::string text;
  bool closed = false;
  std::thread reader;

  void drain(int fd) {
    char buf[4096];
    for (;;) {
      auto n = read(fd, buf, sizeof(buf));
      std::lock_guard<std::mutex> guard{mtx};
      if (n <= 0) {
        closed = true;
        changed.notify_all();
        break;
      }
      text.append(buf, static_cast<size_t>(n));
      changed.notify_all();
    }
    close(fd);
  }
};

namespace {

// The daemon's last start-up line: every listener is up.
constexpr const char* ready_line = "<5>listening on ";

std::string binary_path() {
  return sb::test::binary_dir() + "/app/switchboardd";
}

// In the child, before exec: the storage faults of daemon_options. A step
// that fails says which on stderr (the test reads it in log()) and the
// child exits rather than run the daemon without its fault.
void prepare_faults(const daemon_options& o) {
  if (o.ignore_sigxfsz)
    std::signal(SIGXFSZ, SIG_IGN);
  if (o.tmpfs_dir.empty())
    return;
  auto fail = [](const char* step) {
    dprintf(STDERR_FILENO, "tmpfs: %s: %s\n", step, std::strerror(errno));
    _exit(125);
  };
  if (unshare(CLONE_NEWNS) != 0)
    fail("unshare(CLONE_NEWNS)");
  // Private, so the tmpfs never shows in the test's own namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    fail("mount --make-rprivate /");
  auto size = "size=" + std::to_string(o.tmpfs_bytes);
  if (mount("tmpfs", o.tmpfs_dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
            size.c_str())
      != 0)
    fail("mount tmpfs");
}

pid_t spawn(const std::vector<std::string>& args, int out_fd,
            const daemon_options* faults = nullptr) {
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  if (faults)
    prepare_faults(*faults);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The prototype's variables must not leak in from the developer's shell.
  for (auto name :
       {"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER",
        "PUBLIC_URL", "SILENCE_THRESHOLD_SECONDS", "OLLAMA_HOST",
        "OLLAMA_MODEL", "USE_LOCAL_LLM", "USE_LOCAL_TTS", "TTS_ENGINE"})
    unsetenv(name);
  execv(argv[0], argv.data());
  _exit(127);
}

} // namespace

daemon_process::daemon_process(const daemon_options& opts,
                               const std::string& dir)
  : out_(std::make_shared<output>()) {
  port_ = free_port();
  auto cfg_path = dir + "/config-" + std::to_string(port_) + ".toml";
  config_path_ = cfg_path;
  std::ofstream{cfg_path} << daemon_config(opts, port_);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return;
  db_path_ = opts.db_path;
  own_namespace_ = !opts.tmpfs_dir.empty();
  pid_ = spawn({binary_path(), "--config", cfg_path}, fds[1], &opts);
  close(fds[1]);
  out_->reader = std::thread([o = out_, fd = fds[0]] { o->drain(fd); });
  std::unique_lock<std::mutex> lock{out_->mtx};
  bool ok = out_->changed.wait_for(lock, std::chrono::seconds(20), [this] {
    return out_->text.find(ready_line) != std::string::npos || out_->closed;
  });
  if (!ok || out_->text.find(ready_line) == std::string::npos) {
    lock.unlock();
    kill_hard();
  }
}

daemon_process::~daemon_process() {
  kill_hard();
  if (out_->reader.joinable())
    out_->reader.join();
}

std::string daemon_process::proc_path(const std::string& path) const {
  return "/proc/" + std::to_string(pid_) + "/root" + path;
}

std::string daemon_process::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

// "console: http://HOST:PORT/ (files ...)", logged before the ready line.
int daemon_process::console_port() const {
  const std::string marker = "console: http://";
  auto text = log();
  auto at = text.find(marker);
  if (at == std::string::npos)
    return 0;
  auto slash = text.find('/', at + marker.size());
  auto colon = text.rfind(':', slash);
  if (slash == std::string::npos || colon == std::string::npos || colon < at)
    return 0;
  return std::atoi(text.substr(colon + 1, slash - colon - 1).c_str());
}

int daemon_process::wait_exit(int timeout_ms) {
  auto until = std::chrono::steady_clock::now()
               + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  // A pidfd becomes readable when the child exits: poll it, bounded.
  // (The syscall itself: glibc 2.36's <sys/pidfd.h> lacks extern "C".)
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0)
    return -1;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
    pollfd exited{pidfd, POLLIN, 0};
    if (left.count() <= 0
        || ::poll(&exited, 1, static_cast<int>(left.count())) == 0) {
      if (waitpid(pid_, &status, WNOHANG) != 0)
        break;
      ::close(pidfd);
      return -1;
    }
  }
  ::close(pidfd);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int daemon_process::stop() {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  return wait_exit(20000);
}

void daemon_process::kill_hard() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  wait_exit(20000);
}

std::string daemon_process::log() const {
  std::lock_guard<std::mutex> guard{out_->mtx};
  return out_->text;
}

bool daemon_process::wait_for_log(const std::string& text,
                                  int timeout_ms) const {
  std::unique_lock<std::mutex> lock{out_->mtx};
  return out_->changed.wait_for(
    lock, std::chrono::milliseconds(timeout_ms),
    [&] { return out_->text.find(text) != std::string::npos; });
}

void daemon_process::signal(int sig) {
  if (pid_ > 0)
    ::kill(pid_, sig);
}

std::string admin_request(const std::string& path, const std::string& line) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return {};
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  auto out = line + "\n";
  if (write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
    close(fd);
    return {};
  }
  std::string reply;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n')
    reply += c;
  close(fd);
  return reply;
}

namespace {

int run_to_end(std::vector<std::string> argv, std::string& output_text) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  pid_t pid = spawn(argv, fds[1]);
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0)
    output_text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

int run_daemon_command(const std::vector<std::string>& args,
                       std::string& output_text) {
  std::vector<std::string> argv{binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_to_end(std::move(argv), output_text);
}

int run_ctl_command(const std::vector<std::string>& args,
                    std::string& output_text) {
  std::vector<std::string> argv{sb::test::binary_dir() + "/cli/switchboardctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_to_end(std::move(argv), output_text);
}

int run_sim_command(const std::vector<std::string>& args,
                    std::string& output_text) {
  std::vector<std::string> argv{sb::test::binary_dir()
                                + "/cli/switchboard-sim"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_to_end(std::move(argv), output_text);
}

std::vector<std::map<std::string, std::string>>
query(const std::string& db_path, const std::string& sql) {
  std::vector<std::map<std::string, std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
      != SQLITE_OK) {
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::map<std::string, std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        auto text = sqlite3_column_text(stmt, i);
        row[sqlite3_column_name(stmt, i)] = text
                                              ? reinterpret_cast<const char*>(
                                                text)
                                              : "NULL";
      }
      rows.push_back(std::move(row));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

long long query_int(const std::string& db_path, const std::string& sql) {
  auto rows = query(db_path, sql);
  if (rows.empty() || rows.front().empty())
    return -1;
  return std::atoll(rows.front().begin()->second.c_str());
}

namespace {

// Rows through a pipe: a name, a value, each ended by \x1f; each row ended
// by \x1e. Neither byte occurs in the texts the tests store.
using rows = std::vector<std::map<std::string, std::string>>;

std::string pack(const rows& all) {
  std::string out;
  for (const auto& row : all) {
    for (const auto& [name, value] : row)
      out += name + '\x1f' + value + '\x1f';
    out += '\x1e';
  }
  return out;
}

rows unpack(const std::string& text) {
  rows all;
  std::map<std::string, std::string> row;
  std::string field, name;
  bool have_name = false;
  for (char c : text) {
    if (c == '\x1e') {
      all.push_back(std::move(row));
      row.clear();
    } else if (c == '\x1f') {
      if (have_name)
        row[name] = field;
      else
        name = field;
      have_name = !have_name;
      field.clear();
    } else {
      field += c;
    }
  }
  return all;
}

} // namespace

rows daemon_process::query(const std::string& sql) const {
  if (!own_namespace_ || pid_ <= 0)
    return test::query(db_path_, sql);
  // SQLite resolves /proc/<pid>/root back to our own namespace, so the
  // reader must live in the daemon's: a child joins it, reads, and hands
  // the rows back. The child of a threaded process has one thread, which
  // setns(CLONE_NEWNS) requires.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return {};
  auto ns_path = "/proc/" + std::to_string(pid_) + "/ns/mnt";
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    int ns = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNS) != 0)
      _exit(2);
    auto out = pack(test::query(db_path_, sql));
    for (size_t done = 0; done < out.size();) {
      auto n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0)
        _exit(3);
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0)
    text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {};
  return unpack(text);
}

long long daemon_process::query_int(const std::string& sql) const {
  auto all = query(sql);
  if (all.empty() || all.front().empty())
    return -1;
  return std::atoll(all.front().begin()->second.c_str());
}

} // namespace sb::test
