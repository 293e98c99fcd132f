// Reads a Server-Sent Events stream (text/event-stream) as it arrives, the
// way an MCP server answers one request with notifications and then the
// response: "data:" lines are joined with "\n" into one event's data, a
// blank line ends the event (one without data is dropped), comments (":…") and
// the other fields (event, id, retry) are skipped. Lines end in "\r\n", "\n" or
// "\r", and may be split across any number of feed() calls. Not thread-safe;
// one per stream.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sb::mcp {

class sse_reader {
public:
  /// Takes one event's data; returning false stops the reading.
  using event_handler = std::function<bool(std::string_view data)>;

  /// Reads `bytes`, handing each completed event with data to `on_event`.
  /// False once `on_event` has returned false (the rest is not read).
  bool feed(std::string_view bytes, const event_handler& on_event);

  /// At the end of the stream: an event whose blank line never came is
  /// still handed over (a lenient reading: the last line's end is the
  /// event's end). False if `on_event` returned false.
  bool finish(const event_handler& on_event);

private:
  bool on_line(std::string_view line, const event_handler& on_event);
  bool dispatch(const event_handler& on_event);

  std::string line_;      // the line being received
  std::string data_;      // the event's data so far
  bool has_data_ = false; // a data field was seen (it may be empty)
  bool after_cr_ = false; // the last byte was '\r': a '\n' next is its pair
};

} // namespace sb::mcp
