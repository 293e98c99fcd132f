// Process-wide metrics served at GET /metrics in Prometheus text exposition
// format 0.0.4: counters, gauges and fixed-bucket histograms, each family
// optionally split by a fixed set of label names. Families are registered
// once (under a mutex); updates are lock-free atomics, so hot paths pay one
// atomic add. daemon() below is the one place the daemon's families are
// defined. No I/O and no third-party code.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sb::metrics {

namespace detail {

// A double kept as its bits in an atomic<uint64_t>: lock-free on every
// platform we build for, where std::atomic<double>::fetch_add is C++20.
class atomic_double {
public:
  double load() const;
  void store(double v);
  void add(double v);

private:
  std::atomic<uint64_t> bits_{0}; // 0 is the bit pattern of +0.0
};

} // namespace detail

/// Only goes up. Thread-safe, lock-free.
class counter {
public:
  /// REQUIRES: v >= 0.
  void inc(double v = 1) {
    value_.add(v);
  }
  double value() const {
    return value_.load();
  }

private:
  detail::atomic_double value_;
};

/// Goes up and down. Thread-safe, lock-free.
class gauge {
public:
  void set(double v) {
    value_.store(v);
  }
  void inc(double v = 1) {
    value_.add(v);
  }
  void dec(double v = 1) {
    value_.add(-v);
  }
  double value() const {
    return value_.load();
  }

private:
  detail::atomic_double value_;
};

/// Counts observations into fixed buckets. Thread-safe, lock-free.
class histogram {
public:
  /// REQUIRES: `bounds` finite and strictly increasing; +Inf is implicit.
  explicit histogram(std::vector<double> bounds);
  void observe(double v);

  struct snapshot {
    std::vector<uint64_t> cumulative; // per bound, then +Inf (== count)
    uint64_t count = 0;
    double sum = 0;
  };
  /// A consistent-enough read: the counts always agree with each other
  /// (_count is derived from them); the sum may lag one observation.
  snapshot collect() const;
  const std::vector<double>& bounds() const {
    return bounds_;
  }

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_; // not cumulative
  detail::atomic_double sum_;
};

/// Bounds start, start*factor, ... (`count` of them).
std::vector<double> exponential_buckets(double start, double factor, int count);

/// One metric name, its help text, label names, and one child per set of
/// label values. Children live as long as the registry.
class family_base {
public:
  virtual ~family_base() = default;
  const std::string& name() const {
    return name_;
  }
  /// Appends # HELP, # TYPE and every child's samples.
  virtual void render(std::string& out) const = 0;

protected:
  family_base(std::string name, std::string help,
              std::vector<std::string> label_names);
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_; // guards the child map, never an update
};

template <class Metric>
class family final : public family_base {
public:
  family(std::string name, std::string help,
         std::vector<std::string> label_names, std::vector<double> bounds);
  /// The child for these label values (one per label name, in order),
  /// created on first use. Takes a mutex: call it once and keep the
  /// reference, which stays valid for the registry's life.
  /// REQUIRES: values.size() == number of label names.
  Metric& with(std::initializer_list<std::string_view> values);
  void render(std::string& out) const override;

private:
  std::vector<double> bounds_; // histograms only
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

/// A set of families rendered together. Tests make their own; the daemon
/// uses process_registry().
class registry {
public:
  /// REQUIRES: `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* and is new here;
  /// label names match [a-zA-Z_][a-zA-Z0-9_]* and are not "le".
  family<counter>& add_counter(std::string name, std::string help,
                               std::vector<std::string> label_names = {});
  family<gauge>& add_gauge(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  family<histogram>& add_histogram(std::string name, std::string help,
                                   std::vector<double> bounds,
                                   std::vector<std::string> label_names = {});
  /// Every family sorted by name, its children by label values.
  std::string render() const;

private:
  template <class Metric>
  family<Metric>& add(std::string name, std::string help,
                      std::vector<std::string> label_names,
                      std::vector<double> bounds);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<family_base>> families_;
};

registry& process_registry();

/// process_registry().render(), what GET /metrics answers.
std::string render();

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
    .count();
}

/// The daemon's families, registered in process_registry() by the first
/// call (thread-safe); every call returns the same set. Take it once
/// (`auto& m = metrics::daemon();`) and update through its references:
///   m.live_calls.set(n)  whenever the number of live call actors changes
///                        (the ingress's call map), or inc()/dec() as one
///                        starts/ends; not both.
///   count_call_end(row.direction, row.end_reason)  once per ended call,
///                        calls turned away at max_calls included.
///   m.user_turns.inc(), m.assistant_turns.inc()  per turn persisted.
///   m.twilio_rest_errors.inc()  per REST request that finally failed.
/// app/http_front feeds the webhook and signature families (route labels
/// from route_name() in app/routes); net/http/http_server the connection and
/// rejection families; net/http/ws_session relay_sessions; actors/llm_pool,
/// tts_pool, stt_pool and store feed theirs; the Media Streams transport
/// the media_* families, turn_gap and barge_in_reaction.
struct daemon_metrics {
  gauge& live_calls;                   // switchboard_live_calls
  family<counter>& calls_total;        // {direction, outcome}
  family<counter>& turns_total;        // {role}
  counter& user_turns;                 //   {role="user"}
  counter& assistant_turns;            //   {role="assistant"}
  family<histogram>& webhook_duration; // {route}, seconds
  counter& signature_failures;
  counter& calls_adopted;  // signed events of calls never seen
  histogram& llm_duration; // per model request, failed too
  gauge& llm_queue_depth;  // turns waiting for a worker
  histogram& tts_duration; // per synthesis, failed too
  gauge& tts_queue_depth;
  counter& tts_cache_hits;
  // actors/stt_pool: time recognising each utterance (failed ones too),
  // the tail from the end of speech to the final text, utterances
  // waiting for a worker and being recognised.
  histogram& stt_duration;            // switchboard_stt_duration_seconds
  histogram& stt_tail;                // switchboard_stt_tail_seconds
  gauge& stt_queue_depth;             // switchboard_stt_queue_depth
  gauge& stt_in_flight;               // switchboard_stt_in_flight
  histogram& storage_batch_writes;    // writes per transaction
  histogram& storage_commit_duration; // seconds per transaction
  family<counter>& errors_total;      // {kind}
  counter& storage_errors;            //   {kind="storage"}, per write
                                      //   answered with an error
  counter& llm_errors;                //   {kind="llm"}, per failed turn
  counter& tts_errors;                //   {kind="tts"}, per text
  counter& stt_errors;                //   {kind="stt"}, per failed
                                      //   utterance (not cancelled)
  counter& twilio_rest_errors;        //   {kind="twilio_rest"}
  counter& bad_requests;              //   {kind="bad_request"}
  // actors/store: whether SQLite takes writes (1) or they wait for a retry
  // (0); how many wait; commits SQLite could not do (each retry counts);
  // writes given up for good, by reason: "refused" (SQLite refused the
  // data), "queue_full" (past storage.max_pending_writes), "shutdown"
  // (still failing when the daemon stopped). Each dropped write is also
  // logged with its content.
  gauge& storage_healthy;          // switchboard_storage_healthy
  gauge& storage_pending_writes;   // switchboard_storage_pending_writes
  counter& storage_failed_commits; // switchboard_storage_failed_commits_total
  family<counter>& storage_dropped_writes; // {reason}
  // net/http/http_server: open connections; connections closed at accept past
  // server.max_connections and requests answered 429 by the per-IP rate
  // limit.
  gauge& http_connections;        // switchboard_http_connections
  family<counter>& http_rejected; // {reason}
  counter& refused_connections;   //   {reason="max_connections"}
  counter& rate_limited;          //   {reason="rate_limit"}
  // net/http/ws_session: WebSocket sessions (ConversationRelay and Media
  // Streams) from upgrade to end; each also holds its count in
  // http_connections.
  gauge& relay_sessions; // switchboard_relay_sessions
  // actors/call_relay: from a caller's prompt to the first text frame of
  // the reply (what the caller waits for the first word), and replies
  // the caller talked over.
  histogram& relay_first_text; // switchboard_relay_first_text_seconds
  counter& relay_interrupts;   // switchboard_relay_interrupts_total
  // The Media Streams transport (voice.transport = "media"). Its
  // WebSocket side: open streams; frames in and out; outbound audio sent
  // after its playback time had come (the caller heard a gap); inbound
  // audio dropped (duplicate, overlapping or out of order, or past the
  // buffer's limit); frames refused (malformed, another streamSid, media
  // before start). The call's side, per reply: the caller's last voiced
  // frame to our first audio frame of the reply, and from the caller's
  // speech starting over a reply to the clear that stops it.
  gauge& media_streams;          // switchboard_media_streams
  counter& media_frames_in;      // switchboard_media_frames_in_total
  counter& media_frames_out;     // switchboard_media_frames_out_total
  counter& media_late_frames;    // switchboard_media_late_frames_total
  counter& media_dropped_frames; // switchboard_media_dropped_frames_total
  counter& media_bad_frames;     // switchboard_media_bad_frames_total
  histogram& turn_gap;           // switchboard_turn_gap_seconds
  histogram& barge_in_reaction;  // switchboard_barge_in_seconds
  // app/media_proxy: how long a caller's frame waited between the socket
  // (the I/O thread) and its proxy actor: the daemon's own lag.
  histogram& media_frame_lag; // switchboard_media_frame_lag_seconds
};

daemon_metrics& daemon();

/// switchboard_calls_total{direction, outcome} += 1. `direction` is the
/// call row's (Twilio's Direction): "inbound", or any "outbound-*" which
/// counts as "outbound"; anything else counts as "unknown". `outcome` is
/// the call's end_reason: completed, busy, failed, no-answer, canceled,
/// rejected-busy, idle-timeout or answering-machine; anything else counts
/// as "other", so no request can grow the label set. Takes a mutex.
void count_call_end(std::string_view direction, std::string_view outcome);

} // namespace sb::metrics
