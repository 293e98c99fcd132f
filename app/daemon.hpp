// Start-up and shutdown of switchboardd, in one place and a fixed order:
// storage -> actor system -> actors -> listeners (public, admin socket,
// console) -> READY;
// on SIGTERM/SIGINT the reverse, draining in-flight requests first.
#pragma once

#include <string>

#include <caf/error.hpp>

#include "core/config.hpp"

namespace sb {

/// Checks what the configuration alone cannot: settings that only make
/// sense together for a running daemon (signature checks need an auth
/// token). Errors: errc::bad_config naming the key.
caf::error check_startup(const config& cfg);

/// Runs the daemon until SIGTERM or SIGINT. Returns the process exit code:
/// 0 after a clean shutdown, 1 if start-up failed (the reason is logged).
/// REQUIRES: called from main before any other thread exists (it blocks the
/// signals it waits for, and every thread it starts inherits that mask).
/// `config_path` is what SIGHUP and the admin "reload" re-read.
/// `console_dir`: serve the console's files from this folder instead of
/// the copy embedded in the binary (development); empty = embedded.
int run_daemon(const config& cfg, const std::string& config_path,
               const std::string& console_dir = {});

} // namespace sb
