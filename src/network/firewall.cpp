#include "network/firewall.hpp"

#include "network/libnftables.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"
#include "network/ipv4.hpp"

namespace berth::network {
namespace {

// Names pasted into the script must not be able to end a statement early.
void check_name(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 200 &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-';
            });
  if (!ok) {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} \"{}\" for nftables: use letters, digits, '_' and '-'", what, name);
  }
}

void check_protocol(const std::string& protocol) {
  if (protocol != "tcp" && protocol != "udp") {
    fail(ErrorCode::kInvalidArgument, "invalid protocol \"{}\": use tcp or udp", protocol);
  }
}

// The distinct (protocol, host port) keys of ports, in a stable order.
std::set<std::pair<std::string, int>> port_keys(const std::vector<PortMapping>& ports) {
  std::set<std::pair<std::string, int>> keys;
  for (const PortMapping& port : ports) {
    check_protocol(port.protocol);
    if (port.host_port == 0 || port.container_port == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid port mapping {}: ports must not be 0",
           format_port_mapping(port));
    }
    keys.emplace(port.protocol, port.host_port);
  }
  return keys;
}

std::string element_list(const std::set<std::pair<std::string, int>>& keys,
                         const std::string& verdict) {
  std::string out;
  for (const auto& [protocol, port] : keys) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} . {}", protocol, port);
    if (!verdict.empty()) out += " : " + verdict;
  }
  return out;
}

std::string base_ruleset(const std::string& table) {
  std::string t = "inet " + table;
  std::string out;
  out += fmt::format("add table {}\n", t);
  out += fmt::format("add set {} subnets {{ type ipv4_addr; flags interval; }}\n", t);
  out += fmt::format("add map {} ports {{ type inet_proto . inet_service : verdict; }}\n", t);

  out += fmt::format(
      "add chain {} prerouting {{ type nat hook prerouting priority dstnat; policy accept; }}\n", t);
  // nft 1.0.6 accepts the "dstnat" keyword only in prerouting, so output
  // spells out its value, -100.
  out += fmt::format(
      "add chain {} output {{ type nat hook output priority -100; policy accept; }}\n", t);
  out += fmt::format(
      "add chain {} postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}\n",
      t);

  for (const char* chain : {"prerouting", "output", "postrouting"}) {
    out += fmt::format("flush chain {} {}\n", t, chain);
  }

  for (const char* chain : {"prerouting", "output"}) {
    out += fmt::format("add rule {} {} fib daddr type local meta l4proto . th dport vmap @ports\n",
                       t, chain);
  }

  // A container cannot reply to a 127.0.0.0/8 source, so connections to a
  // published port on localhost leave with the bridge address instead.
  out += fmt::format(
      "add rule {} postrouting ip saddr 127.0.0.0/8 ip daddr @subnets ct status dnat masquerade\n",
      t);
  // Hairpin: a container that reaches a neighbour through a published port
  // would otherwise get the reply straight from the neighbour's address.
  out += fmt::format(
      "add rule {} postrouting ip saddr @subnets ip daddr @subnets ct status dnat masquerade\n", t);
  // Outbound traffic, except to berth subnets and multicast.
  out += fmt::format(
      "add rule {} postrouting ip saddr @subnets ip daddr != @subnets ip daddr != 224.0.0.0/4 "
      "masquerade\n",
      t);
  return out;
}

// Maps nftables' error text to an errno so Error gets the matching code.
int errno_from_message(std::string_view message) {
  if (message.find("No such file or directory") != std::string_view::npos) return ENOENT;
  if (message.find("File exists") != std::string_view::npos) return EEXIST;
  if (message.find("Operation not permitted") != std::string_view::npos) return EPERM;
  if (message.find("Device or resource busy") != std::string_view::npos) return EBUSY;
  return 0;
}

ErrorCode code_from_errno(int sys_errno) {
  switch (sys_errno) {
    case ENOENT: return ErrorCode::kNotFound;
    case EEXIST: return ErrorCode::kAlreadyExists;
    case EPERM: return ErrorCode::kPermissionDenied;
    default: return ErrorCode::kInternal;
  }
}

// Returns the elements of the `ports` map as (protocol, port) -> jump target,
// or an empty map when the table or map does not exist.
std::map<std::pair<std::string, int>, std::string> list_port_map(const std::string& table) {
  std::map<std::pair<std::string, int>, std::string> elements;
  std::string output;
  try {
    output = run_nft("list map inet " + table + " ports", true);
  } catch (const Error& e) {
    if (e.sys_errno() == ENOENT) return elements;
    throw;
  }
  try {
    auto document = nlohmann::json::parse(output);
    for (const auto& entry : document.at("nftables")) {
      if (!entry.contains("map")) continue;
      for (const auto& element : entry["map"].value("elem", nlohmann::json::array())) {
        // Each element is [{"concat": ["tcp", 8080]}, {"jump": {"target": "ctr-..."}}].
        const auto& key = element.at(0).at("concat");
        std::string target = element.at(1).at("jump").at("target").get<std::string>();
        elements[{key.at(0).get<std::string>(), key.at(1).get<int>()}] = target;
      }
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInternal, "parsing the nftables map inet {} ports: {}", table, e.what());
  }
  return elements;
}

}  // namespace

std::string container_chain(const std::string& container_id) { return "ctr-" + container_id; }

std::string build_setup_ruleset(const ContainerRules& rules) {
  check_name("nftables table name", rules.table);
  check_name("container ID", rules.container_id);
  Ipv4Subnet subnet = Ipv4Subnet::parse(rules.subnet);
  std::string container_ip = format_ipv4(parse_ipv4(rules.container_ip));
  std::string t = "inet " + rules.table;
  std::string chain = container_chain(rules.container_id);

  std::string out = base_ruleset(rules.table);
  if (rules.masquerade) out += fmt::format("add element {} subnets {{ {} }}\n", t, subnet.str());
  if (rules.ports.empty()) return out;

  out += fmt::format("add chain {} {}\n", t, chain);
  out += fmt::format("flush chain {} {}\n", t, chain);
  auto keys = port_keys(rules.ports);  // also validates every mapping
  for (const PortMapping& port : rules.ports) {
    std::string match = "meta nfproto ipv4";
    if (!port.host_ip.empty()) match = "ip daddr " + format_ipv4(parse_ipv4(port.host_ip));
    out += fmt::format("add rule {} {} {} {} dport {} dnat ip to {}:{}\n", t, chain, match,
                       port.protocol, port.host_port, container_ip, port.container_port);
  }
  out += fmt::format("add element {} ports {{ {} }}\n", t,
                     element_list(keys, "jump " + chain));
  return out;
}

std::string build_teardown_ruleset(const std::string& table, const std::string& container_id,
                                   const std::vector<PortMapping>& ports) {
  check_name("nftables table name", table);
  check_name("container ID", container_id);
  std::string t = "inet " + table;
  std::string chain = container_chain(container_id);
  auto keys = port_keys(ports);

  // "add" of an existing object is a no-op, so adding each object before
  // deleting it makes the deletion succeed whether or not it existed.
  std::string out;
  out += fmt::format("add chain {} {}\n", t, chain);
  if (!keys.empty()) {
    out += fmt::format("add element {} ports {{ {} }}\n", t, element_list(keys, "jump " + chain));
    out += fmt::format("delete element {} ports {{ {} }}\n", t, element_list(keys, ""));
  }
  out += fmt::format("flush chain {} {}\n", t, chain);
  out += fmt::format("delete chain {} {}\n", t, chain);
  return out;
}

std::string run_nft(const std::string& script, bool json_output) {
  // The context is created once per process and never freed. Closing its
  // netlink socket waits until the kernel has freed the last transaction
  // (about 10 ms measured on Linux 6.18). At process exit that work is
  // usually done already.
  static std::mutex mutex;
  static nft_ctx* context = nullptr;
  std::lock_guard<std::mutex> guard(mutex);
  const auto& nft = libnftables();
  if (context == nullptr) {
    context = nft.ctx_new(NFT_CTX_DEFAULT);
    if (context == nullptr) fail(ErrorCode::kInternal, "creating an nftables context failed");
    nft.ctx_buffer_output(context);
    nft.ctx_buffer_error(context);
  }
  nft.ctx_output_set_flags(context, json_output ? NFT_CTX_OUTPUT_JSON : 0);
  spdlog::trace("nftables script:\n{}", script);
  int rc = nft.run_cmd_from_buffer(context, script.c_str());
  // Reading a buffer also empties it for the next command.
  std::string output = nft.ctx_get_output_buffer(context);
  std::string details = nft.ctx_get_error_buffer(context);
  if (rc != 0) {
    spdlog::debug("nftables failed:\n{}\nscript:\n{}", details, script);
    std::string first_line = details.substr(0, details.find('\n'));
    if (first_line.starts_with("Error: ")) first_line.erase(0, 7);
    int sys_errno = errno_from_message(first_line);
    throw Error(code_from_errno(sys_errno), "nftables: " + first_line, sys_errno);
  }
  return output;
}

void add_container_rules(const ContainerRules& rules) {
  std::string script = build_setup_ruleset(rules);
  try {
    run_nft(script);
  } catch (const Error& e) {
    if (e.sys_errno() != EEXIST) throw;
    // A port key exists with another container's verdict; name the port.
    std::string own = container_chain(rules.container_id);
    auto existing = list_port_map(rules.table);
    for (const auto& key : port_keys(rules.ports)) {
      auto it = existing.find(key);
      if (it != existing.end() && it->second != own) {
        fail(ErrorCode::kAlreadyExists,
             "host port {}/{} is already published by another berth container", key.second,
             key.first);
      }
    }
    throw;
  }
}

void remove_container_rules(const std::string& table, const std::string& container_id,
                            const std::vector<PortMapping>& ports) {
  check_name("nftables table name", table);
  check_name("container ID", container_id);
  try {
    run_nft(build_teardown_ruleset(table, container_id, ports));
    return;
  } catch (const Error& e) {
    spdlog::debug("removing nftables rules of {}: {}; retrying from the listed map",
                  container_id, e.what());
  }
  // Slow path: the table is gone, or a port now belongs to another
  // container, or `ports` differs from what setup used.
  std::string chain = container_chain(container_id);
  auto existing = list_port_map(table);
  std::string t = "inet " + table;
  std::string out;
  for (const auto& [key, target] : existing) {
    if (target != chain) continue;
    out += fmt::format("delete element {} ports {{ {} . {} }}\n", t, key.first, key.second);
  }
  out += fmt::format("add chain {} {}\n", t, chain);
  out += fmt::format("flush chain {} {}\n", t, chain);
  out += fmt::format("delete chain {} {}\n", t, chain);
  try {
    run_nft(out);
  } catch (const Error& e) {
    if (e.sys_errno() != ENOENT) throw;  // the table itself is gone: nothing left to remove
  }
}

void remove_network_rules(const std::string& table, const std::string& subnet) {
  check_name("nftables table name", table);
  std::string cidr = Ipv4Subnet::parse(subnet).str();
  std::string t = "inet " + table;
  try {
    run_nft(fmt::format("add element {0} subnets {{ {1} }}\ndelete element {0} subnets {{ {1} }}\n",
                        t, cidr));
  } catch (const Error& e) {
    if (e.sys_errno() != ENOENT) throw;
  }
}

void delete_table(const std::string& table) {
  check_name("nftables table name", table);
  try {
    run_nft("delete table inet " + table + "\n");
  } catch (const Error& e) {
    if (e.sys_errno() != ENOENT) throw;
  }
}

}  // namespace berth::network
