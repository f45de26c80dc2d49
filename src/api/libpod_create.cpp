// Podman's container create body (a SpecGenerator), mapped to the engine's
// request. Each field is turned back into the run and create flag it comes
// from, so the local create checks it with the local messages.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "api/body_fields.hpp"
#include "api/compat_create.hpp"
#include "api/network_entries.hpp"
#include "api/port_mappings.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "config/go_duration.hpp"

namespace berth::api {

namespace {

using nlohmann::json;
using namespace body_fields;

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (const auto& part : parts) {
    if (!text.empty()) text += separator;
    text += part;
  }
  return text;
}

// Calls add for each object of the list body[key].
template <typename Add>
void for_each_object(const json& body, const char* key, Add add) {
  const json* list = field(body, key);
  if (!list) return;
  if (!list->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: expected a list", key);
  }
  for (const auto& item : *list) {
    if (!item.is_object()) {
      fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: expected a list of objects",
           key);
    }
    add(item);
  }
}

// Returns an integer member of an optional object as flag text, or "" when absent.
std::string number_text(const json* object, const char* key) {
  if (!object || !field(*object, key)) return "";
  return std::to_string(int_field(*object, key));
}

void add_command(const json& body, engine::CreateRequest& request) {
  request.command = string_list_field(body, "command");
  if (field(body, "entrypoint")) {
    request.entrypoint = json(string_list_field(body, "entrypoint")).dump();
  }
  if (std::string dir = string_field(body, "work_dir"); !dir.empty()) request.working_dir = dir;
  if (std::string user = string_field(body, "user"); !user.empty()) request.user = user;
  request.hostname = string_field(body, "hostname");
  request.tty = bool_field(body, "terminal");
  request.interactive = bool_field(body, "stdin");
  request.remove = bool_field(body, "remove");
  request.init = bool_field(body, "init");
  request.init_path = string_field(body, "init_path");
  // Podman sends the stop signal as a number, berth's client as a name.
  if (const json* signal = field(body, "stop_signal"); signal && signal->is_number_integer()) {
    if (signal->get<int>() != 0) request.stop_signal = std::to_string(signal->get<int>());
  } else if (std::string name = string_field(body, "stop_signal"); !name.empty()) {
    request.stop_signal = name;
  }
  if (const json* timeout = field(body, "stop_timeout"); timeout && timeout->is_number_integer()) {
    request.stop_timeout = timeout->get<int>();
  }
  if (std::string policy = string_field(body, "restart_policy"); !policy.empty()) {
    std::int64_t tries = int_field(body, "restart_tries");
    request.restart = policy == "on-failure" && tries > 0 ? policy + ":" + std::to_string(tries)
                                                          : policy;
  }
  request.host.conmon_pidfile = string_field(body, "conmon_pid_file");
}

void add_environment(const json& body, engine::CreateRequest& request) {
  request.env = map_field(body, "env");
  request.host.env_host = bool_field(body, "env_host");
  request.host.env_merge = string_list_field(body, "envmerge");
  request.host.unsetenv = string_list_field(body, "unsetenv");
  request.host.unsetenv_all = bool_field(body, "unsetenv_all");
  request.host.labels = map_field(body, "labels");
  request.host.annotations = map_field(body, "annotations");
}

void add_ports(const json& body, engine::CreateRequest& request) {
  for (auto& value : publish_values(body)) request.publish.push_back(std::move(value));
}

// netns and Networks: bridge mode with one entry in Networks joins that
// user network, as Podman's client sends `--network NAME`.
void add_network(const json& body, engine::CreateRequest& request) {
  std::vector<std::string> networks;
  if (const json* named = field(body, "Networks")) {
    if (!named->is_object()) {
      fail(ErrorCode::kInvalidArgument, "invalid Networks in the request body: expected an object");
    }
    for (const auto& [name, unused] : named->items()) networks.push_back(name);
  }
  if (networks.size() > 1) {
    fail(ErrorCode::kInvalidArgument,
         "invalid Networks in the request body: a container joins one network at create, got {}",
         networks.size());
  }
  std::string mode = "bridge";
  std::string value;
  if (const json* netns = field(body, "netns")) {
    mode = string_field(*netns, "nsmode");
    value = string_field(*netns, "value");
  }
  if (mode.empty() || mode == "bridge" || mode == "default") {
    request.network = networks.empty() ? "bridge" : networks.front();
    // The network's aliases, static_ips and static_mac become options.
    const json* named = field(body, "Networks");
    const json* endpoint =
        named && !networks.empty() ? field(*named, networks.front().c_str()) : nullptr;
    if (endpoint) request.network = network_value_of_entry(request.network, *endpoint);
  } else if (mode == "host" || mode == "none" || mode == "private" || mode == "slirp4netns" ||
             mode == "pasta") {
    request.network = mode;
  } else if (mode == "container") {
    request.network = "container:" + value;
  } else if (mode == "path" || mode == "ns") {
    request.network = "ns:" + value;
  } else {
    fail(ErrorCode::kInvalidArgument,
         "invalid netns.nsmode \"{}\" in the request body: use bridge, host, none, private, "
         "slirp4netns, pasta, container or path",
         mode);
  }
}

// Rejects the cgroupns field, which berth's create has no flag for yet,
// rather than dropping it. Podman's client sends it empty when the user
// gave no --cgroupns.
void reject_unsupported_fields(const json& body) {
  const json* mode = field(body, "cgroupns");
  std::string name = mode ? string_field(*mode, "nsmode") : "";
  if (!name.empty() && name != "private" && name != "default") {
    fail(ErrorCode::kUnavailable, "cgroupns.nsmode \"{}\" in the request body is not supported yet",
         name);
  }
}

// Pods: pod joins the pod's namespaces. pidns, ipcns and utsns become the
// --pid, --ipc and --uts values. Podman's client sends them empty when the
// user gave none of those flags.
void add_pod_namespaces(const json& body, engine::CreateRequest& request) {
  request.pod = string_field(body, "pod");
  auto namespace_flag = [&](const char* key) -> std::string {
    const json* ns = field(body, key);
    if (!ns) return "";
    std::string mode = string_field(*ns, "nsmode");
    if (mode.empty() || mode == "default") return "";
    if (mode == "host" || mode == "private") return mode;
    if (mode == "container") return "container:" + string_field(*ns, "value");
    fail(ErrorCode::kUnavailable, "{}.nsmode \"{}\" in the request body is not supported yet",
         key, mode);
  };
  request.pid = namespace_flag("pidns");
  request.ipc = namespace_flag("ipcns");
  request.uts = namespace_flag("utsns");
}

// A -v value SOURCE:DEST[:OPTIONS], or DEST[:OPTIONS] without a source.
std::string volume_flag(const std::string& source, const std::string& destination,
                        const std::vector<std::string>& options) {
  std::string flag = source.empty() ? destination : source + ":" + destination;
  if (!options.empty()) flag += ":" + join(options, ",");
  return flag;
}

// mounts: binds become -v values and tmpfs mounts --tmpfs values.
void add_spec_mounts(const json& body, engine::CreateRequest& request) {
  for_each_object(body, "mounts", [&](const json& mount) {
    std::string type = string_field(mount, "type");
    std::string destination = string_field(mount, "destination");
    std::string source = string_field(mount, "source");
    auto options = string_list_field(mount, "options");
    if (type == "bind") {
      if (source.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "invalid mounts entry for \"{}\" in the request body: a bind mount needs a source",
             destination);
      }
      request.volumes.push_back(volume_flag(source, destination, options));
    } else if (type == "tmpfs") {
      request.mount_flags.tmpfs.push_back(options.empty() ? destination
                                                          : destination + ":" + join(options, ","));
    } else if (type == "volume") {
      request.volumes.push_back(volume_flag(source, destination, options));
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid mounts entry for \"{}\" in the request body: type \"{}\" is not supported, "
           "use bind, tmpfs or volume",
           destination, type);
    }
  });
}

// volumes, overlay_volumes and image_volumes, and volumes_from.
void add_volumes(const json& body, engine::CreateRequest& request) {
  for_each_object(body, "volumes", [&](const json& volume) {
    std::string name = string_field(volume, "Name");
    std::string destination = string_field(volume, "Dest");
    // Name is a volume's name: a path here would become a bind mount.
    if (!name.empty() && !is_valid_name(name)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid volumes entry for \"{}\" in the request body: \"{}\" is not a volume name "
           "([a-zA-Z0-9][a-zA-Z0-9_.-]*); send host paths in mounts",
           destination, name);
    }
    auto options = string_list_field(volume, "Options");
    bool driver_options = std::any_of(options.begin(), options.end(), [](const auto& option) {
      return option.starts_with("volume-opt=");
    });
    if (!driver_options) {
      request.volumes.push_back(volume_flag(name, destination, options));
      return;
    }
    // Driver options, which berth's client sends as volume-opt=K=V, exist
    // only in the --mount form; the other -v options are --mount keys too.
    std::string spec = "type=volume";
    if (!name.empty()) spec += ",source=" + name;
    spec += ",target=" + destination;
    for (const auto& option : options) spec += "," + option;
    request.mount_flags.mounts.push_back(spec);
  });
  for_each_object(body, "overlay_volumes", [&](const json& volume) {
    auto options = string_list_field(volume, "options");
    options.insert(options.begin(), "O");
    request.volumes.push_back(volume_flag(string_field(volume, "source"),
                                          string_field(volume, "destination"), options));
  });
  for_each_object(body, "image_volumes", [&](const json& volume) {
    request.mount_flags.mounts.push_back(
        fmt::format("type=image,source={},target={},rw={}", string_field(volume, "source"),
                    string_field(volume, "destination"), bool_field(volume, "rw")));
  });
  request.mount_flags.volumes_from = string_list_field(body, "volumes_from");
  request.mount_flags.read_only = bool_field(body, "read_only_filesystem");
  // With --read-only, an absent read_write_tmpfs means false, as in Podman,
  // because Podman's client sends the tmpfs mounts of --read-only itself.
  request.mount_flags.read_only_tmpfs = field(body, "read_write_tmpfs")
                                            ? bool_field(body, "read_write_tmpfs")
                                            : !request.mount_flags.read_only;
}

// Converts quota and period back to --cpus when the period is the one
// --cpus sets (100000 microseconds), because Podman's client sends --cpus
// only in that form.
// NOTE: so --cpu-quota with --cpu-period 100000 reads as --cpus here.
void add_cpu_limits(const json& cpu, engine::HostFlags& flags) {
  flags.cpu_shares = number_text(&cpu, "shares");
  flags.cpu_quota = number_text(&cpu, "quota");
  flags.cpu_period = number_text(&cpu, "period");
  if (flags.cpu_period == "100000" && !flags.cpu_quota.empty() && flags.cpu_quota != "-1") {
    flags.cpus = fmt::format("{}", static_cast<double>(int_field(cpu, "quota")) / 100000.0);
    flags.cpu_quota.clear();
    flags.cpu_period.clear();
  }
  flags.cpuset_cpus = string_field(cpu, "cpus");
  flags.cpuset_mems = string_field(cpu, "mems");
}

// resource_limits (OCI LinuxResources), r_limits, oom_score_adj, shm_size
// and sysctl.
void add_resources(const json& body, engine::HostFlags& flags) {
  if (const json* limits = field(body, "resource_limits")) {
    const json* memory = field(*limits, "memory");
    flags.memory = number_text(memory, "limit");
    flags.memory_reservation = number_text(memory, "reservation");
    flags.memory_swap = number_text(memory, "swap");
    flags.memory_swappiness = number_text(memory, "swappiness");
    if (const json* cpu = field(*limits, "cpu")) add_cpu_limits(*cpu, flags);
    flags.pids_limit = number_text(field(*limits, "pids"), "limit");
    flags.blkio_weight = number_text(field(*limits, "blockIO"), "weight");
  }
  for_each_object(body, "r_limits", [&](const json& limit) {
    std::string type = string_field(limit, "type");
    if (type.starts_with("RLIMIT_")) type.erase(0, 7);
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    flags.ulimits.push_back(fmt::format("{}={}:{}", type, int_field(limit, "soft"),
                                        int_field(limit, "hard")));
  });
  if (field(body, "oom_score_adj")) {
    flags.oom_score_adj = std::to_string(int_field(body, "oom_score_adj"));
  }
  if (field(body, "shm_size")) flags.shm_size = std::to_string(int_field(body, "shm_size"));
  flags.sysctls = map_field(body, "sysctl");
}

void add_name_resolution(const json& body, engine::HostFlags& flags) {
  flags.dns = string_list_field(body, "dns_server");
  flags.dns_search = string_list_field(body, "dns_search");
  flags.dns_options = string_list_field(body, "dns_option");
  flags.add_hosts = string_list_field(body, "hostadd");
  flags.no_hosts = bool_field(body, "use_image_hosts");
}

// Capabilities, devices and the fields Podman's client splits
// --security-opt into, joined back into --security-opt values.
void add_security(const json& body, engine::CreateRequest& request) {
  auto& flags = request.host;
  flags.privileged = bool_field(body, "privileged");
  flags.cap_add = string_list_field(body, "cap_add");
  flags.cap_drop = string_list_field(body, "cap_drop");
  for_each_object(body, "devices", [&](const json& device) {
    flags.devices.push_back(string_field(device, "path"));
  });
  auto& options = request.security_opts;
  if (bool_field(body, "no_new_privileges")) options.push_back("no-new-privileges");
  if (auto path = string_field(body, "seccomp_profile_path"); !path.empty()) {
    options.push_back("seccomp=" + path);
  }
  for (const auto& label : string_list_field(body, "selinux_opts"))
    options.push_back("label=" + label);
  if (auto profile = string_field(body, "apparmor_profile"); !profile.empty()) {
    options.push_back("apparmor=" + profile);
  }
  if (auto mask = string_list_field(body, "mask"); !mask.empty()) {
    options.push_back("mask=" + join(mask, ":"));
  }
  if (auto unmask = string_list_field(body, "unmask"); !unmask.empty()) {
    options.push_back("unmask=" + join(unmask, ":"));
  }
}

// One list of idmappings (UIDMap or GIDMap): each {container_id, host_id,
// size} entry becomes the --uidmap value "CONTAINER_ID:HOST_ID:SIZE".
std::vector<std::string> id_map_values(const json& maps, const char* key) {
  std::vector<std::string> values;
  for_each_object(maps, key, [&](const json& entry) {
    std::int64_t container_id = int_field(entry, "container_id");
    std::int64_t host_id = int_field(entry, "host_id");
    std::int64_t size = int_field(entry, "size");
    values.push_back(fmt::format("{}:{}:{}", container_id, host_id, size));
  });
  return values;
}

// groups, userns and idmappings. The maps of idmappings become --uidmap and
// --gidmap values, which the create checks as it checks local ones. The
// Host*Mapping and AutoUserNs fields add nothing to the maps and userns.
void add_userns(const json& body, engine::UsernsFlags& flags) {
  flags.group_add = string_list_field(body, "groups");
  if (const json* userns = field(body, "userns")) {
    std::string mode = string_field(*userns, "nsmode");
    std::string value = string_field(*userns, "value");
    if (mode == "path") mode = "ns";
    flags.userns = value.empty() ? mode : mode + ":" + value;
  }
  if (const json* maps = field(body, "idmappings")) {
    if (!maps->is_object()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid idmappings in the request body: expected an object");
    }
    flags.uidmap = id_map_values(*maps, "UIDMap");
    flags.gidmap = id_map_values(*maps, "GIDMap");
  }
  // Podman 4.3's client sends nsmode "private" along with explicit maps.
  // Next to the maps, that mode is not a --userns flag of its own.
  bool maps = !flags.uidmap.empty() || !flags.gidmap.empty();
  if (maps && flags.userns == "private") flags.userns.clear();
}

// secrets (mounted files) and secret_env (variable to secret name) as
// --secret values.
void add_secrets(const json& body, engine::CreateRequest& request) {
  for_each_object(body, "secrets", [&](const json& secret) {
    std::string flag = string_field(secret, "Source") + ",type=mount";
    if (auto target = string_field(secret, "Target"); !target.empty()) flag += ",target=" + target;
    if (field(secret, "UID")) flag += fmt::format(",uid={}", int_field(secret, "UID"));
    if (field(secret, "GID")) flag += fmt::format(",gid={}", int_field(secret, "GID"));
    if (field(secret, "Mode")) flag += fmt::format(",mode=0{:o}", int_field(secret, "Mode"));
    request.secrets.push_back(flag);
  });
  for (const auto& entry : map_field(body, "secret_env")) {
    auto equals = entry.find('=');
    request.secrets.push_back(entry.substr(equals + 1) + ",type=env,target=" +
                              entry.substr(0, equals));
  }
}

// A duration of the health check in nanoseconds as a --health-* value.
std::optional<std::string> health_duration(const json& check, const char* key) {
  if (!field(check, key)) return std::nullopt;
  return config::format_go_duration(int_field(check, key));
}

// healthconfig (Docker's form, durations in nanoseconds) and Podman's
// number for the on-failure action. An Interval of 0 disables the timer.
void add_healthcheck(const json& body, container::HealthFlags& health) {
  if (const json* check = field(body, "healthconfig")) {
    auto test = string_list_field(*check, "Test");
    if (!test.empty() && test.front() == "NONE") {
      health.disabled = true;
    } else if (test.size() == 2 && test.front() == "CMD-SHELL") {
      health.cmd = test[1];
    } else if (test.size() > 1 && test.front() == "CMD") {
      health.cmd = json(std::vector<std::string>(test.begin() + 1, test.end())).dump();
    } else if (!test.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid healthconfig.Test in the request body: start it with NONE, CMD or CMD-SHELL");
    }
    health.interval = health_duration(*check, "Interval");
    if (health.interval == "0s") health.interval = "disable";
    health.timeout = health_duration(*check, "Timeout");
    health.start_period = health_duration(*check, "StartPeriod");
    if (std::int64_t retries = int_field(*check, "Retries"); retries != 0) {
      health.retries = static_cast<int>(retries);
    }
  }
  static const char* const kActions[] = {"none", "kill", "restart", "stop"};
  if (std::int64_t action = int_field(body, "health_check_on_failure_action"); action != 0) {
    if (action < 1 || action > 4) {
      fail(ErrorCode::kInvalidArgument,
           "invalid health_check_on_failure_action {} in the request body: use 1 (none), 2 "
           "(kill), 3 (restart) or 4 (stop)",
           action);
    }
    health.on_failure = kActions[action - 1];
  }
}

// log_configuration: path and size have fields of their own.
void add_log_config(const json& body, engine::CreateRequest& request) {
  const json* log = field(body, "log_configuration");
  if (!log) return;
  request.log_driver = string_field(*log, "driver");
  if (auto path = string_field(*log, "path"); !path.empty()) request.log_opts.push_back("path=" + path);
  if (std::int64_t size = int_field(*log, "size"); size > 0) {
    request.log_opts.push_back("max-size=" + std::to_string(size));
  }
  for (auto& option : map_field(*log, "options")) request.log_opts.push_back(option);
}

}  // namespace

engine::CreateRequest libpod_create_request(const json& body) {
  if (!body.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid request body: want a JSON object");
  }
  engine::CreateRequest request;
  request.name = string_field(body, "name");
  request.image = string_field(body, "image");
  if (request.image.empty()) {
    fail(ErrorCode::kInvalidArgument, "no image given: the request body needs an image");
  }
  request.pull_policy = "never";
  reject_unsupported_fields(body);
  add_pod_namespaces(body, request);
  add_command(body, request);
  add_environment(body, request);
  add_ports(body, request);
  add_network(body, request);
  add_spec_mounts(body, request);
  add_volumes(body, request);
  add_resources(body, request.host);
  add_name_resolution(body, request.host);
  add_security(body, request);
  add_userns(body, request.userns);
  add_secrets(body, request);
  add_healthcheck(body, request.health);
  add_log_config(body, request);
  return request;
}

}  // namespace berth::api
