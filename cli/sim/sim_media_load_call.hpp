// One call of a media load run, as an asynchronous Beast client on a
// strand of the run's io_context: its webhooks over one keep-alive HTTP
// connection (the answer, the stream's status callbacks, the <Connect
// action>, the completed callback), its Media Stream's WebSocket, and one
// steady_timer that wakes when the stream's next frame is due. What to
// send and when comes from the same pure objects the single call uses
// (media_stream, media_conversation); this file only moves their frames.
// It reports once, when the call ends, with its own figures, so the
// runner's lock is taken once per call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cli/sim/sim_media_load.hpp"

namespace sb {

/// What every call of a run shares; immutable while the run lasts.
struct media_load_setup {
  media_load_options opts;
  boost::asio::ip::tcp::resolver::results_type endpoints;
  std::string host;        // the Host header: "HOST:PORT" of base_url
  std::string public_base; // webhook signatures cover public_base + target
};

/// A call's figures (media_load_report with calls_ok or calls_failed at
/// 1 and, on failure, its kind in errors).
using media_load_done = std::function<void(media_load_report)>;

/// Starts a call on its own strand of `ioc`; `done` runs exactly once,
/// on that strand, when the call ends.
void start_media_load_call(boost::asio::io_context& ioc,
                           std::shared_ptr<const media_load_setup> setup,
                           media_load_done done);

} // namespace sb
