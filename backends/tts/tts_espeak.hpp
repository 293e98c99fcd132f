// Speech synthesis in process with libespeak-ng (tts.engine = "espeak", the
// embedded default that speaks Hindi and English). espeak-ng keeps global
// state and is not thread-safe, so this wrapper owns it for the whole
// process: espeak_Initialize runs at most once per process, and at most one
// espeak_engine may be alive at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "backends/audio/audio_format.hpp"

namespace sb {

class espeak_engine {
public:
  /// Creates the process's engine. The first call initialises espeak-ng in
  /// synchronous mode from `data_path` (empty = the library's built-in
  /// espeak-ng-data location); later calls reuse that initialisation, so
  /// they must pass the same `data_path`.
  /// Errors: errc::bad_config when `data_path` holds no espeak-ng data
  /// (neither phontab nor espeak-ng-data/phontab), when another
  /// espeak_engine is alive, when `data_path` differs from the one
  /// espeak-ng was initialised with, or when espeak-ng cannot be
  /// initialised (no usable data at the built-in location).
  /// Thread-safe.
  static caf::expected<std::unique_ptr<espeak_engine>>
  create(std::string data_path = "");

  /// Releases the process's engine slot; espeak-ng itself stays
  /// initialised for the next create().
  ~espeak_engine();
  espeak_engine(const espeak_engine&) = delete;
  espeak_engine& operator=(const espeak_engine&) = delete;

  /// Synthesises UTF-8 `text` with espeak voice `voice` ("en", "en-us",
  /// "hi", ...; see voice_for_language) and returns the samples at
  /// sample_rate(). Blocks for the whole synthesis; calls from several
  /// threads are serialised.
  /// Errors: errc::bad_request for empty (or all-blank) text or an unknown
  /// voice; errc::backend_failed when espeak-ng fails or produces no
  /// samples.
  caf::expected<pcm_audio> synthesize(std::string_view text,
                                      std::string_view voice);

  /// espeak-ng's output rate, as reported by espeak_Initialize (22050).
  int sample_rate() const {
    return sample_rate_;
  }

  /// The espeak voice for a BCP-47 language tag (case-insensitive):
  /// "hi" for hi and hi-*, "en-us" for en-US, "en" for other en-* and for
  /// anything else.
  static std::string voice_for_language(std::string_view bcp47);

private:
  explicit espeak_engine(int sample_rate);
  int sample_rate_;
};

} // namespace sb
