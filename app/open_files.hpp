// The daemon's open-file limit. Every HTTP connection holds a descriptor,
// so ten thousand idle connections need a soft RLIMIT_NOFILE far above the
// usual 1024. At start the soft limit is raised to the hard one (systemd's
// LimitNOFILE= sets both), and server.max_connections is held below what
// the limit leaves, so that past it the acceptor closes new connections
// instead of accept() failing with EMFILE for everyone.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sb {

struct open_files_limit {
  uint64_t soft = 0; // in force after raise_open_files_limit()
  uint64_t hard = 0;
  bool raised = false; // the soft limit was below the hard one and went up
  int error = 0;       // errno of a refused raise (e.g. a seccomp filter)
};

/// Raises the soft RLIMIT_NOFILE of this process to its hard limit.
open_files_limit raise_open_files_limit();

/// Descriptors kept for everything but HTTP connections: SQLite, the
/// admin socket, outbound REST, model and speech connections, logs.
constexpr size_t reserved_descriptors = 256;

/// `max_connections`, or fewer when `soft` descriptors cannot hold that
/// many connections plus reserved_descriptors (at least 1).
size_t connections_within(size_t max_connections, uint64_t soft);

} // namespace sb
