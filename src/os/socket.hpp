#pragma once

#include <vector>

namespace berth::os {

// Returns this process's open descriptors that are netlink sockets of
// protocol (NETLINK_NETFILTER, say), found through /proc/self/fd.
std::vector<int> netlink_sockets(int protocol);

// Sends fds with one byte of data over a connected unix socket, without
// raising SIGPIPE. Returns false with errno set when the send fails.
bool send_fds(int socket, const std::vector<int>& fds);

}  // namespace berth::os
