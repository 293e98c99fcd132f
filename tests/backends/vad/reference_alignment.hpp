// Where the speech in a recording really is, by a method independent of
// the detectors under test: pocketsphinx (US English model) recognises
// the original 16 kHz recording and its word segmentation says where
// the first word starts and the last one ends. Header-only; the vad suite
// links libpocketsphinx for this alone.
//
// Why pocketsphinx rather than a hindsight oracle over the file (the best
// energy threshold knowing the whole recording): an energy oracle shares
// the energy detector's blind spots (a breathy onset, a trailing nasal
// fading into the noise) and would grade it on its own terms. The
// recogniser places words with an acoustic model of speech, from the
// 16 kHz original that the detector never sees. Its frames are 10 ms.
//
// Counted as speech: every segment but <s>, </s>, <sil> and [NOISE].
// [SPEECH] (+SPN+, spoken noise) is speech the model could not name, as a
// last word cut short or swallowed is (librivox-0870 ends on "them" that
// way): for a voice detector it is speech.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <pocketsphinx.h>

#include "backends/audio/audio_format.hpp"

namespace sb::test {

struct speech_bounds {
  int64_t start_ms = 0; // start of the first word
  int64_t end_ms = 0;   // end of the last word
};

class reference_aligner {
public:
  /// Loads the model (about a second); nullopt when it is missing.
  static std::optional<reference_aligner>
  create(const std::string& dir = "/usr/share/pocketsphinx/model/en-us") {
    const std::string hmm = dir + "/en-us";
    const std::string lm = dir + "/en-us.lm.bin";
    const std::string dict = dir + "/cmudict-en-us.dict";
    // -remove_silence no: pocketsphinx's own silence removal would take
    // frames out of the count and shift every time after them.
    cmd_ln_t* cfg = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(),
                                "-lm", lm.c_str(), "-dict", dict.c_str(),
                                "-remove_silence", "no", "-logfn", "/dev/null",
                                nullptr);
    if (!cfg)
      return std::nullopt;
    ps_decoder_t* ps = ps_init(cfg);
    if (!ps) {
      cmd_ln_free_r(cfg);
      return std::nullopt;
    }
    return reference_aligner{cfg, ps};
  }

  /// The speech in `pcm` (16 kHz), or nullopt when no word was found.
  std::optional<speech_bounds> bounds(const pcm_audio& pcm) {
    ps_decoder_t* ps = ps_.get();
    ps_start_utt(ps);
    ps_process_raw(ps, pcm.samples.data(), pcm.samples.size(), FALSE, TRUE);
    ps_end_utt(ps);
    std::optional<speech_bounds> out;
    for (ps_seg_t* seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
      const std::string word = ps_seg_word(seg);
      if (word == "<s>" || word == "</s>" || word == "<sil>"
          || word == "[NOISE]")
        continue;
      int first = 0;
      int last = 0;
      ps_seg_frames(seg, &first, &last);
      const int64_t start = int64_t{first} * 10;
      const int64_t end = (int64_t{last} + 1) * 10;
      if (!out)
        out = speech_bounds{start, end};
      out->end_ms = end;
    }
    return out;
  }

  /// The words recognised in the last bounds() call.
  std::string hypothesis() {
    const char* hyp = ps_get_hyp(ps_.get(), nullptr);
    return hyp ? hyp : "";
  }

private:
  struct cfg_free {
    void operator()(cmd_ln_t* c) const {
      cmd_ln_free_r(c);
    }
  };
  struct decoder_free {
    void operator()(ps_decoder_t* p) const {
      ps_free(p);
    }
  };

  reference_aligner(cmd_ln_t* cfg, ps_decoder_t* ps) : cfg_(cfg), ps_(ps) {
  }

  std::unique_ptr<cmd_ln_t, cfg_free> cfg_;
  std::unique_ptr<ps_decoder_t, decoder_free> ps_;
};

} // namespace sb::test
