#include "core/log.hpp"

#include <cstdio>
#include <mutex>

namespace sb::log {

namespace {

std::atomic<int> level_threshold{static_cast<int>(level::info)};
std::mutex write_mutex;

} // namespace

void set_level(level lvl) {
  level_threshold.store(static_cast<int>(lvl), std::memory_order_relaxed);
}

level current_level() {
  return static_cast<level>(level_threshold.load(std::memory_order_relaxed));
}

bool parse_level(std::string_view text, level& out) {
  if (text == "debug")
    out = level::debug;
  else if (text == "info")
    out = level::info;
  else if (text == "notice")
    out = level::notice;
  else if (text == "warning")
    out = level::warning;
  else if (text == "error")
    out = level::error;
  else
    return false;
  return true;
}

void write(level lvl, std::string_view msg) {
  std::string line;
  line.reserve(msg.size() + 5);
  line += '<';
  line += static_cast<char>('0' + static_cast<int>(lvl));
  line += '>';
  for (char c : msg)
    line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  // One fwrite per line under a mutex: lines from several threads never
  // interleave, and stderr is unbuffered so nothing is lost on a crash.
  std::lock_guard<std::mutex> guard{write_mutex};
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace sb::log
