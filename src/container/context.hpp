#pragma once

#include <memory>
#include <optional>
#include <string>

#include "state/database.hpp"

namespace berth::runtime {
class OciRuntime;
}
namespace berth::network {
class NetworkManager;
}
namespace berth::storage {
class LayerStore;
}

namespace berth::container {

// Host-wide state of bridge networks: address allocations and network
// namespaces. One directory for every store, since all share the bridges.
inline constexpr const char* kHostNetworkRunDir = "/run/berth/network";

// The directories berth keeps its files in. root contains what survives a reboot (images,
// layers, container file systems, the state database). run_root contains
// what does not (runtime state, attach sockets and exit files).
struct Paths {
  std::string root = "/var/lib/berth";
  std::string run_root = "/run/berth";

  std::string database() const { return root + "/berth.db"; }
  std::string storage() const { return root + "/storage"; }
  std::string networks() const { return root + "/networks"; }
  std::string tmp() const { return root + "/tmp"; }
  std::string container_dir(const std::string& id) const { return root + "/containers/" + id; }
  std::string bundle_dir(const std::string& id) const { return container_dir(id) + "/userdata"; }
  std::string rootfs(const std::string& id) const { return container_dir(id) + "/merged"; }
  std::string log_file(const std::string& id) const { return container_dir(id) + "/ctr.log"; }
  std::string run_dir(const std::string& id) const { return run_root + "/containers/" + id; }
  std::string exit_file(const std::string& id) const { return run_dir(id) + "/exit"; }
  std::string attach_socket(const std::string& id) const { return run_dir(id) + "/attach"; }
  std::string lock_file(const std::string& id) const { return run_dir(id) + "/lock"; }
  // A random token per start, so the cleanup of an earlier start (whose
  // monitor outlived a killed CLI) cannot tear down a later one.
  std::string start_token_file(const std::string& id) const { return run_dir(id) + "/start-token"; }
  // Returns the directory that the cleanup after a foreground run moves files
  // to, for the start's monitor to delete after the CLI exits (FileRemoval::kByMonitor).
  std::string trash_dir(const std::string& id, const std::string& token) const {
    return root + "/trash/" + id + "-" + token;
  }
  std::string run_trash_dir(const std::string& id, const std::string& token) const {
    return run_root + "/trash/" + id + "-" + token;
  }
  // An exec session's directory: its process.json, attach socket and exit
  // file. Gone with the run directory when the container stops.
  std::string exec_dir(const std::string& id) const { return run_dir(id) + "/exec"; }
  std::string exec_session_dir(const std::string& id, const std::string& session) const {
    return exec_dir(id) + "/" + session;
  }
  // The exit code of a --rm container, kept after its removal for `wait`.
  std::string removed_exit_file(const std::string& id) const {
    return run_root + "/exits/" + id;
  }
};

// The shared objects of one berth invocation, passed to every operation.
// The runtime and network manager are made on first use, since listing and
// inspecting need neither.
class Context {
 public:
  Context(Paths paths, std::optional<std::string> runtime_name);
  ~Context();

  const Paths& paths() const { return paths_; }
  state::Database& db() { return db_; }
  storage::LayerStore& layers();
  const runtime::OciRuntime& runtime();
  network::NetworkManager& network();

  // Paths of the berth CLI (the running one, or the berth beside the
  // monitor) and of the berth-monitor beside it.
  const std::string& berth_binary() const { return berth_binary_; }
  const std::string& monitor_binary() const { return monitor_binary_; }

 private:
  Paths paths_;
  state::Database db_;
  std::optional<std::string> runtime_name_;
  std::unique_ptr<storage::LayerStore> layers_;
  std::unique_ptr<runtime::OciRuntime> runtime_;
  std::unique_ptr<network::NetworkManager> network_;
  std::string berth_binary_;
  std::string monitor_binary_;
};

}  // namespace berth::container
