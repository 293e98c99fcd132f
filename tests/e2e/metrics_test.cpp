// End-to-end: GET /metrics on the real daemon. After a played call every
// line of the answer must be valid Prometheus text exposition (0.0.4), the
// webhook histogram must have timed every speech turn, and the storage
// histograms must have seen the commits; model and speech work must be
// timed; forged and malformed webhooks must show up as signature failures
// and bad requests.
#include <cctype>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/sim/sim_call.hpp"
#include "fixtures/fake_llm.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_process.hpp"
#include "twilio/twilio_signature.hpp"

using namespace sb;
using namespace sb::test;

namespace {

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

bool name_char(char c, bool first, bool colon_ok) {
  bool alpha = std::isalpha(static_cast<unsigned char>(c)) || c == '_'
               || (colon_ok && c == ':');
  return alpha || (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// Reads a metric (colon_ok) or label name at `at`; empty if there is none.
std::string read_name(const std::string& s, size_t& at, bool colon_ok) {
  size_t begin = at;
  while (at < s.size() && name_char(s[at], at == begin, colon_ok))
    ++at;
  return s.substr(begin, at - begin);
}

// The value grammar of Go's ParseFloat as Prometheus uses it.
std::optional<double> read_value(const std::string& text) {
  constexpr auto inf = std::numeric_limits<double>::infinity();
  if (text == "+Inf" || text == "-Inf")
    return text[0] == '+' ? inf : -inf;
  if (text == "NaN")
    return std::numeric_limits<double>::quiet_NaN();
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != text.npos)
    return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    return std::nullopt;
  return v;
}

// "\"value\"" with only \\, \" and \n escaped; at is past the closing quote.
std::optional<std::string> read_quoted(const std::string& s, size_t& at) {
  if (at >= s.size() || s[at++] != '"')
    return std::nullopt;
  std::string out;
  while (at < s.size() && s[at] != '"') {
    char c = s[at++];
    if (c == '\\') {
      if (at >= s.size())
        return std::nullopt;
      char e = s[at++];
      if (e != '\\' && e != '"' && e != 'n')
        return std::nullopt;
      c = e == 'n' ? '\n' : e;
    }
    out += c;
  }
  if (at >= s.size())
    return std::nullopt;
  ++at;
  return out;
}

bool read_labels(const std::string& s, size_t& at, sample& out) {
  if (at >= s.size() || s[at] != '{')
    return true;
  ++at;
  while (at < s.size() && s[at] != '}') {
    auto name = read_name(s, at, false);
    if (name.empty() || at >= s.size() || s[at++] != '=')
      return false;
    auto value = read_quoted(s, at);
    if (!value || out.labels.count(name))
      return false;
    out.labels[name] = *value;
    if (at < s.size() && s[at] == ',')
      ++at;
  }
  return at++ < s.size();
}

// `name{labels} value [timestamp]`, or nullopt if the line is not one.
std::optional<sample> parse_sample(const std::string& line) {
  sample out;
  size_t at = 0;
  out.name = read_name(line, at, true);
  if (out.name.empty() || !read_labels(line, at, out) || at >= line.size()
      || line[at++] != ' ' || line[at] == ' ')
    return std::nullopt;
  std::istringstream rest{line.substr(at)};
  std::string value, timestamp, extra;
  rest >> value >> timestamp >> extra;
  auto v = read_value(value);
  if (!v || !extra.empty() || line.back() == ' '
      || (!timestamp.empty()
          && timestamp.find_first_not_of("-0123456789") != timestamp.npos))
    return std::nullopt;
  out.value = *v;
  return out;
}

// A # HELP or # TYPE line (other comments are allowed too).
bool valid_comment(const std::string& line) {
  size_t at = 7;
  if (line.rfind("# HELP ", 0) == 0)
    return !read_name(line, at, true).empty()
           && (at == line.size() || line[at] == ' ');
  if (line.rfind("# TYPE ", 0) == 0) {
    auto name = read_name(line, at, true);
    auto type = at < line.size() ? line.substr(at + 1) : "";
    return !name.empty() && line[at] == ' '
           && (type == "counter" || type == "gauge" || type == "histogram"
               || type == "summary" || type == "untyped");
  }
  return line.rfind("# ", 0) == 0;
}

// Every line checked; the samples returned. A failing line is reported.
std::vector<sample> parse_exposition(const std::string& text) {
  std::vector<sample> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    CAPTURE(line);
    if (!line.empty() && line[0] == '#') {
      CHECK(valid_comment(line));
      continue;
    }
    auto s = parse_sample(line);
    CHECK(s.has_value());
    if (s)
      out.push_back(std::move(*s));
  }
  CHECK((text.empty() || text.back() == '\n'));
  return out;
}

// The value of the one sample with this name and these labels, or -1.
double value_of(const std::vector<sample>& samples, const std::string& name,
                const std::map<std::string, std::string>& labels = {}) {
  for (const auto& s : samples)
    if (s.name == name && s.labels == labels)
      return s.value;
  return -1;
}

std::vector<sample> scrape(http_client& cl, const daemon_process& d) {
  auto r = cl.get(d.base_url() + "/metrics");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->content_type == "text/plain; version=0.0.4; charset=utf-8");
  return parse_exposition(r->body);
}

} // namespace

TEST_CASE("metrics: the line checker accepts exposition and nothing else") {
  CHECK(parse_sample("a_total 1").has_value());
  CHECK(parse_sample("a:b{x=\"1\",y=\"q\\\"\\n\\\\\"} -2.5e-3 1700000000")
          .has_value());
  CHECK(parse_sample("h_bucket{le=\"+Inf\"} 3").has_value());
  CHECK(parse_sample("g NaN").has_value());
  CHECK_FALSE(parse_sample("").has_value());
  CHECK_FALSE(parse_sample("1a 1").has_value());
  CHECK_FALSE(parse_sample("a{x=\"1} 1").has_value());
  CHECK_FALSE(parse_sample("a{x=1} 1").has_value());
  CHECK_FALSE(parse_sample("a{x=\"\\t\"} 1").has_value());
  CHECK_FALSE(parse_sample("a one").has_value());
  CHECK_FALSE(parse_sample("a  1").has_value());
  CHECK_FALSE(parse_sample("a 1 2 3").has_value());
  CHECK(valid_comment("# HELP a_total Some help."));
  CHECK(valid_comment("# TYPE a_total counter"));
  CHECK_FALSE(valid_comment("# TYPE a_total countr"));
  CHECK_FALSE(valid_comment("#TYPE a counter"));
}

TEST_CASE("metrics: a played call shows in GET /metrics") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("metrics.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  auto result = play_call(cl, call, {"hello", "मुझे मदद चाहिए", "goodbye"});
  INFO(result.error << "\n" << d.log());
  REQUIRE(result.error.empty());
  REQUIRE(result.turns_sent == 3);

  auto samples = scrape(cl, d);
  const std::string webhook = "switchboard_webhook_duration_seconds";
  auto speech_count = value_of(samples, webhook + "_count",
                               {{"route", "process-speech"}});
  CHECK(speech_count >= result.turns_sent);
  CHECK(value_of(samples, webhook + "_bucket",
                 {{"route", "process-speech"}, {"le", "+Inf"}})
        == speech_count);
  CHECK(value_of(samples, webhook + "_sum", {{"route", "process-speech"}}) > 0);
  CHECK(value_of(samples, webhook + "_count", {{"route", "inbound"}}) == 1);
  CHECK(value_of(samples, webhook + "_count", {{"route", "call-status"}}) == 1);
  auto batches = value_of(samples, "switchboard_storage_batch_writes_count");
  CHECK(batches > 0);
  CHECK(value_of(samples, "switchboard_storage_commit_duration_seconds_count")
        == batches);
  CHECK(value_of(samples, "switchboard_errors_total", {{"kind", "storage"}})
        == 0);
  CHECK(value_of(samples, "switchboard_signature_failures_total") == 0);
  CHECK(value_of(samples, "switchboard_live_calls") >= 0);
  // The speech-recognition pool runs from the start, idle until the media
  // transport feeds it: its families are there, at zero.
  CHECK(value_of(samples, "switchboard_stt_queue_depth") == 0);
  CHECK(value_of(samples, "switchboard_stt_in_flight") == 0);
  CHECK(value_of(samples, "switchboard_stt_duration_seconds_count") == 0);
  CHECK(value_of(samples, "switchboard_stt_tail_seconds_count") == 0);
  CHECK(value_of(samples, "switchboard_errors_total", {{"kind", "stt"}}) == 0);
  CHECK(d.stop() == 0);
}

TEST_CASE("metrics: forged and malformed webhooks are counted") {
  constexpr const char* token = "12345";
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("forged.db");
  opts.validate_signatures = true;
  opts.auth_token = token;
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto url = d.base_url() + "/voice/inbound";
  form_params p{
    {"CallSid", "CA77"}, {"From", "+15551"}, {"CallStatus", "ringing"}};
  CHECK(cl.post_form(url, form_encode(p))->status == 403);
  auto forged = twilio_signature("54321", url, p);
  CHECK(
    cl.post_form(url, form_encode(p), {{"X-Twilio-Signature", forged}})->status
    == 403);
  // Signed, but no CallSid: malformed, not forged.
  form_params no_sid{{"From", "+15551"}};
  CHECK(
    cl.post_form(url, form_encode(no_sid),
                 {{"X-Twilio-Signature", twilio_signature(token, url, no_sid)}})
      ->status
    == 400);

  auto samples = scrape(cl, d);
  CHECK(value_of(samples, "switchboard_signature_failures_total") == 2);
  CHECK(value_of(samples, "switchboard_errors_total", {{"kind", "bad_request"}})
        == 1);
  // Refused webhooks are answered, so they are timed too.
  CHECK(value_of(samples, "switchboard_webhook_duration_seconds_count",
                 {{"route", "inbound"}})
        == 3);
  CHECK(d.stop() == 0);
}

TEST_CASE("metrics: model and speech work is timed and counted") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_reply("Sure, I can help with that.");
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("work.db");
  opts.tts_engine = "espeak";
  opts.extra_toml = "[llm]\nbackend = \"ollama\"\nmodel = \"m\"\n"
                    "[[llm.endpoints]]\nurl = \""
                    + model.base_url() + "\"\nslots = 1\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  sim_call_options call;
  call.base_url = d.base_url();
  // The same reply twice: the second is spoken from the audio cache.
  auto result = play_call(cl, call, {"help me", "help me please"});
  INFO(result.error << "\n" << d.log());
  REQUIRE(result.error.empty());

  auto samples = scrape(cl, d);
  CHECK(value_of(samples, "switchboard_llm_duration_seconds_count")
        == static_cast<double>(model.requests().size()));
  CHECK(value_of(samples, "switchboard_llm_duration_seconds_sum") > 0);
  CHECK(value_of(samples, "switchboard_llm_queue_depth") == 0);
  CHECK(value_of(samples, "switchboard_errors_total", {{"kind", "llm"}}) == 0);
  // The fixed phrases made at start-up and the first reply, at least.
  CHECK(value_of(samples, "switchboard_tts_duration_seconds_count") >= 2);
  CHECK(value_of(samples, "switchboard_tts_cache_hits_total") >= 1);
  CHECK(value_of(samples, "switchboard_tts_queue_depth") == 0);
  CHECK(value_of(samples, "switchboard_errors_total", {{"kind", "tts"}}) == 0);
  CHECK(d.stop() == 0);
}
