#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/attach.hpp"
#include "container/etc_files.hpp"
#include "container/health.hpp"
#include "container/host_spec.hpp"
#include "container/logs.hpp"
#include "container/monitor_launch.hpp"
#include "container/mounts.hpp"
#include "container/namespace_join.hpp"
#include "container/network_dns.hpp"
#include "container/network_join.hpp"
#include "container/operations.hpp"
#include "container/secret_files.hpp"
#include "container/userns_start.hpp"
#include "events/events.hpp"
#include "network/network_manager.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "runtime/oci_runtime.hpp"
#include "runtime/spec.hpp"
#include "storage/layer_store.hpp"
#include "storage/overlay_mount.hpp"

extern char** environ;

namespace berth::container {

namespace {

// Undo steps for a start that fails halfway, run newest first.
class Rollback {
 public:
  ~Rollback() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      try {
        (*it)();
      } catch (const Error& e) {
        spdlog::debug("undoing a failed start: {}", e.what());
      }
    }
  }
  void add(std::function<void()> step) { steps_.push_back(std::move(step)); }
  void release() { steps_.clear(); }

 private:
  std::vector<std::function<void()>> steps_;
};

void mount_rootfs(Context& ctx, const state::ContainerRecord& record,
                  const ContainerConfig& config, const std::string& userns_path,
                  Rollback& rollback) {
  // A --rm container's writes are thrown away when it exits, so they need
  // no sync; Podman mounts those volatile too.
  mount_root_filesystem(ctx, record, config.remove, userns_path);
  rollback.add([target = ctx.paths().rootfs(record.id)] { storage::unmount(target); });
}

// Reserves the address of container id on network. A container that has
// just exited keeps its address until its cleanup ends a moment later.
// So a requested address in use is tried again for up to 2 s before the
// start fails, which `run -d --ip` in a loop needs.
network::Attachment reserve_address(network::NetworkManager& manager, const std::string& id,
                                    const std::string& network, const std::string& static_ip) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    try {
      return manager.allocate(id, network, static_ip);
    } catch (const Error& e) {
      if (static_ip.empty() || e.code() != ErrorCode::kAlreadyExists ||
          std::chrono::steady_clock::now() >= deadline) {
        throw;
      }
      spdlog::debug("address {} is in use, trying again: {}", static_ip, e.what());
      ::usleep(20'000);
    }
  }
}

// Creates the namespace and reserves the address of a bridge container.
// connect_network adds the links and firewall rules later, while the
// runtime starts the container.
NetworkState prepare_network(Context& ctx, const state::ContainerRecord& record,
                             const ContainerConfig& config, const std::string& userns_path,
                             Rollback& rollback) {
  NetworkState state;
  if (config.network_mode != "bridge") return state;
  auto& manager = ctx.network();
  // Owned by the container's user namespace, so that `runc exec`, which
  // joins that first, may join the network namespace too.
  state.netns = manager.create_netns(record.id, userns_path);
  rollback.add([&manager, netns = state.netns] { manager.remove_netns(netns); });
  state.network = config.bridge_network();
  auto attachment =
      reserve_address(manager, record.id, state.network, primary_network_request(config).static_ip);
  rollback.add([&manager, id = record.id, netns = state.netns, network = state.network,
                ports = port_mappings(config)] {
    manager.teardown(id, netns, network, ports);
  });
  state.interface = attachment.interface;
  state.ip = attachment.ip;
  state.prefix_len = attachment.prefix_len;
  state.gateway = attachment.gateway;
  // Networks added by `network connect`.
  allocate_connected_networks(ctx, record.id, config, state);
  rollback.add([&ctx, record, config] { release_connected_networks(ctx, record, config, true); });
  return state;
}

void connect_network(Context& ctx, const state::ContainerRecord& record,
                     const ContainerConfig& config, NetworkState& state) {
  network::Attachment attachment;
  attachment.network = state.network;
  attachment.interface = state.interface;
  attachment.ip = state.ip;
  attachment.prefix_len = state.prefix_len;
  attachment.gateway = state.gateway;
  attachment.mac = primary_network_request(config).static_mac;
  ctx.network().connect(record.id, state.netns, port_mappings(config), attachment);
  state.mac = attachment.mac;
  attach_connected_networks(ctx, record.id, config, state);
}

// The FIFO on which the CLI signals the container's createRuntime hook
// (berth-monitor --wait-for-network) that the network is ready. runc
// creates the container while the CLI attaches the network, and the
// process starts only after both. The CLI keeps its end open until the
// runtime is past the hook, because a FIFO that no process has open loses
// its content.
class NetworkGate {
 public:
  explicit NetworkGate(std::string path) : path_(std::move(path)) {
    ::unlink(path_.c_str());
    if (::mkfifo(path_.c_str(), 0600) != 0) fail_errno(errno, "creating \"" + path_ + "\"");
    // Read and write, so the open does not wait for a reader.
    fd_ = os::Fd(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_) {
      int err = errno;
      ::unlink(path_.c_str());
      fail_errno(err, "opening \"" + path_ + "\"");
    }
  }
  NetworkGate(const NetworkGate&) = delete;
  NetworkGate& operator=(const NetworkGate&) = delete;
  ~NetworkGate() { ::unlink(path_.c_str()); }

  const std::string& path() const { return path_; }

  // Lets the hook go on (ready) or fail the start (not ready).
  void open(bool ready) {
    char answer = ready ? '1' : '0';
    while (::write(fd_.get(), &answer, 1) < 0 && errno == EINTR) {
    }
  }

 private:
  std::string path_;
  os::Fd fd_;
};

// The host name: the --hostname value, else the host's own with --network
// host (as Podman does), else the short container ID.
std::string container_hostname(const state::ContainerRecord& record,
                               const ContainerConfig& config) {
  if (!config.hostname.empty()) return config.hostname;
  if (config.network_mode == "host") {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0) return name;
  }
  return record.id.substr(0, 12);
}

// Adds /etc/passwd and /etc/group lines for a numeric --user that the
// image lacks, as Podman does, unless a volume covers those files. HOME is
// then the working directory, as in the added passwd line.
void add_id_files(const ContainerConfig& config, const std::string& bundle,
                  runtime::SpecInput& in) {
  if (config.user.empty()) return;
  auto entries = runtime::missing_id_entries(in.rootfs, config.user, in.cwd);
  if (!entries.passwd_line.empty()) in.home = in.cwd;
  for (const auto& path : write_id_files(bundle, entries)) {
    bool covered = std::any_of(in.mounts.begin(), in.mounts.end(),
                               [&](const runtime::Mount& m) { return m.destination == path; });
    if (covered) continue;
    std::string source = bundle + path.substr(std::string_view("/etc").size());
    in.mounts.push_back({path, source, "bind", {"rbind", "rprivate"}});
  }
}

runtime::SpecInput spec_input(Context& ctx, const state::ContainerRecord& record,
                              const ContainerConfig& config, const NetworkState& network) {
  const auto& paths = ctx.paths();
  runtime::SpecInput in;
  in.container_id = record.id;
  in.rootfs = paths.rootfs(record.id);
  in.args = config.process_args();
  if (in.args.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "no command given for container {} and its image has no Entrypoint or Cmd: add a "
         "command after the image name",
         record.name);
  }
  in.env = config.env;
  in.default_path = false;  // create put PATH in config.env unless --unsetenv removed it
  bool has_hostname = false;
  for (const auto& e : in.env) has_hostname = has_hostname || e.starts_with("HOSTNAME=");
  if (!has_hostname) in.env.push_back("HOSTNAME=" + container_hostname(record, config));
  in.cwd = config.working_dir.empty() ? "/" : config.working_dir;
  // runc creates a missing working directory; one the user named must
  // exist, in the image or as a volume (exit 126 like Podman).
  bool cwd_is_volume = false;
  for (const auto& volume : config.volumes) {
    cwd_is_volume = cwd_is_volume || in.cwd == volume.destination ||
                    in.cwd.starts_with(volume.destination + "/");
  }
  if (!config.create_working_dir && !cwd_is_volume &&
      !runtime::directory_in_root(in.rootfs, in.cwd)) {
    if (runtime::exists_in_root(in.rootfs, in.cwd)) {
      fail(ErrorCode::kCommandNotExecutable,
           "workdir \"{}\" exists on container {}, but is not a directory", in.cwd, record.id);
    }
    fail(ErrorCode::kCommandNotExecutable, "workdir \"{}\" does not exist on container {}",
         in.cwd, record.id);
  }
  runtime::UserSpec user;
  try {
    user = runtime::resolve_user(in.rootfs, config.user);
  } catch (const Error& e) {
    // Podman reports an unknown user as a failure to run the command.
    if (e.code() != ErrorCode::kNotFound) throw;
    throw Error(ErrorCode::kCommandNotExecutable, e.what());
  }
  in.uid = user.uid;
  in.gid = user.gid;
  in.additional_gids = user.additional_gids;
  in.home = user.home;
  apply_userns(config, in);  // user namespace and --group-add (userns_start.cpp)
  in.terminal = config.tty;
  in.seccomp = config.seccomp;
  in.hostname = container_hostname(record, config);
  // As with Podman, a --user puts its primary group in the process's group
  // list too, so `id` prints groups=GID.
  if (!config.user.empty() && std::find(in.additional_gids.begin(), in.additional_gids.end(),
                                        user.gid) == in.additional_gids.end()) {
    in.additional_gids.insert(in.additional_gids.begin(), user.gid);
  }
  std::string bundle = paths.bundle_dir(record.id);
  if (config.network_mode == "host") {
    in.network_namespace = std::string(runtime::kHostNetwork);
  } else {
    in.network_namespace = network.netns;
  }
  in.mounts.push_back({"/etc/hosts", bundle + "/hosts", "bind", {"rbind", "rprivate"}});
  in.mounts.push_back({"/etc/hostname", bundle + "/hostname", "bind", {"rbind", "rprivate"}});
  in.mounts.push_back({"/etc/resolv.conf", bundle + "/resolv.conf", "bind", {"rbind", "rprivate"}});
  if (config.init) {
    in.mounts.push_back({kInitPath, config.init_path, "bind", {"bind", "ro", "nosuid", "nodev"}});
  }
  // Volumes: binds, volumes, tmpfs and image mounts (mounts.cpp).
  auto [host_uid, host_gid] = host_ids(config, user.uid, user.gid);
  auto volume_mounts = prepare_mounts(ctx, record, config, host_uid, host_gid);
  in.mounts.insert(in.mounts.end(), volume_mounts.begin(), volume_mounts.end());
  add_secrets(ctx, record, config, in);  // --secret (secret_files.cpp)
  add_id_files(config, bundle, in);
  // A volume on /etc must not hide the /etc/hosts mount above.
  sort_mounts(in.mounts);
  in.read_only = config.read_only_rootfs;
  in.read_only_tmpfs = config.read_only_tmpfs;
  auto mode = runtime::detect_cgroup_mode();
  in.cgroup_v2 = mode == runtime::CgroupMode::kUnified;
  in.cgroups_path = "/berth/" + record.id;
  apply_host_config(config, in);  // security, devices, limits (host_spec.cpp)
  add_joined_namespaces(ctx, config, in);  // pods, --ipc, --pid, ... (namespace_join.cpp)
  return in;
}

// Binds every published host port, as Podman's conmon does, so that the
// start fails at once when another program has the port and no program
// can take it while the container runs. The monitor keeps the sockets.
std::vector<os::Fd> reserve_host_ports(const ContainerConfig& config) {
  std::vector<os::Fd> sockets;
  for (const auto& port : config.ports) {
    if (port.host_port == 0) continue;
    bool udp = port.protocol == "udp";
    bool ipv6 = port.host_ip.find(':') != std::string::npos;
    std::string port_text = (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) + ":" +
                        std::to_string(port.host_port) + "/" + port.protocol;
    os::Fd socket(::socket(ipv6 ? AF_INET6 : AF_INET,
                           (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
    if (!socket) fail_errno(errno, "creating a socket to reserve host port " + port_text);
    int on = 1;
    ::setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_storage address{};
    socklen_t length = 0;
    if (ipv6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port.host_port);
      ::inet_pton(AF_INET6, port.host_ip.c_str(), &in6->sin6_addr);
      length = sizeof *in6;
    } else {
      auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
      in4->sin_family = AF_INET;
      in4->sin_port = htons(port.host_port);
      if (!port.host_ip.empty()) ::inet_pton(AF_INET, port.host_ip.c_str(), &in4->sin_addr);
      length = sizeof *in4;
    }
    if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        (!udp && ::listen(socket.get(), SOMAXCONN) != 0)) {
      int err = errno;
      fail(ErrorCode::kConflict, "cannot publish host port {}: {}: choose another host port or "
           "stop the program that uses it", port_text, std::strerror(err));
    }
    sockets.push_back(std::move(socket));
  }
  return sockets;
}


std::vector<std::string> monitor_argv(Context& ctx, const state::ContainerRecord& record,
                                      const ContainerConfig& config, bool attach,
                                      const std::string& token, std::size_t port_fds) {
  const auto& paths = ctx.paths();
  const auto& runtime = ctx.runtime();
  std::vector<std::string> argv = {ctx.monitor_binary(),
                                   "--id", record.id,
                                   "--runtime", runtime.path(),
                                   "--runtime-root", runtime.root_dir(),
                                   "--bundle", paths.bundle_dir(record.id),
                                   "--log", paths.log_file(record.id),
                                   "--exit-file", paths.exit_file(record.id),
                                   "--socket", paths.attach_socket(record.id),
                                   "--sync-fd", std::to_string(kMonitorSyncFd)};
  if (attach) {
    argv.insert(argv.end(), {"--attach-fd", std::to_string(kMonitorAttachFd), "--cleanup-marker",
                             paths.start_token_file(record.id), "--remove-when-done",
                             paths.trash_dir(record.id, token), "--remove-when-done",
                             paths.run_trash_dir(record.id, token)});
  }
  for (std::size_t i = 0; i < port_fds; ++i) {
    argv.insert(argv.end(), {"--keep-fd", std::to_string(kMonitorExtraFd + static_cast<int>(i))});
  }
  if (config.tty) argv.push_back("--terminal");
  if (config.interactive) argv.push_back("--stdin");
  // Log driver: the monitor's options; passthrough fds follow the port sockets.
  for (auto& arg : monitor_log_args(paths, record, config, kMonitorExtraFd + static_cast<int>(port_fds))) {
    argv.push_back(std::move(arg));
  }
  // Health check: the monitor runs `berth healthcheck run` every interval.
  if (!config.healthcheck.test.empty() && config.healthcheck.interval_ns > 0) {
    argv.insert(argv.end(),
                {"--timer-interval-ms", std::to_string(config.healthcheck.interval_ns / 1'000'000)});
    for (const std::string& arg :
         {ctx.berth_binary(), std::string("--root"), paths.root, std::string("--runroot"),
          paths.run_root, std::string("--runtime"), runtime.path(), std::string("healthcheck"),
          std::string("run"), record.id}) {
      argv.insert(argv.end(), {"--timer-arg", arg});
    }
  }
  if (spdlog::get_level() <= spdlog::level::debug) argv.insert(argv.end(), {"--log-level", "debug"});
  argv.insert(argv.end(), {"--", ctx.berth_binary(), "--root", paths.root, "--runroot",
                           paths.run_root, "--runtime", runtime.path(), "container", "cleanup",
                           "--start-token", token, record.id});
  return argv;
}

// How long a start waits for the monitor of an earlier, killed start. One
// whose hook failed exits within about 100 ms here (measured). One still
// alive after this started the container before its CLI died, so it would
// never exit.
constexpr int kStrayMonitorWaitMs = 1000;

// Waits until the berth-monitor of an earlier start of this container has
// exited, killing it after kStrayMonitorWaitMs. Such a monitor belongs to a
// start whose CLI was killed, and until it exits it keeps the published
// host ports bound. The monitor is found through its attach socket, whose peer
// credentials name its pid. The container of a killed monitor is removed
// with the runtime state further on.
void wait_for_stray_monitor(const std::string& socket_path) {
  os::Fd socket;
  try {
    socket = os::Fd(connect_attach_socket(socket_path));
  } catch (const Error&) {
    return;  // no monitor listens there
  }
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(socket.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.pid <= 0) {
    return;
  }
  socket.reset();
  std::string comm = os::read_file_if_exists("/proc/" + std::to_string(peer.pid) + "/comm")
                         .value_or("");
  if (!comm.starts_with("berth-monitor")) return;
  os::Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, peer.pid, 0)));
  if (!pidfd) return;  // already gone
  spdlog::debug("waiting for berth-monitor {} of an interrupted start", peer.pid);
  pollfd exited{pidfd.get(), POLLIN, 0};
  if (::poll(&exited, 1, kStrayMonitorWaitMs) == 1) return;
  spdlog::debug("berth-monitor {} is still running: killing it", peer.pid);
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
  ::poll(&exited, 1, kStrayMonitorWaitMs);
}

}  // namespace

void start(Context& ctx, state::ContainerRecord& record, const StartOptions& options) {
  const auto& paths = ctx.paths();
  // Pods: the infra container (or another joined one) runs first.
  if (!has_process(record.status)) {
    start_joined_containers(ctx, nlohmann::json::parse(record.config).get<ContainerConfig>());
  }
  // Before the lock: a monitor that is still finishing its cleanup needs
  // the lock to finish.
  if (!has_process(record.status)) wait_for_stray_monitor(paths.attach_socket(record.id));
  auto [lock, fresh] = lock_container(ctx, record.id);
  if (!fresh) fail_no_such_container(record.name);
  record = *fresh;
  if (record.status == "initialized" && !options.create_only) {
    // init: the runtime made the container; its process starts now.
    ctx.runtime().start(record.id);
    record.status = "running";
    if (!options.by_restart_policy) record.stopped_by_user = false;
    record.started_ns = now_ns();
    ctx.db().update_container(record);
    events::write_container(ctx.db(), record, "start");
    return;
  }
  if (has_process(record.status)) return;

  spdlog::debug("starting container {}", record.id);
  auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
  // A previous start that was killed halfway may have left a namespace,
  // addresses, rules or a mount behind: undo them before starting over.
  release_network(ctx, record, config);
  release_user_namespace(paths, record.id);
  // mount: a root file system the user mounted is used as it is.
  bool user_mounted = mount_count(ctx, record.id) > 0 && rootfs_mounted(ctx, record.id);
  if (!user_mounted) storage::unmount(paths.rootfs(record.id));
  Rollback rollback;
  // The user namespace the runtime joins, "" for none (userns_start.cpp).
  std::string userns_path = prepare_user_namespace(ctx, record.id, config);
  rollback.add([&paths, id = record.id] { release_user_namespace(paths, id); });
  if (!user_mounted) mount_rootfs(ctx, record, config, userns_path, rollback);
  spdlog::debug("mounted the root file system");
  NetworkState network = prepare_network(ctx, record, config, userns_path, rollback);
  std::string hostname = container_hostname(record, config);
  write_etc_files(paths.bundle_dir(record.id), hostname, record.name, config, network,
                  dns_name_servers(ctx, network));
  auto input = spec_input(ctx, record, config, network);
  if (!userns_path.empty()) input.user_namespace_path = userns_path;
  std::optional<NetworkGate> gate;
  if (!network.netns.empty()) {
    gate.emplace(paths.bundle_dir(record.id) + "/network-gate");
    input.create_runtime_hooks.push_back(
        {ctx.monitor_binary(), {"berth-monitor", "--wait-for-network", gate->path()}, 60});
  }
  input.console_rows = options.terminal_rows;
  input.console_columns = options.terminal_columns;
  if (config.userns.enabled()) open_paths_for_userns(paths, record.id);
  auto spec = runtime::build_spec(input);
  runtime::write_spec(paths.bundle_dir(record.id), spec);

  ::unlink(paths.exit_file(record.id).c_str());
  ::unlink(paths.attach_socket(record.id).c_str());
  // A previous run of this container may have left runtime state behind.
  // NOTE: if that run's CLI was killed while its monitor was still inside
  // `runc run`, that runc can race this start for the same container ID and
  // fail it. A second start then succeeds.
  ctx.runtime().remove(record.id, true);
  // Bound only now, after every helper process this start forks, so that a
  // killed start leaves no process that keeps the ports.
  std::vector<os::Fd> port_sockets = reserve_host_ports(config);
  spdlog::debug("bundle written; starting berth-monitor");
  std::string token = random_id().substr(0, 16);
  os::write_file_atomic(paths.start_token_file(record.id), token, 0600, os::Durability::kVolatile);
  std::vector<int> port_fds;
  for (const auto& socket : port_sockets) port_fds.push_back(socket.get());
  for (int fd : passthrough_fds(config)) port_fds.push_back(fd);  // log driver passthrough
  auto argv = monitor_argv(ctx, record, config, options.attach_fd >= 0, token, port_sockets.size());
  if (options.create_only) argv.insert(argv.begin() + 1, "--create-only");
  MonitorLaunch launch = spawn_monitor(argv, options.attach_fd, port_fds);
  // The links and rules are added while the runtime creates the container,
  // and its hook keeps the process waiting until the gate opens.
  std::exception_ptr network_failure;
  if (gate) {
    rollback.add([id = record.id, networks = config.bridge_networks()] {
      unregister_dns_names(id, networks);
    });
    try {
      connect_network(ctx, record, config, network);
      // Names are served before the process runs, because aardvark-dns
      // binds the gateway's address, which exists once the bridge is up.
      register_dns_names(ctx, record, config, network);
      spdlog::debug("network ready");
    } catch (const Error&) {
      network_failure = std::current_exception();
    }
    gate->open(!network_failure);
  }
  std::int64_t pid = 0;
  try {
    pid = await_monitor(record.name, launch);
  } catch (const Error&) {
    // The network's own error is clearer than the runtime's hook failure.
    if (network_failure) std::rethrow_exception(network_failure);
    throw;
  }
  if (network_failure) std::rethrow_exception(network_failure);
  spdlog::debug("container process {} is running", pid);

  record.status = options.create_only ? "initialized" : "running";
  if (!options.by_restart_policy) record.stopped_by_user = false;
  reset_health(ctx, record.id);
  record.pid = pid;
  record.exit_code = 0;
  record.started_ns = options.create_only ? 0 : now_ns();
  record.finished_ns = 0;
  record.network = config.network_mode == "bridge" ? nlohmann::json(network).dump() : "";
  // The events share the state change's transaction, as each commit costs
  // its own WAL writes.
  ctx.db().write([&] {
    ctx.db().update_container(record);
    events::write_container(ctx.db(), record, "init");
    if (!options.create_only) events::write_container(ctx.db(), record, "start");
    if (options.attach_fd >= 0) events::write_container(ctx.db(), record, "attach");
  });
  rollback.release();
  write_monitor_pidfile(paths.attach_socket(record.id), config.host_config.conmon_pidfile);
}

}  // namespace berth::container
