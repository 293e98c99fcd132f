// switchboard-sim: plays Twilio against a running switchboardd. This first
// version plays one scripted call and prints the conversation.
#include <iostream>
#include <string>
#include <vector>

#include "cli/sim_call.hpp"

namespace {

constexpr const char* usage =
  "Usage: switchboard-sim [options] UTTERANCE...\n"
  "\n"
  "Plays one phone call against switchboardd as Twilio would: the call is\n"
  "answered, each UTTERANCE is sent as the caller's recognised speech, the\n"
  "daemon's <Redirect>s are followed, and the call completes. Prints the\n"
  "conversation with the time each answer took.\n"
  "\n"
  "Options:\n"
  "  --url URL          the daemon's base URL (default http://127.0.0.1:8000)\n"
  "  --auth-token TOKEN sign every webhook with X-Twilio-Signature, as Twilio\n"
  "                     does with the account's auth token\n"
  "  --public-url URL   the daemon's server.public_url, which signatures\n"
  "                     cover (default: --url)\n"
  "  --from NUMBER      caller number (default +14155550100)\n"
  "  --to NUMBER        called number (default +14155550199)\n"
  "  --call-sid SID     use this CallSid (default: a random CA...)\n"
  "  --outbound         play an answered outbound call (/voice/outbound)\n"
  "  --answered-by WHO  with --outbound: AnsweredBy (human, machine_end_beep,\n"
  "                     fax, ...), as answering-machine detection reports\n"
  "  --confidence X     Confidence sent with each utterance (default 0.92)\n"
  "  --no-complete      do not send the final completed status callback\n"
  "  -h, --help         show this help\n"
  "\n"
  "Example:\n"
  "  switchboard-sim --url http://127.0.0.1:8000 \"hello\" \"help\" \"goodbye\"\n"
  "\n"
  "Exit status: 0 the call played, 1 the daemon failed, 2 bad usage.\n";

int parse(int argc, char** argv, sb::sim_call_options& opts,
          std::vector<std::string>& utterances) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string conf;
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    }
    if (a == "--outbound") opts.outbound = true;
    else if (a == "--no-complete") opts.send_completed = false;
    else if (a == "--url") { if (!value(opts.base_url)) return 2; }
    else if (a == "--auth-token") { if (!value(opts.auth_token)) return 2; }
    else if (a == "--public-url") { if (!value(opts.public_url)) return 2; }
    else if (a == "--answered-by") { if (!value(opts.answered_by)) return 2; }
    else if (a == "--from") { if (!value(opts.from)) return 2; }
    else if (a == "--to") { if (!value(opts.to)) return 2; }
    else if (a == "--call-sid") { if (!value(opts.call_sid)) return 2; }
    else if (a == "--confidence") {
      if (!value(conf)) return 2;
      opts.confidence = std::strtod(conf.c_str(), nullptr);
    } else if (a.size() > 1 && a[0] == '-' && a[1] == '-') {
      std::cerr << "switchboard-sim: unknown option " << a << "\n";
      return 2;
    } else utterances.push_back(a);
  }
  while (!opts.base_url.empty() && opts.base_url.back() == '/')
    opts.base_url.pop_back();
  while (!opts.public_url.empty() && opts.public_url.back() == '/')
    opts.public_url.pop_back();
  return -1;
}

} // namespace

int main(int argc, char** argv) {
  sb::sim_call_options opts;
  std::vector<std::string> utterances;
  int rc = parse(argc, argv, opts, utterances);
  if (rc == 2)
    std::cerr << usage;
  if (rc >= 0)
    return rc;
  sb::http_client client;
  auto result = sb::play_call(client, opts, utterances);
  std::cout << "call " << result.call_sid << "\n";
  for (const auto& line : result.transcript) {
    std::cout << "  " << (line.speaker == "caller" ? "caller:   " : "assistant:")
              << " " << line.text;
    if (line.latency_ms >= 0)
      std::cout << "  (" << line.latency_ms << " ms)";
    std::cout << "\n";
  }
  if (result.hung_up)
    std::cout << "  [the assistant hung up]\n";
  if (!result.error.empty()) {
    std::cerr << "switchboard-sim: " << result.error << "\n";
    return 1;
  }
  return 0;
}
