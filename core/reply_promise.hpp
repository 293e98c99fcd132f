// reply_promise<T>: a one-shot completion that may travel (copied) to another
// thread or inside an actor message, so a caller that is not an actor (an
// HTTP or admin-socket connection) is answered without any thread blocking.
// Copies share one core; the first deliver() wins. If every copy is dropped
// without a delivery (a dead actor, a dropped message, a handler that lost
// it), the core's fallback runs instead, so the caller is always answered.
// The servers in net/ and the actors use this one mechanism.
//
// Local only: it holds a std::function and can never cross the network, so
// actors/messages.hpp whitelists it with CAF_ALLOW_UNSAFE_MESSAGE_TYPE.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <utility>

namespace sb {

template <class T>
class reply_promise {
public:
  using deliver_fn = std::function<void(T)>;
  using fallback_fn = std::function<void()>;

  reply_promise() = default;

  /// `on_value` receives the delivered value; `on_drop` runs if nothing was
  /// delivered by the time the last copy is destroyed. Both may run on any
  /// thread and must not block.
  reply_promise(deliver_fn on_value, fallback_fn on_drop)
    : core_(std::make_shared<core>(std::move(on_value), std::move(on_drop))) {
  }

  /// Delivers `value` unless something was delivered already. Returns true
  /// if this call delivered.
  bool deliver(T value) const {
    return core_ && core_->deliver(std::move(value));
  }

  bool delivered() const {
    return !core_ || core_->done.load();
  }

  explicit operator bool() const {
    return static_cast<bool>(core_);
  }

private:
  struct core {
    core(deliver_fn v, fallback_fn d)
      : on_value(std::move(v)), on_drop(std::move(d)) {
    }
    ~core() {
      if (done.exchange(true) || !on_drop)
        return;
      try {
        on_drop();
      } catch (...) {
        // Only allocation can fail in the fallbacks; a destructor must not
        // throw, and there is nobody left to tell.
      }
    }
    bool deliver(T value) {
      if (done.exchange(true))
        return false;
      on_value(std::move(value));
      return true;
    }
    deliver_fn on_value;
    fallback_fn on_drop;
    std::atomic<bool> done{false};
  };
  std::shared_ptr<core> core_;
};

} // namespace sb
