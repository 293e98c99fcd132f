// The transcript layout of a single simulated call.
#include "cli/sim/sim_transcript.hpp"

#include <cstdio>
#include <sstream>
#include <vector>

namespace sb {

std::string ms_text(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", ms);
  return text;
}

namespace {

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", s);
  return text;
}

double ms_of(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1000.0;
}

std::string reply_note(const media_reply_record& r,
                       const media_conversation_options& opts) {
  const auto& p = r.heard.playout;
  std::vector<std::string> parts;
  if (!r.from_caller)
    parts.emplace_back("gap from the stream's start: no voice or key yet");
  if (r.unprompted)
    parts.emplace_back("unprompted");
  parts.push_back(std::to_string(p.marks.size())
                  + (p.marks.size() == 1 ? " mark" : " marks"));
  auto gaps = p.gaps_over(opts.playback_gap);
  parts.push_back("playback gaps over "
                  + std::to_string(opts.playback_gap.count())
                  + " ms: " + std::to_string(gaps));
  if (gaps > 0)
    parts.back() += " (longest " + ms_text(ms_of(p.longest_gap())) + ")";
  if (p.cut_samples > 0)
    parts.push_back(
      seconds_text(static_cast<double>(p.samples - p.cut_samples) / 8000)
      + " played" + (p.cut_by_end ? ", then the stream ended" : ""));
  for (auto clear : p.clears)
    parts.push_back(
      "clear at "
      + seconds_text(
        std::chrono::duration<double>(clear - p.first_audio).count()));
  if (r.interrupted)
    parts.push_back(r.barge_in_ms
                      ? "barge-in: clear " + ms_text(*r.barge_in_ms)
                          + " after the caller began"
                      : "barge-in: no clear within "
                          + std::to_string(opts.clear_timeout.count() / 1000)
                          + " s");
  std::string out;
  for (const auto& part : parts)
    out += (out.empty() ? "" : ", ") + part;
  return out;
}

} // namespace

sim_line media_transcript_line(const media_event& event,
                               const media_conversation_options& opts) {
  if (event.what == media_event::kind::caller)
    return {"caller", event.text, -1, event.note};
  const auto& r = event.reply;
  const auto& p = r.heard.playout;
  std::string text = seconds_text(static_cast<double>(p.samples) / 8000)
                     + " of audio";
  if (p.marks.empty())
    text += ", no marks";
  else
    text += ", marks";
  for (const auto& m : p.marks)
    text += " " + m;
  return {"assistant", text, r.turn_gap_ms, reply_note(r, opts)};
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
