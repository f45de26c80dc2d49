#pragma once

#include <functional>
#include <string>

namespace berth::network {

// Creates a network namespace with loopback up and bind-mounts it at
// `<run_dir>/netns/<name>`, so it lives on after this process exits until
// remove_netns. Returns that path, which an OCI spec joins by path. The
// netns directory is made a shared mount (as `ip netns` does) so that an
// unmount reaches copies of the mount in other mount namespaces. Throws
// Error{kAlreadyExists} when the path exists and Error for a failed system
// call (creating namespaces needs CAP_SYS_ADMIN). With owner_userns (a
// /proc/PID/ns/user file or a bind mount of one), a child process that
// joined that user namespace creates the network namespace, so that user
// namespace owns it: a process that joins the user namespace first, as
// `runc exec` does, may then join the network namespace too.
std::string create_netns(const std::string& run_dir, const std::string& name,
                         const std::string& owner_userns = "");

// Unmounts and deletes a namespace made by create_netns. A missing path or
// a path that is no longer mounted is not an error, so this is idempotent.
void remove_netns(const std::string& path);

// Runs body on a helper thread that has joined the network namespace at
// path, waits for it, and rethrows what it threw. Sockets opened inside body
// belong to that namespace and stay usable from any thread afterwards. The
// calling thread never changes namespace.
void run_in_netns(const std::string& path, const std::function<void()>& body);

}  // namespace berth::network
