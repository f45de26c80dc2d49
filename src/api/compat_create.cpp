// Docker's container create body, mapped to the engine's request.

#include "api/compat_create.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "api/body_fields.hpp"
#include "common/error.hpp"
#include "engine/network_value.hpp"

namespace berth::api {

namespace {

using nlohmann::json;
using namespace body_fields;

std::string positive_number(std::int64_t value) {
  return value > 0 ? std::to_string(value) : "";
}

// "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}] as -p values.
void add_port_bindings(const json& host, engine::CreateRequest& request) {
  const json* bindings = field(host, "PortBindings");
  if (!bindings) return;
  if (!bindings->is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid PortBindings in the request body: want an object");
  }
  for (const auto& [port, list] : bindings->items()) {
    if (list.is_null()) continue;
    if (!list.is_array()) {
      fail(ErrorCode::kInvalidArgument, "invalid PortBindings[{}]: want a list of bindings", port);
    }
    for (const auto& binding : list) {
      std::string ip = string_field(binding, "HostIp");
      std::string host_port = string_field(binding, "HostPort");
      std::string spec = ip.empty() ? (host_port.empty() ? port : host_port + ":" + port)
                                    : ip + ":" + host_port + ":" + port;
      request.publish.push_back(spec);
    }
  }
}

void add_mounts(const json& host, engine::CreateRequest& request) {
  const json* mounts = field(host, "Mounts");
  if (!mounts) return;
  if (!mounts->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid Mounts in the request body: want a list");
  }
  for (const auto& mount : *mounts) {
    std::string type = string_field(mount, "Type");
    std::string spec = "type=" + (type.empty() ? std::string("volume") : type);
    std::string source = string_field(mount, "Source");
    if (!source.empty()) spec += ",source=" + source;
    spec += ",target=" + string_field(mount, "Target");
    if (bool_field(mount, "ReadOnly")) spec += ",readonly";
    if (const json* bind = field(mount, "BindOptions")) {
      std::string propagation = string_field(*bind, "Propagation");
      if (!propagation.empty()) spec += ",bind-propagation=" + propagation;
      if (bool_field(*bind, "NonRecursive")) spec += ",bind-nonrecursive";
    }
    if (const json* volume = field(mount, "VolumeOptions")) {
      if (bool_field(*volume, "NoCopy")) spec += ",volume-nocopy";
      if (const json* driver = field(*volume, "DriverConfig")) {
        std::string name = string_field(*driver, "Name");
        if (!name.empty() && name != "local") {
          fail(ErrorCode::kInvalidArgument,
               "volume driver \"{}\" is not supported: berth has only the local driver", name);
        }
        for (const auto& option : map_field(*driver, "Options")) spec += ",volume-opt=" + option;
      }
    }
    if (const json* tmpfs = field(mount, "TmpfsOptions")) {
      if (std::int64_t size = int_field(*tmpfs, "SizeBytes"); size > 0) {
        spec += ",tmpfs-size=" + std::to_string(size);
      }
      if (std::int64_t mode = int_field(*tmpfs, "Mode"); mode > 0) {
        spec += fmt::format(",tmpfs-mode={:o}", mode);
      }
    }
    request.mount_flags.mounts.push_back(spec);
  }
}

// Creates the missing host directory of a Binds entry, as the Docker
// daemon does for -v (not for --mount, which arrives in Mounts).
void create_bind_source(const std::string& bind) {
  std::string source = bind.substr(0, bind.find(':'));
  if (source.empty() || source.front() != '/') return;
  std::error_code ec;
  if (std::filesystem::exists(source, ec)) return;
  std::filesystem::create_directories(source, ec);
  if (ec) {
    fail(ErrorCode::kInvalidArgument, "creating the bind mount source \"{}\": {}", source,
         ec.message());
  }
}

void add_host_config(const json& host, engine::CreateRequest& request) {
  for (auto& bind : string_list_field(host, "Binds")) {
    create_bind_source(bind);
    request.volumes.push_back(bind);
  }
  add_mounts(host, request);
  add_port_bindings(host, request);
  request.remove = bool_field(host, "AutoRemove");
  std::string network = string_field(host, "NetworkMode");
  request.network = network.empty() || network == "default" ? "bridge" : network;
  if (const json* policy = field(host, "RestartPolicy")) {
    std::string name = string_field(*policy, "Name");
    std::int64_t retries = int_field(*policy, "MaximumRetryCount");
    if (!name.empty() && name != "no") {
      request.restart = name == "on-failure" && retries > 0
                            ? name + ":" + std::to_string(retries)
                            : name;
    }
  }
  auto& flags = request.host;
  flags.privileged = bool_field(host, "Privileged");
  flags.cap_add = strings_field(host, "CapAdd");
  flags.cap_drop = strings_field(host, "CapDrop");
  std::int64_t memory = int_field(host, "Memory");
  if (memory < 0 || (memory > 0 && memory < (6 << 20))) {
    fail(ErrorCode::kInvalidArgument,
         "invalid Memory {}: the minimum memory limit is 6 MiB (6291456 bytes)", memory);
  }
  flags.memory = positive_number(memory);
  std::int64_t swap = int_field(host, "MemorySwap");
  if (swap != 0) flags.memory_swap = std::to_string(swap);
  flags.memory_reservation = positive_number(int_field(host, "MemoryReservation"));
  if (std::int64_t nano = int_field(host, "NanoCpus"); nano > 0) {
    flags.cpus = std::to_string(static_cast<double>(nano) / 1e9);
  }
  flags.cpu_shares = positive_number(int_field(host, "CpuShares"));
  flags.cpu_period = positive_number(int_field(host, "CpuPeriod"));
  flags.cpu_quota = positive_number(int_field(host, "CpuQuota"));
  flags.cpuset_cpus = string_field(host, "CpusetCpus");
  flags.cpuset_mems = string_field(host, "CpusetMems");
  if (std::int64_t pids = int_field(host, "PidsLimit"); pids != 0) {
    flags.pids_limit = std::to_string(pids);
  }
  flags.shm_size = positive_number(int_field(host, "ShmSize"));
  if (const json* adj = field(host, "OomScoreAdj"); adj && adj->is_number_integer() &&
                                                     adj->get<std::int64_t>() != 0) {
    flags.oom_score_adj = std::to_string(adj->get<std::int64_t>());
  }
  flags.dns = string_list_field(host, "Dns");
  flags.dns_search = string_list_field(host, "DnsSearch");
  flags.dns_options = string_list_field(host, "DnsOptions");
  flags.add_hosts = string_list_field(host, "ExtraHosts");
  flags.sysctls = map_field(host, "Sysctls");
  request.security_opts = string_list_field(host, "SecurityOpt");
  if (const json* devices = field(host, "Devices"); devices && devices->is_array()) {
    for (const auto& device : *devices) {
      std::string spec = string_field(device, "PathOnHost");
      std::string inside = string_field(device, "PathInContainer");
      std::string permissions = string_field(device, "CgroupPermissions");
      if (!inside.empty()) spec += ":" + inside;
      if (!permissions.empty()) spec += (inside.empty() ? ":" + spec : "") + ":" + permissions;
      flags.devices.push_back(spec);
    }
  }
  if (const json* ulimits = field(host, "Ulimits"); ulimits && ulimits->is_array()) {
    for (const auto& ulimit : *ulimits) {
      flags.ulimits.push_back(string_field(ulimit, "Name") + "=" +
                              std::to_string(int_field(ulimit, "Soft")) + ":" +
                              std::to_string(int_field(ulimit, "Hard")));
    }
  }
  if (const json* tmpfs = field(host, "Tmpfs"); tmpfs && tmpfs->is_object()) {
    for (const auto& [path, options] : tmpfs->items()) {
      std::string text = options.is_string() ? options.get<std::string>() : "";
      request.mount_flags.tmpfs.push_back(text.empty() ? path : path + ":" + text);
    }
  }
  request.mount_flags.read_only = bool_field(host, "ReadonlyRootfs");
  request.mount_flags.volumes_from = string_list_field(host, "VolumesFrom");
  request.init = bool_field(host, "Init");
  if (const json* log = field(host, "LogConfig")) {
    request.log_driver = string_field(*log, "Type");
    request.log_opts = map_field(*log, "Config");
  }
  request.userns.group_add = string_list_field(host, "GroupAdd");
  request.userns.userns = string_field(host, "UsernsMode");
}

void add_healthcheck(const json& body, engine::CreateRequest& request) {
  const json* check = field(body, "Healthcheck");
  if (!check) return;
  auto test = string_list_field(*check, "Test");
  if (!test.empty()) {
    if (test.front() == "NONE") {
      request.health.disabled = true;
      return;
    }
    if (test.front() == "CMD-SHELL" && test.size() == 2) {
      request.health.cmd = test[1];
    } else if (test.front() == "CMD") {
      request.health.cmd = json(std::vector<std::string>(test.begin() + 1, test.end())).dump();
    }
  }
  auto duration = [&](const char* key) -> std::optional<std::string> {
    std::int64_t ns = int_field(*check, key);
    if (ns <= 0) return std::nullopt;
    return std::to_string(ns / 1000000) + "ms";
  };
  request.health.interval = duration("Interval");
  request.health.timeout = duration("Timeout");
  request.health.start_period = duration("StartPeriod");
  if (std::int64_t retries = int_field(*check, "Retries"); retries > 0) {
    request.health.retries = static_cast<int>(retries);
  }
}

// User networks: NetworkingConfig.EndpointsConfig names the network to
// join when HostConfig.NetworkMode leaves it at the default, as Docker
// clients send it for `docker run --network NAME` and docker-compose. Its
// Aliases (docker-compose sends the service name) become the network's
// aliases, as the --network NAME:alias=A options create reads.
void add_endpoints_config(const json& body, engine::CreateRequest& request) {
  const json* networking = field(body, "NetworkingConfig");
  const json* endpoints = networking ? field(*networking, "EndpointsConfig") : nullptr;
  if (!endpoints) return;
  if (!endpoints->is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid NetworkingConfig.EndpointsConfig in the request body: expected an object");
  }
  if (endpoints->size() > 1) {
    fail(ErrorCode::kInvalidArgument,
         "invalid NetworkingConfig.EndpointsConfig: a container joins one network at create, "
         "got {}",
         endpoints->size());
  }
  if (endpoints->empty()) return;
  const std::string& name = endpoints->begin().key();
  if (request.network != "bridge" && request.network != name) return;
  request.network = name;
  const json& endpoint = endpoints->begin().value();
  if (!endpoint.is_object()) return;
  for (const auto& alias : string_list_field(endpoint, "Aliases")) {
    engine::append_network_option(request.network, "alias=" + alias);
  }
  // docker run --ip and compose's ipv4_address; newer clients send the
  // MAC address here too.
  if (const json* ipam = field(endpoint, "IPAMConfig"); ipam && ipam->is_object()) {
    std::string ip = string_field(*ipam, "IPv4Address");
    if (!ip.empty()) engine::append_network_option(request.network, "ip=" + ip);
  }
  std::string mac = string_field(endpoint, "MacAddress");
  if (!mac.empty()) engine::append_network_option(request.network, "mac=" + mac);
}

// Removes the anonymous volumes of the body's Volumes map whose path a bind
// or mount of HostConfig also covers. Docker mounts only the bind there, and
// docker-compose sends a named volume in both places.
void drop_covered_volumes(engine::CreateRequest& request) {
  auto covered = [&](const std::string& path) {
    for (const auto& spec : request.volumes) {
      auto first = spec.find(':');
      if (first == std::string::npos) continue;
      auto second = spec.find(':', first + 1);
      if (spec.substr(first + 1, second - first - 1) == path) return true;
    }
    std::string target = ",target=" + path;
    for (const auto& mount : request.mount_flags.mounts) {
      auto at = mount.find(target);
      if (at == std::string::npos) continue;
      auto end = at + target.size();
      if (end == mount.size() || mount[end] == ',') return true;
    }
    return false;
  };
  std::erase_if(request.volumes, [&](const std::string& spec) {
    return spec.find(':') == std::string::npos && covered(spec);
  });
}

}  // namespace

engine::CreateRequest compat_create_request(const json& body, const std::string& name) {
  if (!body.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid request body: want a JSON object");
  }
  engine::CreateRequest request;
  request.name = name;
  request.image = string_field(body, "Image");
  if (request.image.empty()) {
    fail(ErrorCode::kInvalidArgument, "no image given: the request body needs an Image");
  }
  request.pull_policy = "never";
  request.command = strings_field(body, "Cmd");
  if (field(body, "Entrypoint")) {
    request.entrypoint = json(strings_field(body, "Entrypoint")).dump();
  }
  for (auto& variable : string_list_field(body, "Env")) {
    // A bare KEY would copy the service's own variable: skip it.
    if (variable.find('=') != std::string::npos) request.env.push_back(variable);
  }
  if (std::string dir = string_field(body, "WorkingDir"); !dir.empty()) request.working_dir = dir;
  if (std::string user = string_field(body, "User"); !user.empty()) request.user = user;
  request.hostname = string_field(body, "Hostname");
  request.tty = bool_field(body, "Tty");
  request.interactive = bool_field(body, "OpenStdin");
  request.host.labels = map_field(body, "Labels");
  if (std::string signal = string_field(body, "StopSignal"); !signal.empty()) {
    request.stop_signal = signal;
  }
  if (const json* timeout = field(body, "StopTimeout"); timeout && timeout->is_number_integer()) {
    request.stop_timeout = timeout->get<int>();
  }
  if (const json* volumes = field(body, "Volumes"); volumes && volumes->is_object()) {
    for (const auto& [path, unused] : volumes->items()) request.volumes.push_back(path);
  }
  add_healthcheck(body, request);
  if (const json* host = field(body, "HostConfig")) add_host_config(*host, request);
  add_endpoints_config(body, request);
  // docker run --mac-address before API 1.44 sends it here.
  if (std::string mac = string_field(body, "MacAddress");
      !mac.empty() && request.network.find("mac=") == std::string::npos) {
    engine::append_network_option(request.network, "mac=" + mac);
  }
  drop_covered_volumes(request);
  return request;
}

}  // namespace berth::api

