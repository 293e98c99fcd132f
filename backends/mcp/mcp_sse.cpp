// sse_reader: the event-stream interpretation of the HTML standard
// (§9.2.6), less what a response stream never needs (event types, ids,
// reconnection delays).
#include "backends/mcp/mcp_sse.hpp"

namespace sb::mcp {

bool sse_reader::feed(std::string_view bytes, const event_handler& on_event) {
  for (char c : bytes) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c != '\r' && c != '\n') {
      line_ += c;
      continue;
    }
    std::string line;
    line.swap(line_);
    if (!on_line(line, on_event))
      return false;
  }
  return true;
}

bool sse_reader::finish(const event_handler& on_event) {
  if (!line_.empty()) {
    std::string line;
    line.swap(line_);
    if (!on_line(line, on_event))
      return false;
  }
  return dispatch(on_event);
}

bool sse_reader::on_line(std::string_view line, const event_handler& on_event) {
  if (line.empty())
    return dispatch(on_event);
  if (line.front() == ':')
    return true; // a comment: a keep-alive
  const auto colon = line.find(':');
  const auto field = line.substr(0, colon);
  if (field != "data")
    return true;
  auto value = colon == std::string_view::npos ? std::string_view{}
                                               : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  if (has_data_)
    data_ += '\n';
  data_.append(value.data(), value.size());
  has_data_ = true;
  return true;
}

// An event without data (the priming event a 2025-11-25 server may send,
// only an id) is not handed over, as the standard says.
bool sse_reader::dispatch(const event_handler& on_event) {
  std::string data;
  data.swap(data_);
  has_data_ = false;
  return data.empty() || on_event(data);
}

} // namespace sb::mcp
