// pocketsphinx_recognizer: the decoder's configuration built as an
// argument vector (the model's files, logging off, the caller's
// arguments), the search set up once, then one ps_start_utt ..
// ps_end_utt per utterance fed from the utterance_feed as it grows.
#include "backends/stt/stt_pocketsphinx.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string_view>
#include <utility>

#include <pocketsphinx.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sphinxbase/err.h>

#include "backends/stt/phone_band.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

// How long one wait for more audio lasts before it looks again; the feed
// wakes it at once on new audio, the end or a cancel.
constexpr std::chrono::milliseconds feed_wait{200};

// What tells phone-band audio from wideband: the first 0.3 s.
constexpr size_t band_window = stt_sample_rate * 3 / 10;

const std::string engine_name = "pocketsphinx";
constexpr const char* search_name = "switchboard";

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

caf::error config_error(const std::string& what) {
  return make_error(errc::bad_config, "stt.pocketsphinx_dir: " + what);
}

// pocketsphinx's keyword file format: "phrase /threshold/" per line.
std::string kws_lines(const std::vector<pocketsphinx_keyphrase>& phrases) {
  std::ostringstream out;
  for (const auto& k : phrases)
    out << k.phrase << " /" << k.threshold << "/\n";
  return out.str();
}

// A keyword list goes to pocketsphinx as a file: written to a private
// temporary file, read by ps_set_kws, removed.
int set_keywords(ps_decoder_t* ps,
                 const std::vector<pocketsphinx_keyphrase>& phrases) {
  char path[] = "/tmp/sb-kws-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0)
    return -1;
  const auto text = kws_lines(phrases);
  const bool written = ::write(fd, text.data(), text.size())
                       == static_cast<ssize_t>(text.size());
  ::close(fd);
  const int rc = written ? ps_set_kws(ps, search_name, path) : -1;
  ::unlink(path);
  return rc;
}

// A private copy of the model's feat.params with some values replaced,
// removed when this goes (after ps_init has read it).
struct featparams_file {
  std::string path; // empty: nothing replaced, the model's own applies

  featparams_file() = default;
  featparams_file(featparams_file&& other) noexcept
    : path(std::exchange(other.path, {})) {
  }
  featparams_file& operator=(featparams_file&&) = delete;
  ~featparams_file() {
    if (!path.empty())
      ::unlink(path.c_str());
  }

  static caf::expected<featparams_file>
  make(const std::string& model_params,
       const std::vector<std::pair<std::string, std::string>>& args) {
    featparams_file out;
    std::ifstream in(model_params);
    if (!in)
      return out; // a model without one takes the arguments as given
    std::ostringstream text;
    bool replaced = false;
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string key;
      words >> key;
      for (const auto& [name, value] : args)
        if (name == key) {
          line = key + " " + value;
          replaced = true;
        }
      text << line << "\n";
    }
    if (!replaced)
      return out;
    char path[] = "/tmp/sb-featparams-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0)
      return config_error(model_params + ": cannot write a copy to /tmp");
    out.path = path;
    const auto bytes = text.str();
    const bool written = ::write(fd, bytes.data(), bytes.size())
                         == static_cast<ssize_t>(bytes.size());
    ::close(fd);
    if (!written)
      return config_error(model_params + ": cannot write a copy to /tmp");
    return out;
  }
};

// "41.00,-5.29,..." as numbers; empty when any is not one.
std::vector<mfcc_t> parse_cmninit(const std::string& text) {
  std::vector<mfcc_t> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0')
      return {};
    out.push_back(static_cast<mfcc_t>(v));
  }
  return out;
}

// Drops pocketsphinx's fillers and pronunciation variants ("and(2)").
std::string clean_hypothesis(const char* hyp) {
  std::istringstream words(hyp ? hyp : "");
  std::string word, out;
  while (words >> word) {
    if (word.front() == '<' || word.front() == '[')
      continue;
    if (const auto paren = word.find('('); paren != std::string::npos)
      word.erase(paren);
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

} // namespace

struct pocketsphinx_recognizer::impl {
  pocketsphinx_options options;
  cmd_ln_t* config = nullptr;
  ps_decoder_t* ps = nullptr;
  std::vector<int16_t> scaled; // gain's and dither's scratch buffer
  // Dither of its own, reseeded per utterance: sphinxbase's -dither draws
  // from one process-wide generator, so its noise (and, slightly, the
  // words) would depend on every decoder's history.
  std::minstd_rand dither;
  // The cepstral mean the model starts from (-cmninit), put back before
  // every utterance: live CMN otherwise carries the last utterance's mean,
  // that is another caller's line, into the next one.
  cmn_t* cmn = nullptr;
  std::vector<mfcc_t> cmn_prior;
  std::vector<mfcc_t> phone_prior; // options.phone_cmninit, parsed

  ~impl() {
    if (ps)
      ps_free(ps);
    if (config)
      cmd_ln_free_r(config);
  }

  void feed(const std::vector<int16_t>& samples);
  bool start(const std::vector<int16_t>& head);
};

// Resets CMN (to the phone prior when `head` is phone-band) and starts
// the utterance with the samples held so far.
bool pocketsphinx_recognizer::impl::start(const std::vector<int16_t>& head) {
  if (cmn && options.reset_cmn) {
    const bool phone = !phone_prior.empty()
                       && is_phone_band(head.data(),
                                        std::min(head.size(), band_window));
    cmn_live_set(cmn, phone ? phone_prior.data() : cmn_prior.data());
  }
  dither.seed(1);
  if (ps_start_utt(ps) < 0)
    return false;
  if (!head.empty())
    feed(head);
  return true;
}

void pocketsphinx_recognizer::impl::feed(const std::vector<int16_t>& samples) {
  const int16_t* data = samples.data();
  if (options.gain != 1.0 || options.dither) {
    scaled.resize(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      long v = std::lround(samples[i] * options.gain);
      // sphinxbase's -dither: +1 on a quarter of the samples.
      if (options.dither && dither() % 4 == 0)
        ++v;
      scaled[i] = static_cast<int16_t>(std::clamp(v, -32768L, 32767L));
    }
    data = scaled.data();
  }
  ps_process_raw(ps, data, samples.size(), FALSE, FALSE);
}

pocketsphinx_options pocketsphinx_defaults(std::string model_dir) {
  pocketsphinx_options out;
  out.model_dir = std::move(model_dir);
  // Measured with bench/stt_wer (bench/README.md, "Speech recognition"):
  // phone audio has no energy above 4 kHz, where the model's filterbank
  // still looks; dither keeps those bands off log(0), and the noise
  // estimator (-remove_noise) only subtracts what little is left.
  out.dither = true;
  out.args = {{"-remove_noise", "no"}};
  // Live CMN's mean over pocketsphinx-testdata's cards/ recordings (not
  // in the WER sets) through the phone path, with the settings above:
  // stt_wer --estimate-cmninit --arg -remove_noise no.
  out.phone_cmninit = "51.08,22.61,-41.29,38.59,-31.38,2.34,13.69,-30.48,"
                      "20.05,-16.84,3.09,10.32,-13.90";
  return out;
}

pocketsphinx_recognizer::pocketsphinx_recognizer(std::unique_ptr<impl> d)
  : impl_(std::move(d)) {
}

pocketsphinx_recognizer::~pocketsphinx_recognizer() = default;

const std::string& pocketsphinx_recognizer::name() const {
  return engine_name;
}

caf::expected<std::unique_ptr<pocketsphinx_recognizer>>
pocketsphinx_recognizer::create(const pocketsphinx_options& options) {
  // sphinxbase logs every setting and every utterance to stderr; the
  // daemon has its own log. Global, so set once for the process.
  static std::once_flag quiet;
  std::call_once(quiet, [] { err_set_logfp(nullptr); });

  const auto& dir = options.model_dir;
  const std::string hmm = dir + "/en-us";
  const std::string lm = dir + "/en-us.lm.bin";
  const std::string dict = dir + "/cmudict-en-us.dict";
  for (const auto& file : {hmm + "/mdef", dict})
    if (!is_file(file))
      return config_error(dir + ": no " + file);
  if (options.search == pocketsphinx_search::lm && !is_file(lm))
    return config_error(dir + ": no " + lm);

  std::vector<std::string> args{"-hmm", hmm, "-dict", dict};
  if (options.search == pocketsphinx_search::lm) {
    args.emplace_back("-lm");
    args.push_back(lm);
  }
  for (const auto& [key, value] : options.args) {
    args.push_back(key);
    args.push_back(value);
  }
  // The model's feat.params is read after the arguments and wins over
  // them, silently: front-end settings it names go into a copy of it.
  auto featparams = featparams_file::make(hmm + "/feat.params", options.args);
  if (!featparams)
    return featparams.error();
  if (!featparams->path.empty()) {
    args.emplace_back("-featparams");
    args.push_back(featparams->path);
  }
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  auto d = std::make_unique<impl>();
  d->options = options;
  d->config = cmd_ln_parse_r(nullptr, ps_args(), static_cast<int>(argv.size()),
                             argv.data(), TRUE);
  if (!d->config) {
    std::string given;
    for (const auto& [key, value] : options.args)
      given += " " + key + " " + value;
    return make_error(errc::bad_config,
                      "pocketsphinx: unknown argument or bad value among:"
                        + given);
  }
  d->ps = ps_init(d->config);
  if (!d->ps)
    return config_error(dir + ": the model in " + hmm + " did not load");
  if (auto* feat = ps_get_feat(d->ps); feat && feat->cmn_struct) {
    d->cmn = feat->cmn_struct;
    d->cmn_prior.assign(d->cmn->cmn_mean, d->cmn->cmn_mean + d->cmn->veclen);
    if (!options.phone_cmninit.empty()) {
      d->phone_prior = parse_cmninit(options.phone_cmninit);
      if (d->phone_prior.size() != d->cmn_prior.size())
        return make_error(
          errc::bad_config,
          "pocketsphinx: phone_cmninit '" + options.phone_cmninit + "' is not "
            + std::to_string(d->cmn_prior.size()) + " comma-separated numbers");
    }
  }
  if (options.search == pocketsphinx_search::jsgf) {
    if (ps_set_jsgf_string(d->ps, search_name, options.grammar.c_str()) < 0
        || ps_set_search(d->ps, search_name) < 0)
      return make_error(errc::bad_config,
                        "pocketsphinx: the JSGF grammar was refused (a syntax "
                        "error, or a word not in "
                          + dict + ")");
  } else if (options.search == pocketsphinx_search::keywords) {
    if (options.keyphrases.empty()
        || set_keywords(d->ps, options.keyphrases) < 0
        || ps_set_search(d->ps, search_name) < 0)
      return make_error(errc::bad_config,
                        "pocketsphinx: the keyphrases were refused (none, or "
                        "a word not in "
                          + dict + "): " + kws_lines(options.keyphrases));
  }
  return std::unique_ptr<pocketsphinx_recognizer>(
    new pocketsphinx_recognizer(std::move(d)));
}

caf::expected<stt_transcript>
pocketsphinx_recognizer::recognize(utterance_feed& feed) {
  auto* ps = impl_->ps;
  const auto not_started = [] {
    return make_error(errc::backend_failed,
                      "pocketsphinx: the decoder did not start an utterance");
  };
  // With a phone prior, the first band_window samples are held until the
  // band is known; otherwise decoding starts at once.
  const size_t hold = impl_->phone_prior.empty() ? 0 : band_window;
  std::vector<int16_t> head, piece;
  bool started = false;
  if (hold == 0) {
    if (!impl_->start(head))
      return not_started();
    started = true;
  }
  size_t from = 0;
  for (;;) {
    const auto state = feed.wait_from(from, piece, feed_wait);
    if (state == utterance_feed::state::cancelled) {
      if (started)
        ps_end_utt(ps);
      return make_error(errc::backend_failed, "cancelled");
    }
    if (state == utterance_feed::state::finished)
      break;
    if (state != utterance_feed::state::audio)
      continue;
    from += piece.size();
    if (started) {
      impl_->feed(piece);
      continue;
    }
    head.insert(head.end(), piece.begin(), piece.end());
    if (head.size() >= hold) {
      if (!impl_->start(head))
        return not_started();
      started = true;
    }
  }
  if (!started && !impl_->start(head))
    return not_started();
  if (ps_end_utt(ps) < 0)
    return make_error(errc::backend_failed,
                      "pocketsphinx: the decoder did not end the utterance");
  int32 score = 0;
  stt_transcript out;
  out.text = clean_hypothesis(ps_get_hyp(ps, &score));
  out.language = "en";
  if (impl_->options.search == pocketsphinx_search::lm && !out.text.empty())
    out.confidence = std::clamp(
      logmath_exp(ps_get_logmath(ps), ps_get_prob(ps)), 0.0, 1.0);
  return out;
}

std::string pocketsphinx_recognizer::cepstral_mean() const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  if (const auto* cmn = impl_->cmn)
    for (int32 i = 0; i < cmn->veclen; ++i)
      out << (i ? "," : "") << static_cast<double>(cmn->cmn_mean[i]);
  return out.str();
}

} // namespace sb
