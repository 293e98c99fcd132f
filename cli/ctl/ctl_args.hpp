// switchboardctl's command line: the options and commands it accepts, their
// help texts, and the admin request each daemon command becomes (one JSON
// object, the protocol of the admin socket). Pure: no I/O, no sockets, no
// SQLite, so all of it is unit-tested.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

/// switchboardctl's exit statuses.
enum ctl_exit : int {
  ctl_exit_ok = 0,
  ctl_exit_failed = 1,    // the daemon answered ok:false or failed to answer
  ctl_exit_usage = 2,     // bad command line or unreadable config
  ctl_exit_no_daemon = 3, // nothing listens on the socket
  ctl_exit_database = 4,  // the database could not be read
};

struct ctl_options {
  bool help = false;  // --help / help: print help_text(command)
  bool json = false;  // --json: print the raw JSON result
  std::string socket; // --socket; empty = from the config
  std::string config; // --config; empty = config.toml if present
  std::chrono::milliseconds timeout{0}; // --timeout; 0 = command's default
  std::string command;           // calls | call | dial | ... | transcript
  std::vector<std::string> args; // the command's operands (say: SID, text)
  std::string db;                // history/transcript: --db
  std::string since;             // history: normalised --since, or empty
  std::string number;            // history: --number, or empty
  int limit = 50;                // history: --limit, 1..100000
  bool schemas = false;          // mcp: --schemas, print the tools' schemas
};

/// Parses the arguments after the program name. Options may come before or
/// after the command; "--" ends them (say's text may then start with '-').
/// With --help or `help [COMMAND]`, `help` is set and nothing is checked
/// beyond the options' own syntax. Errors: errc::bad_request with a
/// one-line reason (unknown command or option, missing value, wrong number
/// of operands, an option the command does not take, a bad --since or
/// --limit).
caf::expected<ctl_options> parse_ctl_args(const std::vector<std::string>& args);

/// True for the commands the daemon answers over the admin socket (as
/// opposed to history and transcript, which read the database, and mcp,
/// which serves the MCP protocol on stdin and stdout using both).
bool is_daemon_command(const std::string& command);

/// How long to wait for the daemon: --timeout, else 60 s for dial (it
/// waits for Twilio's REST API) and 10 s for the rest.
std::chrono::milliseconds reply_timeout(const ctl_options& opts);

/// The request line for a daemon command, without its newline, e.g.
/// {"cmd":"say","sid":"CA1","text":"hello there"}.
/// REQUIRES: opts came from parse_ctl_args, is_daemon_command(command).
std::string request_json(const ctl_options& opts);

/// The whole tool's usage if `command` is empty or unknown, else that
/// command's.
std::string help_text(const std::string& command);

/// Turns --since (UTC) into the text prefix that stored ISO-8601
/// timestamps are compared against: "2026-11-25" stays as is;
/// "2026-11-25T02:30", "2026-11-25 02:30:12", "2026-11-25T02:30:12.5Z"
/// lose the 'Z' and get a 'T'. Errors: errc::bad_request for anything else
/// (time-zone offsets included).
caf::expected<std::string> normalise_since(const std::string& text);

} // namespace sb
