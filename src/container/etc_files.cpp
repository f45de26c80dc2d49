#include "container/etc_files.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
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

// The first IPv4 address of a host interface other than loopback, or "".
std::string host_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string address;
  for (ifaddrs* entry = list; entry != nullptr && address.empty(); entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    auto* in4 = reinterpret_cast<sockaddr_in*>(entry->ifa_addr);
    if ((ntohl(in4->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN] = {};
    if (::inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text) != nullptr) address = text;
  }
  ::freeifaddrs(list);
  return address;
}

// The --add-host lines: "NAME[;NAME...]:IP", where host-gateway is
// the bridge's gateway, or the host's first address off a bridge network.
std::string added_hosts(const NameResolution& names, const NetworkState& network) {
  std::string out;
  for (const auto& entry : names.add_hosts) {
    auto colon = entry.find(':');
    std::string address = entry.substr(colon + 1);
    if (address == "host-gateway") {
      address = network.gateway.empty() ? host_address() : network.gateway;
    }
    std::string hosts = entry.substr(0, colon);
    for (auto& c : hosts) {
      if (c == ';') c = ' ';
    }
    out += address + "\t" + hosts + "\n";
  }
  return out;
}

// The container's /etc/hosts as Podman writes it: the --add-host entries,
// the host's entries, the localhost lines when the host lacks them, the
// gateway as host.containers.internal, then the container's own name.
std::string hosts_file(const std::string& hostname, const std::string& name,
                       const ContainerConfig& config, const NetworkState& network) {
  std::string out = added_hosts(config.host_config.names, network);
  out += os::read_file_if_exists("/etc/hosts").value_or("");
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
  // Networks added by `network connect`: one line per address, as Podman writes.
  for (const auto& endpoint : network.connected) {
    out += endpoint.ip + "\t" + hostname + " " + name + "\n";
  }
  return out;
}

// Returns the words of values joined by spaces after keyword, as one
// resolv.conf line.
std::string resolv_line(const char* keyword, const std::vector<std::string>& values) {
  std::string line = keyword;
  for (const auto& value : values) line += " " + value;
  return line + "\n";
}

// Replaces the name servers, search domains and options of a resolv.conf
// text with --dns, --dns-search and --dns-option values where given
// ("--dns-search ." removes the search list).
std::string with_dns_flags(const std::string& text, const NameResolution& names) {
  if (names.dns_servers.empty() && names.dns_search.empty() && names.dns_options.empty()) {
    return text;
  }
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (!names.dns_servers.empty() && line.starts_with("nameserver")) continue;
    if (!names.dns_search.empty() && (line.starts_with("search") || line.starts_with("domain"))) {
      continue;
    }
    if (!names.dns_options.empty() && line.starts_with("options")) continue;
    out += line + "\n";
  }
  bool clear_search = names.dns_search.size() == 1 && names.dns_search.front() == ".";
  if (!names.dns_search.empty() && !clear_search) out += resolv_line("search", names.dns_search);
  for (const auto& server : names.dns_servers) out += "nameserver " + server + "\n";
  if (!names.dns_options.empty()) out += resolv_line("options", names.dns_options);
  return out;
}

// The search domain of container names that aardvark-dns serves, as in Podman.
constexpr const char* kDnsSearchDomain = "dns.podman";

// Points a resolv.conf text at aardvark-dns: its name servers replace the
// others, since it forwards the names it does not serve, and dns.podman
// leads the search list, which a `domain` line joins.
std::string with_aardvark(const std::string& text, const std::vector<std::string>& servers) {
  std::istringstream in(text);
  std::vector<std::string> search = {kDnsSearchDomain};
  std::string rest;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("nameserver")) continue;
    if (line.starts_with("search") || line.starts_with("domain")) {
      std::istringstream words(line);
      std::string word;
      words >> word;  // the keyword
      while (words >> word) {
        if (std::find(search.begin(), search.end(), word) == search.end()) search.push_back(word);
      }
      continue;
    }
    rest += line + "\n";
  }
  std::string out = resolv_line("search", search);
  for (const auto& server : servers) out += "nameserver " + server + "\n";
  return out + rest;
}

// Copies the host's resolv.conf with the --dns flags applied. On a bridge
// network without --dns, loopback name servers (systemd-resolved's
// 127.0.0.53, a local dnsmasq) are unreachable from the container, so they
// are dropped, and public ones are used when none is left.
std::string resolv_conf(const ContainerConfig& config, const std::vector<std::string>& dns_servers) {
  std::string host = os::read_file_if_exists("/etc/resolv.conf").value_or("");
  const NameResolution& names = config.host_config.names;
  host = with_dns_flags(host, names);
  if (config.network_mode == "host" || !names.dns_servers.empty()) return host;
  if (!dns_servers.empty()) return with_aardvark(host, dns_servers);
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
                     const NetworkState& network, const std::vector<std::string>& dns_servers) {
  // Rewritten on every start: no fsync needed.
  constexpr auto kVolatile = os::Durability::kVolatile;
  os::write_file_atomic(dir + "/hosts", hosts_file(hostname, name, config, network), 0644,
                        kVolatile);
  os::write_file_atomic(dir + "/hostname", hostname + "\n", 0644, kVolatile);
  os::write_file_atomic(dir + "/resolv.conf", resolv_conf(config, dns_servers), 0644,
                        kVolatile);
}

std::vector<std::string> write_id_files(const std::string& dir,
                                        const runtime::MissingIdEntries& entries) {
  std::vector<std::string> written;
  auto write = [&](const char* name, std::string text, const std::string& line) {
    if (line.empty()) return;
    if (!text.empty() && text.back() != '\n') text += '\n';
    os::write_file_atomic(dir + "/" + name, text + line, 0644, os::Durability::kVolatile);
    written.push_back(std::string("/etc/") + name);
  };
  write("passwd", entries.passwd_text, entries.passwd_line);
  write("group", entries.group_text, entries.group_line);
  return written;
}

}  // namespace berth::container
