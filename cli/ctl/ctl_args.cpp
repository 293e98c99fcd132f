// switchboardctl's command table, option parser, help texts and request
// builder. The command table is the one place that knows each command's
// operands and options; help and validation both read it.
#include "cli/ctl/ctl_args.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error.hpp"

namespace sb {

namespace {

enum class cmd_kind { daemon, database, server };

struct command_spec {
  const char* name;
  cmd_kind kind;
  size_t min_args;
  size_t max_args;      // any: no limit
  const char* synopsis; // for the command's usage line
  const char* overview; // left column of the tool's help
  const char* summary;  // right column of the tool's help
  const char* details;  // the command's help, after its usage line
};

constexpr size_t any = SIZE_MAX;

const command_spec commands[] = {
  {"calls", cmd_kind::daemon, 0, 0, "calls", "calls", "list the live calls",
   "List the live calls: SID, direction, numbers, status, start, turns.\n"},
  {"call", cmd_kind::daemon, 1, 1, "call SID", "call SID",
   "show one call and its conversation",
   "Show one live or recent call and its conversation so far.\n"},
  {"dial", cmd_kind::daemon, 1, 2, "dial TO [FROM]", "dial TO [FROM]",
   "place an outbound call",
   "Place an outbound call to TO (E.164, e.g. +919876543210), from FROM or\n"
   "twilio.phone_number. Prints the new call's SID and status.\n"},
  {"hangup", cmd_kind::daemon, 1, 1, "hangup SID", "hangup SID",
   "end a live call", "End a live call.\n"},
  {"say", cmd_kind::daemon, 2, any, "say SID TEXT...", "say SID TEXT...",
   "speak TEXT into a live call",
   "Speak TEXT (the remaining words, joined by spaces) into a live call.\n"
   "Put -- before text that starts with '-'.\n"},
  {"stats", cmd_kind::daemon, 0, 0, "stats", "stats",
   "counters, and whether the daemon is draining",
   "Live calls, calls taken and rejected since start, draining or not.\n"},
  {"reload", cmd_kind::daemon, 0, 0, "reload", "reload",
   "re-read the config's reloadable keys",
   "Re-read the configuration file's reloadable keys (as SIGHUP does).\n"},
  {"drain", cmd_kind::daemon, 0, 0, "drain", "drain",
   "refuse new calls; live calls go on",
   "Refuse new calls; live calls go on until they end.\n"},
  {"history", cmd_kind::database, 0, 0,
   "history [--db PATH] [--since WHEN] [--number E164] [--limit N]",
   "history [OPTIONS]", "past calls, from the database",
   "Past calls, newest first, read from the database file (read-only; the\n"
   "daemon need not run).\n"
   "  --db PATH       the database (default: storage.path of the config)\n"
   "  --since WHEN    calls started at or after WHEN, UTC: 2026-11-25 or\n"
   "                  2026-11-25T14:30[:00]\n"
   "  --number E164   calls from or to this number\n"
   "  --limit N       at most N calls (default 50)\n"},
  {"transcript", cmd_kind::database, 1, 1, "transcript SID [--db PATH]",
   "transcript SID", "one call's conversation, from the database",
   "One call and its conversation, read from the database file\n"
   "(read-only; the daemon need not run).\n"
   "  --db PATH       the database (default: storage.path of the config)\n"},
  {"mcp", cmd_kind::server, 0, 0, "mcp [--db PATH] [--schemas]", "mcp",
   "serve MCP tools on stdin/stdout for an AI assistant",
   "Serve switchboard's MCP tools (Model Context Protocol) on stdin and\n"
   "stdout, one JSON-RPC message per line, for an MCP host that starts\n"
   "this program (docs/mcp.md). Call history, transcripts and search read\n"
   "the database (read-only; the daemon need not run); live calls, stats\n"
   "and the actions ask the daemon on the admin socket. The actions\n"
   "(place_call, hang_up, say, drain) are offered only with\n"
   "[mcp] allow_actions = true in the config. Logs go to stderr.\n"
   "  --db PATH       the database (default: storage.path of the config)\n"
   "  --schemas       print every tool's input and output JSON Schema\n"
   "                  and exit\n"},
};

const command_spec* find_command(const std::string& name) {
  for (const auto& c : commands)
    if (name == c.name)
      return &c;
  return nullptr;
}

caf::error usage_error(std::string why) {
  return make_error(errc::bad_request, std::move(why));
}

bool digits_at(const std::string& s, size_t at, size_t n) {
  if (at + n > s.size())
    return false;
  return std::all_of(s.begin() + at, s.begin() + at + n,
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

int number_at(const std::string& s, size_t at, size_t n) {
  return std::atoi(s.substr(at, n).c_str());
}

// "HH:MM[:SS[.f...]]" at `at` to the end of `s`.
bool valid_time(const std::string& s, size_t at) {
  if (!digits_at(s, at, 2) || s.size() < at + 5 || s[at + 2] != ':'
      || !digits_at(s, at + 3, 2))
    return false;
  if (number_at(s, at, 2) > 23 || number_at(s, at + 3, 2) > 59)
    return false;
  size_t i = at + 5;
  if (i == s.size())
    return true;
  if (s[i] != ':' || !digits_at(s, i + 1, 2) || number_at(s, i + 1, 2) > 60)
    return false;
  i += 3;
  if (i == s.size())
    return true;
  return s[i] == '.' && i + 1 < s.size()
         && digits_at(s, i + 1, s.size() - i - 1);
}

// Options that take a value, and where each is allowed.
struct value_option {
  const char* name;
  const char* only_for; // nullptr: any command
};

const value_option value_options[] = {
  {"--socket", nullptr},  {"--config", nullptr},
  {"--timeout", nullptr}, {"--db", "history transcript mcp"},
  {"--since", "history"}, {"--number", "history"},
  {"--limit", "history"},
};

caf::error set_option(ctl_options& o, const std::string& name,
                      const std::string& value) {
  if (name == "--socket")
    o.socket = value;
  else if (name == "--config")
    o.config = value;
  else if (name == "--db")
    o.db = value;
  else if (name == "--number")
    o.number = value;
  else if (name == "--since") {
    auto since = normalise_since(value);
    if (!since)
      return since.error();
    o.since = *since;
  } else if (name == "--limit" || name == "--timeout") {
    char* end = nullptr;
    const long n = std::strtol(value.c_str(), &end, 10);
    const long max = name == "--limit" ? 100000 : 3600;
    if (value.empty() || *end != '\0' || n < 1 || n > max)
      return usage_error(name + " wants a whole number from 1 to "
                         + std::to_string(max) + ", not '" + value + "'");
    if (name == "--limit")
      o.limit = static_cast<int>(n);
    else
      o.timeout = std::chrono::seconds(n);
  }
  if (value.empty())
    return usage_error(name + " wants a non-empty value");
  return caf::none;
}

// Checks what only the command can tell: its operands and which of the
// options given it takes.
caf::error check_command(const ctl_options& o,
                         const std::vector<std::string>& used) {
  if (o.command.empty())
    return usage_error("no command given");
  const auto* spec = find_command(o.command);
  if (spec == nullptr)
    return usage_error("unknown command '" + o.command + "'");
  if (o.args.size() < spec->min_args || o.args.size() > spec->max_args)
    return usage_error(std::string("usage: switchboardctl ") + spec->synopsis);
  for (const auto& name : used) {
    for (const auto& opt : value_options) {
      if (name != opt.name || opt.only_for == nullptr)
        continue;
      const std::string allowed = std::string(" ") + opt.only_for + " ";
      if (allowed.find(" " + o.command + " ") == std::string::npos)
        return usage_error(name + " is only for " + opt.only_for);
    }
  }
  if (o.schemas && o.command != "mcp")
    return usage_error("--schemas is only for mcp");
  for (const auto& a : o.args)
    if (a.empty())
      return usage_error(std::string("empty operand; usage: switchboardctl ")
                         + spec->synopsis);
  return caf::none;
}

// Splits "--name=value"; `value` is nullopt without '='.
std::string split_option(const std::string& arg,
                         std::optional<std::string>& value) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos)
    return arg;
  value = arg.substr(eq + 1);
  return arg.substr(0, eq);
}

bool takes_value(const std::string& name) {
  return std::any_of(std::begin(value_options), std::end(value_options),
                     [&](const value_option& o) { return name == o.name; });
}

// --json, -h, --help and --schemas; false for anything else.
bool set_flag(ctl_options& o, const std::string& name) {
  if (name == "--json")
    o.json = true;
  else if (name == "-h" || name == "--help")
    o.help = true;
  else if (name == "--schemas")
    o.schemas = true;
  else
    return false;
  return true;
}

} // namespace

caf::expected<ctl_options>
parse_ctl_args(const std::vector<std::string>& args) {
  ctl_options o;
  std::vector<std::string> used;
  bool operands_only = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (operands_only || arg.size() < 2 || arg[0] != '-') {
      if (o.command.empty())
        o.command = arg;
      else
        o.args.push_back(arg);
      continue;
    }
    if (arg == "--") {
      operands_only = true;
      continue;
    }
    std::optional<std::string> value;
    const auto name = split_option(arg, value);
    if (!value && set_flag(o, name))
      continue;
    if (!takes_value(name))
      return usage_error("unknown option " + name);
    if (!value && i + 1 >= args.size())
      return usage_error(name + " wants a value");
    if (auto err = set_option(o, name, value ? *value : args[++i]))
      return err;
    used.push_back(name);
  }
  if (o.command == "help") {
    o.help = true;
    o.command = o.args.empty() ? "" : o.args.front();
    o.args.clear();
  }
  if (o.help)
    return o;
  if (auto err = check_command(o, used))
    return err;
  return o;
}

bool is_daemon_command(const std::string& command) {
  const auto* spec = find_command(command);
  return spec != nullptr && spec->kind == cmd_kind::daemon;
}

std::chrono::milliseconds reply_timeout(const ctl_options& opts) {
  if (opts.timeout.count() > 0)
    return opts.timeout;
  return opts.command == "dial" ? std::chrono::seconds(60)
                                : std::chrono::seconds(10);
}

std::string request_json(const ctl_options& opts) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto field = [&w](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  const auto& a = opts.args;
  w.StartObject();
  field("cmd", opts.command);
  if (opts.command == "call" || opts.command == "hangup"
      || opts.command == "say")
    field("sid", a.at(0));
  if (opts.command == "dial") {
    field("to", a.at(0));
    if (a.size() > 1)
      field("from", a[1]);
  }
  if (opts.command == "say") {
    std::string text = a.at(1);
    for (size_t i = 2; i < a.size(); ++i)
      text += " " + a[i];
    field("text", text);
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string help_text(const std::string& command) {
  if (const auto* spec = find_command(command))
    return std::string("Usage: switchboardctl [options] ") + spec->synopsis
           + "\n\n" + spec->details;
  std::string text =
    "Usage: switchboardctl [options] COMMAND [ARGS]\n"
    "\n"
    "The admin client of switchboardd: asks the running daemon over its\n"
    "Unix socket, or reads the database file for history and transcripts;\n"
    "`mcp` serves both to an AI assistant as MCP tools (docs/mcp.md).\n"
    "\n"
    "Commands:\n";
  for (const auto& c : commands) {
    std::string left = c.overview;
    left.resize(std::max<size_t>(left.size() + 2, 20), ' ');
    text += "  " + left + c.summary + "\n";
  }
  text += "\n"
          "Options:\n"
          "  --socket PATH   the admin socket (default: admin.socket of the\n"
          "                  config, else switchboard.sock)\n"
          "  --config PATH   the daemon's config file (default: config.toml\n"
          "                  if it exists)\n"
          "  --json          print the result as JSON, one line\n"
          "  --timeout SECS  how long to wait for the daemon (default 10,\n"
          "                  dial 60)\n"
          "  -h, --help      this help; COMMAND --help for a command's\n"
          "\n"
          "Exit status: 0 ok, 1 the daemon answered an error (or none),\n"
          "2 bad usage or config, 3 no daemon listening, 4 database error.\n";
  return text;
}

caf::expected<std::string> normalise_since(const std::string& text) {
  auto bad = [&] {
    return usage_error("--since wants a UTC date or time such as 2026-11-25 "
                       "or 2026-11-25T14:30, not '"
                       + text + "'");
  };
  std::string s = text;
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z'))
    s.pop_back();
  if (s.size() < 10 || !digits_at(s, 0, 4) || s[4] != '-' || !digits_at(s, 5, 2)
      || s[7] != '-' || !digits_at(s, 8, 2))
    return bad();
  const int month = number_at(s, 5, 2);
  const int day = number_at(s, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31)
    return bad();
  if (s.size() == 10) {
    if (text.size() != 10)
      return bad(); // a bare date takes no 'Z'
    return s;
  }
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !valid_time(s, 11))
    return bad();
  s[10] = 'T';
  return s;
}

} // namespace sb
