// The media load runner: resolves the daemon once, keeps `concurrency`
// calls live on one io_context (call_runner), and adds up what each call
// measured.
#include "cli/sim/sim_media_load.hpp"

#include <algorithm>

#include <boost/asio/io_context.hpp>

#include "cli/sim/call_runner.hpp"
#include "cli/sim/sim_load_call.hpp"
#include "cli/sim/sim_media_load_call.hpp"
#include "cli/sim/sim_media_load_report.hpp"
#include "cli/sim/sim_webhook.hpp"

namespace sb {

std::vector<sim_step> default_media_load_steps() {
  // Plain English the recogniser knows well, and no goodbye: every call
  // lasts its whole script.
  return speech_steps({"Hello, I would like to check on my order.",
                       "What time do you open tomorrow?"});
}

caf::expected<media_load_report>
run_media_load(const media_load_options& opts) {
  const auto& l = opts.load;
  boost::asio::io_context ioc{std::max(1, l.threads)};
  auto endpoints = resolve_daemon(ioc, l.base_url, "load mode");
  if (!endpoints)
    return endpoints.error();
  auto setup = std::make_shared<media_load_setup>();
  setup->opts = opts;
  setup->endpoints = *endpoints;
  setup->host = without_trailing_slash(l.base_url.substr(7));
  setup->public_base = without_trailing_slash(
    l.public_url.empty() ? l.base_url : l.public_url);
  media_load_report report;
  call_runner<media_load_report> runner{
    l.calls,
    [&ioc, setup](int64_t, auto done) {
      start_media_load_call(ioc, setup, std::move(done));
    },
    [&report](media_load_report one) { add_figures(report, one); }};
  auto start = std::chrono::steady_clock::now();
  start_spread(ioc, std::max(1, l.concurrency), l.ramp,
               [&runner] { runner.start(1); });
  run_io(ioc, l.threads);
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                                - start)
                    .count();
  return report;
}

} // namespace sb
