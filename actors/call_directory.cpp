#include "actors/call_directory.hpp"

#include <mutex>

#include <caf/send.hpp>

namespace sb {

void call_directory::add(const std::string& sid, const call_actor& call) {
  std::lock_guard<std::shared_mutex> guard{mutex_};
  calls_[sid] = call;
}

void call_directory::remove(const std::string& sid) {
  std::lock_guard<std::shared_mutex> guard{mutex_};
  calls_.erase(sid);
}

void call_directory::clear() {
  std::lock_guard<std::shared_mutex> guard{mutex_};
  calls_.clear();
}

bool call_directory::route(call_event& ev, voice_reply_promise& promise) {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  auto it = calls_.find(ev.call_sid);
  if (it == calls_.end())
    return false;
  // Under the lock: see the ordering note in the header.
  caf::anon_send(it->second, event_atom::value, std::move(ev),
                 std::move(promise));
  return true;
}

size_t call_directory::size() const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  return calls_.size();
}

} // namespace sb
