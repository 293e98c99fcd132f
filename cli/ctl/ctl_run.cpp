// switchboardctl's flow: arguments -> where to ask (socket or database) ->
// the exchange or the read -> printed result and exit status. The pieces
// live in ctl_args, ctl_client, ctl_history and ctl_format; this file only
// wires them together and maps each failure to its exit status.
#include "cli/ctl/ctl_run.hpp"

#include <filesystem>
#include <optional>

#include "cli/ctl/ctl_args.hpp"
#include "cli/ctl/ctl_client.hpp"
#include "cli/ctl/ctl_format.hpp"
#include "cli/ctl/ctl_history.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

constexpr const char* default_config_path = "config.toml";

struct targets {
  std::string socket;
  std::string db;
};

// Fills in the socket and database paths the options left empty: from
// --config, else from config.toml when there is one, else the defaults.
// The config is read only when a path is missing.
caf::expected<targets> resolve_targets(const ctl_options& o) {
  targets t{o.socket, o.db};
  const bool daemon = is_daemon_command(o.command);
  if (!(daemon ? t.socket.empty() : t.db.empty()))
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

} // namespace

int run_ctl(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
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
  auto where = resolve_targets(*opts);
  if (!where) {
    err << "switchboardctl: " << what(where.error())
        << "\n(--socket or --db give the path without reading a config)\n";
    return ctl_exit_usage;
  }
  if (is_daemon_command(opts->command))
    return run_daemon_command(*opts, where->socket, out, err);
  return run_database_command(*opts, where->db, out, err);
}

} // namespace sb
