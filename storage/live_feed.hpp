// The console's live stream: every call row and turn the store commits,
// as numbered events with their JSON, kept in a bounded ring so a browser
// that reconnects with Last-Event-ID gets what it missed. The store actor
// publishes after each commit; console event streams (Server-Sent Events)
// subscribe. Thread-safe: publish runs on the store's thread, subscribers
// on I/O threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sb {

struct live_event {
  uint64_t id = 0;  // 1, 2, ... in publish order, per daemon run
  std::string type; // "call" | "turn"
  std::string data; // one JSON object on one line (see publish_*)
};

class live_feed {
public:
  /// A subscriber is called, with the feed's lock held, for each event
  /// published after it subscribed; it must not block or call back into
  /// the feed. Returning false unsubscribes it (its stream has closed).
  using subscriber = std::function<bool(const live_event&)>;

  explicit live_feed(size_t ring_capacity = 4096);

  /// The call as committed: {"call_sid", "direction", "from_number",
  /// "to_number", "status", "started_at", "answered_at", "ended_at",
  /// "duration_s", "end_reason", "transport"}, with only the fields the row
  /// carries (an upsert fills in part of a call).
  void publish_call(const call_row& row);

  /// {"call_sid", "seq", "role", "content", "created_at", "latency_ms",
  /// "interrupted", "tool_calls"}; latency_ms only when measured,
  /// tool_calls (tool_call_fields::summary: name, error, ms, ...) only
  /// when the reply called any.
  void publish_turn(const turn_row& row);

  /// Subscribes `fn`. `after`: the Last-Event-ID a reconnecting stream
  /// sent; nullopt = only what comes from now on. Under the lock, before
  /// registering, `fn` gets the events after `after` still in the ring, in
  /// order, or, when some of them are gone, one event {id = last_id(),
  /// type = "reset", data = "{}"} (the client must reload its snapshot).
  /// So no event is lost or repeated between the replay and the live ones.
  void subscribe(std::optional<uint64_t> after, subscriber fn);

  /// The id of the newest event published (0 before any).
  uint64_t last_id() const;

  size_t subscribers() const;

private:
  void publish(std::string type, std::string data);

  mutable std::mutex mutex_;
  size_t capacity_;
  // At most capacity_ events; event id at [(id - 1) % capacity_].
  std::vector<live_event> ring_;
  uint64_t last_id_ = 0;
  std::vector<subscriber> subscribers_;
};

} // namespace sb
