#include "engine/inspect.hpp"

#include <algorithm>

#include "common/time.hpp"
#include "container/config.hpp"
#include "container/exec.hpp"
#include "container/health.hpp"
#include "container/logs.hpp"
#include "container/network_dns.hpp"
#include "engine/create_userns.hpp"
#include "engine/inspect_host_config.hpp"
#include "engine/mount_inspect.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::engine {

namespace {

// Appends the short ID of container id to aliases unless a client gave
// it already (docker-compose sends it as an alias).
void add_short_id(std::vector<std::string>& aliases, const std::string& id) {
  std::string short_id = id.substr(0, 12);
  if (std::find(aliases.begin(), aliases.end(), short_id) == aliases.end()) {
    aliases.push_back(short_id);
  }
}

// The annotations without the ones that store the first network's aliases
// and static addresses, which inspect shows under NetworkSettings.Networks.
nlohmann::json user_annotations(const container::ContainerConfig& config) {
  nlohmann::json annotations = config.annotations;
  annotations.erase(container::kNetworkAliasesAnnotation);
  annotations.erase(container::kNetworkIpAnnotation);
  annotations.erase(container::kNetworkMacAnnotation);
  return annotations;
}

std::string time_or_zero(std::int64_t ns) {
  return ns == 0 ? "0001-01-01T00:00:00Z" : format_rfc3339_nano(ns);
}

nlohmann::json ports_json(const container::ContainerConfig& config) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& exposed : config.exposed_ports) ports[exposed] = nullptr;
  for (const auto& p : config.ports) {
    std::string key = std::to_string(p.container_port) + "/" + p.protocol;
    if (!ports[key].is_array()) ports[key] = nlohmann::json::array();
    ports[key].push_back({{"HostIp", p.host_ip.empty() ? "0.0.0.0" : p.host_ip},
                          {"HostPort", std::to_string(p.host_port)}});
  }
  return ports;
}

std::string status_name(const state::ContainerRecord& record) { return record.status; }

}  // namespace

nlohmann::json image_inspect_json(const state::ImageRecord& image) {
  auto config = nlohmann::json::parse(image.config);
  nlohmann::json repo_tags = image.names;
  nlohmann::json layers = image.layers;
  nlohmann::json out = {
      {"Id", image.id},
      {"Digest", image.digest},
      {"RepoTags", repo_tags},
      {"RepoDigests", image.repo_digests},
      {"Parent", ""},
      {"Comment", config.value("comment", "")},
      {"Created", time_or_zero(image.created_ns)},
      {"Config", config.value("config", nlohmann::json::object())},
      {"Version", config.value("docker_version", "")},
      {"Author", config.value("author", "")},
      {"Architecture", config.value("architecture", "")},
      {"Os", config.value("os", "")},
      {"Size", image.size},
      {"VirtualSize", image.size},
      {"GraphDriver", {{"Name", "overlay"}, {"Data", nlohmann::json::object()}}},
      {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
      {"Labels", config.value("config", nlohmann::json::object())
                     .value("Labels", nlohmann::json::object())},
      {"Annotations", nlohmann::json::object()},
      {"ManifestType", image.manifest_type},
      {"User", config.value("config", nlohmann::json::object()).value("User", "")},
      {"History", config.value("history", nlohmann::json::array())},
      {"NamesHistory", image.names},
  };
  if (config.contains("variant")) out["Variant"] = config["variant"];
  return out;
}

namespace {

// Log driver: the log file, "" for the drivers that write none.
std::string inspect_log_path(const container::Paths& paths, const std::string& id,
                             const container::LogConfig& log) {
  return log.writes_file() ? container::log_file_path(paths, id, log) : "";
}

// Log driver: HostConfig.LogConfig as Podman 4.3 shows it, with Config null.
nlohmann::json log_config_json(const container::Paths& paths, const std::string& id,
                               const container::LogConfig& log) {
  return {{"Type", log.driver},
          {"Config", nullptr},
          {"Path", inspect_log_path(paths, id, log)},
          {"Tag", log.tag},
          {"Size", container::format_log_size(log.max_size)}};
}

// Config.Healthcheck in Docker's form, or null when there is none.
nlohmann::json healthcheck_json(const container::HealthCheck& check) {
  if (check.test.empty()) return nullptr;
  return {{"Test", check.test},
          {"Interval", check.interval_ns},
          {"Timeout", check.timeout_ns},
          {"StartPeriod", check.start_period_ns},
          {"Retries", check.retries}};
}

// The IDs of the container's exec sessions, oldest first.
// One entry of NetworkSettings.Networks. The endpoint is empty while the
// container does not run.
nlohmann::json network_endpoint_json(const std::string& network_name,
                                     const container::NetworkEndpoint& endpoint,
                                     const std::vector<std::string>& aliases) {
  return {{"EndpointID", ""},
          {"Gateway", endpoint.gateway},
          {"IPAddress", endpoint.ip},
          {"IPPrefixLen", endpoint.prefix_len},
          {"IPv6Gateway", ""},
          {"GlobalIPv6Address", ""},
          {"GlobalIPv6PrefixLen", 0},
          {"MacAddress", endpoint.mac},
          {"NetworkID", network_name},
          {"DriverOpts", nullptr},
          {"IPAMConfig", nullptr},
          {"Links", nullptr},
          {"Aliases", aliases}};
}

std::vector<std::string> exec_ids(container::Context& ctx, const std::string& id) {
  std::vector<std::string> ids;
  for (const auto& session : container::exec_sessions(ctx, id)) ids.push_back(session.id);
  return ids;
}

}  // namespace

nlohmann::json container_inspect_json(container::Context& ctx,
                                      const state::ContainerRecord& record,
                                      const state::ImageRecord* image) {
  auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
  container::NetworkState network;
  if (!record.network.empty()) {
    network = nlohmann::json::parse(record.network).get<container::NetworkState>();
  }
  const auto& paths = ctx.paths();
  auto args = config.process_args();
  bool running = record.status == "running";
  std::string bundle = paths.bundle_dir(record.id);
  std::string hostname = config.hostname.empty() ? record.id.substr(0, 12) : config.hostname;

  // Volumes: Mounts, Binds and Tmpfs (mount_inspect.cpp).
  auto mount_report = mounts_inspect_json(ctx, config);
  nlohmann::json& mounts = mount_report.mounts;
  nlohmann::json& binds = mount_report.binds;

  nlohmann::json port_bindings = nlohmann::json::object();
  for (const auto& p : config.ports) {
    std::string key = std::to_string(p.container_port) + "/" + p.protocol;
    port_bindings[key].push_back({{"HostIp", p.host_ip}, {"HostPort", std::to_string(p.host_port)}});
  }

  nlohmann::json networks = nlohmann::json::object();
  if (config.network_mode == "bridge") {
    // The first network: its aliases, then the short ID, as below.
    std::vector<std::string> primary_aliases = container::primary_network_aliases(config);
    add_short_id(primary_aliases, record.id);
    networks[config.bridge_network()] = network_endpoint_json(
        config.bridge_network(), {network.network, network.interface, network.ip,
                                  network.prefix_len, network.gateway, network.mac},
        primary_aliases);
    // Networks added by `network connect`: the --alias names, then the short ID.
    for (const auto& connected : config.connected_networks) {
      container::NetworkEndpoint endpoint;
      for (const auto& e : network.connected) {
        if (e.network == connected.name) endpoint = e;
      }
      std::vector<std::string> aliases = connected.aliases;
      add_short_id(aliases, record.id);
      networks[connected.name] = network_endpoint_json(connected.name, endpoint, aliases);
    }
  }

  nlohmann::json out = {
      {"Id", record.id},
      {"Created", format_rfc3339_nano(record.created_ns)},
      {"Path", args.empty() ? "" : args.front()},
      {"Args", args.size() > 1 ? nlohmann::json(std::vector<std::string>(args.begin() + 1, args.end()))
                               : nlohmann::json::array()},
      {"State",
       {{"OciVersion", "1.0.2"},
        {"Status", status_name(record)},
        {"Running", running},
        {"Paused", record.status == "paused"},
        {"Restarting", false},
        {"OOMKilled", false},
        {"Dead", false},
        {"Pid", record.pid},
        {"ExitCode", record.exit_code},
        {"Error", ""},
        {"StartedAt", time_or_zero(record.started_ns)},
        {"FinishedAt", time_or_zero(record.finished_ns)},
        {"Health", container::health_state(ctx, record, config)}}},
      {"Image", record.image_id},
      {"ImageDigest", image != nullptr ? image->digest : ""},
      {"ImageName", record.image_name},
      {"ExecIDs", exec_ids(ctx, record.id)},
      {"Rootfs", ""},
      {"Pod", config.pod_id},
      {"ResolvConfPath", bundle + "/resolv.conf"},
      {"HostnamePath", bundle + "/hostname"},
      {"HostsPath", bundle + "/hosts"},
      {"StaticDir", bundle},
      {"OCIConfigPath", bundle + "/config.json"},
      {"OCIRuntime", config.runtime},
      {"LogPath", inspect_log_path(paths, record.id, config.log)},
      {"Name", record.name},
      {"RestartCount", record.restart_count},
      {"Driver", "overlay"},
      {"GraphDriver",
       {{"Name", "overlay"},
        {"Data",
         {{"UpperDir", paths.container_dir(record.id) + "/diff"},
          {"WorkDir", paths.container_dir(record.id) + "/work"},
          {"MergedDir", paths.rootfs(record.id)}}}}},
      {"Mounts", mounts},
      {"NetworkSettings",
       {{"EndpointID", ""},
        {"Gateway", network.gateway},
        {"IPAddress", network.ip},
        {"IPPrefixLen", network.prefix_len},
        {"IPv6Gateway", ""},
        {"GlobalIPv6Address", ""},
        {"GlobalIPv6PrefixLen", 0},
        {"MacAddress", network.mac},
        {"Bridge", ""},
        {"SandboxID", ""},
        {"HairpinMode", false},
        {"LinkLocalIPv6Address", ""},
        {"LinkLocalIPv6PrefixLen", 0},
        {"Ports", ports_json(config)},
        {"SandboxKey", network.netns},
        {"Networks", networks}}},
      {"Namespace", ""},
      {"IsInfra", false},
      {"Config",
       {{"Hostname", hostname},
        {"Domainname", ""},
        {"User", config.user},
        {"AttachStdin", config.interactive},
        {"AttachStdout", false},
        {"AttachStderr", false},
        {"Tty", config.tty},
        {"OpenStdin", config.interactive},
        {"StdinOnce", false},
        {"Env", config.env},
        {"Cmd", config.cmd},
        {"Image", record.image_name},
        {"Volumes", nullptr},
        {"WorkingDir", config.working_dir},
        {"Entrypoint", config.entrypoint},
        {"OnBuild", nullptr},
        {"Labels", config.labels},
        {"Annotations", user_annotations(config)},
        {"StopSignal", config.stop_signal},
        {"StopTimeout", config.stop_timeout},
        {"Healthcheck", healthcheck_json(config.healthcheck)}}},
      {"HostConfig",
       {{"Binds", binds},
        {"NetworkMode", config.network_mode},
        {"PortBindings", port_bindings},
        {"AutoRemove", config.remove},
        {"RestartPolicy",
         {{"Name", config.restart_policy == "no" ? "" : config.restart_policy},
          {"MaximumRetryCount", config.restart_retries}}},
        {"LogConfig", log_config_json(paths, record.id, config.log)},
        // What berth applies to every container today: private namespaces,
        // cgroupfs, the default capabilities, 64 MiB /dev/shm, 2048 pids.
        {"CgroupManager", "cgroupfs"},
        // A cgroup namespace of its own on cgroup v2 only (see build_spec).
        {"CgroupMode", runtime::detect_cgroup_mode() == runtime::CgroupMode::kUnified ? "private"
                                                                                     : "host"},
        {"CgroupParent", ""},
        {"Cgroup", ""},
        {"Cgroups", "default"},
        {"ContainerIDFile", ""},
        {"VolumeDriver", ""},
        {"VolumesFrom", nullptr},
        {"CapAdd", nlohmann::json::array()},
        {"CapDrop", nlohmann::json::array()},
        {"Dns", nlohmann::json::array()},
        {"DnsOptions", nlohmann::json::array()},
        {"DnsSearch", nlohmann::json::array()},
        {"ExtraHosts", nlohmann::json::array()},
        {"GroupAdd", nlohmann::json::array()},
        {"IpcMode", "shareable"},
        {"PidMode", "private"},
        {"UTSMode", "private"},
        {"UsernsMode", ""},
        {"Links", nullptr},
        {"OomScoreAdj", 0},
        {"Privileged", false},
        {"PublishAllPorts", false},
        {"ReadonlyRootfs", config.read_only_rootfs},
        {"SecurityOpt", config.seccomp ? nlohmann::json::array()
                                       : nlohmann::json::array({"seccomp=unconfined"})},
        {"Tmpfs", mount_report.tmpfs},
        {"ShmSize", 64 * 1024 * 1024},
        {"Runtime", "oci"},
        {"ConsoleSize", {0, 0}},
        {"Isolation", ""},
        {"CpuShares", 0},
        {"CpuCount", 0},
        {"CpuPercent", 0},
        {"CpuPeriod", 0},
        {"CpuQuota", 0},
        {"CpuRealtimePeriod", 0},
        {"CpuRealtimeRuntime", 0},
        {"CpusetCpus", ""},
        {"CpusetMems", ""},
        {"NanoCpus", 0},
        {"Memory", 0},
        {"MemoryReservation", 0},
        {"MemorySwap", 0},
        {"MemorySwappiness", 0},
        {"KernelMemory", 0},
        {"OomKillDisable", false},
        {"PidsLimit", 2048},
        {"BlkioWeight", 0},
        {"BlkioWeightDevice", nullptr},
        {"BlkioDeviceReadBps", nullptr},
        {"BlkioDeviceWriteBps", nullptr},
        {"BlkioDeviceReadIOps", nullptr},
        {"BlkioDeviceWriteIOps", nullptr},
        {"Devices", nlohmann::json::array()},
        {"DiskQuota", 0},
        {"IOMaximumIOps", 0},
        {"IOMaximumBandwidth", 0},
        {"Ulimits", nlohmann::json::array()},
        {"CgroupConf", nullptr}}},
  };
  // The values of --cap-add, --memory, --ulimit, --dns, ... (inspect_host_config.cpp).
  out["HostConfig"].update(host_config_inspect_json(config));
  out["HostConfig"].update(userns_inspect_json(config));  // UsernsMode, IDMappings, GroupAdd
  out["HostConfig"]["Init"] = config.init;  // --init
  // Secrets: the mount secrets, without their data (Podman leaves the
  // environment ones out).
  for (const auto& use : config.secrets) {
    if (use.type != "mount") continue;
    out["Config"]["Secrets"].push_back(
        {{"Name", use.name}, {"ID", use.id}, {"UID", use.uid}, {"GID", use.gid}, {"Mode", use.mode}});
  }
  return out;
}

}  // namespace berth::engine
