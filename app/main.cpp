// switchboardd: the voice-assistant daemon. Parses the command line, loads
// the configuration and hands over to run_daemon().
#include <cstring>
#include <iostream>
#include <string>

#include "app/daemon.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace {

constexpr const char* usage =
  "Usage: switchboardd [--config PATH] [--check-config] [--console-dir DIR]\n"
  "\n"
  "Answers Twilio voice webhooks with an LLM-driven assistant and records\n"
  "every call in SQLite.\n"
  "\n"
  "Options:\n"
  "  --config PATH    configuration file (default: config.toml)\n"
  "  --check-config   validate the configuration and exit (0 = valid)\n"
  "  --console-dir DIR\n"
  "                   serve the console's files from DIR instead of the\n"
  "                   copy built in (development: edit, then reload)\n"
  "  --version        print the version and exit\n"
  "  -h, --help       show this help and exit\n"
  "\n"
  "Environment (overrides the file): TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,\n"
  "TWILIO_PHONE_NUMBER, PUBLIC_URL, SILENCE_THRESHOLD_SECONDS, OLLAMA_HOST,\n"
  "OLLAMA_MODEL, USE_LOCAL_LLM, USE_LOCAL_TTS, TTS_ENGINE, AUDIO_SAMPLE_RATE\n"
  "(8000 only: what Twilio Media Streams carry), SWITCHBOARD_ADMIN_TOKEN\n"
  "(admin.token).\n"
  "Signals: SIGTERM/SIGINT drain and stop (limits.drain_timeout_s);\n"
  "SIGHUP reloads voice, prompts and limits from the file.\n"
  "Operators: switchboardctl talks to the admin socket (admin.socket); a\n"
  "browser to the console (console.listen, needs admin.token).\n";

struct options {
  std::string config_path = "config.toml";
  std::string console_dir;
  bool check_only = false;
};

// Returns -1 to go on, else an exit code.
int parse_args(int argc, char** argv, options& opts) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "switchboardd " SB_VERSION "\n";
      return 0;
    }
    if (arg == "--check-config") {
      opts.check_only = true;
    } else if (arg == "--config" && i + 1 < argc) {
      opts.config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      opts.config_path = arg.substr(std::strlen("--config="));
    } else if (arg == "--console-dir" && i + 1 < argc) {
      opts.console_dir = argv[++i];
    } else if (arg.rfind("--console-dir=", 0) == 0) {
      opts.console_dir = arg.substr(std::strlen("--console-dir="));
    } else {
      std::cerr << "switchboardd: unknown or incomplete argument '" << arg
                << "'\n\n"
                << usage;
      return 2;
    }
  }
  return -1;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (int rc = parse_args(argc, argv, opts); rc >= 0)
    return rc;
  auto cfg = sb::load_config(opts.config_path, sb::process_env());
  if (!cfg) {
    SB_LOG_ERROR("config: " << sb::what(cfg.error()));
    return 1;
  }
  sb::log::level lvl;
  if (sb::log::parse_level(cfg->log.level, lvl))
    sb::log::set_level(lvl);
  if (auto err = sb::check_startup(*cfg)) {
    SB_LOG_ERROR("config: " << sb::what(err));
    return 1;
  }
  if (opts.check_only) {
    std::cout << opts.config_path << ": configuration is valid\n";
    return 0;
  }
  return sb::run_daemon(*cfg, opts.config_path, opts.console_dir);
}
