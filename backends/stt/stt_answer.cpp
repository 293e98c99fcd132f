// read_stt_answer: the status, then the answer's shape by Content-Type
// (JSON, or text), then the JSON object's text, language and segments.
#include "backends/stt/stt_answer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <rapidjson/document.h>

#include "core/error.hpp"

namespace sb {

namespace {

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

} // namespace

caf::expected<stt_transcript>
read_stt_answer(long status, std::string_view content_type,
                std::string_view body, const std::string& where,
                double no_speech_threshold) {
  if (status < 200 || status >= 300)
    return make_error(errc::backend_failed, where + ": HTTP "
                                              + std::to_string(status) + ": "
                                              + quoted(body));
  const auto type = lower(trim(content_type.substr(0, content_type.find(';'))));
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
                                            + std::string(content_type)
                                            + "': " + quoted(body));
}

} // namespace sb
