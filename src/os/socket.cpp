#include "os/socket.hpp"

#include <dirent.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>

namespace berth::os {

std::vector<int> netlink_sockets(int protocol) {
  std::vector<int> found;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return found;
  int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (*entry->d_name == '\0' || *end != '\0' || fd == own) continue;
    int domain = 0, proto = 0;
    socklen_t size = sizeof domain;
    if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_DOMAIN, &domain, &size) != 0) continue;
    size = sizeof proto;
    if (domain != AF_NETLINK ||
        ::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_PROTOCOL, &proto, &size) != 0) {
      continue;
    }
    if (proto == protocol) found.push_back(static_cast<int>(fd));
  }
  ::closedir(dir);
  return found;
}

bool send_fds(int socket, const std::vector<int>& fds) {
  if (fds.empty()) return true;
  char byte = 0;
  iovec io{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
  return ::sendmsg(socket, &message, MSG_NOSIGNAL) == 1;
}

}  // namespace berth::os
