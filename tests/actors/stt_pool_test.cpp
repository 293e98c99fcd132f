// The STT pool (actors/stt.hpp) with real recognisers: the HTTP ones over
// loopback against tests/fixtures/fake_stt servers, and pocketsphinx on
// the recordings of Debian's pocketsphinx-testdata (goforward.raw, 16 kHz:
// "go forward ten meters"). Slots are never exceeded, a full queue answers
// at once, a failing endpoint is taken out while another carries the
// load, a failed utterance is tried once more elsewhere, the deadline runs
// from the end of speech, queued and running utterances can be cancelled,
// pocketsphinx stands in while every endpoint is down, and a decoder fed
// while the caller speaks has the text moments after the end.
//
// These run on CAF's real scheduler: the workers are detached actors
// blocking in libcurl or pocketsphinx. Nothing sleeps where an event can
// be awaited; the one paced feed stands for a caller speaking in real
// time. pocketsphinx decoders (~0.35 s each to make) are made once for
// the whole file and lent to each test's pool.
#include "actors/stt_pool.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <catch2/catch.hpp>

#include "actors/stt.hpp"
#include "backends/stt/stt_engines.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "tests/fixtures/fake_stt.hpp"
#include "tests/fixtures/refusing_port.hpp"
#include "tests/support/poll_until.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using sb::errc;
using sb::fake_stt;
using sb::fake_stt_mode;
using sb::stt_result;
using sb::utterance_feed;
using sb::utterance_ptr;
using steady = std::chrono::steady_clock;

constexpr auto wait_limit = 10s;

const char* const goforward_path =
  "/usr/share/pocketsphinx/test/data/goforward.raw";

int64_t ms_since(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now()
                                                               - t)
    .count();
}

// -- audio --------------------------------------------------------------------

// goforward.raw: 16 kHz 16-bit little-endian mono; empty when missing.
const std::vector<int16_t>& goforward() {
  static const std::vector<int16_t> samples = [] {
    std::ifstream in{goforward_path, std::ios::binary};
    std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
    std::vector<int16_t> out(bytes.size() / 2);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<int16_t>(
        static_cast<uint8_t>(bytes[2 * i])
        | (static_cast<uint16_t>(static_cast<uint8_t>(bytes[2 * i + 1])) << 8));
    return out;
  }();
  return samples;
}

int64_t audio_ms(const std::vector<int16_t>& samples) {
  return static_cast<int64_t>(samples.size()) * 1000 / sb::stt_sample_rate;
}

// Half a second of a tone: speech enough for the fake server (it answers
// silence with nothing, as whisper would).
const std::vector<int16_t>& tone() {
  static const std::vector<int16_t> samples = [] {
    std::vector<int16_t> out(sb::stt_sample_rate / 2);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<int16_t>((i / 20) % 2 ? 6000 : -6000);
    return out;
  }();
  return samples;
}

// A whole utterance: every sample, then the end of speech at `end`.
utterance_ptr spoken(const std::vector<int16_t>& samples,
                     steady::time_point end = steady::now()) {
  auto feed = std::make_shared<utterance_feed>();
  feed->append(samples);
  feed->finish(end);
  return feed;
}

// An utterance the caller is still speaking.
utterance_ptr speaking(const std::vector<int16_t>& samples) {
  auto feed = std::make_shared<utterance_feed>();
  feed->append(samples);
  return feed;
}

// -- pocketsphinx decoders, made once for the file ----------------------------

// A decoder of the bank, given back when the worker that holds it goes.
class lent_decoder final : public sb::stt_recognizer {
public:
  lent_decoder(sb::stt_recognizer_ptr inner,
               std::function<void(sb::stt_recognizer_ptr)> give_back)
    : inner_(std::move(inner)), give_back_(std::move(give_back)) {
  }
  ~lent_decoder() override {
    give_back_(std::move(inner_));
  }
  caf::expected<sb::stt_transcript> recognize(utterance_feed& feed) override {
    return inner_->recognize(feed);
  }
  bool streams() const override {
    return inner_->streams();
  }
  const std::string& name() const override {
    return inner_->name();
  }

private:
  sb::stt_recognizer_ptr inner_;
  std::function<void(sb::stt_recognizer_ptr)> give_back_;
};

class decoder_bank {
public:
  static decoder_bank& get() {
    static decoder_bank bank;
    return bank;
  }

  // A free decoder, made now if every one is lent.
  caf::expected<sb::stt_recognizer_ptr> lend() {
    sb::stt_recognizer_ptr inner;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (!idle_.empty()) {
        inner = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!inner) {
      auto made = sb::make_pocketsphinx_recognizer(sb::stt_config{});
      if (!made)
        return made.error();
      inner = std::move(*made);
    }
    return sb::stt_recognizer_ptr{
      new lent_decoder(std::move(inner), [this](sb::stt_recognizer_ptr d) {
        std::lock_guard<std::mutex> guard{mutex_};
        idle_.push_back(std::move(d));
      })};
  }

  // Whether pocketsphinx runs here at all (model and recordings present):
  // makes the first decoder.
  std::string missing() {
    if (goforward().empty())
      return std::string{"no "} + goforward_path
             + " (Debian's pocketsphinx-testdata)";
    auto d = lend();
    if (!d)
      return "pocketsphinx does not start: " + sb::what(d.error());
    return "";
  }

private:
  std::mutex mutex_;
  std::vector<sb::stt_recognizer_ptr> idle_;
};

// -- the pool -----------------------------------------------------------------

caf::actor_system_config& real_scheduler(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  cfg.add_message_types<caf::id_block::switchboard>();
  return cfg;
}

// What one utterance got back, and when.
struct answer_box {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<caf::expected<stt_result>> got;
  steady::time_point at;

  void set(caf::expected<stt_result> x) {
    {
      std::lock_guard<std::mutex> guard{mutex};
      got = std::move(x);
      at = steady::now();
    }
    changed.notify_all();
  }

  // The answer; fails the test if none comes within wait_limit.
  caf::expected<stt_result> wait() {
    std::unique_lock<std::mutex> lock{mutex};
    bool came = changed.wait_for(lock, wait_limit,
                                 [&] { return got.has_value(); });
    REQUIRE(came);
    return *got;
  }

  bool answered() {
    std::lock_guard<std::mutex> guard{mutex};
    return got.has_value();
  }
};

using answer_ptr = std::shared_ptr<answer_box>;

} // namespace

// The fixture's asker takes (feed, box) messages from the test thread.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<answer_box>)

namespace {

bool is_cancelled(const caf::error& err) {
  return has_code(err, errc::backend_failed) && sb::what(err) == "cancelled";
}

// Cancels `feed` and checks its answer: "cancelled", within 200 ms,
// whatever the utterance was doing.
void check_cancelled_at_once(sb::utterance_feed& feed, answer_box& box) {
  auto cancelled_at = steady::now();
  feed.cancel();
  auto r = box.wait();
  REQUIRE_FALSE(r);
  CHECK(is_cancelled(r.error()));
  CHECK(ms_since(cancelled_at) < 200);
}

using config_edit = std::function<void(sb::config&)>;

// A pool over `endpoints` fake servers (or over pocketsphinx alone when
// none), its decoders lent by the bank. Members go in reverse: the actor
// system (which waits for the workers) before the servers.
struct pool_fixture {
  explicit pool_fixture(size_t endpoints, const config_edit& edit = {})
    : sys(real_scheduler(sys_cfg)) {
    sb::log::set_level(sb::log::level::error);
    auto cfg = std::make_shared<sb::config>();
    auto& stt = cfg->stt;
    stt.engine = endpoints == 0 ? "pocketsphinx" : "whisper";
    stt.fallback = "";
    stt.workers = 1;
    stt.timeout_ms = 5000;
    for (size_t i = 0; i < endpoints; ++i) {
      servers.push_back(std::make_unique<fake_stt>());
      REQUIRE(servers.back()->ok());
      stt.endpoints.push_back({servers.back()->base_url(), 0, 1});
    }
    if (edit)
      edit(*cfg);
    auto engines = sb::default_stt_engines(stt);
    engines.pocketsphinx = [] { return decoder_bank::get().lend(); };
    auto spawned = sb::spawn_stt_pool(sys, cfg, engines);
    REQUIRE(spawned);
    pool = *spawned;
    // One sender for every utterance, so the pool gets them in the order
    // the test sends them.
    asker = sys.spawn([p = pool](caf::event_based_actor* self) {
      return caf::behavior{
        [self, p](const utterance_ptr& feed, const answer_ptr& box) {
          self->request(p, caf::infinite, sb::recognize_atom::value, feed)
            .then([box](stt_result& r) { box->set(std::move(r)); },
                  [box](caf::error& err) { box->set(std::move(err)); });
        }};
    });
  }

  ~pool_fixture() {
    caf::anon_send_exit(asker, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  }

  pool_fixture(const pool_fixture&) = delete;
  pool_fixture& operator=(const pool_fixture&) = delete;

  // Sends the utterance now (after those sent before); the answer comes
  // into the box.
  answer_ptr ask(utterance_ptr feed) {
    auto box = std::make_shared<answer_box>();
    caf::anon_send(asker, std::move(feed), box);
    return box;
  }

  caf::expected<stt_result> recognize(utterance_ptr feed) {
    return ask(std::move(feed))->wait();
  }

  fake_stt& server(size_t i) {
    return *servers[i];
  }

  std::vector<std::unique_ptr<fake_stt>> servers;
  caf::actor_system_config sys_cfg;
  caf::actor_system sys;
  sb::stt_actor pool;
  caf::actor asker;
};

// Waits until the pool shows `n` utterances waiting for a worker (a state
// with no event of its own to wait on).
bool queue_depth_is(double n) {
  return sb::testing::poll_until(
    [n] { return sb::metrics::daemon().stt_queue_depth.value() == n; },
    std::chrono::milliseconds(5000));
}

} // namespace

// -- HTTP endpoints -----------------------------------------------------------

TEST_CASE("stt pool: an endpoint never sees more utterances at once than its "
          "slots, and the load is spread",
          "[stt_pool]") {
  pool_fixture f{2, [](sb::config& c) { c.stt.endpoints[0].slots = 2; }};
  f.server(0).set_text("from zero");
  f.server(1).set_text("from one");
  for (size_t i = 0; i < 2; ++i)
    f.server(i).set_delay(60ms);
  std::vector<answer_ptr> boxes;
  for (int i = 0; i < 12; ++i)
    boxes.push_back(f.ask(spoken(tone())));
  int waited = 0;
  for (auto& box : boxes) {
    auto r = box->wait();
    REQUIRE(r);
    CHECK((r->text == "from zero" || r->text == "from one"));
    CHECK_FALSE(r->fallback);
    waited += r->queue_ms > 0 ? 1 : 0;
  }
  CHECK(f.server(0).max_in_progress() == 2);
  CHECK(f.server(1).max_in_progress() == 1);
  CHECK(f.server(0).request_count() + f.server(1).request_count() == 12);
  // Two slots against one: the first endpoint carries about twice the load.
  CHECK(f.server(0).request_count() > f.server(1).request_count());
  CHECK(waited > 0); // 12 utterances, 3 slots: most waited for one
  CHECK(sb::metrics::daemon().stt_queue_depth.value() == 0);
  CHECK(sb::metrics::daemon().stt_in_flight.value() == 0);
}

TEST_CASE("stt pool: a full queue answers overloaded at once", "[stt_pool]") {
  pool_fixture f{1, [](sb::config& c) { c.stt.max_queue = 1; }};
  f.server(0).set_mode(fake_stt_mode::hang);
  auto& errors = sb::metrics::daemon().stt_errors;
  auto running = f.ask(spoken(tone()));
  auto queued = f.ask(spoken(tone()));
  // The third finds the one slot busy and the queue's one place taken.
  auto errors_before = errors.value();
  auto sent = steady::now();
  auto refused = f.recognize(spoken(tone()));
  auto took = ms_since(sent);
  REQUIRE_FALSE(refused);
  CHECK(has_code(refused.error(), errc::overloaded));
  CHECK(took < 200);
  CHECK(errors.value() == errors_before + 1);
  CHECK_FALSE(running->answered());
  CHECK_FALSE(queued->answered());
  // Only the running one reached the endpoint.
  CHECK(sb::testing::poll_until(
    [&] { return f.server(0).request_count() == 1; }, 5000ms));
  CHECK(f.server(0).max_in_progress() == 1);
}

TEST_CASE("stt pool: a failing endpoint is taken out while another carries "
          "the load",
          "[stt_pool]") {
  // The dead one comes first, so it is everybody's first choice until it
  // is taken out: a server answering 500, or a port nothing listens on.
  bool refuses = GENERATE(false, true);
  sb::test::refusing_port refusing;
  pool_fixture f{2, [&](sb::config& c) {
                   if (refuses)
                     c.stt.endpoints[0].url = "http://127.0.0.1:"
                                              + std::to_string(refusing.port());
                 }};
  f.server(0).set_mode(fake_stt_mode::http_500);
  f.server(1).set_text("carried");
  auto& errors = sb::metrics::daemon().stt_errors;
  auto errors_before = errors.value();
  for (int i = 0; i < 8; ++i) {
    auto r = f.recognize(spoken(tone()));
    REQUIRE(r);
    CHECK(r->text == "carried");
    CHECK(r->engine == f.server(1).base_url());
  }
  CHECK(errors.value() == errors_before); // every utterance was answered
  CHECK(f.server(1).request_count() == 8);
  // Three 500s took it out; it was not tried again.
  CHECK(f.server(0).request_count() == (refuses ? 0 : 3));
}

TEST_CASE("stt pool: a failed utterance is tried once more on another "
          "endpoint, and only once",
          "[stt_pool]") {
  pool_fixture f{2};
  f.server(0).set_mode(fake_stt_mode::http_500);
  SECTION("the other endpoint answers") {
    f.server(1).set_text("second try");
    auto r = f.recognize(spoken(tone()));
    REQUIRE(r);
    CHECK(r->text == "second try");
    CHECK(f.server(0).request_count() == 1);
    CHECK(f.server(1).request_count() == 1);
  }
  SECTION("both fail: the utterance fails after two tries") {
    f.server(1).set_mode(fake_stt_mode::garbage);
    auto r = f.recognize(spoken(tone()));
    REQUIRE_FALSE(r);
    CHECK(has_code(r.error(), errc::backend_failed));
    CHECK(f.server(0).request_count() + f.server(1).request_count() == 2);
  }
}

TEST_CASE("stt pool: the deadline runs from the end of speech", "[stt_pool]") {
  pool_fixture f{1, [](sb::config& c) { c.stt.timeout_ms = 400; }};
  f.server(0).set_mode(fake_stt_mode::hang);
  // The caller stopped speaking 150 ms before the utterance was finished.
  auto end_of_speech = steady::now() - 150ms;
  auto sent = steady::now();
  auto r = f.recognize(spoken(tone(), end_of_speech));
  REQUIRE_FALSE(r);
  INFO(sb::what(r.error()));
  CHECK(has_code(r.error(), errc::timed_out));
  // The pool's deadline or the request's own (curl counts in whole
  // milliseconds, from the same end of speech), whichever ends first.
  auto from_end = ms_since(end_of_speech);
  CHECK(from_end >= 400 - 5);
  CHECK(from_end < 400 + 300);
  CHECK(ms_since(sent) < 400); // not counted from when it was sent
  // The hung request's late end is dropped and its slot serves again.
  f.server(0).set_mode(fake_stt_mode::ok);
  f.server(0).set_text("after the timeout");
  auto next = f.recognize(spoken(tone()));
  REQUIRE(next);
  CHECK(next->text == "after the timeout");
  CHECK(next->tail_ms < 400);
}

TEST_CASE("stt pool: an HTTP utterance starts at the end of speech",
          "[stt_pool]") {
  pool_fixture f{1};
  f.server(0).set_text("the whole of it");
  auto feed = speaking(tone());
  auto box = f.ask(feed);
  // Still speaking: nothing is sent, no slot is held.
  auto second = f.recognize(spoken(tone()));
  REQUIRE(second);
  CHECK(f.server(0).request_count() == 1);
  CHECK_FALSE(box->answered());
  feed->append(tone());
  feed->finish();
  auto r = box->wait();
  REQUIRE(r);
  CHECK(r->text == "the whole of it");
  auto requests = f.server(0).requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].wav_samples == 2 * tone().size()); // all of it, once
}

TEST_CASE("stt pool: cancelling an utterance over HTTP", "[stt_pool]") {
  pool_fixture f{1};
  auto& errors = sb::metrics::daemon().stt_errors;
  auto errors_before = errors.value();
  SECTION("a running one is answered at once and frees its slot") {
    f.server(0).set_mode(fake_stt_mode::hang);
    auto feed = spoken(tone());
    auto box = f.ask(feed);
    REQUIRE(sb::testing::poll_until(
      [&] { return f.server(0).request_count() == 1; }, 5000ms));
    check_cancelled_at_once(*feed, *box);
    f.server(0).set_mode(fake_stt_mode::ok);
    f.server(0).set_text("next");
    auto next = f.recognize(spoken(tone()));
    REQUIRE(next);
    CHECK(next->text == "next");
  }
  SECTION("a queued one (its speech over) never reaches the endpoint") {
    f.server(0).set_mode(fake_stt_mode::hang);
    auto running = spoken(tone());
    auto first = f.ask(running);
    // The first holds the only slot once its request is at the server.
    REQUIRE(sb::testing::poll_until(
      [&] { return f.server(0).request_count() == 1; }, 5000ms));
    auto feed = spoken(tone());
    auto box = f.ask(feed);
    REQUIRE(queue_depth_is(1));
    check_cancelled_at_once(*feed, *box);
    CHECK(queue_depth_is(0));
    running->cancel();
    CHECK_FALSE(first->wait());
    CHECK(f.server(0).request_count() == 1);
  }
  SECTION("one still being spoken is answered at once") {
    auto feed = speaking(tone());
    auto box = f.ask(feed);
    // Answered after the first was taken in: the pool holds it now.
    f.server(0).set_text("another");
    REQUIRE(f.recognize(spoken(tone())));
    check_cancelled_at_once(*feed, *box);
    CHECK(f.server(0).request_count() == 1); // only the other one's
  }
  CHECK(errors.value() == errors_before); // a cancel is not a failure
}

TEST_CASE("stt pool: with no fallback, utterances fail at once while every "
          "endpoint is down",
          "[stt_pool]") {
  sb::test::refusing_port dead;
  pool_fixture f{1, [&](sb::config& c) {
                   c.stt.endpoints[0].url = "http://127.0.0.1:"
                                            + std::to_string(dead.port());
                 }};
  // Two tries each: the second utterance's first try is the third failure.
  for (int i = 0; i < 2; ++i) {
    auto r = f.recognize(spoken(tone()));
    REQUIRE_FALSE(r);
    CHECK(has_code(r.error(), errc::backend_failed));
  }
  auto r = f.recognize(spoken(tone()));
  REQUIRE_FALSE(r);
  CHECK(sb::what(r.error()).find("every endpoint is down")
        != std::string::npos);
}

// -- pocketsphinx -------------------------------------------------------------

TEST_CASE("stt pool: pocketsphinx stands in while every endpoint is down",
          "[stt_pool]") {
  if (auto why = decoder_bank::get().missing(); !why.empty())
    SB_SKIP(why);
  sb::test::refusing_port dead;
  pool_fixture f{1, [&](sb::config& c) {
                   c.stt.endpoints[0].url = "http://127.0.0.1:"
                                            + std::to_string(dead.port());
                   c.stt.fallback = "pocketsphinx";
                 }};
  // The first tries fail on the endpoint and are tried again on
  // pocketsphinx; after the third failure the endpoint is out and
  // utterances go to pocketsphinx straight away.
  std::vector<int16_t> go(goforward().begin(),
                          goforward().begin() + sb::stt_sample_rate / 2);
  for (int i = 0; i < 3; ++i) {
    auto r = f.recognize(spoken(go));
    REQUIRE(r);
    CHECK(r->fallback);
    CHECK(r->engine == "pocketsphinx");
  }
  auto r = f.recognize(spoken(goforward()));
  REQUIRE(r);
  CHECK(r->text == "go forward ten meters");
  CHECK(r->fallback);
  CHECK(r->engine == "pocketsphinx");
}

TEST_CASE("stt pool: pocketsphinx fed while the caller speaks has the text "
          "soon after the end",
          "[stt_pool]") {
  if (auto why = decoder_bank::get().missing(); !why.empty())
    SB_SKIP(why);
  pool_fixture f{0};
  const auto& audio = goforward();
  // All at once at the end: the whole decode is in the tail.
  auto batch = f.recognize(spoken(audio));
  REQUIRE(batch);
  CHECK(batch->text == "go forward ten meters");
  // Fed in 100 ms pieces as the caller speaks, in real time: the decoder
  // (a quarter of a core per second of audio) keeps up even while other
  // suites share the machine, so only the end is left. Faster than real
  // time it can fall behind on a loaded 2-core machine, which is not what
  // a caller does.
  auto feed = speaking({});
  auto box = f.ask(feed);
  const size_t piece = sb::stt_sample_rate / 10;
  auto start = steady::now();
  for (size_t at = 0, n = 0; at < audio.size(); at += piece, ++n) {
    std::this_thread::sleep_until(start + n * 100ms);
    feed->append(audio.data() + at, std::min(piece, audio.size() - at));
  }
  feed->finish();
  auto r = box->wait();
  REQUIRE(r);
  CHECK(r->text == batch->text);
  INFO("tail " << r->tail_ms << " ms fed as spoken, " << batch->tail_ms
               << " ms all at once, audio " << audio_ms(audio) << " ms");
  CHECK(r->tail_ms * 2 < batch->tail_ms);
  CHECK(r->tail_ms * 4 < audio_ms(audio));
}

TEST_CASE("stt pool: cancelling a pocketsphinx utterance", "[stt_pool]") {
  if (auto why = decoder_bank::get().missing(); !why.empty())
    SB_SKIP(why);
  pool_fixture f{0}; // one decoder
  auto& errors = sb::metrics::daemon().stt_errors;
  auto errors_before = errors.value();
  std::vector<int16_t> half(goforward().begin(),
                            goforward().begin() + goforward().size() / 2);
  auto running = speaking(half);
  auto first = f.ask(running);
  auto queued = speaking(half);
  auto second = f.ask(queued);
  REQUIRE(queue_depth_is(1));
  SECTION("a queued one is answered at once") {
    check_cancelled_at_once(*queued, *second);
    CHECK_FALSE(first->answered());
    running->finish();
    auto heard = first->wait();
    REQUIRE(heard);
    CHECK(heard->text.find("forward") != std::string::npos);
  }
  SECTION("a running one stops, and the decoder takes the next") {
    check_cancelled_at_once(*running, *first);
    queued->append(std::vector<int16_t>(goforward().begin() + half.size(),
                                        goforward().end()));
    queued->finish();
    auto heard = second->wait();
    REQUIRE(heard);
    CHECK(heard->text == "go forward ten meters");
  }
  CHECK(errors.value() == errors_before);
}

TEST_CASE("stt pool: a pocketsphinx model that does not load is a start-up "
          "error naming stt.pocketsphinx_dir",
          "[stt_pool]") {
  sb::log::set_level(sb::log::level::error);
  sb::test::temp_dir empty{"stt-model"};
  auto cfg = std::make_shared<sb::config>();
  cfg->stt.pocketsphinx_dir = empty.path();
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{real_scheduler(sys_cfg)};
  auto pool = sb::spawn_stt_pool(sys, cfg);
  REQUIRE_FALSE(pool);
  CHECK(has_code(pool.error(), errc::bad_config));
  CHECK(sb::what(pool.error()).find("stt.pocketsphinx_dir")
        != std::string::npos);
}

TEST_CASE("stt pool: decoders made on first use cost the start nothing and "
          "still hear the first utterance",
          "[stt_pool]") {
  if (auto why = decoder_bank::get().missing(); !why.empty())
    SB_SKIP(why);
  sb::log::set_level(sb::log::level::error);
  auto cfg = std::make_shared<sb::config>();
  cfg->stt.workers = 1;
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{real_scheduler(sys_cfg)};
  auto started = steady::now();
  auto pool = sb::spawn_stt_pool(sys, cfg, sb::stt_decoders::on_first_use);
  REQUIRE(pool);
  // No decoder made: a decoder takes ~0.35 s of CPU.
  CHECK(ms_since(started) < 200);
  caf::scoped_actor self{sys};
  caf::expected<stt_result> r = make_error(errc::backend_failed, "no answer");
  self
    ->request(*pool, std::chrono::seconds(30), sb::recognize_atom::value,
              spoken(goforward()))
    .receive([&](stt_result& got) { r = std::move(got); },
             [&](caf::error& err) { r = std::move(err); });
  REQUIRE(r);
  CHECK(r->text == "go forward ten meters");
  self->send_exit(*pool, caf::exit_reason::user_shutdown);
}
