// relay_latency: how soon a caller hears the first words of a reply over
// ConversationRelay, and how much of that is the daemon's, measured
// against the real switchboardd with a model server that streams at a
// fixed pace and stamps its first and last tokens (bench/paced_model).
// For each concurrency level and each transport (relay, gather) it starts
// a fresh model server and daemon, plays the calls (bench/bench_callers),
// stops the daemon with SIGTERM, and prints Markdown tables and the goal.
// See bench/README.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "bench_callers.hpp"
#include "bench_daemon.hpp"
#include "core/error.hpp"
#include "paced_model.hpp"
#include "proc_readings.hpp"
#include "relay_report.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sb::bench;
using std::chrono::milliseconds;

constexpr double goal_ms = 5.0; // relay's daemon share, p99

const char* const usage = R"(Usage: relay_latency [OPTIONS]

Measures the ConversationRelay transport's first-word latency against the
real switchboardd, and the <Gather> transport's for comparison, with a
local model server streaming at a fixed pace. For each level and each
transport: a fresh daemon, N concurrent callers each playing whole calls.

  --daemon PATH           switchboardd to run (default: build/app/switchboardd,
                          else ../app/switchboardd beside this program); a
                          copy of it runs, so a rebuild cannot change it
  --levels "N ..."        concurrent callers per run (default "1 200")
  --transports "T ..."    relay, gather or both (default "relay gather")
  --turns N               prompts per call (default 3)
  --seconds S             target length of a level: calls per caller =
                          S / (turns x (first-token-ms + tokens x between-ms)),
                          at least 1 (default 10)
  --calls-per-caller C    calls each caller plays (overrides --seconds)
  --first-token-ms MS     model: request to first token (default 200)
  --between-ms MS         model: between later tokens (default 40)
  --tokens N              model: tokens after the first, >= 1 (default 20)
  --timeout-ms MS         bound on each connect, request and frame (15000)
  --csv PATH              also write every turn's raw numbers (ns) there
  --quiet-wait S          before each run wait up to S seconds for the
                          machine to be idle (< 0.15 cores busy over 2 s);
                          0 = don't wait (default)
  --help                  this text

Markdown tables go to stdout, progress to stderr. Exit status: 0 when
every relay run passed the goal (daemon share p99 < 5 ms, no failed call)
and every daemon exited 0; 1 otherwise; 2 for bad options.
)";

struct options {
  std::string daemon;
  std::vector<int> levels{1, 200};
  std::vector<std::string> transports{"relay", "gather"};
  int turns = 3;
  double seconds = 10;
  int calls_per_caller = 0; // 0: from seconds
  paced_model_options pace;
  milliseconds timeout{15000};
  std::string csv;
  int quiet_wait_s = 0;
};

bool positive(const std::string& text, int& out) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 1 || v > 1000000)
    return false;
  out = static_cast<int>(v);
  return true;
}

// Reads the value of `name` into `o`; false (and a message) if bad.
bool take(options& o, const std::string& name, const std::string& value) {
  int n = 0;
  std::istringstream list{value};
  std::string word;
  if (name == "--daemon") {
    o.daemon = value;
  } else if (name == "--levels") {
    o.levels.clear();
    while (list >> word) {
      if (!positive(word, n))
        return false;
      o.levels.push_back(n);
    }
    return !o.levels.empty();
  } else if (name == "--transports") {
    o.transports.clear();
    while (list >> word) {
      if (word != "relay" && word != "gather")
        return false;
      o.transports.push_back(word);
    }
    return !o.transports.empty();
  } else if (name == "--seconds") {
    o.seconds = std::atof(value.c_str());
    return o.seconds > 0;
  } else if (name == "--csv") {
    o.csv = value;
  } else if (name == "--quiet-wait") {
    o.quiet_wait_s = std::atoi(value.c_str());
    return value.find_first_not_of("0123456789") == std::string::npos
           && !value.empty();
  } else if (!positive(value, n)) {
    return false;
  } else if (name == "--turns") {
    o.turns = n;
  } else if (name == "--calls-per-caller") {
    o.calls_per_caller = n;
  } else if (name == "--first-token-ms") {
    o.pace.first_token = milliseconds(n);
  } else if (name == "--between-ms") {
    o.pace.between = milliseconds(n);
  } else if (name == "--tokens") {
    o.pace.tokens = n;
  } else if (name == "--timeout-ms") {
    o.timeout = milliseconds(n);
  } else {
    return false;
  }
  return true;
}

// 0: run; 1: --help given; 2: bad options (said on stderr).
int parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--help" || name == "-h")
      return 1;
    if (i + 1 >= argc || !take(o, name, argv[i + 1])) {
      std::fprintf(stderr, "relay_latency: bad or unknown option %s%s%s\n%s",
                   name.c_str(), i + 1 < argc ? " " : "",
                   i + 1 < argc ? argv[i + 1] : "", usage);
      return 2;
    }
    ++i;
  }
  return 0;
}

int calls_per_caller(const options& o) {
  if (o.calls_per_caller > 0)
    return o.calls_per_caller;
  auto turn_s = static_cast<double>(
                  (o.pace.first_token + o.pace.between * o.pace.tokens).count())
                / 1000;
  return std::max(
    1, static_cast<int>(std::lround(o.seconds / (o.turns * turn_s))));
}

// One transport at one level: a fresh model server and daemon.
run_row measure(const options& o, const std::string& binary,
                const std::string& transport, int callers) {
  run_row row;
  row.transport = transport;
  row.callers = callers;
  wait_quiet(o.quiet_wait_s, "relay_latency");
  row.load_before = load_avg();
  paced_model model{o.pace};
  bench_daemon daemon;
  bench_daemon_options opts;
  opts.binary = binary;
  opts.transport = transport;
  opts.model_url = model.base_url();
  opts.model_slots = std::clamp(callers, 256, 1024);
  auto started = daemon.start(opts);
  if (!started) {
    row.start_error = sb::what(started.error());
    return row;
  }
  caller_plan plan{
    transport, daemon.base_url(),
    callers,   calls_per_caller(o),
    o.turns,   o.pace.first_token + o.pace.between * o.pace.tokens,
    o.timeout};
  // One call first, not counted: a fresh daemon's first model request
  // carries one-time costs that are not what is measured here.
  auto warm = plan;
  warm.callers = warm.calls_per_caller = 1;
  row.warmup = run_callers(warm);
  auto d0 = process_cpu_s(daemon.pid()), b0 = process_cpu_s(::getpid());
  auto m0 = machine_busy_s();
  row.result = run_callers(plan);
  auto wall = row.result.seconds;
  row.daemon_cores = (process_cpu_s(daemon.pid()) - d0) / wall;
  row.bench_cores = (process_cpu_s(::getpid()) - b0) / wall;
  row.other_cores = std::max(0.0, (machine_busy_s() - m0) / wall
                                    - row.daemon_cores - row.bench_cores);
  row.daemon_exit = daemon.stop();
  row.model_requests = model.requests();
  row.model_cut = model.cut_by_client();
  if (row.daemon_exit != 0 || row.result.calls_failed > 0
      || row.warmup.calls_failed > 0) {
    daemon.keep_dir();
    row.kept_dir = daemon.dir();
  }
  return row;
}

// Room for every caller's sockets and the model server's.
void raise_open_files() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

void print_header(const options& o, const std::string& binary) {
  char date[64];
  auto now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  std::printf("relay_latency, %s: %s; %ld cores (%s); load avg %s\n\n", date,
              binary.c_str(), ::sysconf(_SC_NPROCESSORS_ONLN),
              cpu_model().c_str(), load_avg().c_str());
  std::printf("Model pace: first token after %lld ms, then %d tokens %lld ms "
              "apart (whole reply ~%lld ms); %d turns per call, %d calls per "
              "caller.\n\n",
              static_cast<long long>(o.pace.first_token.count()), o.pace.tokens,
              static_cast<long long>(o.pace.between.count()),
              static_cast<long long>(
                (o.pace.first_token + o.pace.between * o.pace.tokens).count()),
              o.turns, calls_per_caller(o));
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (int p = parse(argc, argv, o); p != 0) {
    if (p == 1)
      std::fputs(usage, stdout);
    return p == 1 ? 0 : 2;
  }
  raise_open_files();
  // A private copy: others may rebuild the binary while this runs.
  auto source = find_program(o.daemon, "app/switchboardd");
  auto copy_dir = fs::temp_directory_path()
                  / ("sb-relay-latency-bin-" + std::to_string(::getpid()));
  auto copy = copy_dir / "switchboardd";
  std::error_code ec;
  fs::create_directories(copy_dir, ec);
  fs::copy_file(source, copy, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    std::fprintf(stderr, "relay_latency: cannot copy %s: %s\n", source.c_str(),
                 ec.message().c_str());
    return 2;
  }
  print_header(o, source);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> csv{
    o.csv.empty() ? nullptr : std::fopen(o.csv.c_str(), "w"), &std::fclose};
  if (csv)
    print_csv_header(csv.get());
  std::vector<run_row> rows;
  for (int level : o.levels)
    for (const auto& transport : o.transports) {
      std::fprintf(stderr, "relay_latency: %s, %d callers...\n",
                   transport.c_str(), level);
      rows.push_back(measure(o, copy.string(), transport, level));
      if (csv)
        print_csv(csv.get(), rows.back());
    }
  fs::remove_all(copy_dir, ec);
  print_runs(stdout, rows);
  std::printf("\n");
  bool pass = print_goals(stdout, rows, goal_ms);
  std::printf("\nNotes:\n");
  print_notes(stdout, rows);
  for (const auto& row : rows)
    pass = pass && row.daemon_exit == 0;
  return pass ? 0 : 1;
}
