// A blocking client for HTTP speech servers (tts.engine = "http"): the
// OpenAI speech API (and servers that copy it), xtts-api-server and Piper's
// HTTP server. One curl_session (net/client), reused across requests
// (keep-alive). Not thread-safe: one owner thread, like every blocking
// handle in this project.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "backends/audio/audio_format.hpp"

namespace sb {

/// The wire shape of a speech server's request.
enum class tts_http_flavor {
  openai, // POST {base}/v1/audio/speech
          //   {"model":"tts-1","input":…,"voice":…,"response_format":"wav"}
  xtts,   // POST {base}/tts_to_audio/
          //   {"text":…,"speaker_wav":…,"language":…}
  piper,  // POST {base}/ with the text as a text/plain body
};

/// The largest response body accepted, in bytes (about 5 minutes of
/// 48 kHz 16-bit mono).
constexpr size_t tts_http_max_response_bytes = 32u << 20;

class tts_http_client {
public:
  /// `base_url` is the server's root ("http://127.0.0.1:5002"; a trailing
  /// '/' is ignored). `voice` is the OpenAI voice name, the XTTS speaker
  /// (speaker_wav) or, for Piper, unused. A non-empty `api_key` is sent as
  /// "Authorization: Bearer <key>". `timeout` bounds each whole request;
  /// connecting gets at most min(timeout, 5 s) of it.
  tts_http_client(std::string base_url, tts_http_flavor flavor,
                  std::string voice, std::string api_key,
                  std::chrono::milliseconds timeout);
  ~tts_http_client();
  tts_http_client(const tts_http_client&) = delete;
  tts_http_client& operator=(const tts_http_client&) = delete;
  /// A moved-from client may only be destroyed or assigned to.
  tts_http_client(tts_http_client&&) noexcept;
  tts_http_client& operator=(tts_http_client&&) noexcept;

  /// Asks the server to speak `text` and returns its audio, at the rate the
  /// server produced. `language` is what the xtts flavor sends ("en",
  /// "hi"); empty picks "hi" when the text contains Devanagari, else "en".
  /// The other flavors ignore it.
  /// Answers understood: a WAV body (read_wav; recognised by its RIFF
  /// header whatever the Content-Type), or raw 16-bit little-endian mono
  /// PCM typed audio/pcm or audio/L16 (rate from ";rate=N", else 24000).
  /// Errors: errc::bad_request for empty text; errc::timed_out when the
  /// timeout passes; errc::backend_failed naming the URL and the reason for
  /// a connection failure, HTTP status >= 400, an empty or oversized body,
  /// an unknown Content-Type or an unparseable WAV.
  caf::expected<pcm_audio> synthesize(std::string_view text,
                                      std::string_view language = {});

  /// The URL synthesize() posts to.
  const std::string& endpoint() const {
    return endpoint_;
  }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string endpoint_;
};

} // namespace sb
