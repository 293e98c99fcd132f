// One call of a load run, as a Beast session: its own keep-alive TCP
// connection (as Twilio opens one per call), a strand, and a chain of
// do_x/on_x steps: connect, answer webhook, speech turns (following
// <Redirect>s and, if asked, fetching <Play> audio), completed callback.
// It reports once, when the call ends, with its own latencies and the
// utterances the daemon took, so the runner's lock is taken once per call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <caf/expected.hpp>

#include "cli/sim/latency_stats.hpp"
#include "cli/sim/sim_db_check.hpp"
#include "cli/sim/sim_load.hpp"

namespace sb {

/// What every call of a run shares; immutable while the run lasts.
struct load_call_setup {
  load_options opts;
  boost::asio::ip::tcp::resolver::results_type endpoints;
  std::string host;        // the Host header: "HOST:PORT" of base_url
  std::string public_base; // signatures cover public_base + target
};

struct load_call_outcome {
  sent_call sent; // CallSid and the utterances answered 200
  latency_stats latency;
  int64_t requests = 0; // answered, any status
  std::string error;    // empty: the call went as expected; else its kind
};

using load_call_done = std::function<void(load_call_outcome)>;

/// The kind of a failed connect ("connect refused", "connect timeout",
/// "connect: why") and of a failed exchange on a connection ("timeout",
/// "connection closed", "io: why"), as the load reports count errors.
std::string connect_error_kind(const boost::system::error_code& ec);
std::string io_error_kind(const boost::system::error_code& ec);

/// Resolves the host of `base_url` (http://HOST:PORT, checked as
/// parse_base_url() does for `who`) once for a whole run. Errors:
/// errc::bad_request for a URL the runners cannot use,
/// errc::backend_failed if the host does not resolve.
caf::expected<boost::asio::ip::tcp::resolver::results_type>
resolve_daemon(boost::asio::io_context& ioc, const std::string& base_url,
               std::string_view who);

/// Runs `ioc` on `threads` threads, this one included, until it runs out
/// of work.
void run_io(boost::asio::io_context& ioc, int threads);

/// Calls `start_one` `count` times: at once when `ramp` is zero, else
/// the i-th call at i x ramp / count from now, from a timer of `ioc`
/// (so the calls run once `ioc` runs). Real callers do not all dial in
/// the same 20 ms; a load whose calls all start together keeps them in
/// step for the whole run (every greeting, utterance and reply at once).
void start_spread(boost::asio::io_context& ioc, int count,
                  std::chrono::milliseconds ramp,
                  std::function<void()> start_one);

/// Starts call number `index` on its own strand of `ioc`; `done` runs
/// exactly once, on that strand, when the call ends.
void start_load_call(boost::asio::io_context& ioc,
                     std::shared_ptr<const load_call_setup> setup,
                     int64_t index, load_call_done done);

} // namespace sb
