// Start-up and shutdown checks of a Unix socket's file, behind
// net/line/socket_file.hpp. Liveness is probed with a non-blocking connect,
// because only a listener can tell a live socket from a stale one: the
// file looks the same either way.
#include "net/line/socket_file.hpp"

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

caf::error path_error(const std::string& path, const std::string& why) {
  return make_error(errc::bad_config, path + ": " + why);
}

enum class probe_result { live, stale, failed };

// Connects without blocking: a listener answers at once or has a full
// backlog (EAGAIN), both of which mean it is alive; ECONNREFUSED means the
// file outlived its server.
probe_result probe(const std::string& path, int& err) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          0);
  if (fd < 0) {
    err = errno;
    return probe_result::failed;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr),
                           sizeof(addr));
  err = rc == 0 ? 0 : errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN || err == EINPROGRESS)
    return probe_result::live;
  if (err == ECONNREFUSED || err == ENOENT)
    return probe_result::stale;
  return probe_result::failed;
}

} // namespace

caf::error clear_socket_path(const std::string& path,
                             const std::string& log_name) {
  if (path.empty())
    return make_error(errc::bad_config, "empty socket path");
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    return path_error(
      path, "longer than a Unix socket address holds ("
              + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return caf::none;
    return path_error(path, std::string("cannot stat: ") + strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode))
    return path_error(path, "exists and is not a socket; remove it or "
                            "choose another admin.socket");
  int err = 0;
  switch (probe(path, err)) {
    case probe_result::live:
      return make_error(errc::bad_config,
                        "another switchboardd is listening on " + path);
    case probe_result::failed:
      return path_error(path, std::string("cannot probe existing socket: ")
                                + strerror(err));
    case probe_result::stale: break;
  }
  SB_LOG_NOTICE(log_name << ": replacing stale socket " << path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return path_error(path, std::string("cannot remove stale socket: ")
                              + strerror(errno));
  return caf::none;
}

std::optional<file_identity> identity_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return std::nullopt;
  return file_identity{st.st_dev, st.st_ino};
}

void unlink_if_same(const std::string& path, const file_identity& was) {
  const auto now = identity_of(path);
  if (now && now->dev == was.dev && now->ino == was.ino)
    ::unlink(path.c_str());
}

} // namespace sb
