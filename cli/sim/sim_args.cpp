// switchboard-sim's options and help texts; every error names the option.
#include "cli/sim/sim_args.hpp"

#include <cmath>
#include <cstdlib>

#include "cli/sim/sim_webhook.hpp"
#include "core/error.hpp"

namespace sb {

const char* const sim_usage =
  "Usage: switchboard-sim [options] UTTERANCE...\n"
  "       switchboard-sim [options] --script FILE\n"
  "       switchboard-sim load [options]     many calls at once: load --help\n"
  "\n"
  "Plays one phone call against switchboardd as Twilio would: the call is\n"
  "answered, each UTTERANCE is sent as the caller's recognised speech to the\n"
  "<Gather> action, the TwiML verbs run in order (<Redirect>s followed, every\n"
  "<Play> URL fetched and checked to be WAV audio, <Hangup/> ends the call),\n"
  "and the completed status callback closes it. Prints the conversation\n"
  "with the time each answer took.\n"
  "\n"
  "With --transport relay it plays Twilio's ConversationRelay instead (the\n"
  "daemon's voice.transport = \"relay\"): the answer's TwiML must <Connect> a\n"
  "<ConversationRelay>; the simulator opens that WebSocket (to --url, signed\n"
  "like a webhook), sends setup, then each utterance as a prompt frame, and\n"
  "prints each reply's tokens as they arrive. An end frame from the daemon\n"
  "closes the socket and posts /voice/relay-done, whose TwiML can transfer\n"
  "(<Dial>), hang up or reconnect; when the script runs out the caller hangs\n"
  "up (relay-done with SessionStatus=completed, then the status callback).\n"
  "\n"
  "With --transport media it plays Twilio's Media Streams (the daemon's\n"
  "voice.transport = \"media\"): the answer's TwiML must <Connect> a\n"
  "<Stream>; the simulator opens that WebSocket (to --url, signed), sends\n"
  "connected and start, posts the stream-started statusCallback, then\n"
  "streams the caller's audio as a 20 ms media frame every 20 ms, silence\n"
  "between utterances, for as long as the stream lasts. Each utterance is\n"
  "spoken by espeak-ng on the simulator's side. The daemon's audio plays\n"
  "through a model of Twilio's playout queue: each mark is echoed when its\n"
  "audio has played, a clear flushes the queue and echoes the pending\n"
  "marks. The daemon speaks first; after each utterance the caller waits\n"
  "for the reply to be over (--reply-quiet). Each reply prints its length\n"
  "and marks with its turn gap in parentheses: from the end of the caller's\n"
  "last voiced 20 ms frame (above -40 dBFS) to the reply's first media\n"
  "frame; its note counts marks, playback gaps over 40 ms (the queue ran\n"
  "dry inside the reply) and clears. When the daemon closes the socket the\n"
  "<Connect action> is posted and its TwiML followed (a new <Stream>,\n"
  "<Dial>, <Hangup/>); when the script runs out the caller hangs up: stop,\n"
  "close, the stream-stopped callback, then the status callback.\n"
  "\n"
  "Options:\n"
  "  --url URL          the daemon's base URL (default http://127.0.0.1:8000)\n"
  "  --auth-token TOKEN sign every webhook with X-Twilio-Signature, as Twilio\n"
  "                     does with the account's auth token\n"
  "  --public-url URL   the daemon's server.public_url, which signatures\n"
  "                     cover (default: --url)\n"
  "  --script FILE      the caller's side from FILE (\"-\": standard input)\n"
  "  --from NUMBER      caller number (default +14155550100)\n"
  "  --to NUMBER        called number (default +14155550199)\n"
  "  --call-sid SID     use this CallSid (default: a random CA...)\n"
  "  --outbound         play an answered outbound call (/voice/outbound)\n"
  "  --answered-by WHO  with --outbound: AnsweredBy on the answer, as\n"
  "                     synchronous answering-machine detection reports it\n"
  "  --amd-result WHO   with --outbound: asynchronous detection's verdict,\n"
  "                     POSTed to /amd-status after the answer (the daemon\n"
  "                     acts on a machine through Twilio's REST API, which "
  "the\n"
  "                     simulator does not play). WHO: human, machine_start,\n"
  "                     machine_end_beep, machine_end_silence,\n"
  "                     machine_end_other, fax, unknown\n"
  "  --status-callbacks every status callback Twilio sends: outbound\n"
  "                     initiated, ringing, in-progress (answered), "
  "completed;\n"
  "                     inbound completed only (all a number's callback "
  "gets);\n"
  "                     with SequenceNumber, Timestamp, CallbackSource, and\n"
  "                     CallDuration and Duration on completed\n"
  "  --recording        after the call, the completed recording callback\n"
  "                     (POST /recording-status: RecordingSid, RecordingUrl,\n"
  "                     RecordingStatus=completed, RecordingDuration)\n"
  "  --confidence X     Confidence sent with speech that gives none\n"
  "                     (0 to 1, default 0.92; not sent over relay)\n"
  "  --transport T      gather (default): each utterance is posted to the\n"
  "                     <Gather> action; relay: over a ConversationRelay\n"
  "                     WebSocket; media: as audio over a Media Streams\n"
  "                     WebSocket; both as described above\n"
  "  --interrupt-after N\n"
  "                     with --transport relay: barge in on every reply after\n"
  "                     its Nth text frame (an interrupt frame with the "
  "tokens\n"
  "                     heard so far), then wait for the reply's closing "
  "frame\n"
  "  --reply-quiet MS   with --transport media: a reply is over once\n"
  "                     Twilio's queue has been empty, with no audio\n"
  "                     arriving, for MS ms (default 1200, 100 to 60000)\n"
  "  --heard FILE.wav   with --transport media: write what the caller heard,\n"
  "                     the whole call's playout timeline, as 8 kHz 16-bit\n"
  "                     mono WAV (silence where nothing played)\n"
  "  --no-complete      do not send the final completed status callback\n"
  "  -h, --help         show this help\n"
  "\n"
  "Script file: one thing the caller does per line.\n"
  "  hello              speech (SpeechResult), Confidence from --confidence\n"
  "  [0.55] I need help speech with Confidence 0.55 (0 to 1); the rest of the\n"
  "                     line is said verbatim: \"[0.9] silence\" says the "
  "word\n"
  "  silence            no input: the <Gather> times out and Twilio runs the\n"
  "                     TwiML after it (the daemon's <Redirect>: a re-prompt)\n"
  "  digits 1234#       keys pressed, POSTed as Digits to the <Gather> "
  "action,\n"
  "                     up to its finishOnKey ('#' by default: Digits=1234).\n"
  "                     The daemon's <Gather> listens for speech: it stores\n"
  "                     the Digits in its event log and answers as to silence\n"
  "  pause 2.5          the caller waits 2.5 s (0 to 600) before going on\n"
  "  # comment          lines starting with '#', and blank lines, are skipped\n"
  "Only over --transport media, where the caller's side is audio:\n"
  "  wav FILE           the caller's speech from a WAV file (16-bit PCM or\n"
  "                     mu-law, mono or stereo, any rate: resampled to 8 kHz)\n"
  "  silence 3          3 s of silence (0 to 600), listening\n"
  "  interrupt 1.5: no, stop\n"
  "                     talk over the reply to the line before (the greeting\n"
  "                     if first) 1.5 s after its first audio; prints the\n"
  "                     barge-in reaction, from the start of the interrupting\n"
  "                     audio to the daemon's clear, or \"no clear\" if none\n"
  "                     came within 3 s\n"
  "  interrupt 1.5 wav FILE\n"
  "                     the same with a WAV file\n"
  "Only those exact forms are directives; any other line is speech (a wav\n"
  "line without a file, or an interrupt line with a ':' whose seconds are\n"
  "not a number, is an error).\n"
  "Over relay: speech is a prompt frame, digits one dtmf frame per key, and\n"
  "silence (1 s), digits and pause listen for what the daemon says unasked.\n"
  "Over media: speech is audio, digits one dtmf frame per key 100 ms apart\n"
  "(then 3 s listening for a reply), silence waits for the daemon's re-prompt\n"
  "(20 s at most), pause streams silence, listening.\n"
  "\n"
  "Examples:\n"
  "  switchboard-sim --url http://127.0.0.1:8000 \"hello\" \"help\" "
  "\"goodbye\"\n"
  "  switchboard-sim --auth-token TOKEN --script call.txt --status-callbacks\n"
  "  switchboard-sim --transport relay --interrupt-after 3 \"hello\" \"bye\"\n"
  "  switchboard-sim --transport media --heard heard.wav --script call.txt\n"
  "\n"
  "Exit status: 0 the call played, 1 the daemon failed (refused, HTTP error,\n"
  "bad TwiML, <Play> not audio, a WebSocket refused or a bad frame, no reply\n"
  "within 20 s), 2 bad usage, an unreadable script, a WAV file that cannot\n"
  "be read, or espeak-ng unable to speak.\n";

const char* const load_usage =
  "Usage: switchboard-sim load [options]\n"
  "\n"
  "Plays many calls at once against switchboardd, as Twilio's webhook\n"
  "clients would: one process, asynchronous I/O, one keep-alive TCP\n"
  "connection per live call; at most C calls live at once, N in all. Each\n"
  "call: /voice/inbound (or /voice/outbound), T speech results to the\n"
  "<Gather> action (English and Hindi phrases, none of which ends a call;\n"
  "<Redirect>s to /voice/await followed), then /call-status with\n"
  "CallStatus=completed. Webhooks are signed as for a single call.\n"
  "\n"
  "With --transport media each call plays Media Streams instead, as a\n"
  "single call with --transport media does: the answer webhook, the signed\n"
  "WebSocket, connected and start, the stream-started callback, the\n"
  "caller's audio as a media frame every 20 ms (one timer per call on one\n"
  "I/O loop, no thread per call), the daemon's audio through Twilio's\n"
  "playout queue with marks echoed; the caller says the --script (default:\n"
  "two English sentences, synthesised once by espeak-ng and reused by every\n"
  "call), waiting for each reply to be over, then hangs up (stop, close,\n"
  "stream-stopped, completed). It reports the turn gap (p50, p95, p99, max),\n"
  "the barge-in reaction when the script has interrupt lines (and how many\n"
  "got no clear), playback gaps over 40 ms inside replies (count and\n"
  "longest), late frames (caller frames sent over 20 ms behind their time:\n"
  "the simulator could not keep up, and its figures are suspect), and\n"
  "calls completed and failed by kind.\n"
  "\n"
  "Options:\n"
  "  --calls N          calls in all (default 100)\n"
  "  --concurrency C    calls live at once (default 10)\n"
  "  --ramp-ms MS       start the first C calls evenly spread over MS ms\n"
  "                     (0 to 600000, default 0: all at once; calls that\n"
  "                     start together stay in step all the way)\n"
  "  --turns T          speech results per call (default 3; 0: answer only;\n"
  "                     gather only)\n"
  "  --outbound         answered outbound calls (/voice/outbound)\n"
  "  --no-complete      no completed status callback: each call stays live in\n"
  "                     the daemon (--turns 0 --no-complete leaves N idle\n"
  "                     live calls)\n"
  "  --fetch-audio      GET every <Play> URL and check it is WAV audio\n"
  "                     (gather only)\n"
  "  --timeout-ms MS    per request, connecting included (default 15000,\n"
  "                     Twilio's limit)\n"
  "  --threads K        threads running the I/O loop (default 1, at most 64)\n"
  "  --db PATH          afterwards, open the daemon's SQLite file read-only\n"
  "                     and check that every speech result answered 200 left\n"
  "                     its user turn (the exact words) and an assistant turn\n"
  "                     in `turns`; prints \"lost turns: K\" (gather only)\n"
  "  --transport T      gather (the default) or media, as described above\n"
  "  --script FILE      with --transport media: what each caller does, as a\n"
  "                     single call's script (switchboard-sim --help)\n"
  "  --reply-quiet MS   with --transport media: as for a single call\n"
  "  --json             also print the summary as one JSON line, last: calls,\n"
  "                     calls_ok, calls_failed, requests, turns, wall_s,\n"
  "                     requests_per_s, turns_per_s, latency_ms{route:{count,\n"
  "                     p50,p90,p99,max}}, errors{kind:count}, lost_turns;\n"
  "                     with --transport media: calls, calls_ok,\n"
  "                     calls_failed, concurrency, wall_s, replies,\n"
  "                     turn_gap_ms{count,p50,p95,p99,max}, barge_in_ms{...},\n"
  "                     no_clear, playback_gaps, playback_gap_max_ms,\n"
  "                     frames_sent, late_frames, errors{kind:count}\n"
  "  --url URL, --auth-token TOKEN, --public-url URL, --from NUMBER,\n"
  "  --to NUMBER        as for a single call (--url: http://HOST:PORT)\n"
  "  -h, --help         show this help\n"
  "\n"
  "Prints calls ok and failed, requests, wall time, requests/s, turns/s,\n"
  "latency per route (p50, p90, p99, max; ms to the microsecond) and errors\n"
  "by kind: connect refused, connect timeout, timeout, connection closed,\n"
  "HTTP <status>, TwiML unreadable, TwiML without <Gather>/<Hangup>, hung\n"
  "up early, too many redirects, <Play> audio is not WAV. The open-files\n"
  "limit is raised to its hard limit first.\n"
  "\n"
  "Example:\n"
  "  switchboard-sim load --auth-token TOKEN --calls 1000 --concurrency 200 "
  "\\\n"
  "      --turns 3 --db /var/lib/switchboard/switchboard.db\n"
  "  switchboard-sim load --transport media --auth-token TOKEN --calls 200 \\\n"
  "      --concurrency 100\n"
  "\n"
  "Exit status: 0 every call went through and no turn was lost, 1 otherwise,\n"
  "2 bad usage.\n";

namespace {

caf::error usage_error(const std::string& why) {
  return make_error(errc::bad_request, why);
}

bool parse_int(const std::string& text, long lo, long hi, int& out) {
  if (text.empty() || text.size() > 9
      || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  long v = std::atol(text.c_str());
  if (v < lo || v > hi)
    return false;
  out = static_cast<int>(v);
  return true;
}

bool valid_answered_by(const std::string& who) {
  for (auto known :
       {"human", "machine_start", "machine_end_beep", "machine_end_silence",
        "machine_end_other", "fax", "unknown"})
    if (who == known)
      return true;
  return false;
}

// Walks the arguments; `option` handles one (returning an error, or
// caf::none), `word` handles what is not an option.
class arg_walker {
public:
  explicit arg_walker(const std::vector<std::string>& args) : args_(args) {
  }
  bool done() const {
    return i_ >= args_.size();
  }
  const std::string& take() {
    return args_[i_++];
  }
  caf::error value(const std::string& option, std::string& out) {
    if (done())
      return usage_error(option + ": needs a value");
    out = take();
    return caf::none;
  }
  caf::error number(const std::string& option, long lo, long hi, int& out) {
    std::string text;
    if (auto err = value(option, text))
      return err;
    if (!parse_int(text, lo, hi, out))
      return usage_error(option + ": expected a whole number from "
                         + std::to_string(lo) + " to " + std::to_string(hi)
                         + ", not '" + text + "'");
    return caf::none;
  }

private:
  const std::vector<std::string>& args_;
  size_t i_ = 0;
};

// Options both modes take. Returns true if `a` was one (err set on failure).
bool common_option(const std::string& a, arg_walker& w, std::string& url,
                   std::string& token, std::string& public_url,
                   std::string& from, std::string& to, caf::error& err) {
  if (a == "--url")
    err = w.value(a, url);
  else if (a == "--auth-token")
    err = w.value(a, token);
  else if (a == "--public-url")
    err = w.value(a, public_url);
  else if (a == "--from")
    err = w.value(a, from);
  else if (a == "--to")
    err = w.value(a, to);
  else
    return false;
  return true;
}

caf::error transport_option(const std::string& a, arg_walker& w,
                            sim_transport& out) {
  std::string name;
  if (auto err = w.value(a, name))
    return err;
  if (name == "gather")
    out = sim_transport::gather;
  else if (name == "relay")
    out = sim_transport::relay;
  else if (name == "media")
    out = sim_transport::media;
  else
    return usage_error(a + ": expected gather, relay or media, not '" + name
                       + "'");
  return caf::none;
}

// Options of a Media Streams call, single or in a load run.
bool media_option(const std::string& a, arg_walker& w, sim_args& out,
                  caf::error& err) {
  if (a == "--reply-quiet") {
    int ms = 0;
    err = w.number(a, 100, 60000, ms);
    out.media.reply_quiet = std::chrono::milliseconds(ms);
  } else if (a == "--heard" && out.mode == sim_mode::call) {
    err = w.value(a, out.media.heard_path);
  } else {
    return false;
  }
  out.media_options_given.push_back(a);
  return true;
}

caf::error call_option(const std::string& a, arg_walker& w, sim_args& out) {
  auto& c = out.call;
  caf::error err;
  if (common_option(a, w, c.base_url, c.auth_token, c.public_url, c.from, c.to,
                    err)
      || media_option(a, w, out, err))
    return err;
  if (a == "--outbound")
    c.outbound = true;
  else if (a == "--no-complete")
    c.send_completed = false;
  else if (a == "--status-callbacks")
    c.status_callbacks = true;
  else if (a == "--recording")
    c.recording = true;
  else if (a == "--script")
    return w.value(a, out.script_path);
  else if (a == "--transport")
    return transport_option(a, w, c.transport);
  else if (a == "--interrupt-after")
    return w.number(a, 1, 100000, out.relay.interrupt_after_tokens);
  else if (a == "--call-sid")
    return w.value(a, c.call_sid);
  else if (a == "--answered-by" || a == "--amd-result") {
    auto& field = a == "--answered-by" ? c.answered_by : c.amd_result;
    if (auto e = w.value(a, field))
      return e;
    if (!valid_answered_by(field))
      return usage_error(
        a + ": '" + field
        + "' is not one of human, "
          "machine_start, machine_end_beep, machine_end_silence, "
          "machine_end_other, fax, unknown");
  } else if (a == "--confidence") {
    std::string text;
    if (auto e = w.value(a, text))
      return e;
    char* end = nullptr;
    c.confidence = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(c.confidence)
        || c.confidence < 0 || c.confidence > 1)
      return usage_error(a + ": expected a number from 0 to 1, not '" + text
                         + "'");
  } else
    return usage_error("unknown option " + a);
  return caf::none;
}

caf::error load_option(const std::string& a, arg_walker& w, sim_args& out) {
  auto& l = out.load;
  caf::error err;
  if (common_option(a, w, l.base_url, l.auth_token, l.public_url, l.from, l.to,
                    err)
      || media_option(a, w, out, err))
    return err;
  int ms = 0;
  if (a == "--calls")
    return w.number(a, 1, 100000000, l.calls);
  if (a == "--concurrency")
    return w.number(a, 1, 1000000, l.concurrency);
  if (a == "--turns") {
    out.gather_options_given.push_back(a);
    return w.number(a, 0, 10000, l.turns);
  }
  if (a == "--script")
    return w.value(a, out.script_path);
  if (a == "--threads")
    return w.number(a, 1, 64, l.threads);
  if (a == "--ramp-ms") {
    err = w.number(a, 0, 600000, ms);
    l.ramp = std::chrono::milliseconds(ms);
    return err;
  }
  if (a == "--timeout-ms") {
    err = w.number(a, 1, 600000, ms);
    l.timeout = std::chrono::milliseconds(ms);
    return err;
  }
  if (a == "--db") {
    out.gather_options_given.push_back(a);
    return w.value(a, out.db_path);
  }
  if (a == "--transport") {
    if (auto e = transport_option(a, w, l.transport))
      return e;
    if (l.transport == sim_transport::relay)
      return usage_error("load: --transport relay is not supported: load "
                         "mode plays the <Gather> webhooks or Media Streams");
    return caf::none;
  }
  if (a == "--outbound")
    l.outbound = true;
  else if (a == "--no-complete")
    l.complete = false;
  else if (a == "--fetch-audio") {
    out.gather_options_given.push_back(a);
    l.fetch_audio = true;
  } else if (a == "--json")
    out.json = true;
  else
    return usage_error("load: unknown option " + a);
  return caf::none;
}

caf::error check_call(sim_args& out) {
  auto& c = out.call;
  if (!c.amd_result.empty() && !c.outbound)
    return usage_error(
      "--amd-result: only outbound calls have answering-machine "
      "detection; add --outbound");
  if (!c.answered_by.empty() && !c.outbound)
    return usage_error("--answered-by: needs --outbound");
  if (out.relay.interrupt_after_tokens > 0
      && c.transport != sim_transport::relay)
    return usage_error("--interrupt-after: needs --transport relay");
  if (!out.script_path.empty() && !out.utterances.empty())
    return usage_error("--script: give utterances or a script, not both");
  if (!out.media_options_given.empty() && c.transport != sim_transport::media)
    return usage_error(out.media_options_given.front()
                       + ": needs --transport media");
  c.base_url = without_trailing_slash(c.base_url);
  c.public_url = without_trailing_slash(c.public_url);
  return caf::none;
}

caf::error check_load(const sim_args& out) {
  bool media = out.load.transport == sim_transport::media;
  if (media && !out.gather_options_given.empty())
    return usage_error("load: " + out.gather_options_given.front()
                       + ": not with --transport media (media calls say the "
                         "--script)");
  if (!media && !out.media_options_given.empty())
    return usage_error("load: " + out.media_options_given.front()
                       + ": needs --transport media");
  if (!media && !out.script_path.empty())
    return usage_error("load: --script: needs --transport media (gather "
                       "calls say --turns phrases)");
  return caf::none;
}

} // namespace

caf::expected<sim_args> parse_sim_args(const std::vector<std::string>& args) {
  sim_args out;
  arg_walker w{args};
  if (!args.empty() && args.front() == "load") {
    out.mode = sim_mode::load;
    w.take();
  }
  while (!w.done()) {
    const auto a = w.take();
    if (a == "-h" || a == "--help") {
      out.help = true;
      return out;
    }
    // Only "--" starts an option: a caller may well say "-5 degrees".
    bool option = a.size() > 2 && a.compare(0, 2, "--") == 0;
    if (out.mode == sim_mode::load) {
      if (!option)
        return usage_error("load: unexpected argument '" + a + "'");
      if (auto err = load_option(a, w, out))
        return err;
    } else if (option) {
      if (auto err = call_option(a, w, out))
        return err;
    } else {
      out.utterances.push_back(a);
    }
  }
  if (auto err = out.mode == sim_mode::call ? check_call(out) : check_load(out))
    return err;
  return out;
}

} // namespace sb
