// The metrics registry: lock-free metric updates, the text exposition
// writer (escaping, number format, cumulative histogram buckets) and the
// daemon's family definitions with their bucket bounds.
#include "core/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace sb::metrics {

namespace detail {

namespace {

uint64_t to_bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

double from_bits(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

} // namespace

double atomic_double::load() const {
  return from_bits(bits_.load(std::memory_order_relaxed));
}

void atomic_double::store(double v) {
  bits_.store(to_bits(v), std::memory_order_relaxed);
}

void atomic_double::add(double v) {
  // compare_exchange_weak reloads `old` on failure, so a racing add is
  // never lost, only retried.
  auto old = bits_.load(std::memory_order_relaxed);
  while (!bits_.compare_exchange_weak(old, to_bits(from_bits(old) + v),
                                      std::memory_order_relaxed)) {
  }
}

} // namespace detail

namespace {

// Only asserted, hence maybe unused in a release build.
[[maybe_unused]] bool valid_name(std::string_view name, bool colon_ok) {
  auto head = [colon_ok](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_'
           || (colon_ok && c == ':');
  };
  if (name.empty() || !head(name[0]))
    return false;
  return std::all_of(name.begin() + 1, name.end(), [&head](char c) {
    return head(c) || std::isdigit(static_cast<unsigned char>(c));
  });
}

// Go's ParseFloat reads all of these; fixed notation where it is short, so
// bucket bounds read as 0.001, not 1e-03.
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  auto a = std::fabs(v);
  auto format = a == 0 || (a >= 1e-4 && a < 1e15) ? std::chars_format::fixed
                                                  : std::chars_format::general;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, format);
  out.append(buf, r.ptr);
}

// In HELP text only backslash and newline are escaped; label values also
// escape the double quote that would end them.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
}

using label_values = std::vector<std::string>;

// name{a="x",b="y",le="0.5"} value
void append_sample(std::string& out, const std::string& name,
                   std::string_view suffix, const label_values& names,
                   const label_values& values, const std::string* le,
                   double value) {
  out += name;
  out += suffix;
  if (!names.empty() || le) {
    out += '{';
    for (size_t i = 0; i < names.size(); ++i) {
      out += i == 0 ? "" : ",";
      out += names[i];
      out += "=\"";
      append_escaped(out, values[i], true);
      out += '"';
    }
    if (le) {
      out += names.empty() ? "le=\"" : ",le=\"";
      out += *le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_number(out, value);
  out += '\n';
}

// A counter or a gauge: one sample.
template <class Scalar>
void append_samples(std::string& out, const std::string& name,
                    const label_values& names, const label_values& values,
                    const Scalar& m) {
  append_sample(out, name, "", names, values, nullptr, m.value());
}

void append_samples(std::string& out, const std::string& name,
                    const label_values& names, const label_values& values,
                    const histogram& h) {
  auto s = h.collect();
  const auto& bounds = h.bounds();
  std::string le;
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    le.clear();
    if (i < bounds.size())
      append_number(le, bounds[i]);
    else
      le = "+Inf";
    append_sample(out, name, "_bucket", names, values, &le,
                  static_cast<double>(s.cumulative[i]));
  }
  append_sample(out, name, "_sum", names, values, nullptr, s.sum);
  append_sample(out, name, "_count", names, values, nullptr,
                static_cast<double>(s.count));
}

template <class Metric>
const char* type_name() {
  if constexpr (std::is_same_v<Metric, counter>)
    return "counter";
  else if constexpr (std::is_same_v<Metric, gauge>)
    return "gauge";
  else
    return "histogram";
}

} // namespace

histogram::histogram(std::vector<double> bounds)
  : bounds_(std::move(bounds)),
    counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end())
         && std::adjacent_find(bounds_.begin(), bounds_.end())
              == bounds_.end());
  for (size_t i = 0; i <= bounds_.size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) {
  // The first bound >= v ("le" is inclusive); NaN only reaches +Inf.
  auto i = std::isnan(v) ? bounds_.size()
                         : static_cast<size_t>(
                           std::lower_bound(bounds_.begin(), bounds_.end(), v)
                           - bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.add(v);
}

histogram::snapshot histogram::collect() const {
  snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load();
  return s;
}

std::vector<double> exponential_buckets(double start, double factor,
                                        int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= factor)
    out.push_back(start);
  return out;
}

family_base::family_base(std::string name, std::string help,
                         std::vector<std::string> label_names)
  : name_(std::move(name)),
    help_(std::move(help)),
    label_names_(std::move(label_names)) {
  assert(valid_name(name_, true));
  for ([[maybe_unused]] const auto& l : label_names_)
    assert(valid_name(l, false) && l != "le");
}

template <class Metric>
family<Metric>::family(std::string name, std::string help,
                       std::vector<std::string> label_names,
                       std::vector<double> bounds)
  : family_base(std::move(name), std::move(help), std::move(label_names)),
    bounds_(std::move(bounds)) {
}

template <class Metric>
Metric& family<Metric>::with(std::initializer_list<std::string_view> values) {
  assert(values.size() == label_names_.size());
  label_values key(values.begin(), values.end());
  std::lock_guard<std::mutex> guard{mutex_};
  auto& child = children_[std::move(key)];
  if (!child) {
    if constexpr (std::is_same_v<Metric, histogram>)
      child = std::make_unique<histogram>(bounds_);
    else
      child = std::make_unique<Metric>();
  }
  return *child;
}

template <class Metric>
void family<Metric>::render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped(out, help_, false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_name<Metric>();
  out += '\n';
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& [values, child] : children_)
    append_samples(out, name_, label_names_, values, *child);
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

// An unlabelled family gets its only child at once, so it renders as 0
// before the first update instead of not at all.
template <class Metric>
family<Metric>& registry::add(std::string name, std::string help,
                              std::vector<std::string> label_names,
                              std::vector<double> bounds) {
  bool unlabelled = label_names.empty();
  auto f = std::make_unique<family<Metric>>(std::move(name), std::move(help),
                                            std::move(label_names),
                                            std::move(bounds));
  auto& ref = *f;
  if (unlabelled)
    ref.with({});
  // Kept sorted by name, so the output is the same whatever order the
  // families were registered in.
  std::lock_guard<std::mutex> guard{mutex_};
  auto at = std::lower_bound(families_.begin(), families_.end(), ref.name(),
                             [](const auto& g, const std::string& name) {
                               return g->name() < name;
                             });
  assert(at == families_.end() || (*at)->name() != ref.name());
  families_.insert(at, std::move(f));
  return ref;
}

family<counter>& registry::add_counter(std::string name, std::string help,
                                       std::vector<std::string> label_names) {
  return add<counter>(std::move(name), std::move(help), std::move(label_names),
                      {});
}

family<gauge>& registry::add_gauge(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  return add<gauge>(std::move(name), std::move(help), std::move(label_names),
                    {});
}

family<histogram>&
registry::add_histogram(std::string name, std::string help,
                        std::vector<double> bounds,
                        std::vector<std::string> label_names) {
  return add<histogram>(std::move(name), std::move(help),
                        std::move(label_names), std::move(bounds));
}

std::string registry::render() const {
  std::string out;
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& f : families_)
    f->render(out);
  return out;
}

registry& process_registry() {
  // Never destroyed: references handed out stay valid in static
  // destructors and detached threads still running at exit.
  static auto* r = new registry;
  return *r;
}

std::string render() {
  return process_registry().render();
}

namespace {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

// A model answers in tenths of seconds to tens of seconds; llm.timeout_s
// defaults to 30 s, and a turn is long lost to filler by then.
const std::vector<double>& llm_buckets() {
  static const std::vector<double> b{0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                     5,    10,  15,   20,  30};
  return b;
}

// The silence before a reply on a media call: a good one is under a
// second (media.end_of_turn_ms alone is 0.6 s by default), a bad one
// several; past 5 s the caller has long asked "hello?".
const std::vector<double>& turn_gap_buckets() {
  static const std::vector<double> b{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8,
                                     1,   1.5, 2,   3,   4,   5};
  return b;
}

// A frame's wait for its actor: well under a 20 ms frame when the daemon
// keeps up, tens of milliseconds when it does not.
const std::vector<double>& lag_buckets() {
  static const std::vector<double> b{0.0005, 0.001, 0.002, 0.005, 0.01,
                                     0.02,   0.04,  0.1,   0.25,  1};
  return b;
}

// From the caller's speech starting over a reply to the clear that stops
// it: the detector needs a few frames of speech first, and past 2 s the
// caller has heard the reply talk over them.
const std::vector<double>& barge_in_buckets() {
  static const std::vector<double> b{0.1, 0.15, 0.2, 0.25, 0.3, 0.4,
                                     0.5, 0.75, 1,   1.5,  2};
  return b;
}

const std::vector<double>& commit_buckets() {
  static const std::vector<double> b{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                     0.005,  0.01,    0.025,  0.05,  0.1,
                                     0.25,   0.5,     1};
  return b;
}

daemon_metrics make_daemon_metrics(registry& r) {
  auto& turns = r.add_counter("switchboard_turns_total",
                              "Conversation turns stored, by role.", {"role"});
  auto& errors = r.add_counter(
    "switchboard_errors_total",
    "Failed units of work, by kind (storage, llm, tts, twilio_rest, "
    "bad_request).",
    {"kind"});
  auto& rejected = r.add_counter(
    "switchboard_http_rejected_total",
    "Connections and requests the HTTP server turned away, by reason "
    "(max_connections: closed at accept; rate_limit: answered 429).",
    {"reason"});
  return {
    r.add_gauge("switchboard_live_calls", "Calls with a live call actor.")
      .with({}),
    r.add_counter("switchboard_calls_total",
                  "Calls ended, by direction and outcome.",
                  {"direction", "outcome"}),
    turns,
    turns.with({"user"}),
    turns.with({"assistant"}),
    r.add_histogram("switchboard_webhook_duration_seconds",
                    "Time from a webhook's arrival to its answer, by route.",
                    latency_buckets(), {"route"}),
    r.add_counter("switchboard_signature_failures_total",
                  "Webhooks refused for a missing or invalid "
                  "X-Twilio-Signature.")
      .with({}),
    r.add_counter("switchboard_calls_adopted_total",
                  "Calls taken over from a signed webhook or relay session "
                  "of a call this database had never seen.")
      .with({}),
    r.add_histogram("switchboard_llm_duration_seconds",
                    "Time in the model per request, failed ones included.",
                    llm_buckets())
      .with({}),
    r.add_gauge("switchboard_llm_queue_depth",
                "Turns waiting for a free LLM worker.")
      .with({}),
    r.add_histogram("switchboard_tts_duration_seconds",
                    "Time per speech synthesis, failed ones included.",
                    latency_buckets())
      .with({}),
    r.add_gauge("switchboard_tts_queue_depth",
                "Texts waiting for a free TTS worker.")
      .with({}),
    r.add_counter("switchboard_tts_cache_hits_total",
                  "Speech answered from the audio cache.")
      .with({}),
    r.add_histogram("switchboard_stt_duration_seconds",
                    "Time recognising one utterance, failed ones included.",
                    latency_buckets())
      .with({}),
    r.add_histogram("switchboard_stt_tail_seconds",
                    "Time from the end of the caller's speech to the final "
                    "text of the utterance.",
                    latency_buckets())
      .with({}),
    r.add_gauge("switchboard_stt_queue_depth",
                "Utterances waiting for a free speech-recognition worker.")
      .with({}),
    r.add_gauge("switchboard_stt_in_flight", "Utterances being recognised now.")
      .with({}),
    r.add_histogram("switchboard_storage_batch_writes",
                    "Writes committed per SQLite transaction.",
                    exponential_buckets(1, 2, 11))
      .with({}),
    r.add_histogram("switchboard_storage_commit_duration_seconds",
                    "Time per SQLite transaction.", commit_buckets())
      .with({}),
    errors,
    errors.with({"storage"}),
    errors.with({"llm"}),
    errors.with({"tts"}),
    errors.with({"stt"}),
    errors.with({"twilio_rest"}),
    errors.with({"bad_request"}),
    r.add_gauge("switchboard_storage_healthy",
                "1 while SQLite takes writes, 0 while they wait for a retry.")
      .with({}),
    r.add_gauge("switchboard_storage_pending_writes",
                "Writes queued for SQLite, committed or waiting for a retry.")
      .with({}),
    r.add_counter("switchboard_storage_failed_commits_total",
                  "Transactions SQLite could not commit (disk full, I/O "
                  "error, locked); their writes stay queued.")
      .with({}),
    r.add_counter("switchboard_storage_dropped_writes_total",
                  "Writes given up for good and logged, by reason "
                  "(refused, queue_full, shutdown).",
                  {"reason"}),
    r.add_gauge("switchboard_http_connections",
                "Open HTTP connections on the public listener.")
      .with({}),
    rejected,
    rejected.with({"max_connections"}),
    rejected.with({"rate_limit"}),
    r.add_gauge("switchboard_relay_sessions",
                "Open WebSocket sessions: ConversationRelay and Media Streams.")
      .with({}),
    r.add_histogram("switchboard_relay_first_text_seconds",
                    "ConversationRelay: time from the caller's prompt to the "
                    "first text frame of the reply.",
                    latency_buckets())
      .with({}),
    r.add_counter("switchboard_relay_interrupts_total",
                  "ConversationRelay replies the caller talked over.")
      .with({}),
    r.add_gauge("switchboard_media_streams",
                "Open Media Streams WebSocket sessions.")
      .with({}),
    r.add_counter("switchboard_media_frames_in_total",
                  "Media Streams frames received.")
      .with({}),
    r.add_counter("switchboard_media_frames_out_total",
                  "Media Streams frames sent.")
      .with({}),
    r.add_counter("switchboard_media_late_frames_total",
                  "Outbound audio frames sent after their playback time had "
                  "come: the caller heard a gap.")
      .with({}),
    r.add_counter("switchboard_media_dropped_frames_total",
                  "Inbound audio frames (or parts) dropped: duplicate, "
                  "overlapping or out of order, or past the buffer's limit.")
      .with({}),
    r.add_counter("switchboard_media_bad_frames_total",
                  "Media Streams frames refused: malformed, another "
                  "streamSid, media before start.")
      .with({}),
    r.add_histogram("switchboard_turn_gap_seconds",
                    "Media Streams: time from the caller's last voiced frame "
                    "to the first audio frame of the reply.",
                    turn_gap_buckets())
      .with({}),
    r.add_histogram("switchboard_barge_in_seconds",
                    "Media Streams: time from the caller's speech starting "
                    "over a reply to the clear that stops it.",
                    barge_in_buckets())
      .with({}),
    r.add_histogram("switchboard_media_frame_lag_seconds",
                    "Media Streams: time a caller's frame waited between the "
                    "socket and its stream's actor.",
                    lag_buckets())
      .with({}),
  };
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

} // namespace

daemon_metrics& daemon() {
  static daemon_metrics m = [] {
    auto made = make_daemon_metrics(process_registry());
    // Healthy until a commit fails: a daemon that has written nothing yet
    // has had no storage trouble.
    made.storage_healthy.set(1);
    // Shown at 0 from the start, so an alert on them needs no absent().
    for (const char* reason : {"refused", "queue_full", "shutdown"})
      made.storage_dropped_writes.with({reason});
    return made;
  }();
  return m;
}

void count_call_end(std::string_view direction, std::string_view outcome) {
  static constexpr std::string_view outcomes[] = {
    "completed", "busy",          "failed",       "no-answer",
    "canceled",  "rejected-busy", "idle-timeout", "answering-machine"};
  std::string_view dir = direction == "inbound"               ? "inbound"
                         : starts_with(direction, "outbound") ? "outbound"
                                                              : "unknown";
  std::string_view out = "other";
  for (auto known : outcomes)
    if (outcome == known)
      out = known;
  daemon().calls_total.with({dir, out}).inc();
}

} // namespace sb::metrics
