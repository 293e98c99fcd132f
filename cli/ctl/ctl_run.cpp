// switchboardctl's flow: arguments -> where to ask (socket or database) ->
// the exchange or the read -> printed result and exit status; or, for mcp,
// the MCP server on stdin and stdout until the input ends. The pieces live
// in ctl_args, ctl_client, ctl_history, ctl_format and ctl_mcp; this file
// only wires them together and maps each failure to its exit status.
#include "cli/ctl/ctl_run.hpp"

#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/ctl/ctl_args.hpp"
#include "cli/ctl/ctl_client.hpp"
#include "cli/ctl/ctl_format.hpp"
#include "cli/ctl/ctl_history.hpp"
#include "cli/ctl/ctl_mcp.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

constexpr const char* default_config_path = "config.toml";

struct targets {
  std::string socket;
  std::string db;
  bool allow_actions = false; // mcp: [mcp] allow_actions
};

// Whether the command needs the config file: for a path the options left
// empty, and always for mcp, whose allow_actions only the config gives.
bool needs_config(const ctl_options& o) {
  if (o.command == "mcp")
    return true;
  return is_daemon_command(o.command) ? o.socket.empty() : o.db.empty();
}

// Fills in the socket and database paths the options left empty: from
// --config, else from config.toml when there is one, else the defaults.
// The config is read only when needs_config says so.
caf::expected<targets> resolve_targets(const ctl_options& o) {
  targets t{o.socket, o.db};
  if (!needs_config(o))
    return t;
  config cfg;
  std::string path = o.config;
  std::error_code ec;
  if (path.empty() && std::filesystem::exists(default_config_path, ec))
    path = default_config_path;
  if (!path.empty()) {
    auto loaded = load_config(path, process_env());
    if (!loaded)
      return loaded.error();
    cfg = std::move(*loaded);
  }
  if (t.socket.empty())
    t.socket = cfg.admin.socket;
  if (t.db.empty())
    t.db = cfg.storage.path;
  t.allow_actions = cfg.mcp.allow_actions;
  return t;
}

// --json prints the result as it came; otherwise it is rendered, and a
// shape this version cannot render is printed raw rather than lost.
void print_result(const ctl_options& o, const std::string& result_json,
                  std::ostream& out) {
  if (!o.json) {
    if (auto text = format_result(o.command, result_json)) {
      out << *text;
      return;
    }
  }
  out << result_json << "\n";
}

int run_daemon_command(const ctl_options& o, const std::string& socket,
                       std::ostream& out, std::ostream& err) {
  const auto ex = exchange_line(socket, request_json(o), reply_timeout(o));
  if (ex.status == exchange_status::no_daemon) {
    err << "switchboardctl: no daemon listening on " << socket
        << " (is switchboardd running?)\n";
    return ctl_exit_no_daemon;
  }
  if (ex.status != exchange_status::ok) {
    err << "switchboardctl: " << socket << ": " << ex.error << "\n";
    return ctl_exit_failed;
  }
  auto reply = parse_reply(ex.reply);
  if (!reply) {
    err << "switchboardctl: malformed reply from the daemon: "
        << what(reply.error()) << "\n";
    return ctl_exit_failed;
  }
  if (!reply->ok) {
    err << "switchboardctl: " << reply->error << "\n";
    return ctl_exit_failed;
  }
  print_result(o, reply->result, out);
  return ctl_exit_ok;
}

int run_database_command(const ctl_options& o, const std::string& db,
                         std::ostream& out, std::ostream& err) {
  caf::expected<std::optional<std::string>> result = std::nullopt;
  if (o.command == "history") {
    history_filter filter{o.since, o.number, o.limit};
    auto calls = read_history(db, filter);
    if (calls)
      result = std::optional<std::string>(std::move(*calls));
    else
      result = calls.error();
  } else {
    result = read_transcript(db, o.args.at(0));
  }
  if (!result) {
    err << "switchboardctl: " << what(result.error()) << "\n";
    return ctl_exit_database;
  }
  if (!*result) {
    err << "switchboardctl: no call " << o.args.at(0) << " in " << db << "\n";
    return ctl_exit_failed;
  }
  print_result(o, **result, out);
  return ctl_exit_ok;
}

int run_mcp(const ctl_options& o, const targets& where, std::istream& in,
            std::ostream& out) {
  mcp_stdio_options mcp{where.db, where.socket, where.allow_actions, o.timeout};
  return serve_mcp_stdio(mcp, in, out);
}

} // namespace

int run_ctl(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  return run_ctl(args, std::cin, out, err);
}

int run_ctl(const std::vector<std::string>& args, std::istream& in,
            std::ostream& out, std::ostream& err) {
  auto opts = parse_ctl_args(args);
  if (!opts) {
    err << "switchboardctl: " << what(opts.error()) << "\n"
        << "Try 'switchboardctl --help'.\n";
    return ctl_exit_usage;
  }
  if (opts->help) {
    out << help_text(opts->command);
    return ctl_exit_ok;
  }
  if (opts->schemas) {
    out << mcp_schemas_text();
    return ctl_exit_ok;
  }
  auto where = resolve_targets(*opts);
  if (!where) {
    err << "switchboardctl: " << what(where.error())
        << "\n(--socket or --db give the path without reading a config)\n";
    return ctl_exit_usage;
  }
  if (opts->command == "mcp")
    return run_mcp(*opts, *where, in, out);
  if (is_daemon_command(opts->command))
    return run_daemon_command(*opts, where->socket, out, err);
  return run_database_command(*opts, where->db, out, err);
}

} // namespace sb
