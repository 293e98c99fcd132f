// /api/events: the live feed as Server-Sent Events. The opener (on the
// connection's strand) sends `retry:` first, then subscribes to the feed
// from the client's Last-Event-ID, so the replay and the live events
// follow it in order; the subscriber only appends to the stream's batch
// (never blocks the feed's lock) and drops out once the stream is gone.
// A pump per stream sends the batch every 100 ms, and a heartbeat comment
// when quiet, which keeps proxies and the browser from calling an idle
// stream dead; its timer runs on a strand of its own, which is also where
// the stream's end cancels it.
#include <charconv>
#include <chrono>
#include <mutex>
#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "app/console/console_context.hpp"
#include "app/console/console_json.hpp"
#include "core/log.hpp"
#include "storage/live_feed.hpp"

namespace sb {

namespace {

namespace asio = boost::asio;

// How long events gather before a stream sends them: what a browser waits
// at most for a new turn, and what bounds the writes per tab.
constexpr std::chrono::milliseconds flush_every{100};

// One place in console.max_streams: taken when the request is accepted,
// given back exactly once, when the stream ends or, if it never opened,
// when the response is dropped.
class stream_slot {
public:
  explicit stream_slot(console_context_ptr cx) : cx_(std::move(cx)) {
  }
  ~stream_slot() {
    release();
  }
  stream_slot(const stream_slot&) = delete;
  stream_slot& operator=(const stream_slot&) = delete;

  void release() {
    if (!released_.exchange(true))
      cx_->streams.fetch_sub(1);
  }

private:
  console_context_ptr cx_;
  std::atomic<bool> released_{false};
};

// The events of one stream, sent in batches: the subscriber (on the
// store's thread, under the feed's lock) only appends to `batch_`; a timer
// on a strand of its own sends what gathered every `flush_every`, and a
// heartbeat comment after `heartbeat_every` with nothing to send. A
// console tab under a load of thousands of turns a second then costs a
// few writes a second, not one per event, and the store never waits on
// a socket.
class stream_pump : public std::enable_shared_from_this<stream_pump> {
public:
  stream_pump(asio::io_context& ioc, std::weak_ptr<event_stream> stream,
              std::chrono::milliseconds flush_every,
              std::chrono::seconds heartbeat_every)
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      stream_(std::move(stream)),
      flush_every_(flush_every),
      heartbeat_every_(heartbeat_every) {
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->arm(); });
  }

  // Any thread. False once the stream is gone (the feed drops us).
  bool add(const std::string& frame) {
    if (stream_.expired())
      return false;
    std::lock_guard<std::mutex> lock(mutex_);
    batch_ += frame;
    return true;
  }

  // Any thread: posted onto the timer's strand.
  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
    });
  }

private:
  void arm() {
    if (stopped_)
      return;
    timer_.expires_after(flush_every_);
    timer_.async_wait(
      [self = shared_from_this()](boost::system::error_code ec) {
        if (!ec && !self->stopped_ && self->flush())
          self->arm();
      });
  }

  // Sends the batch, or a heartbeat when the stream was quiet long
  // enough; false once the stream is gone.
  bool flush() {
    std::string bytes;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      bytes.swap(batch_);
    }
    auto s = stream_.lock();
    if (!s)
      return false;
    if (bytes.empty()) {
      quiet_ += flush_every_;
      if (quiet_ < heartbeat_every_)
        return true;
      bytes = ": heartbeat\n\n";
    }
    quiet_ = {};
    return s->send(std::move(bytes));
  }

  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  std::weak_ptr<event_stream> stream_;
  const std::chrono::milliseconds flush_every_;
  const std::chrono::milliseconds heartbeat_every_;
  std::mutex mutex_;
  std::string batch_;                 // guarded by mutex_
  std::chrono::milliseconds quiet_{}; // on strand_
  bool stopped_ = false;              // on strand_
};

std::optional<uint64_t> parse_event_id(const std::string& text) {
  uint64_t id = 0;
  auto end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, id);
  if (text.empty() || ec != std::errc{} || at != end)
    return std::nullopt;
  return id;
}

event_stream_opener make_opener(const console_context_ptr& cx,
                                const console_call& c,
                                std::shared_ptr<stream_slot> slot) {
  auto after = parse_event_id(c.req.last_event_id);
  auto who = "session " + c.session + " from " + c.req.remote_address;
  return [cx, after, who, slot](std::weak_ptr<event_stream> weak) {
    if (auto s = weak.lock())
      s->send("retry: 2000\n\n");
    auto pump = std::make_shared<stream_pump>(
      *cx->deps.ioc, weak, flush_every,
      std::chrono::seconds(cx->settings.heartbeat_s));
    // Every subscriber runs under the feed's lock, one after another, so
    // the frame cache needs no lock of its own: an event is framed once,
    // not once per open tab. The subscriber holds neither the context nor
    // the pump (only the stream's end and the pump's timer do), so what
    // the feed keeps after a stream ends is small and holds nothing back.
    cx->deps.feed->subscribe(after, [cache = cx->last_frame,
                                     weak_pump = std::weak_ptr<stream_pump>(
                                       pump)](const live_event& e) {
      auto p = weak_pump.lock();
      if (!p)
        return false;
      if (cache->id != e.id || cache->type != e.type) {
        cache->id = e.id;
        cache->type = e.type;
        cache->text = format_sse_event(e);
      }
      return p->add(cache->text);
    });
    auto beat = pump;
    beat->start();
    SB_LOG_DEBUG("console: event stream opened, " << who);
    event_stream_events events;
    events.on_closed = [beat, slot, who](const std::string& why) {
      beat->stop();
      slot->release();
      SB_LOG_DEBUG("console: event stream of " << who << " ended: " << why);
    };
    return events;
  };
}

} // namespace

void serve_console_events(const console_context_ptr& cx, console_call&& c,
                          http_responder respond) {
  const auto max = static_cast<size_t>(cx->settings.max_streams);
  if (cx->streams.fetch_add(1) >= max) {
    cx->streams.fetch_sub(1);
    respond(console_error(503, "too many event streams open (console."
                               "max_streams); close another tab"));
    return;
  }
  auto slot = std::make_shared<stream_slot>(cx);
  auto res = console_response(200, "text/event-stream; charset=utf-8", "");
  res.open_stream = make_opener(cx, c, std::move(slot));
  respond(std::move(res));
}

} // namespace sb
