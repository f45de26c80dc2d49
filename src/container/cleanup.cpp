#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/mounts.hpp"
#include "container/network_dns.hpp"
#include "container/network_join.hpp"
#include "container/operations.hpp"
#include "container/pod_exit.hpp"
#include "container/restart.hpp"
#include "container/secret_files.hpp"
#include "container/userns_start.hpp"
#include "events/events.hpp"
#include "network/network_manager.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "runtime/oci_runtime.hpp"
#include "storage/overlay_mount.hpp"

namespace berth::container {

namespace {

struct ExitRecord {
  std::optional<int> code;
  std::optional<std::int64_t> finished_ns;
};

// Reads the exit file berth-monitor writes: the exit code on the first
// line and the finish time in Unix nanoseconds on the second.
ExitRecord read_exit_file(const std::string& path) {
  ExitRecord result;
  auto text = os::read_file_if_exists(path);
  if (!text) return result;
  std::size_t newline = text->find('\n');
  std::string first = text->substr(0, newline);
  int code;
  if (std::from_chars(first.data(), first.data() + first.size(), code).ec == std::errc()) {
    result.code = code;
  }
  if (newline != std::string::npos) {
    std::string second = text->substr(newline + 1);
    std::int64_t ns;
    if (std::from_chars(second.data(), second.data() + second.size(), ns).ec == std::errc()) {
      result.finished_ns = ns;
    }
  }
  return result;
}

// Runs step and logs its failure: cleanup goes on with the other steps, so
// one broken piece does not leave the rest behind.
template <typename Step>
void best_effort(const char* what, const std::string& id, Step&& step) {
  try {
    step();
  } catch (const Error& e) {
    spdlog::warn("cleaning up container {}: {}: {}", id.substr(0, 12), what, e.what());
  }
}

}  // namespace

std::vector<network::PortMapping> port_mappings(const ContainerConfig& config) {
  std::vector<network::PortMapping> ports;
  for (const auto& p : config.ports) {
    ports.push_back({p.host_ip, p.host_port, p.container_port, p.protocol});
  }
  return ports;
}

void release_network(Context& ctx, const state::ContainerRecord& record,
                     const ContainerConfig& config) {
  if (config.network_mode != "bridge") return;
  std::string netns;
  NetworkState state;
  if (!record.network.empty()) {
    state = nlohmann::json::parse(record.network).get<NetworkState>();
    netns = state.netns;
  } else {
    netns = ctx.network().netns_path(record.id);
    if (!os::path_exists(netns)) return;  // the start never got this far
  }
  // Networks added by `network connect` first: their interfaces go with
  // the namespace below.
  release_connected_networks(ctx, record, config, false);
  ctx.network().teardown_and_remove_netns(record.id, netns, config.bridge_network(),
                                          port_mappings(config));
  // DNS names: the first network's, then those of the connected networks.
  std::vector<std::string> networks = config.bridge_networks();
  for (const auto& endpoint : state.connected) networks.push_back(endpoint.network);
  unregister_dns_names(record.id, networks);
}

void remove_files(Context& ctx, const std::string& id, const std::string& trash_token) {
  const auto& paths = ctx.paths();
  storage::unmount(paths.rootfs(id));
  if (!trash_token.empty()) {
    // The run directory moves too, with its lock file, because the lock stays
    // held through the open descriptor. The missing start token shows the
    // monitor that this cleanup is done.
    os::move_or_remove(paths.container_dir(id), paths.trash_dir(id, trash_token));
    os::move_or_remove(paths.run_dir(id), paths.run_trash_dir(id, trash_token) + "/run");
    return;
  }
  os::remove_all(paths.container_dir(id));
  try {
    os::remove_all(paths.run_dir(id));
  } catch (const Error& e) {
    // The run directory holds the lock file. A process waiting for the
    // lock (the monitor's cleanup after a foreground run cleaned up) may
    // create it again meanwhile. lock_container removes it once that
    // process finds the container gone.
    if (e.sys_errno() != ENOTEMPTY) throw;
    spdlog::debug("run directory of {} in use by a waiting process: it removes it", id);
  }
}

LockedContainer lock_container(Context& ctx, const std::string& id) {
  const auto& paths = ctx.paths();
  os::make_dirs(paths.run_dir(id), 0700);
  LockedContainer locked{os::FileLock(paths.lock_file(id)), ctx.db().get_container(id)};
  if (!locked.record) os::remove_all(paths.run_dir(id));
  return locked;
}

namespace {

// The cleanup under the container's lock. Returns whether the restart
// policy wants the container started again.
bool cleanup_locked(Context& ctx, const std::string& id, std::optional<int> exit_code,
                    const std::string& start_token, FileRemoval removal) {
  const auto& paths = ctx.paths();
  auto [lock, record] = lock_container(ctx, id);
  if (!record) return false;
  if (!has_process(record->status)) return false;
  if (!start_token.empty()) {
    auto current = os::read_file_if_exists(paths.start_token_file(id)).value_or("");
    if (current != start_token) {
      spdlog::debug("cleanup of {} belongs to an earlier start: nothing to do", id);
      return false;
    }
  }
  auto config = nlohmann::json::parse(record->config).get<ContainerConfig>();
  // The monitor deletes only what this start's token names.
  std::string trash_token;
  if (removal == FileRemoval::kByMonitor) {
    trash_token = os::read_file_if_exists(paths.start_token_file(id)).value_or("");
    if (trash_token.find_first_not_of("0123456789abcdef") != std::string::npos) trash_token.clear();
  }

  auto exit = read_exit_file(paths.exit_file(id));
  best_effort("deleting runtime state", id, [&] {
    ctx.runtime().remove(id, true,
                         trash_token.empty() ? "" : paths.run_trash_dir(id, trash_token) + "/runc");
  });
  best_effort("tearing down the network", id, [&] { release_network(ctx, *record, config); });
  best_effort("removing the user namespace", id,
              [&] { release_user_namespace(paths, id); });  // userns_start.cpp
  // mount: a file system the user mounted stays until the last unmount.
  if (mount_count(ctx, id) == 0) {
    best_effort("unmounting the root file system", id,
                [&] { storage::unmount(paths.rootfs(id)); });
  }
  best_effort("removing secret files", id, [&] { remove_secret_files(ctx, id); });

  record->status = "exited";
  record->pid = 0;
  record->exit_code = exit_code.value_or(exit.code.value_or(-1));
  record->finished_ns = exit.finished_ns.value_or(now_ns());
  record->network.clear();
  ctx.db().write([&] {  // one commit for both events
    events::write_container(ctx.db(), *record, "died", static_cast<int>(record->exit_code));
    events::write_container(ctx.db(), *record, "cleanup");
  });
  // A restart's stop keeps a --rm container (see restart).
  if (config.remove && !take_restart_marker(ctx, id)) {
    best_effort("keeping the exit code", id, [&] {
      os::make_dirs(paths.run_root + "/exits", 0700);
      os::write_file_atomic(paths.removed_exit_file(id), std::to_string(record->exit_code) + "\n",
                            0600, os::Durability::kVolatile);
    });
    ctx.db().write([&] {  // the removal and its event in one commit
      ctx.db().remove_container(id);
      events::write_container(ctx.db(), *record, "remove");
    });
    best_effort("removing files", id, [&] { remove_files(ctx, id, trash_token); });
    // Volumes: --rm removes the container's anonymous volumes too.
    remove_anonymous_volumes(ctx, id, config);
    return false;
  }
  bool restart = should_restart(config, *record);
  if (restart) ++record->restart_count;
  ctx.db().update_container(*record);
  // The token file doubles as the monitor's cleanup marker: once it is
  // gone, the monitor skips its own cleanup of this start.
  ::unlink(paths.start_token_file(id).c_str());
  return restart;
}

}  // namespace

void cleanup(Context& ctx, const std::string& id, std::optional<int> exit_code,
             const std::string& start_token, FileRemoval removal) {
  if (!cleanup_locked(ctx, id, exit_code, start_token, removal)) {
    apply_pod_exit_policy(ctx, id);  // pods: --exit-policy stop (pod_exit.cpp)
    return;
  }
  // Started again outside the lock, which start takes itself. A user's
  // stop or removal in between wins.
  auto record = ctx.db().get_container(id);
  if (!record || record->status != "exited" || record->stopped_by_user) return;
  spdlog::debug("restarting {} by its restart policy ({} restarts)", id, record->restart_count);
  StartOptions options;
  options.by_restart_policy = true;
  start(ctx, *record, options);
  events::write_container(ctx.db(), *record, "restart");
}

}  // namespace berth::container
