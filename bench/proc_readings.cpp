// proc_readings: each reading opens its /proc file afresh; the fields'
// positions are proc(5)'s.
#include "proc_readings.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace sb::bench {

namespace {

// utime + stime of a /proc/.../stat file, in seconds.
double stat_cpu_s(const std::string& path) {
  std::ifstream in{path};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  // The command name may hold spaces and parentheses: fields count from
  // the last ')'.
  auto paren = text.rfind(')');
  if (paren == std::string::npos)
    return 0;
  std::istringstream fields{text.substr(paren + 2)};
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15)
      ticks += std::atof(f.c_str());
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

double process_cpu_s(pid_t pid) {
  return stat_cpu_s("/proc/" + std::to_string(pid) + "/stat");
}

std::map<std::string, double> thread_cpu_s(pid_t pid) {
  std::map<std::string, double> out;
  std::error_code ec;
  auto tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& t : std::filesystem::directory_iterator{tasks, ec}) {
    std::string name;
    std::getline(std::ifstream{t.path() / "comm"}, name);
    if (!name.empty()) // else the thread ended meanwhile
      out[name] += stat_cpu_s((t.path() / "stat").string());
  }
  return out;
}

long vm_rss_kib(pid_t pid) {
  auto line = first_line("/proc/" + std::to_string(pid) + "/status", "VmRSS:");
  return line.empty() ? 0 : std::atol(line.c_str() + 6);
}

double machine_busy_s() {
  std::ifstream in{"/proc/stat"};
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
         softirq = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
  return (user + nice + system + irq + softirq)
         / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string first_line(const std::string& path, const std::string& prefix) {
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, prefix.size(), prefix) == 0)
      return line;
  return {};
}

std::string load_avg() {
  std::istringstream in{first_line("/proc/loadavg")};
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string cpu_model() {
  auto line = first_line("/proc/cpuinfo", "model name");
  auto colon = line.find(':');
  return colon == std::string::npos ? "?" : line.substr(colon + 2);
}

void wait_quiet(int seconds, const char* who) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    auto before = machine_busy_s();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    if ((machine_busy_s() - before) / 2 < 0.15)
      return;
  }
  if (seconds > 0)
    std::fprintf(stderr, "%s: machine still busy after %d s, running anyway\n",
                 who, seconds);
}

} // namespace sb::bench
