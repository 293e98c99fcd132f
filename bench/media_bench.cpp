// media_bench: the Media Streams transport measured end to end against
// the real switchboardd, every figure from one command: the turn gap and
// its parts (and the daemon's own share of it) on the embedded stack at
// a few concurrent calls and with an HTTP recogniser and a paced model at
// many; the barge-in reaction; and density, the most live media calls
// this machine carries with inbound frames handled in time and no
// playback gap, stepping the count up until a criterion fails, with the
// memory each live call costs. Each run is bench/media_run; the tables
// are bench/media_report. See bench/README.md, "media".
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench_daemon.hpp"
#include "cli/sim/sim_load.hpp"
#include "media_report.hpp"
#include "media_run.hpp"
#include "proc_readings.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sb::bench;
using std::chrono::milliseconds;

const char* const usage = R"(Usage: media_bench [OPTIONS]

Measures switchboardd's Media Streams transport with switchboard-sim's
media load: turn gap and its parts, barge-in reaction, and density. Each
run starts a fresh daemon (voice.transport = "media") and plays every
caller the same script (below) over the sim's Media Streams calls.

  --daemon PATH        switchboardd (default build/app/switchboardd); a copy
                       runs, so a rebuild cannot change it
  --sim PATH           switchboard-sim (default build/cli/switchboard-sim)
  --embedded "N ..."   calls live at once on the embedded stack (pocketsphinx,
                       scripted model, espeak-ng), one run each (default
                       "1 4 20"; "" for none)
  --embedded-rounds R  calls each live slot plays in turn there (default 3
                       at 1 call, 2 up to 10, 1 above)
  --levels "N ..."     density steps with the HTTP recogniser and the paced
                       model, in order, until one fails (default
                       "50 100 200 400 600 800 1000 1600"; "" for none)
  --all-levels         run every level even after one failed
  --ramp-ms MS         the first calls of a run start spread over MS ms
                       (default 5000; a single call starts at once)
  --sim-threads K      switchboard-sim load --threads (default 2)
  --stt-delay-ms MS    the recogniser's answer, after the request (default 100)
  --first-token-ms MS  the model's first token (default 200)
  --between-ms MS      the model's later tokens (default 40)
  --tokens N           the model's tokens after the first (default 12)
  --quiet-wait S       before each run, wait up to S s for an idle machine
                       (default 0)
  --keep               keep every daemon's directory (log, config, database)
  --help               this text

Every caller: waits for the greeting, says a sentence, talks over the
reply 1.5 s into it with a question, and after that reply says one more
sentence (bench/media_bench.cpp, caller_script). Markdown tables on stdout,
progress on stderr. Exit status 0 when every goal passed, 1 otherwise, 2
for bad options.
)";

// What each caller does: one reply to talk over, three turn gaps.
const char* const caller_script =
  "# bench/media_bench: what every caller says\n"
  "Hello, I would like to check on my order.\n"
  "interrupt 1.5: Wait, what time do you open tomorrow?\n"
  "Thank you, I will call again next week.\n";

struct options {
  media_setup setup;
  std::vector<int> embedded{1, 4, 20};
  int embedded_rounds = 0; // 0: 3 at one call, 2 up to 10, 1 above
  std::vector<int> levels{50, 100, 200, 400, 600, 800, 1000, 1600};
  bool all_levels = false;
  milliseconds ramp{5000};
};

bool number(const std::string& text, int lo, int hi, int& out) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < lo || v > hi)
    return false;
  out = static_cast<int>(v);
  return true;
}

bool number_list(const std::string& text, std::vector<int>& out) {
  out.clear();
  std::istringstream words{text};
  std::string w;
  int n = 0;
  while (words >> w) {
    if (!number(w, 1, 100000, n))
      return false;
    out.push_back(n);
  }
  return true;
}

bool take(options& o, const std::string& name, const std::string& v) {
  int n = 0;
  auto& s = o.setup;
  if (name == "--daemon")
    s.daemon = v;
  else if (name == "--sim")
    s.sim = v;
  else if (name == "--embedded")
    return number_list(v, o.embedded);
  else if (name == "--levels")
    return number_list(v, o.levels);
  else if (!number(v, 0, 1000000, n))
    return false;
  else if (name == "--embedded-rounds" && n > 0)
    o.embedded_rounds = n;
  else if (name == "--ramp-ms")
    o.ramp = milliseconds(n);
  else if (name == "--sim-threads" && n >= 1 && n <= 64)
    s.sim_threads = n;
  else if (name == "--stt-delay-ms")
    s.stt.delay = milliseconds(n);
  else if (name == "--first-token-ms")
    s.pace.first_token = milliseconds(n);
  else if (name == "--between-ms")
    s.pace.between = milliseconds(n);
  else if (name == "--tokens" && n >= 1)
    s.pace.tokens = n;
  else if (name == "--quiet-wait")
    s.quiet_wait_s = n;
  else
    return false;
  return true;
}

// 0: run; 1: --help; 2: bad options (said on stderr).
int parse(int argc, char** argv, options& o) {
  o.setup.pace.tokens = 12;
  o.setup.pace.stamped = false;
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--help" || name == "-h")
      return 1;
    if (name == "--all-levels" || name == "--keep") {
      (name == "--keep" ? o.setup.keep_dirs : o.all_levels) = true;
      continue;
    }
    if (i + 1 >= argc || !take(o, name, argv[i + 1])) {
      std::fprintf(stderr, "media_bench: bad or unknown option %s%s%s\n%s",
                   name.c_str(), i + 1 < argc ? " " : "",
                   i + 1 < argc ? argv[i + 1] : "", usage);
      return 2;
    }
    ++i;
  }
  return 0;
}

void print_header(const options& o, const std::string& daemon) {
  char date[64];
  auto now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  const auto& p = o.setup.pace;
  std::printf("media_bench, %s: %s; %ld cores (%s); load avg %s\n\n", date,
              daemon.c_str(), ::sysconf(_SC_NPROCESSORS_ONLN),
              cpu_model().c_str(), load_avg().c_str());
  std::printf("HTTP runs: the recogniser answers %lld ms after each request; "
              "the model's first token after %lld ms, then %d tokens %lld ms "
              "apart. Calls start spread over %lld ms; switchboard-sim runs %d "
              "I/O threads.\n\n",
              static_cast<long long>(o.setup.stt.delay.count()),
              static_cast<long long>(p.first_token.count()), p.tokens,
              static_cast<long long>(p.between.count()),
              static_cast<long long>(o.ramp.count()), o.setup.sim_threads);
}

media_scenario scenario(bool embedded, int live, int rounds,
                        milliseconds ramp) {
  media_scenario sc;
  sc.embedded = embedded;
  sc.live = live;
  sc.rounds = rounds;
  sc.ramp = live > 1 ? ramp : milliseconds(0);
  return sc;
}

void progress(const media_result& r) {
  std::fprintf(stderr,
               "media_bench:   %lld calls ok, %lld failed, %zu turns, %d "
               "streams seen, sim exit %d, daemon exit %d%s%s\n",
               static_cast<long long>(r.sim.calls_ok),
               static_cast<long long>(r.sim.calls_failed), r.turns.gap.size(),
               r.peak_streams, r.sim_exit, r.daemon_exit,
               r.start_error.empty() ? "" : ", ", r.start_error.c_str());
}

std::vector<media_result> run_all(const options& o) {
  std::vector<media_result> runs;
  media_goals goals;
  for (int live : o.embedded) {
    int rounds = o.embedded_rounds > 0 ? o.embedded_rounds
                 : live == 1           ? 3
                 : live <= 10          ? 2
                                       : 1;
    std::fprintf(stderr, "media_bench: embedded, %d calls live...\n", live);
    runs.push_back(
      run_media_scenario(o.setup, scenario(true, live, rounds, o.ramp)));
    progress(runs.back());
  }
  for (int live : o.levels) {
    std::fprintf(stderr,
                 "media_bench: HTTP STT + paced model, %d calls "
                 "live...\n",
                 live);
    runs.push_back(
      run_media_scenario(o.setup, scenario(false, live, 1, o.ramp)));
    progress(runs.back());
    auto why = density_failure(runs.back(), goals);
    if (!why.empty() && !o.all_levels) {
      std::fprintf(stderr, "media_bench: %d calls failed (%s); stopping\n",
                   live, why.c_str());
      break;
    }
  }
  return runs;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (int p = parse(argc, argv, o); p != 0) {
    if (p == 1)
      std::fputs(usage, stdout);
    return p == 1 ? 0 : 2;
  }
  sb::raise_open_files_limit(); // the daemon and the sim inherit it
  auto source = find_program(o.setup.daemon, "app/switchboardd");
  o.setup.sim = find_program(o.setup.sim, "cli/switchboard-sim");
  // A private copy of the daemon: others may rebuild it meanwhile.
  auto work = fs::temp_directory_path()
              / ("sb-media-bench-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(work, ec);
  o.setup.daemon = (work / "switchboardd").string();
  fs::copy_file(source, o.setup.daemon, fs::copy_options::overwrite_existing,
                ec);
  if (ec) {
    std::fprintf(stderr, "media_bench: cannot copy %s: %s\n", source.c_str(),
                 ec.message().c_str());
    return 2;
  }
  o.setup.script_path = (work / "caller.txt").string();
  std::ofstream{o.setup.script_path} << caller_script;
  print_header(o, source);
  auto runs = run_all(o);
  fs::remove_all(work, ec);
  media_goals goals;
  std::printf("Turn gap and its parts (ms, p50 / p95 / p99; the daemon's "
              "`turns` table):\n\n");
  print_turn_gaps(stdout, runs);
  std::printf("\nBarge-in (caller speech start to `clear`):\n\n");
  print_barge_ins(stdout, runs);
  std::printf("\nDensity (HTTP STT + paced model):\n\n");
  print_density(stdout, runs, goals);
  std::printf("\nCPU while the calls ran (cores):\n\n");
  print_cpu(stdout, runs);
  std::printf("\nGoals:\n\n");
  bool pass = print_media_goals(stdout, runs, goals);
  std::printf("\nNotes:\n\n");
  print_media_notes(stdout, runs);
  return pass ? 0 : 1;
}
