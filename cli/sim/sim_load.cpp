// The load runner: resolves the daemon once, keeps `concurrency` calls
// live on one io_context, and gathers what each call reports.
#include "cli/sim/sim_load.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cli/sim/sim_load_call.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Starts calls until `concurrency` are live, and another each time one
// ends, until `calls` have started. Calls report on their own strands,
// possibly on several threads, hence the lock.
class load_runner {
public:
  load_runner(net::io_context& ioc,
              std::shared_ptr<const load_call_setup> setup)
    : ioc_(ioc), setup_(std::move(setup)) {
  }

  void start_next() {
    int64_t index;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (started_ >= setup_->opts.calls)
        return;
      index = started_++;
    }
    start_load_call(ioc_, setup_, index,
                    [this](load_call_outcome out) { on_done(std::move(out)); });
  }

  load_report take_report() {
    return std::move(report_);
  }

private:
  void on_done(load_call_outcome out) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      report_.requests += out.requests;
      report_.turns_ok += static_cast<int64_t>(out.sent.said.size());
      report_.latency.merge(out.latency);
      if (out.error.empty())
        ++report_.calls_ok;
      else {
        ++report_.calls_failed;
        ++report_.errors[out.error];
      }
      report_.sent.push_back(std::move(out.sent));
    }
    start_next();
  }

  net::io_context& ioc_;
  std::shared_ptr<const load_call_setup> setup_;
  std::mutex mtx_;
  int64_t started_ = 0;
  load_report report_;
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

caf::expected<load_report> run_load(const load_options& opts) {
  auto where = parse_base_url(opts.base_url, "load mode");
  if (!where)
    return where.error();
  net::io_context ioc{std::max(1, opts.threads)};
  boost::system::error_code ec;
  tcp::resolver resolver{ioc};
  auto endpoints = resolver.resolve(where->host, where->port, ec);
  if (ec)
    return make_error(errc::backend_failed,
                      "--url " + opts.base_url + ": " + ec.message());
  auto setup = std::make_shared<load_call_setup>();
  setup->opts = opts;
  setup->endpoints = endpoints;
  setup->host = without_trailing_slash(opts.base_url.substr(7));
  setup->public_base = without_trailing_slash(
    opts.public_url.empty() ? opts.base_url : opts.public_url);
  load_runner runner{ioc, setup};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < std::max(1, opts.concurrency); ++i)
    runner.start_next();
  std::vector<std::thread> threads;
  for (int i = 1; i < opts.threads; ++i)
    threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads)
    t.join();
  auto report = runner.take_report();
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                                - start)
                    .count();
  return report;
}

} // namespace sb
