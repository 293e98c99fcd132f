// Speech recognition in process with libpocketsphinx (stt.engine =
// "pocketsphinx", and the fallback of the HTTP engines): always there, no
// server, but far less accurate than whisper-class recognisers on open
// phone speech (bench/README.md, "Speech recognition"). Built for the
// Debian package's old API (pocketsphinx 0.8+5prealpha: cmd_ln_t,
// ps_init, ps_process_raw).
//
// One decoder per recogniser, created once (about 0.35 s and 100 MB) and
// reused for every utterance. It decodes while the caller speaks: each
// piece of audio is fed as it is appended, so the text is ready a few
// milliseconds after the feed is finished.
//
// Besides open speech (the n-gram language model), two modes for short,
// expected answers are far more reliable: a JSGF grammar (yes/no, digits)
// and keyword spotting.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "backends/stt/stt_recognizer.hpp"

namespace sb {

/// What the decoder searches for.
enum class pocketsphinx_search {
  lm,       // open speech: the model directory's n-gram language model
  jsgf,     // only sentences of a JSGF grammar (pocketsphinx_options::grammar)
  keywords, // only the listed keyphrases, spotted anywhere in the audio
};

/// A keyphrase to spot, with its detection threshold (pocketsphinx's
/// kws_threshold: smaller finds more, and more false alarms). Measure it
/// on real audio: on pocketsphinx-testdata, "something" at 1e-20 and "go
/// forward" at 1e-10 are found without false alarms, while a lone
/// "forward" is falsely heard in most sentences at any threshold that
/// finds it. Longer phrases are more reliable.
struct pocketsphinx_keyphrase {
  std::string phrase;
  double threshold = 1e-20;
};

struct pocketsphinx_options {
  /// The directory holding the acoustic model (en-us/), the language model
  /// (en-us.lm.bin) and the dictionary (cmudict-en-us.dict), as Debian's
  /// pocketsphinx-en-us lays them out (stt.pocketsphinx_dir).
  std::string model_dir = "/usr/share/pocketsphinx/model/en-us";
  pocketsphinx_search search = pocketsphinx_search::lm;
  /// jsgf: the grammar's text ("#JSGF V1.0; grammar g; public <s> = ...;"),
  /// its words all in the dictionary.
  std::string grammar;
  /// keywords: the phrases, their words all in the dictionary.
  std::vector<pocketsphinx_keyphrase> keyphrases;
  /// Further decoder arguments, e.g. {"-beam", "1e-60"} or
  /// {"-remove_noise", "no"}: front end, search beams, -lw. Those the
  /// model's feat.params names (-lowerf, -upperf, -cmn, -cmninit, ...)
  /// replace its values there (pocketsphinx would otherwise let the file
  /// override them without a word).
  std::vector<std::pair<std::string, std::string>> args;
  /// Start every utterance from the model's cepstral mean (-cmninit)
  /// rather than the one live CMN learnt from the previous utterance:
  /// utterances come from different calls, and a decoder's results must
  /// not depend on what it heard before.
  bool reset_cmn = true;
  /// A -cmninit for phone audio ("41.00,-5.29,..."; "" = none). When set
  /// (and reset_cmn), an utterance whose first 0.3 s is phone-band
  /// (backends/stt/phone_band.hpp) starts from this cepstral mean instead
  /// of the model's: the en-us model was trained on wideband speech, and
  /// phone audio's mean is far from its prior. Decoding then starts 0.3 s
  /// into the utterance, which it soon catches up with.
  std::string phone_cmninit;
  /// Adds +1 to a quarter of the samples, as sphinxbase's -dither does,
  /// but from a generator of this recogniser's, reseeded for every
  /// utterance: the same audio always gives the same words. Keeps the
  /// empty bands of phone audio off log(0).
  bool dither = false;
  /// Every sample is multiplied by this before decoding (clipped to the
  /// 16-bit range): a level correction for quiet lines.
  double gain = 1.0;
};

/// The project's tuned settings for open speech (search lm) with the
/// model in `model_dir`: what make_pocketsphinx_recognizer uses, chosen
/// with bench/stt_wer (bench/README.md, "Speech recognition").
pocketsphinx_options pocketsphinx_defaults(std::string model_dir);

class pocketsphinx_recognizer final : public stt_recognizer {
public:
  /// Loads the model and sets up the search.
  /// Errors: errc::bad_config naming stt.pocketsphinx_dir and the path
  /// when a model file is missing or does not load; naming the argument
  /// when options.args holds an unknown one or a bad value; naming the
  /// grammar or keyphrase when pocketsphinx refuses it (a syntax error, a
  /// word not in the dictionary).
  static caf::expected<std::unique_ptr<pocketsphinx_recognizer>>
  create(const pocketsphinx_options& options);

  ~pocketsphinx_recognizer() override;
  pocketsphinx_recognizer(const pocketsphinx_recognizer&) = delete;
  pocketsphinx_recognizer& operator=(const pocketsphinx_recognizer&) = delete;

  /// Decodes `feed` as it grows and returns once it is finished: the
  /// hypothesis (lower-case words, fillers dropped; keywords: the phrases
  /// spotted, in order), confidence the posterior probability of the whole
  /// hypothesis (lm search; -1 for the others, which have none), language
  /// "en".
  /// Errors: errc::backend_failed "cancelled" when the feed is cancelled;
  /// errc::backend_failed "pocketsphinx: ..." when the decoder refuses to
  /// start or end the utterance.
  caf::expected<stt_transcript> recognize(utterance_feed& feed) override;

  /// True: decoding happens while the caller speaks.
  bool streams() const override {
    return true;
  }

  /// "pocketsphinx".
  const std::string& name() const override;

  /// The cepstral mean live CMN holds now, as a -cmninit value
  /// ("41.00,-5.29,..."): after decoding representative audio with
  /// reset_cmn = false, the prior to start such audio from (how
  /// pocketsphinx_defaults' phone-line prior was made: bench/stt_wer
  /// --estimate-cmninit). Empty when the model has no CMN.
  std::string cepstral_mean() const;

private:
  struct impl;
  explicit pocketsphinx_recognizer(std::unique_ptr<impl> d);
  std::unique_ptr<impl> impl_;
};

} // namespace sb
