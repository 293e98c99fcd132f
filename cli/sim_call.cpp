#include "cli/sim_call.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "cli/twiml_reader.hpp"
#include "core/error.hpp"
#include "net/form.hpp"
#include "net/twilio_signature.hpp"

namespace sb {

std::string random_call_sid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string sid = "CA";
  for (int i = 0; i < 32; ++i)
    sid += hex[rng() % 16];
  return sid;
}

std::optional<double> wav_seconds(std::string_view wav) {
  auto u32 = [&wav](size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(wav[at + static_cast<size_t>(i)]);
    return v;
  };
  if (wav.size() < 12 || wav.substr(0, 4) != "RIFF" || wav.substr(8, 4) != "WAVE")
    return std::nullopt;
  uint32_t byte_rate = 0;
  for (size_t at = 12; at + 8 <= wav.size();) {
    auto id = wav.substr(at, 4);
    auto size = u32(at + 4);
    if (id == "fmt " && at + 20 <= wav.size())
      byte_rate = u32(at + 16);
    if (id == "data" && byte_rate > 0)
      return double(std::min<size_t>(size, wav.size() - at - 8)) / byte_rate;
    at += 8 + size + (size & 1);
  }
  return std::nullopt;
}

namespace {

using steady = std::chrono::steady_clock;

struct call_player {
  http_client& client;
  const sim_call_options& opts;
  sim_result result;
  std::string listen_url; // the current <Gather action>

  form_params standard(const std::string& status) const {
    return {{"AccountSid", opts.account_sid},
            {"ApiVersion", "2010-04-01"},
            {"CallSid", result.call_sid},
            {"CallStatus", status},
            {"Direction", opts.outbound ? "outbound-api" : "inbound"},
            {"From", opts.from},
            {"To", opts.to}};
  }

  // TwiML names the daemon by its public URL (a proxy or tunnel in front of
  // it); the simulator talks to the daemon directly, so it keeps the path
  // and query and swaps the origin for base_url.
  std::string absolute(const std::string& url) const {
    auto scheme = url.find("://");
    if (scheme == std::string::npos)
      return opts.base_url + (url.empty() || url[0] != '/' ? "/" : "") + url;
    auto path = url.find('/', scheme + 3);
    return opts.base_url + (path == std::string::npos ? "/" : url.substr(path));
  }

  // POSTs a webhook as Twilio does: signed over the public URL.
  caf::expected<client_response> post(const std::string& url,
                                       const form_params& params) {
    auto target = absolute(url).substr(opts.base_url.size());
    http_client::headers headers;
    if (!opts.auth_token.empty()) {
      auto base = opts.public_url.empty() ? opts.base_url : opts.public_url;
      headers.emplace_back("X-Twilio-Signature",
                           twilio_signature(opts.auth_token, base + target,
                                            params));
    }
    return client.post_form(opts.base_url + target, form_encode(params),
                            headers);
  }

  // POSTs a TwiML-fetching webhook and plays what comes back. Returns false
  // when the call cannot go on (hang-up or error).
  bool fetch(std::string url, const form_params& params) {
    for (int hop = 0; hop <= opts.max_redirects; ++hop) {
      auto start = steady::now();
      auto resp = post(url.empty() ? listen_url : url, params);
      if (!resp) {
        result.error = what(resp.error());
        return false;
      }
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  steady::now() - start).count();
      if (resp->status != 200) {
        result.error = "HTTP " + std::to_string(resp->status) + " from "
                       + url + ": " + resp->body;
        return false;
      }
      auto doc = read_twiml(resp->body);
      if (!doc) {
        result.error = what(doc.error());
        return false;
      }
      auto next = play(*doc, ms);
      if (next.empty())
        return !result.hung_up;
      // A <Redirect> with no <Gather> before it: Twilio follows it at once.
      url = next;
    }
    result.error = "too many redirects";
    return false;
  }

  // What the caller hears of <Say> or <Play>, in document order.
  void collect_speech(const twiml_node& node,
                      std::vector<const twiml_node*>& out) const {
    for (const auto& c : node.children) {
      if (c.name == "Say" || c.name == "Play")
        out.push_back(&c);
      else
        collect_speech(c, out);
    }
  }

  // Fetches <Play> audio as Twilio would; describes it, or records why it
  // is not playable.
  std::string fetch_audio(const std::string& url) {
    auto resp = client.get(absolute(url));
    if (!resp || resp->status != 200) {
      result.error = "cannot fetch <Play> " + url + ": "
                     + (resp ? "HTTP " + std::to_string(resp->status)
                             : what(resp.error()));
      return "[audio missing]";
    }
    auto seconds = wav_seconds(resp->body);
    if (!seconds) {
      result.error = "<Play> " + url + " is not a WAV file";
      return "[not audio]";
    }
    char text[64];
    std::snprintf(text, sizeof text, "[audio %.1f s]", *seconds);
    return text;
  }

  // Speaks the document; returns a redirect URL to follow now, or empty.
  std::string play(const twiml_node& doc, long ms) {
    bool first = true;
    std::vector<const twiml_node*> speech;
    collect_speech(doc, speech);
    for (auto* node : speech) {
      auto text = node->name == "Say" ? node->text : fetch_audio(node->text);
      result.transcript.push_back({"assistant", text, first ? ms : -1});
      first = false;
    }
    if (doc.find("Hangup")) {
      result.hung_up = true;
      return {};
    }
    if (auto gather = doc.find("Gather")) {
      listen_url = gather->attr("action");
      return {};
    }
    if (auto redirect = doc.find("Redirect"))
      return redirect->text;
    result.error = "TwiML neither listens, redirects nor hangs up";
    return {};
  }

  bool say(const std::string& utterance) {
    result.transcript.push_back({"caller", utterance, -1});
    auto params = standard("in-progress");
    params.emplace_back("Confidence", std::to_string(opts.confidence));
    params.emplace_back("SpeechResult", utterance);
    ++result.turns_sent;
    return fetch(listen_url, params);
  }

  void complete(int seconds) {
    auto params = standard("completed");
    params.emplace_back("CallDuration", std::to_string(seconds));
    auto resp = post("/call-status", params);
    if (!resp)
      result.error = what(resp.error());
    else if (resp->status != 200)
      result.error = "HTTP " + std::to_string(resp->status) + " from /call-status";
  }
};

} // namespace

sim_result play_call(http_client& client, const sim_call_options& opts,
                     const std::vector<std::string>& utterances) {
  call_player p{client, opts, {}, opts.base_url + "/voice/process-speech"};
  p.result.call_sid = opts.call_sid.empty() ? random_call_sid() : opts.call_sid;
  auto start = steady::now();
  std::string first = opts.outbound ? "/voice/outbound" : "/voice/inbound";
  auto answer = p.standard(opts.outbound ? "in-progress" : "ringing");
  if (opts.outbound && !opts.answered_by.empty())
    answer.emplace_back("AnsweredBy", opts.answered_by);
  bool live = p.fetch(first, answer);
  for (const auto& u : utterances) {
    if (!live)
      break;
    live = p.say(u);
  }
  if (opts.send_completed && p.result.error.empty()) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                  steady::now() - start).count();
    p.complete(static_cast<int>(secs));
  }
  return std::move(p.result);
}

} // namespace sb
