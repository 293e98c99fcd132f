// bench_daemon: everything the child needs (argv, environment, the log's
// descriptor) is made before fork(), so the child of this threaded
// process only calls dup2() and execve(), both async-signal-safe.
#include "bench_daemon.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.hpp"
#include "net/client/http_client.hpp"

extern char** environ;

namespace sb::bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A port nothing listens on now (bound to 0, read back, released).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
      && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// The environment less the variables switchboardd reads over its config
// file, so the config written here is what runs.
std::vector<std::string> daemon_environment() {
  static const char* const dropped[] = {"TWILIO_ACCOUNT_SID",
                                        "TWILIO_AUTH_TOKEN",
                                        "TWILIO_PHONE_NUMBER",
                                        "PUBLIC_URL",
                                        "SILENCE_THRESHOLD_SECONDS",
                                        "OLLAMA_HOST",
                                        "OLLAMA_MODEL",
                                        "USE_LOCAL_LLM",
                                        "USE_LOCAL_TTS",
                                        "TTS_ENGINE"};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view var{*e};
    bool drop = false;
    for (auto name : dropped)
      drop = drop || var.substr(0, var.find('=')) == name;
    if (!drop)
      env.emplace_back(var);
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

caf::error failed(std::string why) {
  return make_error(errc::backend_failed, std::move(why));
}

} // namespace

std::string find_program(const std::string& given,
                         const std::string& in_build) {
  if (!given.empty())
    return given;
  if (fs::exists("build/" + in_build))
    return "build/" + in_build;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path().parent_path() / in_build).string();
}

std::string bench_daemon_config(const bench_daemon_options& o, int port,
                                const std::string& dir) {
  auto url = "http://127.0.0.1:" + std::to_string(port);
  std::ostringstream t;
  t << "# written by bench/relay_latency\n"
    << "[server]\nlisten = \"127.0.0.1:" << port << "\"\n"
    << "public_url = \"" << url << "\"\nio_threads = 2\n"
    << "[twilio]\nvalidate_signatures = false\n"
    << "[voice]\ntransport = \"" << o.transport << "\"\n"
    << "[llm]\nbackend = \"ollama\"\nmodel = \"bench\"\ntimeout_s = 120\n"
    // Every turn goes straight to a slot, and the reply is never capped
    // (the done stamp is its last sentence).
    << "max_queue = 100000\nmax_reply_chars = 4000\n"
    << "[[llm.endpoints]]\nurl = \"" << o.model_url << "\"\n"
    << "slots = " << o.model_slots << "\n"
    << "[tts]\nengine = \"say\"\ncache_dir = \"" << dir << "/audio-cache\"\n"
    << "[storage]\npath = \"" << dir << "/switchboard.db\"\n"
    << "[admin]\nsocket = \"" << dir << "/switchboard.sock\"\n"
    << "[limits]\nmax_calls = 100000\n"
    << "[log]\nlevel = \"warning\"\n"
    << "[runtime]\nscheduler_threads = 2\n";
  return t.str();
}

bench_daemon::bench_daemon(const std::string& prefix) {
  std::error_code ec;
  auto base = fs::temp_directory_path(ec);
  std::string tmpl =
    ((ec ? fs::path{"/tmp"} : base) / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) != nullptr)
    dir_ = tmpl;
}

bench_daemon::~bench_daemon() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_exit(10000);
  }
  std::error_code ec;
  if (!keep_ && !dir_.empty())
    fs::remove_all(dir_, ec);
}

caf::expected<void> bench_daemon::start(const bench_daemon_options& opts) {
  port_ = free_port();
  if (dir_.empty() || port_ == 0)
    return failed("no temp directory or no free port");
  auto config_path = dir_ + "/config.toml";
  std::ofstream{config_path}
    << (opts.config ? opts.config(port_, dir_)
                    : bench_daemon_config(opts, port_, dir_));
  std::vector<std::string> args{opts.binary, "--config", config_path};
  auto env = daemon_environment();
  auto argv = pointers(args);
  auto envp = pointers(env);
  int log_fd = ::open((dir_ + "/daemon.log").c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0)
    return failed("cannot write " + dir_ + "/daemon.log");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(log_fd);
  if (pid_ < 0)
    return failed(std::string{"fork: "} + std::strerror(errno));
  http_client probe{1s};
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    auto r = probe.get(base_url() + "/healthz");
    if (r && r->status == 200)
      return caf::unit;
    if (wait_exit(0) != -1 || pid_ <= 0)
      return failed(opts.binary + " exited at start:\n" + log_tail());
    std::this_thread::sleep_for(50ms);
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_exit(10000);
  }
  return failed(opts.binary + " not healthy within 20 s:\n" + log_tail());
}

int bench_daemon::wait_exit(int ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = -1;
      if (r < 0)
        return -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= until)
      return -1;
    std::this_thread::sleep_for(10ms);
  }
}

int bench_daemon::stop() {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  int rc = wait_exit(30000);
  if (pid_ > 0) { // still there: killed, and reported as -1
    ::kill(pid_, SIGKILL);
    wait_exit(10000);
    return -1;
  }
  return rc;
}

std::string bench_daemon::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string bench_daemon::log_tail(size_t bytes) const {
  std::ifstream in{dir_ + "/daemon.log"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

} // namespace sb::bench
