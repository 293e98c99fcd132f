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

#include <rapidjson/document.h>

#include "backends/audio/audio_format.hpp"
#include "backends/stt/multipart_body.hpp"
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

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The start of a body, printable and quoted, for error messages.
std::string quoted(std::string_view body) {
  std::string out = "'";
  for (char c : body.substr(0, 120))
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
  if (body.size() > 120)
    out += "...";
  return out + "'";
}

// A number that renders without locale trouble ("0", "0.6").
std::string decimal(double v) {
  std::string out = std::to_string(v);
  while (out.size() > 1 && out.back() == '0')
    out.pop_back();
  if (!out.empty() && out.back() == '.')
    out.pop_back();
  return out;
}

double number_or(const rapidjson::Value& obj, const char* key, double dflt) {
  const auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble()
                                                       : dflt;
}

// A verbose_json/json object: the text, less the segments that are
// probably not speech, and the confidence of the rest.
caf::expected<stt_transcript>
read_json(const rapidjson::Value& doc, const std::string& where,
          std::string_view body, double no_speech_threshold) {
  const auto text = doc.IsObject() ? doc.FindMember("text")
                                   : rapidjson::Value::ConstMemberIterator{};
  if (!doc.IsObject() || text == doc.MemberEnd() || !text->value.IsString())
    return make_error(errc::backend_failed, where
                                              + ": answer has no \"text\" "
                                                "string: "
                                              + quoted(body));
  stt_transcript out;
  out.text = std::string(trim(text->value.GetString()));
  const auto lang = doc.FindMember("language");
  if (lang != doc.MemberEnd() && lang->value.IsString())
    out.language = lang->value.GetString();
  const auto segments = doc.FindMember("segments");
  if (segments == doc.MemberEnd() || !segments->value.IsArray())
    return out;
  std::string kept_text;
  double logprob_sum = 0;
  int logprob_count = 0;
  bool dropped = false;
  for (const auto& seg : segments->value.GetArray()) {
    if (!seg.IsObject())
      continue;
    if (number_or(seg, "no_speech_prob", 0) > no_speech_threshold) {
      dropped = true;
      continue;
    }
    const auto seg_text = seg.FindMember("text");
    if (seg_text != seg.MemberEnd() && seg_text->value.IsString())
      kept_text += seg_text->value.GetString();
    const auto lp = seg.FindMember("avg_logprob");
    if (lp != seg.MemberEnd() && lp->value.IsNumber()) {
      logprob_sum += lp->value.GetDouble();
      ++logprob_count;
    }
  }
  if (dropped)
    out.text = std::string(trim(kept_text));
  if (logprob_count > 0)
    out.confidence = std::clamp(std::exp(logprob_sum / logprob_count), 0.0,
                                1.0);
  return out;
}

caf::expected<stt_transcript> read_answer(const curl_answer& answer,
                                          const std::string& where,
                                          double no_speech_threshold) {
  const auto& body = answer.body;
  if (answer.status < 200 || answer.status >= 300)
    return make_error(errc::backend_failed, where + ": HTTP "
                                              + std::to_string(answer.status)
                                              + ": " + quoted(body));
  const auto type = lower(trim(std::string_view(answer.content_type)
                                 .substr(0, answer.content_type.find(';'))));
  const auto start = trim(body);
  if (type == "application/json" || type.rfind("+json") != std::string::npos
      || (type.rfind("text/", 0) != 0 && !start.empty() && start[0] == '{')) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError())
      return make_error(errc::backend_failed,
                        where + ": answer is not JSON: " + quoted(body));
    return read_json(doc, where, body, no_speech_threshold);
  }
  // whisper.cpp types its text answer text/html, OpenAI text/plain.
  if (type.rfind("text/", 0) == 0) {
    stt_transcript out;
    out.text = std::string(start);
    return out;
  }
  return make_error(errc::backend_failed, where + ": unexpected Content-Type '"
                                            + answer.content_type
                                            + "': " + quoted(body));
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
  auto transcript = read_answer(answer.value(), where, opt.no_speech_threshold);
  if (transcript && transcript->language.empty())
    transcript->language = opt.language;
  return transcript;
}

} // namespace sb
