// stt_wer: pocketsphinx's word error rate and CPU cost on recorded speech,
// under several settings, as one Markdown table (bench/README.md, "Speech
// recognition"). The recordings are pocketsphinx-testdata's
// (tests/support/speech_sets.hpp), each decoded twice: as recorded
// (16 kHz) and through the phone path (8 kHz, mu-law, back to 16 kHz).
// Each setting gets one decoder, made before the clock starts; CPU time
// is the process's, around the decoding only, over the seconds of audio
// decoded.
//
//   stt_wer [--only NAME]... [--verbose] [--model DIR] [--transcripts TSV]
//   stt_wer --estimate-cmninit [--linear] [--arg KEY VALUE]...
//     prints the cepstral mean live CMN learns from cards/ through the
//     phone path (--linear: back up by linear interpolation) with those
//     decoder arguments: a -cmninit for phone audio
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/stt/stt_pocketsphinx.hpp"
#include "backends/stt/word_error_rate.hpp"
#include "core/error.hpp"
#include "tests/support/speech_sets.hpp"

namespace {

using sb::pcm_audio;
using sb::pocketsphinx_options;
using sb::test::speech_clip;

// A way of getting a clip to the decoder besides the decoder's settings.
using preprocess = std::function<pcm_audio(const pcm_audio&)>;

struct setting {
  std::string name;
  std::vector<std::pair<std::string, std::string>> args;
  // Applied to both sets' audio before decoding; null: none.
  preprocess prep;
  // The phone path itself; null: tests/support's (soxr both ways).
  std::function<pcm_audio(const pcm_audio&)> phone;
  // pocketsphinx_options::phone_cmninit.
  std::string phone_cmninit = {};
};

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Scales a clip so that its RMS is -20 dBFS (an offline upper bound on
// what a level normaliser could do).
pcm_audio normalised(const pcm_audio& in) {
  double sum = 0;
  for (int16_t s : in.samples)
    sum += static_cast<double>(s) * s;
  const double rms = std::sqrt(sum / std::max<size_t>(1, in.samples.size()));
  const double gain = rms > 0 ? 32768 * 0.1 / rms : 1.0;
  pcm_audio out = in;
  for (auto& s : out.samples)
    s = static_cast<int16_t>(
      std::clamp(std::lround(s * gain), -32768L, 32767L));
  return out;
}

// The phone path with linear interpolation for the way back up (what a
// cheap resampler does), soxr for the way down.
pcm_audio phone_linear_up(const pcm_audio& in) {
  auto narrow = sb::resample(in, sb::phone_sample_rate);
  pcm_audio out{16000, {}};
  if (!narrow)
    return out;
  for (auto& s : narrow->samples)
    s = sb::mulaw_to_linear(sb::linear_to_mulaw(s));
  const auto& n = narrow->samples;
  for (size_t i = 0; i < n.size(); ++i) {
    out.samples.push_back(n[i]);
    const int next = i + 1 < n.size() ? n[i + 1] : n[i];
    out.samples.push_back(static_cast<int16_t>((n[i] + next) / 2));
  }
  return out;
}

// Live CMN's mean over cards/ through the phone path
// (stt_wer --estimate-cmninit [--arg -upperf 3800 | --linear |
// --arg -dither yes --arg -remove_noise no]).
constexpr const char* phone_cmninit_full =
  "50.58,27.39,-42.61,39.90,-33.93,3.85,12.83,-30.27,20.83,-16.97,2.83,"
  "9.78,-13.83";
constexpr const char* phone_cmninit_3800 =
  "59.07,-4.51,1.30,-8.65,-0.75,-4.73,-5.13,0.25,0.98,0.35,2.17,0.93,0.21";

constexpr const char* phone_cmninit_dither =
  "51.11,22.52,-41.19,38.49,-31.28,2.29,13.68,-30.44,20.01,-16.81,3.06,"
  "10.33,-13.91";
constexpr const char* phone_cmninit_linear =
  "57.00,3.24,-6.11,3.20,-9.66,-0.30,-2.93,-1.88,-9.72,5.91,-6.63,5.85,"
  "-1.20";

struct set_result {
  sb::word_errors errors;
  double audio_s = 0;
  double cpu_s = 0;
};

struct clip_pair {
  const speech_clip* clip;
  pcm_audio wide;  // as recorded
  pcm_audio phone; // through the phone path
};

std::string decode(sb::pocketsphinx_recognizer& rec, const pcm_audio& audio,
                   set_result& into) {
  sb::utterance_feed feed;
  // 20 ms pieces, as the call side appends them.
  for (size_t at = 0; at < audio.samples.size(); at += 320)
    feed.append(audio.samples.data() + at,
                std::min<size_t>(320, audio.samples.size() - at));
  feed.finish();
  const double before = process_cpu_seconds();
  auto t = rec.recognize(feed);
  into.cpu_s += process_cpu_seconds() - before;
  into.audio_s += static_cast<double>(audio.samples.size()) / 16000;
  if (!t) {
    std::cerr << "stt_wer: " << sb::what(t.error()) << "\n";
    return {};
  }
  return t->text;
}

std::string percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100 * fraction << " %";
  return out.str();
}

} // namespace

int main(int argc, char** argv) {
  std::string model = "/usr/share/pocketsphinx/model/en-us";
  std::string transcripts = SB_TRANSCRIPTS;
  std::vector<std::string> only;
  bool verbose = false;
  bool estimate = false;
  bool linear_estimate = false;
  std::vector<std::pair<std::string, std::string>> estimate_args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--verbose")
      verbose = true;
    else if (a == "--estimate-cmninit")
      estimate = true;
    else if (a == "--linear")
      linear_estimate = true;
    else if (a == "--arg" && i + 2 < argc) {
      estimate_args.emplace_back(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (a == "--only" && i + 1 < argc)
      only.emplace_back(argv[++i]);
    else if (a == "--model" && i + 1 < argc)
      model = argv[++i];
    else if (a == "--transcripts" && i + 1 < argc)
      transcripts = argv[++i];
    else {
      std::cerr
        << "usage: stt_wer [--only NAME]... [--verbose] [--model DIR] "
           "[--transcripts TSV] [--estimate-cmninit [--linear] [--arg KEY "
           "VALUE]...]\n";
      return 2;
    }
  }
  auto clips = sb::test::load_speech_clips(transcripts);
  if (!clips) {
    std::cerr << "stt_wer: " << sb::what(clips.error()) << "\n";
    return 1;
  }
  std::vector<clip_pair> pairs;
  for (const auto& c : *clips) {
    auto phone = sb::test::phone_path(c.audio);
    if (!phone) {
      std::cerr << "stt_wer: " << sb::what(phone.error()) << "\n";
      return 1;
    }
    pairs.push_back({&c, c.audio, std::move(*phone)});
  }

  if (estimate) {
    // The phone line's cepstral mean, learnt by live CMN over recordings
    // that are not in the WER sets (cards/), through the phone path.
    auto opt = sb::pocketsphinx_defaults(model);
    opt.args = estimate_args;
    opt.reset_cmn = false;
    auto rec = sb::pocketsphinx_recognizer::create(opt);
    if (!rec) {
      std::cerr << "stt_wer: " << sb::what(rec.error()) << "\n";
      return 1;
    }
    set_result ignored;
    for (int round = 0; round < 2; ++round)
      for (const char* id : {"001", "002", "003", "004", "005"}) {
        // (the same order twice: live CMN settles over the first round)
        auto clip = sb::test::detail::load_clip(
          std::string("cards/") + id + ".wav", "");
        if (!clip) {
          std::cerr << "stt_wer: " << sb::what(clip.error()) << "\n";
          return 1;
        }
        auto phone = linear_estimate
                       ? caf::expected<pcm_audio>(phone_linear_up(clip->audio))
                       : sb::test::phone_path(clip->audio);
        if (phone)
          decode(**rec, *phone, ignored);
      }
    std::cout << "-cmninit " << (*rec)->cepstral_mean() << "\n";
    return 0;
  }
  std::vector<setting> settings = {
    {"tuned defaults (make_pocketsphinx_recognizer)", {}, {}, {}, {}},
    {"the model's settings (library defaults)", {}, {}, {}},
    {"-upperf 3800 (phone band)", {{"-upperf", "3800"}}, {}, {}},
    {"-upperf 4000 -lowerf 200",
     {{"-upperf", "4000"}, {"-lowerf", "200"}},
     {},
     {}},
    {"-remove_noise no", {{"-remove_noise", "no"}}, {}, {}},
    {"-remove_silence no", {{"-remove_silence", "no"}}, {}, {}},
    {"-dither yes", {{"-dither", "yes"}}, {}, {}},
    {"dither of the recogniser's own", {}, {}, {}},
    {"-cmn live", {{"-cmn", "live"}}, {}, {}},
    {"CMN carried over from the last utterance", {}, {}, {}},
    {"-cmninit of the phone line", {{"-cmninit", phone_cmninit_full}}, {}, {}},
    {"-upperf 3800, its phone -cmninit",
     {{"-upperf", "3800"}, {"-cmninit", phone_cmninit_3800}},
     {},
     {}},
    {"level normalised to -20 dBFS RMS", {}, normalised, {}},
    {"linear interpolation 8 -> 16 kHz", {}, {}, phone_linear_up},
    {"wide beams (-beam 1e-80 -wbeam 1e-60 -pbeam 1e-80)",
     {{"-beam", "1e-80"}, {"-wbeam", "1e-60"}, {"-pbeam", "1e-80"}},
     {},
     {}},
    {"narrow beams (-beam 1e-30 -wbeam 1e-20 -pbeam 1e-30)",
     {{"-beam", "1e-30"}, {"-wbeam", "1e-20"}, {"-pbeam", "1e-30"}},
     {},
     {}},
    {"-lw 5", {{"-lw", "5"}}, {}, {}},
    {"-lw 9", {{"-lw", "9"}}, {}, {}},
    {"-bestpath no", {{"-bestpath", "no"}}, {}, {}},
    // On top of the phone line's -cmninit:
    {"phone -cmninit, -dither yes",
     {{"-cmninit", phone_cmninit_full}, {"-dither", "yes"}},
     {},
     {}},
    {"phone -cmninit, -remove_noise no",
     {{"-cmninit", phone_cmninit_full}, {"-remove_noise", "no"}},
     {},
     {}},
    {"phone -cmninit, -remove_silence no",
     {{"-cmninit", phone_cmninit_full}, {"-remove_silence", "no"}},
     {},
     {}},
    {"phone -cmninit, -lw 5",
     {{"-cmninit", phone_cmninit_full}, {"-lw", "5"}},
     {},
     {}},
    {"phone -cmninit, -lw 8",
     {{"-cmninit", phone_cmninit_full}, {"-lw", "8"}},
     {},
     {}},
    {"phone -cmninit, -beam 1e-60 -wbeam 1e-40 -pbeam 1e-60",
     {{"-cmninit", phone_cmninit_full},
      {"-beam", "1e-60"},
      {"-wbeam", "1e-40"},
      {"-pbeam", "1e-60"}},
     {},
     {}},
    {"phone -cmninit, -beam 1e-40 -wbeam 1e-25 -pbeam 1e-40",
     {{"-cmninit", phone_cmninit_full},
      {"-beam", "1e-40"},
      {"-wbeam", "1e-25"},
      {"-pbeam", "1e-40"}},
     {},
     {}},
    {"phone -cmninit, -bestpath no",
     {{"-cmninit", phone_cmninit_full}, {"-bestpath", "no"}},
     {},
     {}},
    {"phone -cmninit, level normalised",
     {{"-cmninit", phone_cmninit_full}},
     normalised,
     {}},
    {"linear interpolation 8 -> 16 kHz, its phone -cmninit",
     {{"-cmninit", phone_cmninit_linear}},
     {},
     phone_linear_up},
    // The phone prior only where the audio is phone-band, so wideband
    // audio keeps the model's:
    {"phone -cmninit when the audio is phone-band",
     {},
     {},
     {},
     phone_cmninit_full},
    {"phone -cmninit when phone-band, -dither yes -remove_noise no",
     {{"-dither", "yes"}, {"-remove_noise", "no"}},
     {},
     {},
     phone_cmninit_dither},
    {"phone -cmninit when phone-band, -dither yes -remove_noise no -lw 5",
     {{"-dither", "yes"}, {"-remove_noise", "no"}, {"-lw", "5"}},
     {},
     {},
     phone_cmninit_dither},
  };

  std::cout << "| setting | WER 16 kHz | WER phone path | CPU s per audio s "
               "|\n|---|---|---|---|\n";
  for (const auto& s : settings) {
    if (!only.empty()
        && std::find(only.begin(), only.end(), s.name) == only.end())
      continue;
    // Every row but the first is the library's defaults plus its change.
    auto opt = sb::pocketsphinx_defaults(model);
    if (&s != &settings.front()) {
      opt.args = s.args;
      opt.phone_cmninit = s.phone_cmninit;
      opt.reset_cmn = s.name != "CMN carried over from the last utterance";
      opt.dither = s.name.find("own dither") != std::string::npos
                   || s.name == "dither of the recogniser's own";
    }
    auto rec = sb::pocketsphinx_recognizer::create(opt);
    if (!rec) {
      std::cerr << "stt_wer: " << s.name << ": " << sb::what(rec.error())
                << "\n";
      continue;
    }
    set_result wide, phone;
    for (const auto& p : pairs) {
      pcm_audio phone_audio = s.phone ? s.phone(p.clip->audio) : p.phone;
      pcm_audio wide_audio = p.wide;
      if (s.prep) {
        phone_audio = s.prep(phone_audio);
        wide_audio = s.prep(wide_audio);
      }
      const auto hyp_wide = decode(**rec, wide_audio, wide);
      const auto hyp_phone = decode(**rec, phone_audio, phone);
      const auto e_wide = sb::count_word_errors(p.clip->reference, hyp_wide);
      const auto e_phone = sb::count_word_errors(p.clip->reference, hyp_phone);
      wide.errors += e_wide;
      phone.errors += e_phone;
      if (verbose)
        std::cerr << s.name << " | " << p.clip->name
                  << "\n  ref:   " << p.clip->reference
                  << "\n  16k:   " << hyp_wide << "  ("
                  << percent(e_wide.rate()) << ")\n  phone: " << hyp_phone
                  << "  (" << percent(e_phone.rate()) << ")\n";
    }
    std::cout << "| " << s.name << " | " << percent(wide.errors.rate()) << " | "
              << percent(phone.errors.rate()) << " | " << std::fixed
              << std::setprecision(3)
              << (wide.cpu_s + phone.cpu_s) / (wide.audio_s + phone.audio_s)
              << " |" << std::endl;
  }
  return 0;
}
