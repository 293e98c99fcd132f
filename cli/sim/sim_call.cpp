// The single-call player: a blocking libcurl client walking the caller's
// script, running each TwiML document's verbs in order as Twilio does.
#include "cli/sim/sim_call.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "cli/sim/sim_call_webhooks.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "core/error.hpp"
#include "net/text/form.hpp"

namespace sb {

std::string random_call_sid() {
  return random_sid("CA");
}

std::optional<double> wav_seconds(std::string_view wav) {
  auto u32 = [&wav](size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8)
          | static_cast<unsigned char>(wav[at + static_cast<size_t>(i)]);
    return v;
  };
  if (wav.size() < 12 || wav.substr(0, 4) != "RIFF"
      || wav.substr(8, 4) != "WAVE")
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

// Where running a TwiML document left the call.
enum class outcome { listen, redirect, hangup, ended };

struct call_player {
  call_player(http_client& client, const sim_call_options& opts, sim_party who)
    : client(client),
      opts(opts),
      party(std::move(who)),
      hooks(client, opts, party, result) {
    result.call_sid = party.call_sid;
  }

  http_client& client;
  const sim_call_options& opts;
  sim_party party;
  sim_result result;
  call_webhooks hooks; // posts, signed; records in result
  std::string document_url = opts.base_url + "/voice/process-speech";
  // the TwiML being run
  twiml_node gather;                    // the <Gather> listening now
  std::vector<twiml_node> after_gather; // what runs if it hears nothing
  std::string redirect;                 // the last <Redirect>'s URL

  caf::expected<client_response> post(const std::string& url,
                                      const form_params& params) {
    return hooks.post(url, params);
  }

  // POSTs a TwiML-fetching webhook and runs what comes back, following
  // <Redirect>s, which carry the standard parameters only. Returns false
  // when the call cannot go on (hang-up or error).
  bool fetch(std::string url, form_params params) {
    for (int hop = 0; hop <= opts.max_redirects; ++hop) {
      auto start = steady::now();
      auto resp = post(url, params);
      if (!resp) {
        result.error = what(resp.error());
        return false;
      }
      auto ms = ms_since(start);
      if (resp->status != 200) {
        result.error = "HTTP " + std::to_string(resp->status) + " from " + url
                       + ": " + resp->body;
        return false;
      }
      auto doc = read_twiml(resp->body);
      if (!doc) {
        result.error = what(doc.error());
        return false;
      }
      document_url = url;
      switch (run(doc->children, ms)) {
        case outcome::listen: return true;
        case outcome::hangup: return false;
        case outcome::ended:
          if (result.error.empty())
            result.error = "TwiML neither listens, redirects nor hangs up";
          return false;
        case outcome::redirect:
          url = redirect;
          params = twilio_standard_params(party, "in-progress");
      }
    }
    result.error = "too many redirects";
    return false;
  }

  // What the caller hears of <Say> or <Play> inside `node`, in order.
  static void collect_speech(const twiml_node& node,
                             std::vector<const twiml_node*>& out) {
    for (const auto& c : node.children) {
      if (c.name == "Say" || c.name == "Play")
        out.push_back(&c);
      else
        collect_speech(c, out);
    }
  }

  // Fetches <Play> audio as Twilio would (a plain GET, no parameters);
  // describes it, or records why it is not playable.
  std::string fetch_audio(const std::string& url) {
    auto resp = client.get(opts.base_url + url_target(url));
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

  // Runs the verbs in document order, as Twilio does, up to the first one
  // that waits for the caller or moves the call elsewhere. `ms` (the
  // document's latency, -1 for none) goes on the first thing said.
  outcome run(std::vector<twiml_node> verbs, double ms) {
    auto speak = [&](const twiml_node& n) {
      auto text = n.name == "Say" ? n.text : fetch_audio(n.text);
      result.transcript.push_back({"assistant", text, ms, {}});
      ms = -1;
    };
    for (size_t i = 0; i < verbs.size(); ++i) {
      const auto& v = verbs[i];
      if (v.name == "Say" || v.name == "Play") {
        speak(v);
      } else if (v.name == "Gather") {
        std::vector<const twiml_node*> inside;
        collect_speech(v, inside);
        for (auto* n : inside)
          speak(*n);
        gather = v;
        after_gather.assign(verbs.begin() + static_cast<long>(i) + 1,
                            verbs.end());
        return outcome::listen;
      } else if (v.name == "Redirect") {
        redirect = v.text;
        return outcome::redirect;
      } else if (v.name == "Hangup" || v.name == "Reject") {
        result.hung_up = true;
        return outcome::hangup;
      }
    }
    return outcome::ended;
  }

  std::string action_url() const {
    auto action = gather.attr("action");
    return action.empty() ? document_url : action; // Twilio's default
  }

  bool say(const sim_step& step) {
    double confidence = step.confidence.value_or(opts.confidence);
    result.transcript.push_back(
      {"caller", step.text, -1,
       step.confidence ? "confidence " + number_text(confidence) : ""});
    auto params = twilio_standard_params(party, "in-progress");
    params.emplace_back("Confidence", number_text(confidence));
    params.emplace_back("SpeechResult", step.text);
    ++result.turns_sent;
    return fetch(action_url(), params);
  }

  // Twilio heard nothing: with actionOnEmptyResult it requests the action
  // without input; otherwise the document goes on after the <Gather>, and
  // a document that runs out ends the call.
  bool silence() {
    result.transcript.push_back({"caller", "[silence]", -1, {}});
    auto params = twilio_standard_params(party, "in-progress");
    if (gather.attr("actionOnEmptyResult") == "true") {
      ++result.turns_sent;
      return fetch(action_url(), params);
    }
    switch (run(after_gather, -1)) {
      case outcome::listen: return true;
      case outcome::hangup: return false;
      case outcome::redirect:
        ++result.turns_sent;
        return fetch(redirect, params);
      case outcome::ended: break;
    }
    result.transcript.push_back(
      {"twilio", "[the TwiML ends: Twilio hangs up]", -1, {}});
    result.hung_up = true;
    return false;
  }

  // The keys Twilio reports: those before finishOnKey ('#' unless the
  // <Gather> says otherwise; empty disables it), at most numDigits.
  std::string collected_digits(const std::string& pressed) const {
    std::string finish = "#";
    for (const auto& [k, v] : gather.attrs)
      if (k == "finishOnKey")
        finish = v;
    long limit = std::atol(gather.attr("numDigits").c_str());
    std::string out;
    for (char c : pressed) {
      if (!finish.empty() && c == finish[0])
        break;
      out += c;
      if (limit > 0 && static_cast<long>(out.size()) >= limit)
        break;
    }
    return out;
  }

  // DTMF: Digits to the <Gather>'s action. Twilio would drop keys a
  // speech-only <Gather> does not listen for; the simulator posts them
  // anyway, so the daemon's handling of Digits can be tried, and says so.
  bool press(const std::string& keys) {
    auto input = gather.attr("input");
    bool dtmf = input.empty() || input.find("dtmf") != std::string::npos;
    result.transcript.push_back(
      {"caller", "[digits " + keys + "]", -1,
       dtmf ? "" : "the <Gather> listens for speech only"});
    auto params = twilio_standard_params(party, "in-progress");
    params.emplace_back("Digits", collected_digits(keys));
    ++result.turns_sent;
    return fetch(action_url(), params);
  }

  bool play(const sim_step& step) {
    if (media_only(step)) {
      result.error = media_only_error(step);
      return false;
    }
    switch (step.kind) {
      case sim_step_kind::speech: return say(step);
      case sim_step_kind::silence: return silence();
      case sim_step_kind::digits: return press(step.text);
      case sim_step_kind::pause:
        result.transcript.push_back(
          {"caller", "[pause " + number_text(step.seconds) + " s]", -1, {}});
        std::this_thread::sleep_for(
          std::chrono::duration<double>(step.seconds));
        return true;
      case sim_step_kind::wav:
      case sim_step_kind::interrupt: break; // media_only, refused above
    }
    return true;
  }
};

} // namespace

sim_result play_script(http_client& client, const sim_call_options& opts,
                       const std::vector<sim_step>& steps) {
  call_player p{client,
                opts,
                {opts.account_sid,
                 opts.call_sid.empty() ? random_call_sid() : opts.call_sid,
                 opts.from, opts.to, opts.outbound}};
  auto start = steady::now();
  p.hooks.before_answer();
  bool live = p.result.error.empty()
              && p.fetch(p.hooks.answer_target(), p.hooks.answer_params());
  if (live)
    p.hooks.after_answer(ms_since(start));
  live = live && p.result.error.empty();
  for (const auto& step : steps) {
    if (!live)
      break;
    live = p.play(step);
  }
  p.hooks.finish(static_cast<long>(ms_since(start) / 1000));
  return std::move(p.result);
}

sim_result play_call(http_client& client, const sim_call_options& opts,
                     const std::vector<std::string>& utterances) {
  return play_script(client, opts, speech_steps(utterances));
}

} // namespace sb
