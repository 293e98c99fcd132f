// What switchboard's MCP tools need from the program that serves them, so
// the same tools run in the daemon (/mcp on the console's listener) and in
// switchboardctl (`switchboardctl mcp` over stdio):
//   read   a read-only connection to the database, on a thread where a
//          query may block (the daemon: the console reader's thread;
//          switchboardctl: its own thread, inline);
//   admin  one admin-socket exchange in the line protocol switchboardctl
//          speaks (app/admin_front.hpp): {"cmd": …} in, {"ok": …} out
//          (the daemon: the admin actor in process; switchboardctl: the
//          Unix socket);
//   metrics  the /metrics exposition text now, or "" where the host has
//          none (optional).
#pragma once

#include <functional>
#include <string>

struct sqlite3;

namespace sb {

struct mcp_services {
  using read_fn = std::function<void(std::function<void(sqlite3* db)> job)>;
  using admin_fn = std::function<void(
    std::string request, std::function<void(std::string reply)> done)>;

  /// Runs `job` once with the connection; null when the database cannot
  /// be read now (the job answers with an error). `job` may run on another
  /// thread, after read() returned.
  read_fn read;
  /// Sends `request` (one JSON line without its newline); `done` gets the
  /// reply line exactly once, maybe on another thread; a daemon that does
  /// not answer gives {"ok": false, "error": "…"}.
  admin_fn admin;
  /// Optional; empty or returning "" = no metrics.
  std::function<std::string()> metrics;
};

} // namespace sb
