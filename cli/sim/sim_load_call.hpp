// One call of a load run, as a Beast session: its own keep-alive TCP
// connection (as Twilio opens one per call), a strand, and a chain of
// do_x/on_x steps: connect, answer webhook, speech turns (following
// <Redirect>s and, if asked, fetching <Play> audio), completed callback.
// It reports once, when the call ends, with its own latencies and the
// utterances the daemon took, so the runner's lock is taken once per call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

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

/// Starts call number `index` on its own strand of `ioc`; `done` runs
/// exactly once, on that strand, when the call ends.
void start_load_call(boost::asio::io_context& ioc,
                     std::shared_ptr<const load_call_setup> setup,
                     int64_t index, load_call_done done);

} // namespace sb
