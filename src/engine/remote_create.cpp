// Remote client: run and create flags as a libpod SpecGenerator body.

#include "engine/remote_create.hpp"

#include <filesystem>
#include <sstream>
#include <string_view>

#include "common/error.hpp"
#include "container/config.hpp"
#include "container/health.hpp"
#include "container/log_config.hpp"
#include "container/restart.hpp"
#include "engine/create_resources.hpp"
#include "engine/create_userns.hpp"
#include "engine/env.hpp"
#include "engine/network_value.hpp"
#include "network/publish_spec.hpp"
#include "secret/secret_use.hpp"
#include "volume/mount_spec.hpp"

namespace berth::engine::remote {

namespace {

using nlohmann::json;

[[noreturn]] void reject_option(std::string_view option) {
  fail(ErrorCode::kUnavailable, "berth --remote: run and create option {} is not supported yet",
       option);
}

// Rejects the flags that remote mode does not carry. --env-host would copy
// the client's environment, so Podman's remote client does not offer it.
void reject_unsupported_options(const CreateRequest& r) {
  if (r.host.env_host) {
    fail(ErrorCode::kInvalidArgument, "unknown flag: --env-host (it is not available with --remote)");
  }
}

void add_command(const CreateRequest& r, json& body) {
  if (!r.name.empty()) body["name"] = r.name;
  if (!r.command.empty()) body["command"] = r.command;
  if (r.entrypoint) {
    json parsed = json::parse(*r.entrypoint, nullptr, false);
    if (parsed.is_array()) {
      body["entrypoint"] = parsed;
    } else if (r.entrypoint->empty()) {
      body["entrypoint"] = json::array();
    } else {
      body["entrypoint"] = json::array({*r.entrypoint});
    }
  }
  if (r.working_dir) body["work_dir"] = *r.working_dir;
  if (r.user) body["user"] = *r.user;
  if (!r.hostname.empty()) body["hostname"] = r.hostname;
  body["terminal"] = r.tty;
  body["stdin"] = r.interactive;
  body["remove"] = r.remove;
  if (r.init) body["init"] = true;
  if (!r.init_path.empty()) body["init_path"] = r.init_path;
  if (r.stop_signal) body["stop_signal"] = *r.stop_signal;
  if (r.stop_timeout) body["stop_timeout"] = *r.stop_timeout;
  if (!r.restart.empty()) {
    auto policy = container::parse_restart_policy(r.restart);
    body["restart_policy"] = policy.name;
    if (policy.retries > 0) body["restart_tries"] = policy.retries;
  }
  if (!r.host.conmon_pidfile.empty()) body["conmon_pid_file"] = r.host.conmon_pidfile;
}

// Environment files and KEY-only entries are read here, on the client, as
// Podman's remote client does. --env-merge and --unsetenv go to the service.
void add_environment(const CreateRequest& r, json& body) {
  std::vector<std::string> env;
  for (const auto& file : r.env_files) apply_env_file(env, file);
  for (const auto& value : r.env) apply_env_value(env, value);
  json env_map = json::object();
  for (const auto& entry : env) {
    auto equals = entry.find('=');
    if (equals == std::string::npos) continue;
    env_map[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  if (!env_map.empty()) body["env"] = env_map;
  if (!r.host.env_merge.empty()) body["envmerge"] = r.host.env_merge;
  if (!r.host.unsetenv.empty()) body["unsetenv"] = r.host.unsetenv;
  if (r.host.unsetenv_all) body["unsetenv_all"] = true;
}

// Labels (with --label-file read on the client) and annotations.
void add_labels(const CreateRequest& r, json& body) {
  container::ContainerConfig config;
  apply_label_flags(r.host, config);
  if (!config.labels.empty()) body["labels"] = config.labels;
  if (!config.annotations.empty()) body["annotations"] = config.annotations;
}

void add_network(const CreateRequest& r, json& body) {
  if (!r.publish.empty()) {
    json mappings = json::array();
    for (const auto& value : r.publish) mappings.push_back(port_mapping(value));
    body["portmappings"] = mappings;
  }
  body["netns"] = netns_spec(parse_network_value(r.network).name);
  if (json networks = networks_field(r.network); !networks.is_null()) body["Networks"] = networks;
}

// Pods: --pod, and --pid, --ipc and --uts as libpod namespaces.
json namespace_spec(const std::string& flag) {
  if (flag.starts_with("container:")) return {{"nsmode", "container"}, {"value", flag.substr(10)}};
  return {{"nsmode", flag}};
}

void add_pod(const CreateRequest& r, json& body) {
  if (!r.pod.empty()) body["pod"] = r.pod;
  if (!r.pid.empty()) body["pidns"] = namespace_spec(r.pid);
  if (!r.ipc.empty()) body["ipcns"] = namespace_spec(r.ipc);
  if (!r.uts.empty()) body["utsns"] = namespace_spec(r.uts);
}

// The options of a parsed mount in the -v option words the service parses
// back: "ro", "z", "U", "idmap", "nocopy", then the mount options.
std::vector<std::string> mount_options(const volume::MountSpec& mount) {
  std::vector<std::string> options;
  if (mount.read_only) options.push_back("ro");
  if (mount.relabel) options.push_back("z");
  if (mount.chown) options.push_back("U");
  if (mount.idmap) options.push_back("idmap");
  if (mount.type == volume::MountType::kVolume && !mount.copy_up) options.push_back("nocopy");
  for (const auto& option : mount.options) options.push_back(option);
  return options;
}

// Sorts one parsed mount into the SpecGenerator list Podman's remote client
// uses for it: named and anonymous volumes in volumes, overlay binds in
// overlay_volumes, image mounts in image_volumes, binds and tmpfs in mounts.
void add_mount(const volume::MountSpec& mount, json& body) {
  using volume::MountType;
  auto options = mount_options(mount);
  switch (mount.type) {
    case MountType::kVolume:
      // Podman's NamedVolume has no driver options: berth's service reads
      // them from Options in the --mount form.
      for (const auto& option : mount.volume_options) options.push_back("volume-opt=" + option);
      body["volumes"].push_back(
          {{"Name", mount.source}, {"Dest", mount.destination}, {"Options", options}});
      return;
    case MountType::kImage:
      body["image_volumes"].push_back({{"source", mount.source},
                                       {"destination", mount.destination},
                                       {"rw", !mount.read_only}});
      return;
    case MountType::kBind:
      if (mount.overlay) {
        body["overlay_volumes"].push_back(
            {{"source", mount.source}, {"destination", mount.destination}, {"options", options}});
        return;
      }
      body["mounts"].push_back({{"destination", mount.destination},
                                {"type", "bind"},
                                {"source", mount.source},
                                {"options", options}});
      return;
    case MountType::kTmpfs:
      body["mounts"].push_back({{"destination", mount.destination},
                                {"type", "tmpfs"},
                                {"source", "tmpfs"},
                                {"options", options}});
      return;
  }
}

// -v, --mount and --tmpfs are parsed here with the local parsers, so bad
// values fail with the local message and relative bind sources resolve
// against the client's directory. The bind sources are paths on the
// service's host.
void add_mounts(const CreateRequest& r, json& body) {
  std::string cwd = r.mount_flags.cwd;
  if (cwd.empty()) cwd = std::filesystem::current_path().string();
  for (const auto& value : r.volumes) add_mount(volume::parse_volume_flag(value, cwd), body);
  for (const auto& value : r.mount_flags.mounts) {
    add_mount(volume::parse_mount_flag(value, cwd), body);
  }
  for (const auto& value : r.mount_flags.tmpfs) add_mount(volume::parse_tmpfs_flag(value), body);
  if (!r.mount_flags.volumes_from.empty()) body["volumes_from"] = r.mount_flags.volumes_from;
  if (r.mount_flags.read_only) {
    body["read_only_filesystem"] = true;
    body["read_write_tmpfs"] = r.mount_flags.read_only_tmpfs;
  }
}

// The network mode apply_host_flags checks sysctls against.
std::string sysctl_network_mode(const std::string& network) {
  return network == "host" ? "host" : "bridge";
}

// Resource limits in the OCI LinuxResources form of resource_limits, plus
// r_limits, oom_score_adj, shm_size and sysctl. The flags are checked and
// converted by apply_host_flags, the function the local create uses.
// Devices and security options are left out here: they name files on the
// service's host, which the service checks.
void add_resources(const CreateRequest& r, json& body) {
  CreateRequest copy = r;
  copy.host.devices.clear();
  copy.security_opts.clear();
  container::ContainerConfig config;
  config.network_mode = sysctl_network_mode(r.network);
  apply_host_flags(copy, config);
  const auto& flags = r.host;
  const auto& res = config.host_config.resources;

  json limits = json::object();
  if (res.memory) limits["memory"]["limit"] = *res.memory;
  if (res.memory_reservation) limits["memory"]["reservation"] = *res.memory_reservation;
  if (res.memory_swap) limits["memory"]["swap"] = *res.memory_swap;
  if (res.memory_swappiness) limits["memory"]["swappiness"] = *res.memory_swappiness;
  if (res.cpu_shares) limits["cpu"]["shares"] = *res.cpu_shares;
  if (res.cpu_quota) limits["cpu"]["quota"] = *res.cpu_quota;
  if (res.cpu_period) limits["cpu"]["period"] = *res.cpu_period;
  if (!res.cpuset_cpus.empty()) limits["cpu"]["cpus"] = res.cpuset_cpus;
  if (!res.cpuset_mems.empty()) limits["cpu"]["mems"] = res.cpuset_mems;
  if (!flags.pids_limit.empty()) limits["pids"]["limit"] = res.pids_limit;
  if (res.blkio_weight) limits["blockIO"]["weight"] = *res.blkio_weight;
  if (!limits.empty()) body["resource_limits"] = limits;

  for (const auto& ulimit : res.ulimits) {
    body["r_limits"].push_back(
        {{"type", ulimit.name}, {"soft", ulimit.soft}, {"hard", ulimit.hard}});
  }
  if (res.oom_score_adj) body["oom_score_adj"] = *res.oom_score_adj;
  if (!flags.shm_size.empty()) body["shm_size"] = res.shm_size;
  if (!res.sysctls.empty()) body["sysctl"] = res.sysctls;
}

void add_security(const CreateRequest& r, json& body) {
  const auto& flags = r.host;
  if (flags.privileged) body["privileged"] = true;
  if (!flags.cap_add.empty()) body["cap_add"] = flags.cap_add;
  if (!flags.cap_drop.empty()) body["cap_drop"] = flags.cap_drop;
  for (const auto& device : flags.devices) body["devices"].push_back({{"path", device}});

  for (const auto& option : r.security_opts) {
    auto at = option.find_first_of("=:");
    std::string key = option.substr(0, at);
    std::string value = at == std::string::npos ? "" : option.substr(at + 1);
    if (key == "no-new-privileges" && (value.empty() || value == "true")) {
      body["no_new_privileges"] = true;
    } else if (key == "no-new-privileges" && value == "false") {
      continue;
    } else if (key == "seccomp" && !value.empty()) {
      body["seccomp_profile_path"] = value;
    } else if (key == "label" && !value.empty()) {
      body["selinux_opts"].push_back(value);
    } else if (key == "apparmor" && !value.empty()) {
      body["apparmor_profile"] = value;
    } else if ((key == "mask" || key == "unmask") && !value.empty()) {
      body[key].push_back(value);
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid --security-opt \"{}\": use seccomp=unconfined|FILE, no-new-privileges, "
           "label=..., apparmor=..., mask=PATHS or unmask=PATHS|ALL",
           option);
    }
  }
}

void add_name_resolution(const HostFlags& flags, json& body) {
  if (!flags.dns.empty()) body["dns_server"] = flags.dns;
  if (!flags.dns_search.empty()) body["dns_search"] = flags.dns_search;
  if (!flags.dns_options.empty()) body["dns_option"] = flags.dns_options;
  if (!flags.add_hosts.empty()) body["hostadd"] = flags.add_hosts;
  // Podman's name: the image's /etc/hosts is used as it is.
  if (flags.no_hosts) body["use_image_hosts"] = true;
}

json id_map_json(const std::vector<runtime::IdMapping>& map) {
  json entries = json::array();
  for (const auto& m : map) {
    entries.push_back({{"container_id", m.container_id}, {"host_id", m.host_id}, {"size", m.size}});
  }
  return entries;
}

// --uidmap, --gidmap, --subuidname and --subgidname are resolved here into
// the idmappings of the SpecGenerator, as Podman's remote client does, so
// --subuidname reads the client's /etc/subuid and /etc/subgid.
void add_userns(const UsernsFlags& flags, json& body) {
  if (!flags.group_add.empty()) body["groups"] = flags.group_add;
  // With --userns too, the service rejects the pair as a local create does.
  UsernsFlags maps_only = flags;
  maps_only.userns.clear();
  if (auto maps = explicit_id_maps(maps_only)) {
    body["idmappings"] = {{"HostUIDMapping", false},
                          {"HostGIDMapping", false},
                          {"UIDMap", id_map_json(maps->uids)},
                          {"GIDMap", id_map_json(maps->gids)}};
  }
  if (flags.userns.empty()) return;
  auto colon = flags.userns.find(':');
  json mode = {{"nsmode", flags.userns.substr(0, colon)}};
  if (colon != std::string::npos) mode["value"] = flags.userns.substr(colon + 1);
  body["userns"] = mode;
}

// Secrets: mount secrets in secrets, environment secrets in secret_env
// (variable to secret name), as Podman's remote client sends them.
void add_secrets(const CreateRequest& r, json& body) {
  for (const auto& value : r.secrets) {
    secret::SecretUse use = secret::parse_secret_use(value);
    if (use.type == "env") {
      body["secret_env"][use.target] = use.name;
      continue;
    }
    body["secrets"].push_back({{"Source", use.name},
                               {"Target", use.target},
                               {"UID", use.uid},
                               {"GID", use.gid},
                               {"Mode", use.mode}});
  }
}

// Podman's numbers for health_check_on_failure_action.
int on_failure_action(const std::string& action) {
  if (action == "kill") return 2;
  if (action == "restart") return 3;
  if (action == "stop") return 4;
  return 1;  // none
}

// Adds the health check in Docker's form (durations in nanoseconds). Only
// the given flags are sent, so the service keeps the image's other values.
// An Interval of 0 is --health-interval disable.
void add_healthcheck(const container::HealthFlags& flags, json& body) {
  auto check = container::resolve_healthcheck(json(), flags);  // checks the values
  json config = json::object();
  if (flags.disabled) {
    config["Test"] = json::array({"NONE"});
  } else if (flags.cmd) {
    config["Test"] = check.test.empty() ? json::array({"NONE"}) : json(check.test);
  }
  if (flags.interval) config["Interval"] = check.interval_ns;
  if (flags.timeout) config["Timeout"] = check.timeout_ns;
  if (flags.start_period) config["StartPeriod"] = check.start_period_ns;
  if (flags.retries) config["Retries"] = check.retries;
  if (!config.empty()) body["healthconfig"] = config;
  if (flags.on_failure) body["health_check_on_failure_action"] = on_failure_action(check.on_failure);
}

// The log driver and options: path and max-size have fields of their own.
void add_log_config(const CreateRequest& r, json& body) {
  if (r.log_driver.empty() && r.log_opts.empty()) return;
  container::parse_log_config(r.log_driver, r.log_opts, container::LogConfig{});  // checks
  json log = json::object();
  if (!r.log_driver.empty()) log["driver"] = r.log_driver;
  for (const auto& option : r.log_opts) {
    auto equals = option.find('=');
    std::string key = option.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : option.substr(equals + 1);
    if (key == "path") {
      log["path"] = value;
    } else if (key == "max-size") {
      log["size"] = container::parse_log_size(value);
    } else {
      log["options"][key] = value;
    }
  }
  body["log_configuration"] = log;
}

}  // namespace

json port_mapping(const std::string& value) {
  network::PublishSpec spec = network::parse_publish_spec(value);
  json mapping = {{"container_port", spec.container_port}, {"protocol", spec.protocol}};
  if (spec.host_port > 0) mapping["host_port"] = spec.host_port;
  if (spec.range > 1) mapping["range"] = spec.range;
  if (!spec.host_ip.empty()) mapping["host_ip"] = spec.host_ip;
  return mapping;
}

json netns_spec(const std::string& network) {
  if (network == "host" || network == "none" || network == "private" ||
      network == "slirp4netns" || network == "pasta") {
    return {{"nsmode", network}};
  }
  if (network.starts_with("container:")) {
    return {{"nsmode", "container"}, {"value", network.substr(10)}};
  }
  if (network.starts_with("ns:")) return {{"nsmode", "path"}, {"value", network.substr(3)}};
  return {{"nsmode", "bridge"}};
}

bool is_user_network(const std::string& network) {
  return netns_spec(network)["nsmode"] == "bridge" && !network.empty() && network != "bridge" &&
         network != "podman" && network != "default";
}

json networks_field(const std::string& network) {
  // A user network, or the default one with options: the service checks
  // that it exists.
  NetworkValue value = parse_network_value(network);
  bool options = !value.aliases.empty() || !value.ip.empty() || !value.mac.empty();
  // The same checks and messages as the local create's.
  if (options && netns_spec(value.name)["nsmode"] != "bridge") {
    if (!value.aliases.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "network aliases need a bridge network, not --network {}: drop the aliases or use a "
           "bridge network",
           value.name);
    }
    const char* flag = value.ip.empty() ? "--mac-address" : "--ip";
    fail(ErrorCode::kInvalidArgument,
         "{} can only be set when the network mode is bridge, not {}: drop {} or use a bridge "
         "network",
         flag, value.name, flag);
  }
  if (!is_user_network(value.name) && !options) return nullptr;
  json endpoint = json::object();
  if (!value.aliases.empty()) endpoint["aliases"] = value.aliases;
  if (!value.ip.empty()) endpoint["static_ips"] = json::array({value.ip});
  if (!value.mac.empty()) endpoint["static_mac"] = value.mac;
  return {{is_user_network(value.name) ? value.name : "default", endpoint}};
}

json create_body(const CreateRequest& r) {
  reject_unsupported_options(r);
  json body = {{"image", r.image}};
  add_command(r, body);
  add_environment(r, body);
  add_labels(r, body);
  add_network(r, body);
  add_pod(r, body);
  add_mounts(r, body);
  add_resources(r, body);
  add_security(r, body);
  add_name_resolution(r.host, body);
  add_userns(r.userns, body);
  add_secrets(r, body);
  add_healthcheck(r.health, body);
  add_log_config(r, body);
  return body;
}

}  // namespace berth::engine::remote
