// mcp_toolbox: the tools offered are one immutable catalog behind a
// shared_ptr, swapped whole by refresh() (std::atomic_load/store), so a
// call reads a consistent snapshot without a lock. Calls go through a
// queue to llm.mcp_slots threads; each slot keeps one mcp_client per
// server (its keep-alive connection, its 2025-era session), and the era a
// server speaks is remembered once for all of them. The caller waits on
// its call's future until its deadline; the slot's transfer has the same
// deadline as curl's total limit, so a hanging server frees the slot when
// the caller gives up.
#include "backends/mcp/mcp_toolbox.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "backends/mcp/mcp_catalog.hpp"
#include "backends/mcp/mcp_client.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The tools offered now, and by name the server each belongs to.
struct offer {
  std::shared_ptr<const std::vector<mcp_tool>> tools =
    std::make_shared<const std::vector<mcp_tool>>();
  std::unordered_map<std::string, size_t> by_name; // index into *tools
  std::map<std::string, mcp_server_config> servers;
};

// One call, waiting for a slot or running on one.
struct job {
  mcp_tool tool;
  mcp_server_config server;
  std::string arguments;
  clock_type::time_point deadline;
  milliseconds wait{0}; // min(budget, timeout): named in a timeout's error
  std::promise<mcp_tool_outcome> done;
};

std::string timed_out(milliseconds wait) {
  return "timed out after " + std::to_string(wait.count()) + " ms";
}

mcp_tool_outcome failed(std::string why) {
  mcp_tool_outcome out;
  out.error = std::move(why);
  return out;
}

bool same_endpoint(const mcp_server_config& a, const mcp_server_config& b) {
  return a.url == b.url && a.token == b.token;
}

} // namespace

struct mcp_toolbox::impl {
  std::atomic<int> max_queue;
  std::atomic<int> timeout_ms;
  std::atomic<bool> stopping{false}; // also cancels transfers under way
  std::shared_ptr<const offer> current = std::make_shared<const offer>();

  std::mutex mutex; // guards queue, idle, the era memos
  std::condition_variable wake;
  std::deque<std::shared_ptr<job>> queue;
  int idle = 0; // slots waiting for a job
  std::map<std::string, std::shared_ptr<mcp_era_memo>> memos; // by url

  std::mutex refreshing; // one refresh at a time
  std::vector<std::thread> slots;

  explicit impl(const llm_config& llm)
    : max_queue(llm.mcp_max_queue), timeout_ms(llm.mcp_timeout_ms) {
  }

  std::shared_ptr<mcp_era_memo> memo_for(const std::string& url);
  void run_slot();
  mcp_tool_outcome run(job& j,
                       std::map<std::string, std::unique_ptr<mcp_client>>& by);
  bool enqueue(const std::shared_ptr<job>& j, std::string& why);
};

std::shared_ptr<mcp_era_memo>
mcp_toolbox::impl::memo_for(const std::string& url) {
  std::lock_guard<std::mutex> lock(mutex);
  auto& memo = memos[url];
  if (!memo)
    memo = std::make_shared<mcp_era_memo>(mcp_era::unknown);
  return memo;
}

void mcp_toolbox::impl::run_slot() {
  std::map<std::string, std::unique_ptr<mcp_client>> clients; // by server
  for (;;) {
    std::shared_ptr<job> j;
    {
      std::unique_lock<std::mutex> lock(mutex);
      ++idle;
      wake.wait(lock, [&] { return stopping || !queue.empty(); });
      --idle;
      if (stopping)
        return;
      j = std::move(queue.front());
      queue.pop_front();
    }
    j->done.set_value(run(*j, clients));
  }
}

mcp_tool_outcome
mcp_toolbox::impl::run(job& j,
                       std::map<std::string, std::unique_ptr<mcp_client>>& by) {
  const auto left = std::chrono::duration_cast<milliseconds>(
    j.deadline - clock_type::now());
  if (left.count() <= 0)
    return failed(timed_out(j.wait));
  auto& client = by[j.server.name];
  if (!client || !same_endpoint(client->server(), j.server))
    client = std::make_unique<mcp_client>(j.server, memo_for(j.server.url),
                                          &stopping);
  auto result = client->call_tool(j.tool, j.arguments, left);
  if (result) {
    mcp_tool_outcome out;
    out.result = std::move(*result);
    return out;
  }
  return failed(has_code(result.error(), errc::timed_out)
                  ? timed_out(j.wait)
                  : what(result.error()));
}

bool mcp_toolbox::impl::enqueue(const std::shared_ptr<job>& j,
                                std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) {
      why = "shutting down";
      return false;
    }
    // An idle slot takes a job at once; beyond those, max_queue may wait.
    if (static_cast<int>(queue.size()) >= idle + max_queue.load()) {
      why = "tool queue full";
      return false;
    }
    queue.push_back(j);
  }
  wake.notify_one();
  return true;
}

mcp_toolbox::mcp_toolbox(const llm_config& llm)
  : impl_(std::make_shared<impl>(llm)) {
  const int n = std::max(1, llm.mcp_slots);
  for (int i = 0; i < n; ++i)
    impl_->slots.emplace_back([d = impl_.get()] { d->run_slot(); });
}

mcp_toolbox::~mcp_toolbox() {
  std::deque<std::shared_ptr<job>> dropped;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    dropped.swap(impl_->queue);
  }
  impl_->wake.notify_all();
  for (auto& j : dropped)
    j->done.set_value(failed("shutting down"));
  for (auto& t : impl_->slots)
    t.join();
}

void mcp_toolbox::refresh(const llm_config& llm) {
  std::lock_guard<std::mutex> serial(impl_->refreshing);
  impl_->max_queue = llm.mcp_max_queue;
  impl_->timeout_ms = llm.mcp_timeout_ms;
  const auto& servers = llm.mcp_servers;
  const milliseconds timeout{llm.mcp_timeout_ms};
  std::vector<mcp_listing> listings(servers.size());
  std::vector<std::thread> listers;
  for (size_t i = 0; i < servers.size(); ++i)
    listers.emplace_back([&, i] {
      mcp_client client{servers[i], impl_->memo_for(servers[i].url),
                        &impl_->stopping};
      auto tools = client.list_tools(timeout);
      if (tools)
        listings[i].tools = std::move(*tools);
      else
        listings[i].error = what(tools.error());
    });
  for (auto& t : listers)
    t.join();
  auto chosen = choose_mcp_tools(servers, listings);
  for (const auto& line : chosen.log)
    log::write(line.level, line.text);
  auto next = std::make_shared<offer>();
  for (size_t i = 0; i < chosen.tools.size(); ++i)
    next->by_name.emplace(chosen.tools[i].name, i);
  for (const auto& server : servers)
    next->servers.emplace(server.name, server);
  next->tools = std::make_shared<const std::vector<mcp_tool>>(
    std::move(chosen.tools));
  std::atomic_store(&impl_->current,
                    std::shared_ptr<const offer>(std::move(next)));
}

std::shared_ptr<const std::vector<mcp_tool>> mcp_toolbox::tools() const {
  return std::atomic_load(&impl_->current)->tools;
}

mcp_tool_outcome mcp_toolbox::call(const std::string& name,
                                   const std::string& arguments,
                                   std::chrono::milliseconds budget) {
  const auto start = clock_type::now();
  const std::shared_ptr<impl> d = impl_; // alive until this call returns
  auto finish = [&](mcp_tool_outcome out, const std::string& server) {
    out.server = server;
    out.ms = std::chrono::duration_cast<milliseconds>(clock_type::now() - start)
               .count();
    return out;
  };
  const auto offered = std::atomic_load(&d->current);
  const auto it = offered->by_name.find(name);
  if (it == offered->by_name.end())
    return finish(failed("unknown tool"), "");
  auto j = std::make_shared<job>();
  j->tool = (*offered->tools)[it->second];
  j->server = offered->servers.at(j->tool.server);
  j->arguments = arguments;
  j->wait = std::max(milliseconds(0),
                     std::min(budget, milliseconds(d->timeout_ms.load())));
  j->deadline = start + j->wait;
  if (j->wait.count() == 0)
    return finish(failed(timed_out(j->wait)), j->tool.server);
  auto done = j->done.get_future();
  std::string why;
  if (!d->enqueue(j, why))
    return finish(failed(why), j->tool.server);
  if (done.wait_until(j->deadline) != std::future_status::ready)
    return finish(failed(timed_out(j->wait)), j->tool.server);
  return finish(done.get(), j->tool.server);
}

} // namespace sb
