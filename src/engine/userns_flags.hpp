#pragma once

// The user namespace and group flags of `run` and `create`, as the user
// typed them. LocalEngine::create resolves them (create_userns.hpp); empty
// means the flag was not given.

#include <string>
#include <vector>

namespace berth::engine {

struct UsernsFlags {
  // host, private, auto[:OPTIONS], keep-id[:OPTIONS], nomap, ns:PATH, or ""
  std::string userns;
  std::vector<std::string> uidmap;  // [FLAGS]CONTAINER_ID:HOST_ID[:SIZE]
  std::vector<std::string> gidmap;
  std::string subuidname;  // a user with ranges in /etc/subuid
  std::string subgidname;  // a group with ranges in /etc/subgid
  std::vector<std::string> group_add;  // group names, GIDs, or keep-groups
};

}  // namespace berth::engine
