// switchboard-sim: plays Twilio against a running switchboardd. One call
// (from arguments or a script file, over <Gather> webhooks, a
// ConversationRelay WebSocket or a Media Streams WebSocket) printed as a
// transcript, or `load`: many concurrent calls, with throughput, latency
// per route, errors by kind and, with --db, a check that no acknowledged
// turn was lost; over Media Streams, turn gaps, barge-in reactions and
// playback gaps.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/sim/sim_args.hpp"
#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_db_check.hpp"
#include "cli/sim/sim_load.hpp"
#include "cli/sim/sim_load_report.hpp"
#include "cli/sim/sim_media.hpp"
#include "cli/sim/sim_media_load.hpp"
#include "cli/sim/sim_media_load_report.hpp"
#include "cli/sim/sim_relay.hpp"
#include "cli/sim/sim_script.hpp"
#include "cli/sim/sim_transcript.hpp"
#include "core/error.hpp"

namespace {

// The script's steps (from --script or the utterances); nullopt after
// saying why on stderr.
std::optional<std::vector<sb::sim_step>> read_steps(const sb::sim_args& args) {
  auto steps = sb::speech_steps(args.utterances);
  if (!args.script_path.empty()) {
    auto read = sb::read_script_file(args.script_path);
    if (!read) {
      std::cerr << "switchboard-sim: --script " << sb::what(read.error())
                << "\n";
      return std::nullopt;
    }
    steps = std::move(*read);
  }
  return steps;
}

// The caller's audio for a media call; nullopt after saying why.
std::shared_ptr<const sb::media_script>
prepare_audio(const std::vector<sb::sim_step>& steps,
              const std::string& script_path) {
  auto prepared = sb::prepare_media_script(steps);
  if (!prepared) {
    std::cerr << "switchboard-sim: "
              << (script_path.empty() ? "" : "--script " + script_path + ": ")
              << sb::what(prepared.error()) << "\n";
    return nullptr;
  }
  return std::make_shared<const sb::media_script>(std::move(*prepared));
}

int play_one(const sb::sim_args& args) {
  auto steps = read_steps(args);
  if (!steps)
    return 2;
  const auto* media_only = sb::first_media_only_step(*steps);
  if (media_only && args.call.transport != sb::sim_transport::media) {
    std::cerr << "switchboard-sim: --script " << args.script_path << ": "
              << sb::media_only_error(*media_only) << "\n";
    return 2;
  }
  sb::http_client client;
  sb::sim_result result;
  if (args.call.transport == sb::sim_transport::media) {
    auto audio = prepare_audio(*steps, args.script_path);
    if (!audio)
      return 2;
    result = sb::play_media_script(client, args.call, audio, args.media);
  } else if (args.call.transport == sb::sim_transport::relay) {
    // Each reply on a line of its own, token by token as it arrives.
    auto relay = args.relay;
    bool mid_reply = false;
    relay.on_token = [&mid_reply](std::string_view token) {
      if (!mid_reply)
        std::cout << "assistant> ";
      mid_reply = true;
      std::cout << token << std::flush;
    };
    relay.on_reply_end = [&mid_reply] {
      if (mid_reply)
        std::cout << "\n";
      mid_reply = false;
    };
    result = sb::play_relay_script(client, args.call, *steps, relay);
  } else {
    result = sb::play_script(client, args.call, *steps);
  }
  std::cout << sb::format_transcript(result) << std::flush;
  if (!result.error.empty()) {
    std::cerr << "switchboard-sim: " << result.error << "\n";
    return 1;
  }
  return 0;
}

int run_media_load(const sb::sim_args& args) {
  auto steps = sb::default_media_load_steps();
  if (!args.script_path.empty()) {
    auto read = read_steps(args);
    if (!read)
      return 2;
    steps = std::move(*read);
  }
  sb::media_load_options opts;
  opts.load = args.load;
  opts.script = prepare_audio(steps, args.script_path);
  if (!opts.script)
    return 2;
  opts.reply_quiet = args.media.reply_quiet;
  opts.conversation = args.media.conversation;
  auto limit = sb::raise_open_files_limit();
  // Each live call holds two sockets (webhooks, stream); leave room.
  if (limit > 0
      && 2 * static_cast<uint64_t>(args.load.concurrency) + 64 > limit)
    std::cerr << "switchboard-sim: --concurrency " << args.load.concurrency
              << " is near the open-files limit (" << limit
              << "): each media call holds two sockets; some connects may "
                 "fail\n";
  auto report = sb::run_media_load(opts);
  if (!report) {
    std::cerr << "switchboard-sim: " << sb::what(report.error()) << "\n";
    return 2;
  }
  std::cout << sb::format_media_load_report(opts, *report);
  if (args.json)
    std::cout << sb::media_load_report_json(opts, *report) << "\n";
  std::cout << std::flush;
  return sb::media_load_clean(*report) ? 0 : 1;
}

int run_load(const sb::sim_args& args) {
  if (args.load.transport == sb::sim_transport::media)
    return run_media_load(args);
  auto limit = sb::raise_open_files_limit();
  // Each live call holds one socket; leave room for the rest.
  if (limit > 0 && static_cast<uint64_t>(args.load.concurrency) + 64 > limit)
    std::cerr << "switchboard-sim: --concurrency " << args.load.concurrency
              << " is near the open-files limit (" << limit
              << "); some connects may fail\n";
  auto report = sb::run_load(args.load);
  if (!report) {
    std::cerr << "switchboard-sim: " << sb::what(report.error()) << "\n";
    return 2;
  }
  std::optional<sb::db_check_result> db;
  if (!args.db_path.empty())
    db = sb::check_turns(args.db_path, report->sent);
  std::cout << sb::format_load_report(args.load, *report, db, args.db_path);
  if (args.json)
    std::cout << sb::load_report_json(args.load, *report, db) << "\n";
  std::cout << std::flush;
  return sb::load_clean(*report, db) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  auto args = sb::parse_sim_args(
    std::vector<std::string>(argv + 1, argv + argc));
  bool load = argc > 1 && std::string{argv[1]} == "load";
  if (!args) {
    std::cerr << "switchboard-sim: " << sb::what(args.error()) << "\n"
              << "Try 'switchboard-sim " << (load ? "load " : "")
              << "--help'.\n";
    return 2;
  }
  if (args->help) {
    std::cout << (args->mode == sb::sim_mode::load ? sb::load_usage
                                                   : sb::sim_usage);
    return 0;
  }
  return args->mode == sb::sim_mode::load ? run_load(*args) : play_one(*args);
}
