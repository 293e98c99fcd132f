#include "cli/sim_call.hpp"

#include <chrono>
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

  // Speaks the document; returns a redirect URL to follow now, or empty.
  std::string play(const twiml_node& doc, long ms) {
    bool first = true;
    for (auto* say : doc.find_all("Say")) {
      result.transcript.push_back({"assistant", say->text, first ? ms : -1});
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
