#include "container/config.hpp"

namespace berth::container {

std::vector<std::string> ContainerConfig::args() const {
  std::vector<std::string> result = entrypoint;
  result.insert(result.end(), cmd.begin(), cmd.end());
  return result;
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

void to_json(nlohmann::json& j, const VolumeMount& v) {
  j = {{"source", v.source}, {"destination", v.destination}, {"read_only", v.read_only}};
}

void from_json(const nlohmann::json& j, VolumeMount& v) {
  v.source = j.value("source", "");
  v.destination = j.value("destination", "");
  v.read_only = j.value("read_only", false);
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
  c.ports = j.value("ports", std::vector<PublishedPort>{});
  c.volumes = j.value("volumes", std::vector<VolumeMount>{});
  c.exposed_ports = j.value("exposed_ports", std::vector<std::string>{});
  c.stop_signal = j.value("stop_signal", "SIGTERM");
  c.stop_timeout = j.value("stop_timeout", 10);
  c.runtime = j.value("runtime", "");
  c.seccomp = j.value("seccomp", true);
  c.labels = j.value("labels", nlohmann::json::object());
  c.annotations = j.value("annotations", nlohmann::json::object());
}

void to_json(nlohmann::json& j, const NetworkState& n) {
  j = {{"netns", n.netns},         {"network", n.network}, {"interface", n.interface},
       {"ip", n.ip},               {"prefix_len", n.prefix_len},
       {"gateway", n.gateway},     {"mac", n.mac}};
}

void from_json(const nlohmann::json& j, NetworkState& n) {
  n.netns = j.value("netns", "");
  n.network = j.value("network", "");
  n.interface = j.value("interface", "");
  n.ip = j.value("ip", "");
  n.prefix_len = j.value("prefix_len", 0);
  n.gateway = j.value("gateway", "");
  n.mac = j.value("mac", "");
}

}  // namespace berth::container
