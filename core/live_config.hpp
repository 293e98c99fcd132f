// The configuration in force, for code that runs outside the actors (the
// HTTP and WebSocket fronts on the I/O threads): a reload swaps the whole
// immutable config, and readers take the current one without a lock.
// The actors get theirs by message (reload_atom); this is the one copy
// that threads read.
#pragma once

#include <atomic>
#include <memory>

#include "core/config.hpp"

namespace sb {

class live_config {
public:
  explicit live_config(std::shared_ptr<const config> initial)
    : current_(std::move(initial)) {
  }

  /// Any thread. The config in force now; never null.
  std::shared_ptr<const config> get() const {
    return std::atomic_load(&current_);
  }

  /// Any thread. From now on get() returns `next`. REQUIRES: next != null.
  void set(std::shared_ptr<const config> next) {
    std::atomic_store(&current_, std::move(next));
  }

private:
  std::shared_ptr<const config> current_;
};

} // namespace sb
