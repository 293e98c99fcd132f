// The transcript layout of a single simulated call.
#include "cli/sim/sim_transcript.hpp"

#include <cstdio>
#include <sstream>

namespace sb {

std::string ms_text(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", ms);
  return text;
}

std::string format_transcript(const sim_result& result) {
  std::ostringstream out;
  out << "call " << result.call_sid << "\n";
  // The hang-up shows after the last words, before the closing callbacks.
  long last_talk = -1;
  for (size_t i = 0; i < result.transcript.size(); ++i)
    if (result.transcript[i].speaker != "twilio")
      last_talk = static_cast<long>(i);
  auto hung_up = [&] {
    if (result.hung_up)
      out << "  [the assistant hung up]\n";
  };
  if (last_talk < 0)
    hung_up();
  for (size_t i = 0; i < result.transcript.size(); ++i) {
    const auto& line = result.transcript[i];
    auto who = line.speaker == "caller"   ? "caller:   "
               : line.speaker == "twilio" ? "twilio:   "
                                          : "assistant:";
    out << "  " << who << " " << line.text;
    if (line.latency_ms >= 0)
      out << "  (" << ms_text(line.latency_ms) << ")";
    if (!line.note.empty())
      out << "  [" << line.note << "]";
    out << "\n";
    if (static_cast<long>(i) == last_talk)
      hung_up();
  }
  if (result.completed_ms >= 0)
    out << "  twilio:    completed  (" << ms_text(result.completed_ms) << ")\n";
  return out.str();
}

} // namespace sb
