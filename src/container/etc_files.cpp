#include "container/etc_files.hpp"

#include <sstream>

#include "os/file.hpp"

namespace berth::container {

namespace {

// Returns whether hosts has an entry for name at address.
bool has_entry(const std::string& hosts, const std::string& address, const std::string& name) {
  std::istringstream in(hosts);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line.substr(0, line.find('#')));
    std::string first, word;
    if (!(fields >> first) || first != address) continue;
    while (fields >> word) {
      if (word == name) return true;
    }
  }
  return false;
}

// The container's /etc/hosts as Podman writes it: the host's entries, the
// localhost lines when the host lacks them, the gateway as
// host.containers.internal, then the container's own name.
std::string hosts_file(const std::string& hostname, const std::string& name,
                       const NetworkState& network) {
  std::string out = os::read_file_if_exists("/etc/hosts").value_or("");
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (!has_entry(out, "127.0.0.1", "localhost")) {
    out += "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n";
  }
  if (!has_entry(out, "::1", "localhost")) {
    out += "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n";
  }
  if (!network.gateway.empty()) {
    out += network.gateway + "\thost.containers.internal host.docker.internal\n";
  }
  out += (network.ip.empty() ? "127.0.1.1" : network.ip) + "\t" + hostname + " " + name + "\n";
  return out;
}

// Copies the host's resolv.conf. On a bridge network, loopback name servers
// (systemd-resolved's 127.0.0.53, a local dnsmasq) are unreachable from the
// container, so they are dropped, and public ones are used when none is left.
std::string resolv_conf(const ContainerConfig& config) {
  std::string host = os::read_file_if_exists("/etc/resolv.conf").value_or("");
  if (config.network_mode == "host") return host;
  std::istringstream in(host);
  std::string line, out;
  bool has_server = false;
  while (std::getline(in, line)) {
    if (line.starts_with("nameserver")) {
      std::string address = line.substr(10);
      address.erase(0, address.find_first_not_of(" \t"));
      if (address.starts_with("127.") || address == "::1") continue;
      has_server = true;
    }
    out += line + "\n";
  }
  if (!has_server && config.network_mode != "none") {
    out += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  }
  return out;
}

}  // namespace

void write_etc_files(const std::string& dir, const std::string& hostname,
                     const std::string& name, const ContainerConfig& config,
                     const NetworkState& network) {
  // Rewritten on every start: no fsync needed.
  constexpr auto kVolatile = os::Durability::kVolatile;
  os::write_file_atomic(dir + "/hosts", hosts_file(hostname, name, network), 0644, kVolatile);
  os::write_file_atomic(dir + "/hostname", hostname + "\n", 0644, kVolatile);
  os::write_file_atomic(dir + "/resolv.conf", resolv_conf(config), 0644, kVolatile);
}

}  // namespace berth::container
