// The caller's script played on Media Streams, as a state machine over
// the streams of one call: when each line is said (after the reply to
// the one before is over), what is waited for (a reply that must come, a
// reply that may, a pause), when an `interrupt` line talks over a reply,
// and what each reply was: its turn gap (from the end of the caller's
// last voiced frame to its first audio), its audio, marks, playback gaps
// and clears, and for an interrupted reply the barge-in reaction (from
// the start of the interrupting audio to the clear). Pure: every call
// says what time it is and hands in the live stream, so the blocking
// single-call player and the asynchronous load runner drive the same
// object. Single-threaded.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/sim/media_script.hpp"
#include "cli/sim/media_stream.hpp"

namespace sb {

struct media_conversation_options {
  /// The longest wait for a reply that must come: the greeting, the
  /// answer to each utterance, the re-prompt after a plain `silence`.
  std::chrono::milliseconds reply_timeout{20000};
  /// How long the caller listens for a reply that may come: after keys,
  /// and on a new stream after a reconnect.
  std::chrono::milliseconds listen{3000};
  /// A barge-in with no clear within this is reported as "no clear".
  std::chrono::milliseconds clear_timeout{3000};
  /// A gap in the daemon's audio longer than this is a playback gap.
  std::chrono::milliseconds playback_gap{40};
};

/// One reply, with what the caller measured.
struct media_reply_record {
  stream_reply heard;
  /// From the caller's last voiced frame or key before it (or, with
  /// neither yet on the stream, from the stream's start: from_caller
  /// false) to its first audio.
  double turn_gap_ms = 0;
  bool from_caller = false;
  bool unprompted = false;  // came while the caller was pausing
  bool interrupted = false; // an interrupt line talked over it
  /// interrupted: from the start of the interrupting audio to the clear;
  /// nullopt when no clear came within clear_timeout.
  std::optional<double> barge_in_ms;
};

/// What happened, in order: a caller's line or a reply heard.
struct media_event {
  enum class kind { caller, reply };
  kind what = kind::caller;
  std::string text; // caller: the words, [wav FILE], [digits 12#]...
  std::string note; // caller: e.g. "1.4 s of speech"
  media_reply_record reply;
};

class media_conversation {
public:
  enum class status { going, hang_up, failed };

  /// REQUIRES: `script` is not null.
  media_conversation(std::shared_ptr<const media_script> script,
                     media_conversation_options opts);

  /// A stream has started at `now` (its start frame sent). On the first
  /// stream of a call the greeting is awaited if `expect_greeting`
  /// (otherwise the script starts at once); on a later one (a
  /// reconnect) the caller listens a moment for what the daemon says
  /// before going on with the script.
  void stream_started(media_time now, bool expect_greeting);

  /// Moves the script on at `now` on the live `stream`: collects the
  /// replies that are over, says what is due. Call whenever anything
  /// happened and at least every frame period. hang_up: the script is
  /// over and so is the last reply; failed: see error().
  status advance(media_time now, media_stream& stream);

  /// The stream ended at `now` (the daemon closed it, or the caller hung
  /// up): its last reply is collected and the line in progress counts as
  /// done. Call after media_stream::end().
  void stream_ended(media_time now, media_stream& stream);

  /// Every line and reply so far.
  const std::vector<media_event>& events() const {
    return events_;
  }

  /// Why advance() failed ("no reply to line 3 within 20 s").
  const std::string& error() const {
    return error_;
  }

  /// The same without the line or the time, for counting failures by
  /// kind: "no greeting", "no reply", "no re-prompt".
  const std::string& error_kind() const {
    return error_kind_;
  }

  /// The script has lines left to play.
  bool lines_left() const;

private:
  enum class phase { next_line, speaking, awaiting, hearing, waiting, done };

  void start_line(media_time now, media_stream& stream);
  void await(media_time deadline, bool required);
  void collect(media_time now, media_stream& stream);
  void record(stream_reply reply, const media_stream& stream);
  const media_line* pending_interrupt() const;
  void interrupt(media_stream& stream);
  void flush_interrupt();
  std::string waiting_for() const;
  status fail(std::string why);

  std::shared_ptr<const media_script> script_;
  media_conversation_options opts_;
  std::vector<media_event> events_;
  std::string error_;
  std::string error_kind_;
  phase phase_ = phase::next_line;
  long line_ = -1;        // index into the script; -1: the greeting
  media_time deadline_{}; // awaiting: by when; waiting: until when
  bool required_ = false; // awaiting: a reply must come
  bool started_once_ = false;
  bool pausing_ = false; // replies now come unprompted
  // An interrupt went out over the reply whose first audio came then;
  // its line waits to be shown after that reply.
  std::optional<media_time> interrupted_reply_;
  std::optional<media_event> interrupt_event_;
};

} // namespace sb
