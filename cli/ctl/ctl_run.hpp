// switchboardctl from its arguments to its exit status: parse the command
// line, find the socket or database (options, else the daemon's config
// file, else the defaults), run the command, print the result. main() is
// only this, so tests run the whole tool in-process against a test server
// and a temporary database.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace sb {

/// Runs switchboardctl with `args` (argv without the program name).
/// Results go to `out`, diagnostics ("switchboardctl: ...") to `err`.
/// Returns a ctl_exit: 0 ok; 1 the daemon answered ok:false (its error is
/// printed), gave no or a malformed reply, or transcript found no such
/// call; 2 bad usage or an unreadable config; 3 nothing listens on the
/// socket; 4 the database could not be read. Blocks for at most the
/// command's reply timeout (plus SQLite's busy timeout for history).
int run_ctl(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err);

/// As above, with `in` as the standard input (read only by `mcp`, which
/// serves it until it ends and then returns 0; the overload above gives
/// it std::cin).
int run_ctl(const std::vector<std::string>& args, std::istream& in,
            std::ostream& out, std::ostream& err);

} // namespace sb
