// tts_http_client: builds the flavor's request, performs it on the owned
// curl handle, and turns the answer into PCM. The body is capped while it
// arrives, so a misbehaving server cannot exhaust memory.
#include "backends/tts/tts_http.hpp"

#include <cctype>
#include <cstdlib>
#include <string>
#include <utility>

#include <curl/curl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error.hpp"

namespace sb {

namespace {

constexpr int default_pcm_rate = 24000;

struct curl_global {
  curl_global() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }
};

// One request's encoded body and its type.
struct request_body {
  std::string content_type;
  std::string body;
};

// One answer as received.
struct http_answer {
  long status = 0;
  std::string content_type;
  std::string body;
  bool too_big = false;
};

size_t append_capped(char* data, size_t size, size_t count, void* user) {
  auto* answer = static_cast<http_answer*>(user);
  const size_t n = size * count;
  if (answer->body.size() + n > tts_http_max_response_bytes) {
    answer->too_big = true;
    return 0;   // anything but n makes curl abort with CURLE_WRITE_ERROR
  }
  answer->body.append(data, n);
  return n;
}

// Devanagari (U+0900..U+097F) is E0 A4 xx or E0 A5 xx in UTF-8.
bool has_devanagari(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i)
    if (static_cast<uint8_t>(text[i]) == 0xE0
        && (static_cast<uint8_t>(text[i + 1]) & 0xFE) == 0xA4)
      return true;
  return false;
}

void json_member(rapidjson::Writer<rapidjson::StringBuffer>& w,
                 const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

request_body encode_request(tts_http_flavor flavor, std::string_view text,
                            std::string_view voice,
                            std::string_view language) {
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
    case tts_http_flavor::openai:
      return base + "/v1/audio/speech";
    case tts_http_flavor::xtts:
      return base + "/tts_to_audio/";
    case tts_http_flavor::piper:
      break;
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

caf::expected<pcm_audio> decode_audio(const http_answer& answer,
                                      const std::string& where) {
  const auto type = trim_lower(
    std::string_view(answer.content_type).substr(
      0, answer.content_type.find(';')));
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
  return make_error(errc::backend_failed,
                    where + ": unexpected Content-Type '"
                      + answer.content_type + "'");
}

curl_slist* request_headers(const request_body& req,
                            const std::string& api_key) {
  curl_slist* hdrs = nullptr;
  hdrs = curl_slist_append(hdrs, ("Content-Type: " + req.content_type).c_str());
  hdrs = curl_slist_append(hdrs, "Accept: audio/wav, audio/pcm;q=0.5");
  if (!api_key.empty())
    hdrs = curl_slist_append(hdrs,
                             ("Authorization: Bearer " + api_key).c_str());
  // No "Expect: 100-continue" round trip for larger texts.
  return curl_slist_append(hdrs, "Expect:");
}

} // namespace

struct tts_http_client::impl {
  CURL* curl = nullptr;
  tts_http_flavor flavor;
  std::string voice;
  std::string api_key;
  std::chrono::milliseconds timeout;

  caf::expected<http_answer> post(const std::string& url,
                                  const request_body& req);
};

caf::expected<http_answer>
tts_http_client::impl::post(const std::string& url, const request_body& req) {
  if (!curl)
    return make_error(errc::backend_failed, "POST " + url
                                              + ": curl_easy_init failed");
  curl_easy_reset(curl);
  http_answer answer;
  curl_slist* hdrs = request_headers(req, api_key);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                   static_cast<long>(req.body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_capped);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(hdrs);
  const std::string where = "POST " + url;
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return make_error(errc::timed_out,
                      where + ": no answer within "
                        + std::to_string(timeout.count()) + " ms");
  if (answer.too_big)
    return make_error(errc::backend_failed,
                      where + ": response larger than "
                        + std::to_string(tts_http_max_response_bytes)
                        + " bytes");
  if (rc != CURLE_OK)
    return make_error(errc::backend_failed,
                      where + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  char* type = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK
      && type)
    answer.content_type = type;
  return answer;
}

tts_http_client::tts_http_client(std::string base_url, tts_http_flavor flavor,
                                 std::string voice, std::string api_key,
                                 std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>()),
    endpoint_(endpoint_of(std::move(base_url), flavor)) {
  static curl_global once;
  impl_->curl = curl_easy_init();
  impl_->flavor = flavor;
  impl_->voice = std::move(voice);
  impl_->api_key = std::move(api_key);
  impl_->timeout = timeout;
}

tts_http_client::~tts_http_client() {
  if (impl_ && impl_->curl)
    curl_easy_cleanup(impl_->curl);
}

tts_http_client::tts_http_client(tts_http_client&&) noexcept = default;

tts_http_client&
tts_http_client::operator=(tts_http_client&& other) noexcept {
  if (this != &other) {
    if (impl_ && impl_->curl)
      curl_easy_cleanup(impl_->curl);
    impl_ = std::move(other.impl_);
    endpoint_ = std::move(other.endpoint_);
  }
  return *this;
}

caf::expected<pcm_audio>
tts_http_client::synthesize(std::string_view text, std::string_view language) {
  if (text.empty())
    return make_error(errc::bad_request, "tts http: empty text");
  if (language.empty())
    language = has_devanagari(text) ? "hi" : "en";
  const auto req = encode_request(impl_->flavor, text, impl_->voice, language);
  auto answer = impl_->post(endpoint_, req);
  if (!answer)
    return answer.error();
  const std::string where = "POST " + endpoint_;
  if (answer->status < 200 || answer->status >= 300)
    return make_error(errc::backend_failed,
                      where + ": HTTP " + std::to_string(answer->status)
                        + ": " + snippet(answer->body));
  if (answer->body.empty())
    return make_error(errc::backend_failed, where + ": empty audio");
  auto pcm = decode_audio(*answer, where);
  if (pcm && pcm->samples.empty())
    return make_error(errc::backend_failed, where + ": empty audio");
  return pcm;
}

} // namespace sb
