// stt_bench: what speech recognition costs and how soon the text is there.
//
//   1. pocketsphinx alone: one decoder, each recording of Debian's
//      pocketsphinx-testdata that bench/stt_wer scores, through the phone
//      path, given all at once, on this thread: CPU seconds per second of
//      audio, and the decoder's making.
//   2. Through the STT pool (actors/stt.hpp, stt.engine = pocketsphinx):
//      talkers speak the recordings in real time, one after another with a
//      pause between, and the tail (end of speech -> the text at the
//      talker) is timed, fed as spoken (20 ms pieces as the caller speaks:
//      the decoder works while they talk) against all at once at the end.
//
// See bench/README.md for the command and the latest figures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <time.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "actors/stt.hpp"
#include "actors/stt_pool.hpp"
#include "backends/audio/audio_format.hpp"
#include "backends/stt/stt_engines.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "tests/support/speech_sets.hpp"

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct recording {
  std::string name;
  std::vector<int16_t> samples; // 16 kHz mono, through the phone path

  double seconds() const {
    return static_cast<double>(samples.size()) / sb::stt_sample_rate;
  }
};

// The recordings bench/stt_wer scores (tests/support/speech_sets.hpp),
// squeezed as a call carries them (8 kHz, mu-law, back to 16 kHz): what
// the pool will hear, and what the recogniser's settings are tuned for.
caf::expected<std::vector<recording>> recordings() {
  auto clips = sb::test::load_speech_clips(SB_TRANSCRIPTS);
  if (!clips)
    return clips.error();
  std::vector<recording> out;
  for (auto& clip : *clips) {
    auto phone = sb::test::phone_path(clip.audio);
    if (!phone)
      return phone.error();
    out.push_back({clip.name, std::move(phone->samples)});
  }
  return out;
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

// The figures depend on what else the machine runs: printed with them.
std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string text{std::istreambuf_iterator<char>(in), {}};
  auto fields = 0;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == ' ' && ++fields == 3)
      return text.substr(0, i);
  return text;
}

double ms_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Nearest rank: the smallest value with at least p of the samples at or
// below it.
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

// -- 1. the decoder alone -----------------------------------------------------

int decoder_alone(const std::vector<recording>& recs) {
  auto made_at = steady::now();
  auto cpu0 = thread_cpu_seconds();
  auto decoder = sb::make_pocketsphinx_recognizer(sb::stt_config{});
  if (!decoder) {
    std::fprintf(stderr, "stt_bench: %s\n", sb::what(decoder.error()).c_str());
    return 1;
  }
  std::printf("Making one decoder: %.0f ms wall, %.2f s CPU.\n\n",
              ms_between(made_at, steady::now()), thread_cpu_seconds() - cpu0);
  std::printf("| recording | audio s | CPU s | CPU s per audio s | text |\n"
              "|---|---|---|---|---|\n");
  double audio = 0, cpu = 0;
  for (const auto& r : recs) {
    sb::utterance_feed feed;
    feed.append(r.samples);
    feed.finish();
    auto c0 = thread_cpu_seconds();
    auto heard = (*decoder)->recognize(feed);
    auto used = thread_cpu_seconds() - c0;
    if (!heard) {
      std::fprintf(stderr, "stt_bench: %s: %s\n", r.name.c_str(),
                   sb::what(heard.error()).c_str());
      return 1;
    }
    audio += r.seconds();
    cpu += used;
    std::printf("| %s | %.2f | %.3f | %.3f | %s |\n", r.name.c_str(),
                r.seconds(), used, used / r.seconds(), heard->text.c_str());
  }
  std::printf("| all %zu | %.2f | %.3f | **%.3f** | |\n\n", recs.size(), audio,
              cpu, cpu / audio);
  std::fflush(stdout);
  return 0;
}

// -- 2. talkers through the pool ----------------------------------------------

caf::actor_system_config& actor_config(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::switchboard>();
  cfg.set("scheduler.max-threads", 2);
  return cfg;
}

using answer = caf::expected<sb::stt_result>;

// Sends `feed` to the pool from a short-lived actor; the answer comes
// into the future.
std::future<answer> ask(caf::actor_system& sys, const sb::stt_actor& pool,
                        sb::utterance_ptr feed) {
  auto promise = std::make_shared<std::promise<answer>>();
  auto out = promise->get_future();
  sys.spawn([promise, pool, feed](caf::event_based_actor* self) {
    self->request(pool, caf::infinite, sb::recognize_atom::value, feed)
      .then([promise](sb::stt_result& r) { promise->set_value(std::move(r)); },
            [promise](caf::error& e) { promise->set_value(std::move(e)); });
  });
  return out;
}

struct run_result {
  std::vector<double> tails_ms;
  int failures = 0;
  double audio_s = 0;
  double cpu_s = 0;
};

constexpr auto piece = milliseconds(20);
constexpr auto pause_between = milliseconds(500);

// One talker: every recording (from its own starting point), `rounds`
// times, each spoken in real time, then a pause.
void talk(caf::actor_system& sys, const sb::stt_actor& pool,
          const std::vector<recording>& recs, size_t first, int rounds,
          bool streamed, run_result& out, std::mutex& mutex) {
  const size_t per_piece = sb::stt_sample_rate / 1000 * piece.count();
  for (int round = 0; round < rounds; ++round)
    for (size_t k = 0; k < recs.size(); ++k) {
      const auto& r = recs[(first + k) % recs.size()];
      auto feed = std::make_shared<sb::utterance_feed>();
      auto start = steady::now();
      auto length = std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(r.seconds()));
      std::future<answer> got;
      if (streamed) {
        got = ask(sys, pool, feed);
        for (size_t at = 0, n = 1; at < r.samples.size();
             at += per_piece, ++n) {
          feed->append(r.samples.data() + at,
                       std::min(per_piece, r.samples.size() - at));
          std::this_thread::sleep_until(start + n * piece);
        }
        std::this_thread::sleep_until(start + length);
        feed->finish(steady::now());
      } else {
        std::this_thread::sleep_until(start + length);
        feed->append(r.samples);
        feed->finish(steady::now());
        got = ask(sys, pool, feed);
      }
      auto end_of_speech = feed->end_of_speech();
      auto heard = got.get();
      auto tail = ms_between(end_of_speech, steady::now());
      {
        std::lock_guard<std::mutex> guard{mutex};
        if (heard && !heard->text.empty())
          out.tails_ms.push_back(tail);
        else
          ++out.failures;
        out.audio_s += r.seconds();
      }
      std::this_thread::sleep_for(pause_between);
    }
}

// A pool of `workers` decoders, every one made before the talkers start
// (one utterance per worker at once: least-loaded dispatch gives each
// one), so no talker waits for a decoder being made.
caf::expected<sb::stt_actor> warm_pool(caf::actor_system& sys, int workers,
                                       const recording& warm) {
  auto cfg = std::make_shared<sb::config>();
  cfg->stt.engine = "pocketsphinx";
  cfg->stt.workers = workers;
  cfg->stt.max_queue = 1000;
  cfg->stt.timeout_ms = 60000;
  auto pool = sb::spawn_stt_pool(sys, cfg);
  if (!pool)
    return pool.error();
  std::vector<std::future<answer>> warming;
  for (int w = 0; w < workers; ++w) {
    auto feed = std::make_shared<sb::utterance_feed>();
    feed->append(warm.samples);
    warming.push_back(ask(sys, *pool, feed));
    feed->finish();
  }
  for (auto& f : warming)
    if (auto a = f.get(); !a)
      return a.error();
  return pool;
}

int through_pool(const std::vector<recording>& recs, int rounds) {
  struct setup {
    int talkers;
    int workers;
  };
  std::printf("| talkers | stt.workers | fed | utterances | tail p50 ms | "
              "tail p99 ms | tail max ms | CPU s per audio s | failed |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  for (auto s : {setup{1, 2}, setup{2, 2}, setup{4, 2}, setup{4, 4}})
    for (bool streamed : {true, false}) {
      caf::actor_system_config sys_cfg;
      caf::actor_system sys{actor_config(sys_cfg)};
      auto pool = warm_pool(sys, s.workers, recs.front());
      if (!pool) {
        std::fprintf(stderr, "stt_bench: %s\n", sb::what(pool.error()).c_str());
        return 1;
      }
      run_result result;
      std::mutex mutex;
      auto cpu0 = process_cpu_seconds();
      std::vector<std::thread> talkers;
      for (int t = 0; t < s.talkers; ++t)
        talkers.emplace_back([&, t] {
          // Staggered, so the talkers' ends of speech do not line up.
          std::this_thread::sleep_for(t * milliseconds(700));
          talk(sys, *pool, recs, static_cast<size_t>(t) * 3, rounds, streamed,
               result, mutex);
        });
      for (auto& t : talkers)
        t.join();
      result.cpu_s = process_cpu_seconds() - cpu0;
      caf::anon_send_exit(*pool, caf::exit_reason::user_shutdown);
      if (result.tails_ms.empty()) {
        std::fprintf(stderr, "stt_bench: no utterance was recognised\n");
        return 1;
      }
      std::printf("| %d | %d | %s | %zu | %.0f | %.0f | %.0f | %.3f | %d |\n",
                  s.talkers, s.workers,
                  streamed ? "as spoken" : "all at the end",
                  result.tails_ms.size(), percentile(result.tails_ms, 0.5),
                  percentile(result.tails_ms, 0.99),
                  percentile(result.tails_ms, 1.0),
                  result.cpu_s / result.audio_s, result.failures);
      std::fflush(stdout);
    }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string{argv[1]} == "--help") {
    std::printf(
      "Usage: stt_bench [ROUNDS]\n"
      "pocketsphinx's CPU per second of audio, then the STT tail through\n"
      "the pool at 1, 2 and 4 talkers speaking in real time, fed as spoken\n"
      "and all at once (each talker speaks every recording ROUNDS times,\n"
      "default 1).\n");
    return 0;
  }
  int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
  sb::log::set_level(sb::log::level::warning);
  auto loaded = recordings();
  if (!loaded) {
    std::fprintf(stderr, "stt_bench: %s (Debian's pocketsphinx-testdata)\n",
                 sb::what(loaded.error()).c_str());
    return 1;
  }
  const auto& recs = *loaded;
  std::printf("Load average at the start: %s\n", load_average().c_str());
  if (int rc = decoder_alone(recs))
    return rc;
  int rc = through_pool(recs, rounds);
  std::printf("\nLoad average at the end: %s\n", load_average().c_str());
  return rc;
}
