// stt_http_recognizer: waits for the utterance's end, encodes it (WAV in a
// multipart body), posts it on its own curl_session bounded by the
// deadline that started at the end of speech, and reads whichever answer
// format came back. The session caps the answer while it arrives.
#include "backends/stt/stt_http.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/audio/audio_format.hpp"
#include "backends/stt/multipart_body.hpp"
#include "backends/stt/stt_answer.hpp"
#include "core/error.hpp"
#include "net/client/curl_session.hpp"

namespace sb {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds max_connect_timeout{5000};
// How often a wait for the end of the utterance looks at the cancel flag
// (wait_finished wakes at once on finish or cancel; this only bounds it).
constexpr milliseconds feed_poll{1000};

std::string endpoint_of(std::string base, stt_http_flavor flavor) {
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base
         + (flavor == stt_http_flavor::whisper ? "/inference"
                                               : "/v1/audio/transcriptions");
}

std::string decimal(double v) {
  std::string out = std::to_string(v);
  while (out.size() > 1 && out.back() == '0')
    out.pop_back();
  if (!out.empty() && out.back() == '.')
    out.pop_back();
  return out;
}

} // namespace

struct stt_http_recognizer::impl {
  stt_http_options options;
  curl_session session;
};

stt_http_recognizer::stt_http_recognizer(stt_http_options options)
  : impl_(std::make_unique<impl>()),
    name_(options.base_url),
    endpoint_(endpoint_of(options.base_url, options.flavor)) {
  impl_->options = std::move(options);
}

stt_http_recognizer::~stt_http_recognizer() = default;

caf::expected<stt_transcript>
stt_http_recognizer::recognize(utterance_feed& feed) {
  const auto cancelled = [] {
    return make_error(errc::backend_failed, "cancelled");
  };
  while (!feed.wait_finished(feed_poll))
    if (feed.cancelled())
      return cancelled();
  const auto& opt = impl_->options;
  const std::string where = "POST " + endpoint_;
  const auto left = std::chrono::duration_cast<milliseconds>(
    feed.end_of_speech() + opt.timeout - utterance_feed::clock::now());
  if (left.count() <= 0)
    return make_error(errc::timed_out,
                      where + ": no answer within "
                        + std::to_string(opt.timeout.count())
                        + " ms (the deadline passed before sending)");
  multipart_body form;
  const auto wav = pcm_wav({stt_sample_rate, feed.samples()});
  form.add_file("file", "utterance.wav", "audio/wav",
                std::string_view(reinterpret_cast<const char*>(wav.data()),
                                 wav.size()));
  if (opt.flavor == stt_http_flavor::openai)
    form.add_field("model", opt.model);
  if (!opt.language.empty())
    form.add_field("language", opt.language);
  form.add_field("response_format", opt.response_format);
  form.add_field("temperature", "0");
  if (opt.flavor == stt_http_flavor::whisper)
    form.add_field("no_speech_thold", decimal(opt.no_speech_threshold));
  curl_request request;
  request.method = "POST";
  request.url = endpoint_;
  request.body = form.build();
  request.headers = {"Content-Type: " + form.content_type(),
                     "Accept: application/json, text/plain;q=0.5"};
  if (opt.flavor == stt_http_flavor::openai && !opt.api_key.empty())
    request.headers.push_back("Authorization: Bearer " + opt.api_key);
  curl_limits limits;
  limits.total = left;
  limits.connect = std::min(left, max_connect_timeout);
  limits.max_body_bytes = stt_http_max_answer_bytes;
  auto answer = impl_->session.perform(request, limits, {}, feed.cancel_flag());
  if (feed.cancelled())
    return cancelled();
  if (!answer) {
    // Said in the caller's terms first: the configured limit.
    if (answer.failure().kind() == curl_failure_kind::timed_out)
      return make_error(errc::timed_out, where + ": no answer within "
                                           + std::to_string(opt.timeout.count())
                                           + " ms of the end of speech ("
                                           + answer.failure().message + ")");
    return to_error(answer.failure(), where + ": ");
  }
  const auto& got = answer.value();
  auto transcript = read_stt_answer(got.status, got.content_type, got.body,
                                    where, opt.no_speech_threshold);
  if (transcript && transcript->language.empty())
    transcript->language = opt.language;
  return transcript;
}

} // namespace sb
