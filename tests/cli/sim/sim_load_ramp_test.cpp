// The load runners' ramp (start_spread): calls that a load with
// --ramp-ms starts are spread over the ramp on the runner's own
// io_context, and without a ramp they all start at once. Real timers on a
// real io_context; only lower bounds on time are checked, which a slow
// machine cannot break.
#include <chrono>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "cli/sim/sim_load_call.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

} // namespace

TEST_CASE("a ramp spreads the starts of calls over its length", "[sim_load]") {
  boost::asio::io_context ioc;
  std::vector<clock_type::time_point> starts;
  auto before = clock_type::now();
  sb::start_spread(ioc, 5, milliseconds(500),
                   [&starts] { starts.push_back(clock_type::now()); });
  CHECK(starts.empty()); // nothing starts before the loop runs
  ioc.run();
  REQUIRE(starts.size() == 5);
  // Call i is due i x 100 ms after the ramp began.
  for (size_t i = 1; i < starts.size(); ++i)
    CHECK(starts[i] - before >= milliseconds(100) * static_cast<int>(i));
  CHECK(starts.back() - starts.front() >= milliseconds(400));
}

TEST_CASE("without a ramp every call starts at once", "[sim_load]") {
  boost::asio::io_context ioc;
  int started = 0;
  sb::start_spread(ioc, 4, milliseconds(0), [&started] { ++started; });
  CHECK(started == 4); // before the loop ever ran
  sb::start_spread(ioc, 1, milliseconds(1000), [&started] { ++started; });
  CHECK(started == 5); // one call has nothing to be spread against
}
