// Sessions and the login limit behind app/console/console_sessions.hpp.
// Every public call takes the one mutex: each is a few map operations, and
// logins are rare enough that a finer lock would buy nothing.
#include "app/console/console_sessions.hpp"

#include <algorithm>

#include "core/secret.hpp"

namespace sb {

namespace {

constexpr std::chrono::seconds failure_window{60};
constexpr size_t session_id_bytes = 32;

} // namespace

console_sessions::console_sessions(std::string token,
                                   console_session_options opts,
                                   now_function now)
  : token_(std::move(token)), opts_(opts), now_(std::move(now)) {
}

login_outcome console_sessions::login(std::string_view token,
                                      const std::string& address) {
  std::lock_guard<std::mutex> guard{mutex_};
  const auto now = now_();
  auto out = judge(token, address, now);
  if (out.status != login_status::ok)
    return out;
  auto id = random_hex(session_id_bytes);
  if (id.empty()) {
    out.status = login_status::unavailable;
    return out;
  }
  forget_idle(now);
  while (sessions_.size() >= opts_.max_sessions && !sessions_.empty())
    evict_unused_longest();
  sessions_[id] = session{now};
  out.session_id = std::move(id);
  return out;
}

login_outcome console_sessions::check_token(std::string_view token,
                                            const std::string& address) {
  std::lock_guard<std::mutex> guard{mutex_};
  return judge(token, address, now_());
}

login_outcome console_sessions::judge(std::string_view token,
                                      const std::string& address,
                                      clock::time_point now) {
  login_outcome out;
  const auto* failures = recent_failures(address, now);
  if (failures && failures->size() >= opts_.login_failures) {
    // When the oldest failure leaves the window, one more try counts.
    auto left = failures->front() + failure_window - now;
    out.status = login_status::limited;
    out.retry_after_s = std::max<long>(
      1,
      static_cast<long>(std::chrono::ceil<std::chrono::seconds>(left).count()));
    return out;
  }
  if (!equal_secrets(token, token_)) {
    record_failure(address, now);
    out.status = login_status::wrong_token;
    return out;
  }
  out.status = login_status::ok;
  return out;
}

bool console_sessions::touch(const std::string& id) {
  if (id.empty())
    return false;
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = sessions_.find(id);
  if (it == sessions_.end())
    return false;
  const auto now = now_();
  if (now - it->second.last_used >= opts_.idle) {
    sessions_.erase(it);
    return false;
  }
  it->second.last_used = now;
  return true;
}

void console_sessions::logout(const std::string& id) {
  std::lock_guard<std::mutex> guard{mutex_};
  sessions_.erase(id);
}

size_t console_sessions::count() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return sessions_.size();
}

std::string console_sessions::short_id(const std::string& id) {
  return id.substr(0, 8);
}

std::string console_sessions::id_from_cookie(std::string_view header) {
  constexpr std::string_view name = "sb_session=";
  while (!header.empty()) {
    auto end = header.find(';');
    auto item = header.substr(0, end);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    if (item.substr(0, name.size()) == name)
      return std::string{item.substr(name.size())};
    if (end == std::string_view::npos)
      break;
    header.remove_prefix(end + 1);
  }
  return {};
}

void console_sessions::forget_idle(clock::time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_used >= opts_.idle)
      it = sessions_.erase(it);
    else
      ++it;
  }
}

void console_sessions::evict_unused_longest() {
  auto oldest = std::min_element(
    sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
  sessions_.erase(oldest);
}

const std::deque<console_sessions::clock::time_point>*
console_sessions::recent_failures(const std::string& address,
                                  clock::time_point now) {
  auto it = failures_.find(address);
  if (it == failures_.end())
    return nullptr;
  auto& times = it->second;
  while (!times.empty() && now - times.front() >= failure_window)
    times.pop_front();
  if (times.empty()) {
    failures_.erase(it);
    return nullptr;
  }
  return &times;
}

// Bounded like net/http/rate_limiter: past max_tracked_addresses the
// addresses whose failures all left the window are forgotten, and if that
// is not enough every record goes, so a flood of fresh addresses makes the
// limit lenient for a minute rather than the map grow without end.
void console_sessions::record_failure(const std::string& address,
                                      clock::time_point now) {
  failures_[address].push_back(now);
  if (failures_.size() <= opts_.max_tracked_addresses)
    return;
  for (auto it = failures_.begin(); it != failures_.end();) {
    if (it->second.empty() || now - it->second.back() >= failure_window)
      it = failures_.erase(it);
    else
      ++it;
  }
  if (failures_.size() > opts_.max_tracked_addresses)
    failures_.clear();
}

std::string address_without_port(const std::string& remote) {
  if (!remote.empty() && remote.front() == '[') {
    auto close = remote.find(']');
    return close == std::string::npos ? remote : remote.substr(1, close - 1);
  }
  auto colon = remote.rfind(':');
  if (colon == std::string::npos || remote.find(':') != colon)
    return remote;
  return remote.substr(0, colon);
}

} // namespace sb
