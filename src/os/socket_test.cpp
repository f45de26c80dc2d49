#include "os/socket.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>

namespace berth::os {
namespace {

bool contains(const std::vector<int>& fds, int fd) {
  return std::find(fds.begin(), fds.end(), fd) != fds.end();
}

TEST(NetlinkSockets, FindsOnlyTheAskedProtocol) {
  int netfilter = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  int route = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  ASSERT_GE(netfilter, 0);
  ASSERT_GE(route, 0);
  auto found = netlink_sockets(NETLINK_NETFILTER);
  EXPECT_TRUE(contains(found, netfilter));
  EXPECT_FALSE(contains(found, route));
  ::close(netfilter);
  ::close(route);
  EXPECT_FALSE(contains(netlink_sockets(NETLINK_NETFILTER), netfilter));
}

TEST(SendFds, PassesDescriptorsToThePeer) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  ASSERT_TRUE(send_fds(pair[0], {pipe_fds[1]}));

  char byte;
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ASSERT_EQ(::recvmsg(pair[1], &message, 0), 1);
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  ASSERT_NE(header, nullptr);
  ASSERT_EQ(header->cmsg_type, SCM_RIGHTS);
  int received;
  std::memcpy(&received, CMSG_DATA(header), sizeof received);
  // The received descriptor is the same pipe: a write through it arrives.
  ASSERT_EQ(::write(received, "x", 1), 1);
  char got = 0;
  ASSERT_EQ(::read(pipe_fds[0], &got, 1), 1);
  EXPECT_EQ(got, 'x');
  for (int fd : {received, pipe_fds[0], pipe_fds[1], pair[0], pair[1]}) ::close(fd);
}

TEST(SendFds, FailsWithoutAPeer) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  ::close(pair[1]);
  EXPECT_FALSE(send_fds(pair[0], {pair[0]}));
  EXPECT_EQ(errno, EPIPE);
  ::close(pair[0]);
}

}  // namespace
}  // namespace berth::os
