// The one interface every speech recogniser answers (stt.engine): turn
// one utterance of 16 kHz mono audio into text. A recogniser is owned by
// one worker thread (pocketsphinx decoders and libcurl handles are not
// thread-safe) and serves one utterance at a time.
//
//   pocketsphinx  libpocketsphinx in process (stt_pocketsphinx.hpp): decodes
//                 while the caller speaks, so the text is ready moments
//                 after the end of speech.
//   whisper       a whisper.cpp server's POST /inference (stt_http.hpp).
//   openai        any POST /v1/audio/transcriptions server (stt_http.hpp).
#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "backends/stt/utterance_feed.hpp"

namespace sb {

/// What a recogniser heard.
struct stt_transcript {
  std::string text;       // may be empty: nothing recognisable was said
  double confidence = -1; // 0..1 where the engine gives one, else -1
  std::string language;   // as the engine reports it, or the one asked for
};

class stt_recognizer {
public:
  virtual ~stt_recognizer() = default;

  /// Recognises the utterance in `feed` (16 kHz, stt_sample_rate). A
  /// streaming recogniser consumes the samples as they are appended and
  /// returns soon after the feed is finished; a batch one waits for the
  /// end and sends the whole utterance. Returns once the feed is finished
  /// and recognised, or cancelled.
  /// Errors: errc::backend_failed "cancelled" when the feed was cancelled;
  /// errc::timed_out when the engine took longer than its timeout;
  /// errc::backend_failed naming the engine (or URL) and the reason for
  /// anything else (refused connection, HTTP status >= 400, an answer that
  /// is not a transcript).
  virtual caf::expected<stt_transcript> recognize(utterance_feed& feed) = 0;

  /// Whether recognize() does its work while the caller is still speaking
  /// (the pool then starts it at the start of speech).
  virtual bool streams() const = 0;

  /// What logs and results name: "pocketsphinx", or the endpoint's URL.
  virtual const std::string& name() const = 0;
};

using stt_recognizer_ptr = std::unique_ptr<stt_recognizer>;

} // namespace sb
