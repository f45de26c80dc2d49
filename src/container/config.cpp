#include "container/config.hpp"

namespace berth::container {

std::vector<std::string> ContainerConfig::args() const {
  std::vector<std::string> result = entrypoint;
  result.insert(result.end(), cmd.begin(), cmd.end());
  return result;
}

std::vector<std::string> ContainerConfig::process_args() const {
  std::vector<std::string> result = args();
  if (init) result.insert(result.begin(), {kInitPath, "--"});
  return result;
}

std::vector<std::string> ContainerConfig::bridge_networks() const {
  std::vector<std::string> names;
  if (network_mode != "bridge") return names;
  names.push_back(bridge_network());
  for (const auto& connected : connected_networks) names.push_back(connected.name);
  return names;
}

void to_json(nlohmann::json& j, const ConnectedNetwork& n) {
  j = {{"name", n.name}, {"aliases", n.aliases}};
  if (!n.static_ip.empty()) j["static_ip"] = n.static_ip;
  if (!n.static_mac.empty()) j["static_mac"] = n.static_mac;
}

void from_json(const nlohmann::json& j, ConnectedNetwork& n) {
  n.name = j.value("name", "");
  n.aliases = j.value("aliases", std::vector<std::string>{});
  n.static_ip = j.value("static_ip", "");
  n.static_mac = j.value("static_mac", "");
}

void to_json(nlohmann::json& j, const PublishedPort& p) {
  j = {{"host_ip", p.host_ip},
       {"host_port", p.host_port},
       {"container_port", p.container_port},
       {"protocol", p.protocol}};
}

void from_json(const nlohmann::json& j, PublishedPort& p) {
  p.host_ip = j.value("host_ip", "");
  p.host_port = j.value("host_port", std::uint16_t{0});
  p.container_port = j.value("container_port", std::uint16_t{0});
  p.protocol = j.value("protocol", "tcp");
}

void to_json(nlohmann::json& j, const ContainerConfig& c) {
  j = {{"entrypoint", c.entrypoint},
       {"cmd", c.cmd},
       {"env", c.env},
       {"working_dir", c.working_dir},
       {"create_working_dir", c.create_working_dir},
       {"user", c.user},
       {"hostname", c.hostname},
       {"tty", c.tty},
       {"interactive", c.interactive},
       {"remove", c.remove},
       {"network_mode", c.network_mode},
       {"ports", c.ports},
       {"volumes", c.volumes},
       {"exposed_ports", c.exposed_ports},
       {"stop_signal", c.stop_signal},
       {"stop_timeout", c.stop_timeout},
       {"runtime", c.runtime},
       {"seccomp", c.seccomp},
       {"labels", c.labels},
       {"annotations", c.annotations}};
  j["host_config"] = c.host_config;
  // Volumes.
  j["read_only_rootfs"] = c.read_only_rootfs;
  j["read_only_tmpfs"] = c.read_only_tmpfs;
  // Restart policy.
  j["restart_policy"] = c.restart_policy;
  j["restart_retries"] = c.restart_retries;
  j["healthcheck"] = c.healthcheck;
  // Secrets.
  j["secrets"] = c.secrets;
  // Log driver.
  j["log"] = c.log;
  // User namespace and groups.
  j["userns"] = c.userns;
  // --init.
  j["init"] = c.init;
  j["init_path"] = c.init_path;
  // User networks.
  if (!c.network_name.empty()) j["network_name"] = c.network_name;
  if (!c.connected_networks.empty()) j["connected_networks"] = c.connected_networks;
  // Pods and joined namespaces.
  if (!c.pod_id.empty()) j["pod_id"] = c.pod_id;
  if (c.pod_infra) j["pod_infra"] = true;
  if (!c.joined_namespaces.empty()) j["joined_namespaces"] = c.joined_namespaces;
}

void from_json(const nlohmann::json& j, ContainerConfig& c) {
  c.entrypoint = j.value("entrypoint", std::vector<std::string>{});
  c.cmd = j.value("cmd", std::vector<std::string>{});
  c.env = j.value("env", std::vector<std::string>{});
  c.working_dir = j.value("working_dir", "/");
  c.create_working_dir = j.value("create_working_dir", true);
  c.user = j.value("user", "");
  c.hostname = j.value("hostname", "");
  c.tty = j.value("tty", false);
  c.interactive = j.value("interactive", false);
  c.remove = j.value("remove", false);
  c.network_mode = j.value("network_mode", "bridge");
  c.network_name = j.value("network_name", "");
  c.connected_networks = j.value("connected_networks", std::vector<ConnectedNetwork>{});
  c.pod_id = j.value("pod_id", "");
  c.pod_infra = j.value("pod_infra", false);
  c.joined_namespaces =
      j.value("joined_namespaces", std::map<std::string, std::string>{});
  c.ports = j.value("ports", std::vector<PublishedPort>{});
  c.volumes = j.value("volumes", std::vector<VolumeMount>{});
  c.exposed_ports = j.value("exposed_ports", std::vector<std::string>{});
  c.stop_signal = j.value("stop_signal", "SIGTERM");
  c.stop_timeout = j.value("stop_timeout", 10);
  c.runtime = j.value("runtime", "");
  c.seccomp = j.value("seccomp", true);
  c.labels = j.value("labels", nlohmann::json::object());
  c.annotations = j.value("annotations", nlohmann::json::object());
  c.host_config = j.value("host_config", HostConfig{});
  // Volumes.
  c.read_only_rootfs = j.value("read_only_rootfs", false);
  c.read_only_tmpfs = j.value("read_only_tmpfs", true);
  // Restart policy.
  c.restart_policy = j.value("restart_policy", "no");
  c.restart_retries = j.value("restart_retries", 0);
  c.healthcheck = j.value("healthcheck", HealthCheck{});
  // Secrets.
  c.secrets = j.value("secrets", std::vector<secret::SecretUse>{});
  // Log driver; containers created before it have the k8s-file default.
  c.log = j.value("log", LogConfig{});
  // User namespace and groups.
  c.userns = j.value("userns", UsernsSettings{});
  // --init.
  c.init = j.value("init", false);
  c.init_path = j.value("init_path", "");
}

void to_json(nlohmann::json& j, const HealthCheck& h) {
  j = {{"test", h.test},
       {"interval_ns", h.interval_ns},
       {"timeout_ns", h.timeout_ns},
       {"start_period_ns", h.start_period_ns},
       {"retries", h.retries},
       {"on_failure", h.on_failure}};
}

void from_json(const nlohmann::json& j, HealthCheck& h) {
  HealthCheck defaults;
  h.test = j.value("test", std::vector<std::string>{});
  h.interval_ns = j.value("interval_ns", defaults.interval_ns);
  h.timeout_ns = j.value("timeout_ns", defaults.timeout_ns);
  h.start_period_ns = j.value("start_period_ns", defaults.start_period_ns);
  h.retries = j.value("retries", defaults.retries);
  h.on_failure = j.value("on_failure", defaults.on_failure);
}

void to_json(nlohmann::json& j, const NetworkEndpoint& e) {
  j = {{"network", e.network},       {"interface", e.interface}, {"ip", e.ip},
       {"prefix_len", e.prefix_len}, {"gateway", e.gateway},     {"mac", e.mac}};
}

void from_json(const nlohmann::json& j, NetworkEndpoint& e) {
  e.network = j.value("network", "");
  e.interface = j.value("interface", "");
  e.ip = j.value("ip", "");
  e.prefix_len = j.value("prefix_len", 0);
  e.gateway = j.value("gateway", "");
  e.mac = j.value("mac", "");
}

void to_json(nlohmann::json& j, const NetworkState& n) {
  j = {{"netns", n.netns},         {"network", n.network}, {"interface", n.interface},
       {"ip", n.ip},               {"prefix_len", n.prefix_len},
       {"gateway", n.gateway},     {"mac", n.mac}};
  if (!n.connected.empty()) j["connected"] = n.connected;
}

void from_json(const nlohmann::json& j, NetworkState& n) {
  n.netns = j.value("netns", "");
  n.network = j.value("network", "");
  n.interface = j.value("interface", "");
  n.ip = j.value("ip", "");
  n.prefix_len = j.value("prefix_len", 0);
  n.gateway = j.value("gateway", "");
  n.mac = j.value("mac", "");
  n.connected = j.value("connected", std::vector<NetworkEndpoint>{});
}

}  // namespace berth::container
