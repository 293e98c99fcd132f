// The load runner: resolves the daemon once, keeps `concurrency` calls
// live on one io_context (call_runner), and gathers what each call
// reports.
#include "cli/sim/sim_load.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/sim/call_runner.hpp"
#include "cli/sim/sim_load_call.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

void add_outcome(load_report& report, load_call_outcome out) {
  report.requests += out.requests;
  report.turns_ok += static_cast<int64_t>(out.sent.said.size());
  report.latency.merge(out.latency);
  if (out.error.empty())
    ++report.calls_ok;
  else {
    ++report.calls_failed;
    ++report.errors[out.error];
  }
  report.sent.push_back(std::move(out.sent));
}

// The calls of a ramp, one per step: each is due from the ramp's own
// start, so a slow handler does not push the later ones back.
class call_ramp : public std::enable_shared_from_this<call_ramp> {
public:
  call_ramp(net::io_context& ioc, int count, std::chrono::nanoseconds step,
            std::function<void()> start_one)
    : timer_(ioc),
      count_(count),
      step_(step),
      start_one_(std::move(start_one)) {
  }

  void start() {
    begin_ = std::chrono::steady_clock::now();
    net::post(timer_.get_executor(),
              [self = shared_from_this()] { self->on_due({}); });
  }

private:
  void on_due(boost::system::error_code ec) {
    if (ec)
      return;
    start_one_();
    if (++started_ >= count_)
      return;
    timer_.expires_at(begin_ + step_ * started_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      self->on_due(e);
    });
  }

  net::steady_timer timer_;
  int count_;
  std::chrono::nanoseconds step_;
  std::function<void()> start_one_;
  std::chrono::steady_clock::time_point begin_;
  int started_ = 0;
};

} // namespace

const std::string& load_utterance(int64_t call, int turn) {
  // Keywords of the scripted goodbye rule (bye, अलविदा, बाय...) are kept
  // out: every call must last all its turns.
  static const std::vector<std::string> phrases{
    "hello",
    "मुझे मदद चाहिए",
    "I need help with my order",
    "नमस्ते, मेरा ऑर्डर कहाँ है",
    "what time do you open tomorrow",
    "मेरा बिल कितना है",
    "can you repeat that please",
  };
  auto n = static_cast<int64_t>(phrases.size());
  return phrases[static_cast<size_t>(((call % n) + turn) % n)];
}

uint64_t raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit want = lim;
    want.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      lim = want;
  }
  return static_cast<uint64_t>(lim.rlim_cur);
}

caf::expected<tcp::resolver::results_type>
resolve_daemon(net::io_context& ioc, const std::string& base_url,
               std::string_view who) {
  auto where = parse_base_url(base_url, who);
  if (!where)
    return where.error();
  boost::system::error_code ec;
  tcp::resolver resolver{ioc};
  auto endpoints = resolver.resolve(where->host, where->port, ec);
  if (ec)
    return make_error(errc::backend_failed,
                      "--url " + base_url + ": " + ec.message());
  return endpoints;
}

void run_io(net::io_context& ioc, int threads) {
  std::vector<std::thread> others;
  for (int i = 1; i < threads; ++i)
    others.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : others)
    t.join();
}

void start_spread(net::io_context& ioc, int count,
                  std::chrono::milliseconds ramp,
                  std::function<void()> start_one) {
  if (ramp.count() <= 0 || count <= 1) {
    for (int i = 0; i < count; ++i)
      start_one();
    return;
  }
  std::make_shared<call_ramp>(ioc, count, ramp / count, std::move(start_one))
    ->start();
}

caf::expected<load_report> run_load(const load_options& opts) {
  net::io_context ioc{std::max(1, opts.threads)};
  auto endpoints = resolve_daemon(ioc, opts.base_url, "load mode");
  if (!endpoints)
    return endpoints.error();
  auto setup = std::make_shared<load_call_setup>();
  setup->opts = opts;
  setup->endpoints = *endpoints;
  setup->host = without_trailing_slash(opts.base_url.substr(7));
  setup->public_base = without_trailing_slash(
    opts.public_url.empty() ? opts.base_url : opts.public_url);
  load_report report;
  call_runner<load_call_outcome> runner{
    opts.calls,
    [&ioc, setup](int64_t index, auto done) {
      start_load_call(ioc, setup, index, std::move(done));
    },
    [&report](load_call_outcome out) { add_outcome(report, std::move(out)); }};
  auto start = std::chrono::steady_clock::now();
  start_spread(ioc, std::max(1, opts.concurrency), opts.ramp,
               [&runner] { runner.start(1); });
  run_io(ioc, opts.threads);
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                                - start)
                    .count();
  return report;
}

} // namespace sb
