// One Media Stream from Twilio's side, as the simulator plays it: the
// connected and start frames; from then on the caller's audio as a
// `media` frame every 20 ms (160 μ-law bytes, silence when the caller is
// not talking, as Twilio's inbound track never pauses), with
// sequenceNumber, chunk and timestamp counted as Twilio counts them;
// `dtmf` frames 100 ms apart for keys pressed; the daemon's media, mark
// and clear frames played through Twilio's playout queue
// (media_playout), each mark echoed when its audio has played; the stop
// frame. Each reply heard comes out with when the caller's voice ended
// before it. Pure: every call says what time it is, frames are strings
// in and out, so the blocking single-call player and the asynchronous
// load runner drive the same object. Single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/error.hpp>

#include "cli/sim/heard_audio.hpp"
#include "cli/sim/media_playout.hpp"
#include "cli/sim/voiced_frames.hpp"

namespace sb {

/// Who a stream belongs to, as its start frame says.
struct media_stream_ids {
  std::string stream_sid; // "MZ" + 32 hex digits
  std::string account_sid;
  std::string call_sid;
  /// The <Parameter>s of the <Stream>, in TwiML order.
  std::vector<std::pair<std::string, std::string>> custom_parameters;
};

/// A reply the caller heard, and when the caller's last input before its
/// first audio went out: the last voiced frame or the last key, whichever
/// was later (nullopt: the caller had done neither on this stream).
struct stream_reply {
  played_reply playout;
  std::optional<media_time> caller_end;
};

class media_stream {
public:
  static constexpr std::chrono::milliseconds frame_period{20};
  static constexpr size_t frame_bytes = 160; // 20 ms at 8 kHz
  static constexpr std::chrono::milliseconds key_spacing{100};
  static constexpr uint8_t mulaw_silence = 0xFF;

  /// A stream whose start frame goes out at `start`; its first media
  /// frame is due 20 ms later. `heard`, if not null, records every piece
  /// of audio played and must outlive the stream.
  media_stream(media_stream_ids ids, media_time start,
               std::chrono::milliseconds reply_quiet,
               heard_audio* heard = nullptr);

  const media_stream_ids& ids() const {
    return ids_;
  }

  /// When the start frame went out.
  media_time start() const {
    return start_;
  }

  /// The connected frame, then the start frame (sequenceNumber 1): sent
  /// first, at the start.
  std::vector<std::string> opening_frames() const;

  /// The caller says `mulaw`: it goes out in the next media frames, after
  /// anything still being said (the last frame padded with silence).
  void say(std::string_view mulaw);

  /// The caller has audio still to send.
  bool speaking() const {
    return !outgoing_.empty();
  }

  /// When the first frame of the latest utterance (a say() while the
  /// caller was quiet) went out, and when its last one did; nullopt
  /// until they have.
  std::optional<media_time> said_from() const {
    return said_from_;
  }
  std::optional<media_time> said_until() const {
    return said_until_;
  }

  /// The caller presses `keys`: one dtmf frame each, the first at `now`,
  /// then every 100 ms.
  void press(std::string_view keys, media_time now);

  /// Keys still to be sent.
  bool pressing() const {
    return !keys_.empty();
  }

  /// Appends to `out`, in order, every frame due by `now`: the media
  /// frames of each 20 ms since the start (several when the caller of
  /// due() fell behind: Twilio sends in bursts too), dtmf frames, and the
  /// echoes of marks whose audio has played.
  void due(media_time now, std::vector<std::string>& out);

  /// When due() next has a frame to send.
  media_time next_due() const;

  /// A frame from the daemon, received at `now`. Echoes to send at once
  /// (a mark with nothing queued, the pending marks after a clear) are
  /// appended to `out`. Errors: errc::bad_request for a frame Twilio
  /// would refuse with error 31924 (anything but a well-formed media,
  /// mark or clear frame) or one for another streamSid.
  caf::error receive(media_time now, std::string_view text,
                     std::vector<std::string>& out);

  /// The stop frame: the caller hangs up.
  std::string stop_frame();

  /// The stream is over at `now` (the caller hung up or the daemon closed
  /// the socket): unplayed audio is dropped, the reply in progress ends.
  void end(media_time now);

  /// The oldest reply over by `now`, each once, in order; see
  /// media_playout::finished_reply().
  std::optional<stream_reply> finished_reply(media_time now);

  const media_playout& playout() const {
    return playout_;
  }

  const voiced_frames& voice() const {
    return voice_;
  }

  /// Media frames sent, and of them the ones sent more than a frame
  /// period behind their time (the sender could not keep up).
  int64_t frames_sent() const {
    return chunk_;
  }
  int64_t late_frames() const {
    return late_;
  }

private:
  struct pending_key {
    media_time at;
    char key;
  };

  // The next media frame's payload: caller audio, or silence.
  std::string next_payload(bool& voiced_audio);

  media_stream_ids ids_;
  media_time start_;
  media_playout playout_;
  heard_audio* heard_;
  voiced_frames voice_;
  int64_t sequence_ = 1; // the start frame's; each later frame adds one
  int64_t chunk_ = 0;    // media frames sent
  int64_t late_ = 0;
  std::string outgoing_; // the caller's audio not yet sent
  bool new_utterance_ = false;
  std::optional<media_time> said_from_;
  std::optional<media_time> said_until_;
  std::deque<pending_key> keys_;
  std::optional<media_time> last_key_; // when the last dtmf frame went out
  // Per reply started and not yet collected: the caller's last input then.
  std::deque<std::optional<media_time>> caller_ends_;
};

} // namespace sb
