// RLIMIT_NOFILE handling for the daemon (app/open_files.hpp).
#include "app/open_files.hpp"

#include <algorithm>
#include <cerrno>

#include <sys/resource.h>

namespace sb {

open_files_limit raise_open_files_limit() {
  open_files_limit out;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    out.error = errno;
    return out;
  }
  // The kernel refuses an infinite RLIMIT_NOFILE (past fs.nr_open), so an
  // unlimited hard limit is taken as a large finite one.
  constexpr rlim_t largest = rlim_t{1} << 20;
  const rlim_t target = lim.rlim_max == RLIM_INFINITY ? largest : lim.rlim_max;
  out.soft = lim.rlim_cur;
  out.hard = target;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < target) {
    rlimit raised = lim;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      out.soft = target;
      out.raised = true;
    } else {
      out.error = errno;
    }
  }
  if (out.soft == RLIM_INFINITY)
    out.soft = largest;
  return out;
}

size_t connections_within(size_t max_connections, uint64_t soft) {
  if (soft <= reserved_descriptors + 1)
    return 1;
  return static_cast<size_t>(
    std::min<uint64_t>(max_connections, soft - reserved_descriptors));
}

} // namespace sb
