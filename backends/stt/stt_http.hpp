// The HTTP speech recognisers (stt.engine = "whisper" | "openai"): a
// blocking client for one server, sending each whole utterance as a
// 16 kHz 16-bit mono WAV in a multipart/form-data POST:
//
//   whisper  POST {url}/inference (whisper.cpp's server): file,
//            response_format, temperature, language, no_speech_thold.
//   openai   POST {url}/v1/audio/transcriptions: file, model,
//            response_format, temperature, language; a bearer key.
//
// It asks for verbose_json, which carries the language and per-segment
// avg_logprob and no_speech_prob (json for OpenAI's gpt-* models, which
// have no verbose_json), and understands a json ({"text": ...}) or text
// answer too, told apart by Content-Type and shape.
//
// Whisper invents text on silence (typically "Thank you."): a segment
// whose no_speech_prob is above stt_http_options::no_speech_threshold is
// dropped from the transcript, so such an utterance comes back empty. The
// same threshold goes to whisper.cpp as no_speech_thold, but there it only
// acts on segments whose avg_logprob is also low, hence the check here.
//
// One curl_session per recogniser (keep-alive to its server). Not
// thread-safe: owned by one STT worker, like every blocking handle here.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "backends/stt/stt_recognizer.hpp"

namespace sb {

/// The wire shape of a speech-recognition server.
enum class stt_http_flavor {
  whisper, // whisper.cpp's server: POST {base}/inference
  openai,  // POST {base}/v1/audio/transcriptions
};

/// whisper.cpp's own default no_speech_thold.
constexpr double stt_default_no_speech_threshold = 0.6;

/// The largest answer accepted, in bytes (a transcript is small; this
/// bounds what a broken server can make us hold).
constexpr size_t stt_http_max_answer_bytes = 1u << 20;

struct stt_http_options {
  std::string base_url; // the server's root; trailing '/' ignored
  stt_http_flavor flavor = stt_http_flavor::whisper;
  std::string model;    // openai: the model field (required there)
  std::string api_key;  // openai: "Authorization: Bearer <key>" when set
  std::string language; // sent when non-empty ("en"); "" = server detects
  /// The whole request, from the end of speech (stt.timeout_ms);
  /// connecting gets at most min(timeout, 5 s) of it.
  std::chrono::milliseconds timeout{5000};
  /// Segments whose no_speech_prob is above this are dropped (0..1).
  double no_speech_threshold = stt_default_no_speech_threshold;
  /// What to ask for: verbose_json (language, confidence), or json / text
  /// for servers without it (OpenAI's gpt-4o-*-transcribe models).
  std::string response_format = "verbose_json";
};

class stt_http_recognizer final : public stt_recognizer {
public:
  explicit stt_http_recognizer(stt_http_options options);
  ~stt_http_recognizer() override;
  stt_http_recognizer(const stt_http_recognizer&) = delete;
  stt_http_recognizer& operator=(const stt_http_recognizer&) = delete;

  /// Waits until `feed` is finished (or cancelled), then POSTs all of its
  /// samples as one WAV and returns the transcript: its text trimmed,
  /// confidence exp(mean of the kept segments' avg_logprob) clamped to
  /// 0..1 (-1 without segments: a json or text answer), the language the
  /// server reports (verbose_json) or else the one asked for. The request
  /// must end within options.timeout of feed.end_of_speech(); the feed's
  /// cancel flag aborts it.
  /// Errors: errc::backend_failed "cancelled" when the feed is cancelled
  /// (before or during the request); errc::timed_out "POST <url>: no answer
  /// within N ms ..." when the deadline passes; errc::backend_failed
  /// "POST <url>: <reason>" for a refused or broken connection, an HTTP
  /// status >= 400 (with the start of its body, quoted), an answer that
  /// is not a transcript (garbage JSON, a JSON value without "text", an
  /// unknown Content-Type, quoted), or one larger than
  /// stt_http_max_answer_bytes.
  caf::expected<stt_transcript> recognize(utterance_feed& feed) override;

  /// False: the whole utterance is sent after its end.
  bool streams() const override {
    return false;
  }

  /// The base URL, as configured.
  const std::string& name() const override {
    return name_;
  }

  /// The URL recognize() posts to.
  const std::string& endpoint() const {
    return endpoint_;
  }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string name_;
  std::string endpoint_;
};

} // namespace sb
