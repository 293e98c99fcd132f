// pocketsphinx_recognizer: the decoder's configuration built as an
// argument vector (the model's files, logging off, the caller's
// arguments), the search set up once, then one ps_start_utt ..
// ps_end_utt per utterance fed from the utterance_feed as it grows.
#include "backends/stt/stt_pocketsphinx.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <string_view>

#include <pocketsphinx.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sphinxbase/err.h>

#include "core/error.hpp"

namespace sb {

namespace {

// How long one wait for more audio lasts before it looks again; the feed
// wakes it at once on new audio, the end or a cancel.
constexpr std::chrono::milliseconds feed_wait{200};

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
  std::vector<int16_t> scaled; // gain's scratch buffer
  // The cepstral mean the model starts from (-cmninit), put back before
  // every utterance: live CMN otherwise carries the last utterance's mean,
  // that is another caller's line, into the next one.
  cmn_t* cmn = nullptr;
  std::vector<mfcc_t> cmn_prior;

  ~impl() {
    if (ps)
      ps_free(ps);
    if (config)
      cmd_ln_free_r(config);
  }

  void feed(const std::vector<int16_t>& samples);
};

void pocketsphinx_recognizer::impl::feed(const std::vector<int16_t>& samples) {
  const int16_t* data = samples.data();
  if (options.gain != 1.0) {
    scaled.resize(samples.size());
    std::transform(samples.begin(), samples.end(), scaled.begin(),
                   [g = options.gain](int16_t s) {
                     return static_cast<int16_t>(
                       std::clamp(std::lround(s * g), -32768L, 32767L));
                   });
    data = scaled.data();
  }
  ps_process_raw(ps, data, samples.size(), FALSE, FALSE);
}

pocketsphinx_options pocketsphinx_defaults(std::string model_dir) {
  pocketsphinx_options out;
  out.model_dir = std::move(model_dir);
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
  if (impl_->cmn && impl_->options.reset_cmn)
    cmn_live_set(impl_->cmn, impl_->cmn_prior.data());
  if (ps_start_utt(ps) < 0)
    return make_error(errc::backend_failed,
                      "pocketsphinx: the decoder did not start an utterance");
  std::vector<int16_t> piece;
  size_t from = 0;
  for (;;) {
    const auto state = feed.wait_from(from, piece, feed_wait);
    if (state == utterance_feed::state::cancelled) {
      ps_end_utt(ps);
      return make_error(errc::backend_failed, "cancelled");
    }
    if (state == utterance_feed::state::finished)
      break;
    if (state == utterance_feed::state::audio) {
      impl_->feed(piece);
      from += piece.size();
    }
  }
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
