// media_run: the steps of one run, in order: quiet machine, fixtures,
// daemon (healthy, then idle: its recognisers are made in the
// background), idle RSS, the simulator with the daemon watched until it
// ends, the last /metrics, SIGTERM, the database.
#include "media_run.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <rapidjson/document.h>

#include "bench_daemon.hpp"
#include "child_process.hpp"
#include "core/error.hpp"
#include "net/client/http_client.hpp"
#include "proc_readings.hpp"

namespace sb::bench {

namespace {

using namespace std::chrono_literals;

// Model and recogniser slots (one detached worker thread each) in every
// HTTP run, whatever its size, so the daemon's idle memory is the same
// at every step and what grows is the calls'. A model slot is held for a
// reply's ~0.7 s of streaming (about 80 at once at 1000 calls); a
// recogniser slot while its caller speaks (about a quarter of the calls
// at any moment with this script).
constexpr int model_slots = 256;
constexpr int stt_slots = 512;

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, {}};
}

int64_t count_lines(const std::string& path, const std::string& holding) {
  std::ifstream in{path};
  int64_t n = 0;
  for (std::string line; std::getline(in, line);)
    n += line.find(holding) != std::string::npos ? 1 : 0;
  return n;
}

std::string scrape(http_client& client, const std::string& base_url) {
  auto r = client.get(base_url + "/metrics");
  return r && r->status == 200 ? r->body : std::string{};
}

// Until the daemon's CPU stays under 5 % of a core for half a second (its
// other recognisers are made in the background after /healthz answers),
// at most 60 s.
void wait_daemon_idle(pid_t pid) {
  auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until) {
    auto before = process_cpu_s(pid);
    std::this_thread::sleep_for(500ms);
    if (process_cpu_s(pid) - before < 0.025)
      return;
  }
}

sim_spread spread_of(const rapidjson::Value& doc, const char* key) {
  sim_spread s;
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || !it->value.IsObject())
    return s;
  const auto& v = it->value;
  auto num = [&v](const char* k) {
    auto f = v.FindMember(k);
    return f != v.MemberEnd() && f->value.IsNumber() ? f->value.GetDouble()
                                                     : 0.0;
  };
  s.count = static_cast<int64_t>(num("count"));
  s.p50 = num("p50");
  s.p95 = num("p95");
  s.p99 = num("p99");
  s.max = num("max");
  return s;
}

std::vector<std::string> sim_command(const media_setup& setup,
                                     const media_scenario& sc,
                                     const std::string& base_url) {
  return {setup.sim,
          "load",
          "--transport",
          "media",
          "--json",
          "--url",
          base_url,
          "--auth-token",
          setup.auth_token,
          "--script",
          setup.script_path,
          "--calls",
          std::to_string(sc.live * sc.rounds),
          "--concurrency",
          std::to_string(sc.live),
          "--ramp-ms",
          std::to_string(sc.ramp.count()),
          "--threads",
          std::to_string(setup.sim_threads)};
}

// Samples while the simulator runs: the most streams live at once, and
// the daemon's largest RSS at that count.
struct watch {
  int peak_streams = 0;
  long rss_at_peak_kib = 0;

  void sample(http_client& client, const std::string& base_url, pid_t pid) {
    auto streams = static_cast<int>(
      metric_value(scrape(client, base_url), "switchboard_media_streams"));
    long rss = vm_rss_kib(pid);
    if (streams > peak_streams) {
      peak_streams = streams;
      rss_at_peak_kib = rss;
    } else if (streams == peak_streams) {
      rss_at_peak_kib = std::max(rss_at_peak_kib, rss);
    }
  }
};

// The simulator from start to end with the daemon watched meanwhile;
// then the CPU shares and the last /metrics.
void play(const media_setup& setup, const media_scenario& sc,
          bench_daemon& daemon, media_result& r) {
  http_client client{2s};
  child_process sim;
  auto log = daemon.dir() + "/sim.out";
  auto threads0 = thread_cpu_s(daemon.pid());
  auto d0 = process_cpu_s(daemon.pid());
  auto b0 = process_cpu_s(::getpid());
  auto m0 = machine_busy_s();
  auto t0 = std::chrono::steady_clock::now();
  if (!sim.start(sim_command(setup, sc, daemon.base_url()), log)) {
    r.start_error = "cannot start " + setup.sim;
    return;
  }
  watch w;
  while (sim.running()) {
    w.sample(client, daemon.base_url(), daemon.pid());
    std::this_thread::sleep_for(250ms);
  }
  auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - t0)
                .count();
  r.sim_exit = sim.exit_status();
  r.sim_cores = sim.cpu_s() / wall;
  r.daemon_cores = (process_cpu_s(daemon.pid()) - d0) / wall;
  for (const auto& [name, cpu] : thread_cpu_s(daemon.pid()))
    r.thread_cores[name] = (cpu - threads0[name]) / wall;
  r.bench_cores = (process_cpu_s(::getpid()) - b0) / wall;
  r.other_cores = std::max(0.0, (machine_busy_s() - m0) / wall - r.sim_cores
                                  - r.daemon_cores - r.bench_cores);
  r.peak_streams = w.peak_streams;
  r.rss_peak_kib = w.rss_at_peak_kib;
  r.sim = read_sim_json(read_file(log));
  auto text = scrape(client, daemon.base_url());
  r.frame_lag = read_histogram(text, "switchboard_media_frame_lag_seconds");
  r.barge_in = read_histogram(text, "switchboard_barge_in_seconds");
  r.daemon_late_frames = metric_value(text,
                                      "switchboard_media_late_frames_total");
  r.frames_in = metric_value(text, "switchboard_media_frames_in_total");
}

} // namespace

std::string
media_daemon_config(const media_setup& setup, const media_scenario& sc,
                    int port, const std::string& dir,
                    const std::string& stt_url, const std::string& model_url) {
  std::ostringstream t;
  t << "# written by bench/media_bench\n"
    << "[server]\nlisten = \"127.0.0.1:" << port << "\"\n"
    << "public_url = \"http://127.0.0.1:" << port << "\"\nio_threads = 2\n"
    << "[twilio]\nauth_token = \"" << setup.auth_token << "\"\n"
    << "[voice]\ntransport = \"media\"\nlanguage = \"en-US\"\n"
    << "greeting = \"Hello, how can I help you today?\"\n";
  if (sc.embedded) {
    t << "[llm]\nbackend = \"scripted\"\n";
  } else {
    // Every reply goes straight to a slot, and is never cut.
    t << "[llm]\nbackend = \"ollama\"\nmodel = \"bench\"\ntimeout_s = 120\n"
      << "max_queue = 100000\nmax_reply_chars = 4000\n"
      << "[[llm.endpoints]]\nurl = \"" << model_url << "\"\n"
      << "slots = " << model_slots << "\n";
  }
  t << "[tts]\nengine = \"espeak\"\nvoice = \"en-us\"\n"
    << "cache_dir = \"" << dir << "/audio-cache\"\n";
  if (sc.embedded) {
    // A streaming decoder is held while its caller speaks: one per call
    // (docs/speech.md), so no caller waits for one.
    t << "[stt]\nengine = \"pocketsphinx\"\nworkers = "
      << std::clamp(sc.live, 2, 64) << "\n";
  } else {
    // An HTTP slot is held from the start of speech too, but an
    // utterance that waits for one loses nothing (the whole of it is sent
    // at its end). No pocketsphinx fallback: it is never needed, and each
    // decoder costs ~100 MB.
    t << "[stt]\nengine = \"whisper\"\nfallback = \"\"\nmax_queue = 100000\n"
      << "[[stt.endpoints]]\nurl = \"" << stt_url << "\"\n"
      << "slots = " << stt_slots << "\n";
  }
  t << "[storage]\npath = \"" << dir << "/switchboard.db\"\n"
    << "[admin]\nsocket = \"" << dir << "/switchboard.sock\"\n"
    << "[limits]\nmax_calls = 100000\n"
    << "[log]\nlevel = \"warning\"\n"
    << "[runtime]\nscheduler_threads = 2\n";
  return t.str();
}

sim_figures read_sim_json(const std::string& output) {
  sim_figures f;
  std::istringstream lines{output};
  std::string line, json;
  while (std::getline(lines, line))
    if (!line.empty() && line.front() == '{')
      json = line;
  rapidjson::Document doc;
  if (json.empty() || doc.Parse(json.c_str()).HasParseError()
      || !doc.IsObject())
    return f;
  auto integer = [&doc](const char* k) -> int64_t {
    auto it = doc.FindMember(k);
    return it != doc.MemberEnd() && it->value.IsNumber()
             ? static_cast<int64_t>(it->value.GetDouble())
             : 0;
  };
  f.parsed = true;
  f.calls = integer("calls");
  f.calls_ok = integer("calls_ok");
  f.calls_failed = integer("calls_failed");
  f.wall_s = doc.HasMember("wall_s") ? doc["wall_s"].GetDouble() : 0;
  f.replies = integer("replies");
  f.turn_gap = spread_of(doc, "turn_gap_ms");
  f.barge_in = spread_of(doc, "barge_in_ms");
  f.interrupted = integer("interrupted");
  f.no_clear = integer("no_clear");
  f.playback_gaps = integer("playback_gaps");
  f.playback_gap_max_ms = doc.HasMember("playback_gap_max_ms")
                            ? doc["playback_gap_max_ms"].GetDouble()
                            : 0;
  f.frames_sent = integer("frames_sent");
  f.late_frames = integer("late_frames");
  if (doc.HasMember("errors") && doc["errors"].IsObject())
    for (const auto& e : doc["errors"].GetObject())
      f.errors[e.name.GetString()] = e.value.GetInt64();
  return f;
}

media_result run_media_scenario(const media_setup& setup,
                                const media_scenario& sc) {
  media_result r;
  r.scenario = sc;
  wait_quiet(setup.quiet_wait_s, "media_bench");
  r.load_before = load_avg();
  std::optional<paced_model> model;
  std::optional<canned_stt> stt;
  if (!sc.embedded) {
    model.emplace(setup.pace);
    stt.emplace(setup.stt);
  }
  bench_daemon daemon{"sb-media-bench"};
  bench_daemon_options opts;
  opts.binary = setup.daemon;
  opts.config = [&](int port, const std::string& dir) {
    return media_daemon_config(setup, sc, port, dir, stt ? stt->base_url() : "",
                               model ? model->base_url() : "");
  };
  if (auto started = daemon.start(opts); !started) {
    r.start_error = what(started.error());
    daemon.keep_dir();
    r.kept_dir = daemon.dir();
    return r;
  }
  wait_daemon_idle(daemon.pid());
  r.rss_idle_kib = vm_rss_kib(daemon.pid());
  play(setup, sc, daemon, r);
  r.daemon_exit = daemon.stop();
  if (auto parts = read_turn_parts(daemon.dir() + "/switchboard.db"))
    r.turns = std::move(*parts);
  else
    r.db_error = what(parts.error());
  r.stt_failures = count_lines(daemon.dir() + "/daemon.log",
                               "recognition failed");
  if (model)
    r.model_requests = model->requests();
  if (stt)
    r.stt_requests = stt->answered();
  if (setup.keep_dirs || r.daemon_exit != 0 || r.sim_exit != 0
      || !r.start_error.empty() || !r.db_error.empty()) {
    daemon.keep_dir();
    r.kept_dir = daemon.dir();
  }
  return r;
}

} // namespace sb::bench
