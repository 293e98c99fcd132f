// The console's reader thread: a read-only connection, a bounded queue of
// jobs and one thread draining it. The connection has no mutex of its own
// (SQLITE_OPEN_NOMUTEX) because only this thread ever touches it.
#include "storage/console_reader.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sqlite_rows.hpp"

namespace sb {

struct console_reader::state {
  sqlite3* db = nullptr;
  size_t max_queued = 0;
  mutable std::mutex mtx;
  std::condition_variable wake;
  std::deque<job> jobs;
  bool stopping = false;
  std::thread thread;

  ~state() {
    sqlite3_close(db);
  }

  // Runs jobs until stopping; what is still queued then gets a null
  // connection, so each job's callback can still answer its request.
  void run() {
    std::unique_lock<std::mutex> lock{mtx};
    for (;;) {
      wake.wait(lock, [this] { return stopping || !jobs.empty(); });
      if (stopping)
        break;
      auto next = std::move(jobs.front());
      jobs.pop_front();
      lock.unlock();
      next(db);
      lock.lock();
    }
    auto left = std::move(jobs);
    lock.unlock();
    for (auto& j : left)
      j(nullptr);
  }
};

namespace {

// query_only also refuses writes SQLITE_OPEN_READONLY would let through
// (a temp table, ATTACH of a writable file); the busy timeout covers a
// checkpoint or recovery holding the file for a moment.
caf::error configure_reader(sqlite3* db) {
  sqlite3_busy_timeout(db, 5000);
  return sqlite::exec(db, "PRAGMA query_only = 1");
}

} // namespace

caf::expected<std::unique_ptr<console_reader>>
console_reader::open(const std::string& path, size_t max_queued_jobs) {
  auto st = std::make_unique<state>();
  st->max_queued = max_queued_jobs;
  auto flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  auto rc = sqlite3_open_v2(path.c_str(), &st->db, flags, nullptr);
  if (rc != SQLITE_OK)
    return make_error(
      errc::storage_failed,
      path + ": " + (st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc)));
  if (auto err = configure_reader(st->db))
    return make_error(errc::storage_failed, path + ": " + what(err));
  auto raw = st.get();
  st->thread = std::thread{[raw] { raw->run(); }};
  return std::unique_ptr<console_reader>{new console_reader(std::move(st))};
}

console_reader::console_reader(std::unique_ptr<state> s)
  : state_(std::move(s)) {
  // Nothing.
}

console_reader::~console_reader() {
  {
    std::lock_guard<std::mutex> lock{state_->mtx};
    state_->stopping = true;
  }
  state_->wake.notify_one();
  state_->thread.join();
}

bool console_reader::submit(job j) {
  {
    std::lock_guard<std::mutex> lock{state_->mtx};
    if (state_->stopping || state_->jobs.size() >= state_->max_queued)
      return false;
    state_->jobs.push_back(std::move(j));
  }
  state_->wake.notify_one();
  return true;
}

size_t console_reader::queued() const {
  std::lock_guard<std::mutex> lock{state_->mtx};
  return state_->jobs.size();
}

} // namespace sb
