// The live calls' actors by CallSid, readable from any thread. The ingress
// alone adds and removes entries; the HTTP and relay fronts hand a call event
// for a call that is already live straight to its actor, so the common
// call event crosses one actor hop instead of two (the ingress would only look
// the same map up and forward). Everything else — a new call, a call to
// rebuild from the store, max_calls — still goes through the ingress.
//
// Ordering: route() sends while holding the lock, and the ingress removes
// an entry (under the lock) before it sends the call its (ended). So a
// call event routed here is always in the call's mailbox ahead of (ended), and
// no call event reaches an actor that has already exited, as when the
// ingress forwarded them all.
#pragma once

#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "actors/call.hpp"

namespace sb {

class call_directory {
public:
  call_directory() = default;
  call_directory(const call_directory&) = delete;
  call_directory& operator=(const call_directory&) = delete;

  /// The ingress: `call` is live and has been sent every call event the
  /// ingress routed to it so far.
  void add(const std::string& sid, const call_actor& call);

  /// The ingress: the call is being released (or died). Call before
  /// sending it (ended).
  void remove(const std::string& sid);

  /// The ingress at shutdown: no call takes call events any more.
  void clear();

  /// Any thread: sends (event, ev, promise) to the call's actor if it is
  /// live and returns true; else returns false and leaves both untouched.
  bool route(call_event& ev, voice_reply_promise& promise);

  size_t size() const;

private:
  // Shared for route(): the I/O threads do not wait for each other.
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, call_actor> calls_;
};

} // namespace sb
