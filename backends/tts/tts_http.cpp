// tts_http_client: builds the flavor's request, performs it on its own
// curl_session, and turns the answer into PCM. The session caps the body
// while it arrives, so a misbehaving server cannot exhaust memory.
#include "backends/tts/tts_http.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error.hpp"
#include "net/client/curl_session.hpp"

namespace sb {

namespace {

constexpr int default_pcm_rate = 24000;
constexpr auto max_connect_timeout = std::chrono::milliseconds(5000);

// One request's encoded body and its type.
struct request_body {
  std::string content_type;
  std::string body;
};

// Devanagari (U+0900..U+097F) is E0 A4 xx or E0 A5 xx in UTF-8.
bool has_devanagari(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i)
    if (static_cast<uint8_t>(text[i]) == 0xE0
        && (static_cast<uint8_t>(text[i + 1]) & 0xFE) == 0xA4)
      return true;
  return false;
}

void json_member(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key,
                 std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

request_body encode_request(tts_http_flavor flavor, std::string_view text,
                            std::string_view voice, std::string_view language) {
  if (flavor == tts_http_flavor::piper)
    return {"text/plain; charset=utf-8", std::string(text)};
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  if (flavor == tts_http_flavor::openai) {
    json_member(w, "model", "tts-1");
    json_member(w, "input", text);
    json_member(w, "voice", voice);
    json_member(w, "response_format", "wav");
  } else {
    json_member(w, "text", text);
    json_member(w, "speaker_wav", voice);
    json_member(w, "language", language);
  }
  w.EndObject();
  return {"application/json", buf.GetString()};
}

std::string endpoint_of(std::string base, tts_http_flavor flavor) {
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  switch (flavor) {
    case tts_http_flavor::openai: return base + "/v1/audio/speech";
    case tts_http_flavor::xtts: return base + "/tts_to_audio/";
    case tts_http_flavor::piper: break;
  }
  return base + "/";
}

std::string trim_lower(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  s = s.substr(first, s.find_last_not_of(" \t") - first + 1);
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The start of a body, printable, for error messages.
std::string snippet(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, 120))
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
  return out;
}

// "audio/L16; rate=16000" → 16000; the default without a rate parameter;
// 0 when a rate or channels parameter is unusable.
int pcm_rate(const std::string& content_type) {
  int rate = default_pcm_rate;
  size_t at = content_type.find(';');
  while (at != std::string::npos) {
    const size_t next = content_type.find(';', at + 1);
    const auto param = trim_lower(
      std::string_view(content_type).substr(at + 1, next - at - 1));
    if (param.rfind("rate=", 0) == 0) {
      rate = std::atoi(param.c_str() + 5);
      if (rate <= 0 || rate > max_sample_rate)
        return 0;
    } else if (param.rfind("channels=", 0) == 0 && param != "channels=1") {
      return 0;
    }
    at = next;
  }
  return rate;
}

// 16-bit little-endian mono; a trailing odd byte is dropped.
pcm_audio decode_pcm(const std::string& body, int rate) {
  pcm_audio out{rate, std::vector<int16_t>(body.size() / 2)};
  for (size_t i = 0; i < out.samples.size(); ++i)
    out.samples[i] = static_cast<int16_t>(
      static_cast<uint8_t>(body[2 * i])
      | static_cast<uint8_t>(body[2 * i + 1]) << 8);
  return out;
}

caf::expected<pcm_audio> decode_audio(const curl_answer& answer,
                                      const std::string& where) {
  const auto type = trim_lower(std::string_view(answer.content_type)
                                 .substr(0, answer.content_type.find(';')));
  const bool wav_type = type == "audio/wav" || type == "audio/x-wav"
                        || type == "audio/wave" || type == "audio/vnd.wave";
  if (wav_type || answer.body.rfind("RIFF", 0) == 0) {
    auto pcm = read_wav(answer.body);
    if (!pcm)
      return make_error(errc::backend_failed,
                        where + ": unparseable audio: " + what(pcm.error()));
    return pcm;
  }
  if (type == "audio/pcm" || type == "audio/l16") {
    const int rate = pcm_rate(answer.content_type);
    if (rate == 0)
      return make_error(errc::backend_failed,
                        where + ": unsupported PCM parameters in '"
                          + answer.content_type + "'");
    return decode_pcm(answer.body, rate);
  }
  return make_error(errc::backend_failed, where + ": unexpected Content-Type '"
                                            + answer.content_type + "'");
}

std::vector<std::string> request_headers(const request_body& req,
                                         const std::string& api_key) {
  std::vector<std::string> headers{"Content-Type: " + req.content_type,
                                   "Accept: audio/wav, audio/pcm;q=0.5"};
  if (!api_key.empty())
    headers.push_back("Authorization: Bearer " + api_key);
  return headers;
}

} // namespace

struct tts_http_client::impl {
  curl_session session;
  curl_limits limits;
  tts_http_flavor flavor;
  std::string voice;
  std::string api_key;

  caf::expected<curl_answer> post(const std::string& url, request_body req);
};

caf::expected<curl_answer> tts_http_client::impl::post(const std::string& url,
                                                       request_body req) {
  curl_request request;
  request.method = "POST";
  request.url = url;
  request.headers = request_headers(req, api_key);
  request.body = std::move(req.body);
  auto answer = session.perform(request, limits);
  if (answer)
    return std::move(answer.value());
  const std::string where = "POST " + url + ": ";
  // Said in the caller's terms first: the configured limit.
  if (answer.failure().kind() == curl_failure_kind::timed_out)
    return make_error(errc::timed_out, where + "no answer within "
                                         + std::to_string(limits.total.count())
                                         + " ms (" + answer.failure().message
                                         + ")");
  return to_error(answer.failure(), where);
}

tts_http_client::tts_http_client(std::string base_url, tts_http_flavor flavor,
                                 std::string voice, std::string api_key,
                                 std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>()),
    endpoint_(endpoint_of(std::move(base_url), flavor)) {
  impl_->limits.total = timeout;
  impl_->limits.connect = std::min(timeout, max_connect_timeout);
  impl_->limits.max_body_bytes = tts_http_max_response_bytes;
  impl_->flavor = flavor;
  impl_->voice = std::move(voice);
  impl_->api_key = std::move(api_key);
}

tts_http_client::~tts_http_client() = default;
tts_http_client::tts_http_client(tts_http_client&&) noexcept = default;
tts_http_client&
tts_http_client::operator=(tts_http_client&&) noexcept = default;

caf::expected<pcm_audio>
tts_http_client::synthesize(std::string_view text, std::string_view language) {
  if (text.empty())
    return make_error(errc::bad_request, "tts http: empty text");
  if (language.empty())
    language = has_devanagari(text) ? "hi" : "en";
  auto answer = impl_->post(endpoint_, encode_request(impl_->flavor, text,
                                                      impl_->voice, language));
  if (!answer)
    return answer.error();
  const std::string where = "POST " + endpoint_;
  if (answer->status < 200 || answer->status >= 300)
    return make_error(errc::backend_failed, where + ": HTTP "
                                              + std::to_string(answer->status)
                                              + ": " + snippet(answer->body));
  if (answer->body.empty())
    return make_error(errc::backend_failed, where + ": empty audio");
  auto pcm = decode_audio(*answer, where);
  if (pcm && pcm->samples.empty())
    return make_error(errc::backend_failed, where + ": empty audio");
  return pcm;
}

} // namespace sb
