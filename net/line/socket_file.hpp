// The file a Unix-socket listener binds: making its path free at start-up
// (a live socket is another daemon's and is refused; a socket nobody
// listens on was left by a crash and is replaced; anything else is not
// ours to touch) and telling later whether the file there is still the
// one this process bound, so shutdown never unlinks a successor's socket.
// POSIX only; no Asio, no CAF.
#pragma once

#include <optional>
#include <string>

#include <sys/types.h>

#include <caf/error.hpp>

namespace sb {

/// Makes `path` free to bind. Nothing there: nothing to do. A socket that
/// refuses connections: unlinked (logged at notice under `log_name`).
/// Errors (errc::bad_config): "another switchboardd is listening on PATH"
/// for a socket that accepts connections (or whose backlog is full);
/// "PATH: exists and is not a socket ..."; "PATH: empty path" or too long
/// for a socket address; stat, probe or unlink failing, with the OS
/// reason.
caf::error clear_socket_path(const std::string& path,
                             const std::string& log_name);

/// Which file a path named when it was looked at.
struct file_identity {
  dev_t dev = 0;
  ino_t ino = 0;
};

/// The identity of the file at `path` itself (a symlink is not followed);
/// nullopt if there is none.
std::optional<file_identity> identity_of(const std::string& path);

/// Unlinks `path` if it still names the file `was`; otherwise leaves it.
void unlink_if_same(const std::string& path, const file_identity& was);

} // namespace sb
