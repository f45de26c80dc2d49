#include "network/bridge.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "network/netns.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::network {
namespace {

// Owning pointers for libnl objects, released with their put/free functions.
struct SocketFree {
  void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct LinkPut {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct AddrPut {
  void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
struct NlAddrPut {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct RoutePut {
  void operator()(rtnl_route* route) const { rtnl_route_put(route); }
};
using Socket = std::unique_ptr<nl_sock, SocketFree>;
using Link = std::unique_ptr<rtnl_link, LinkPut>;
using Addr = std::unique_ptr<rtnl_addr, AddrPut>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrPut>;
using Route = std::unique_ptr<rtnl_route, RoutePut>;

[[noreturn]] void fail_netlink(int err, const std::string& doing) {
  // libnl returns negative NLE_* codes; name the errno for the common cases
  // so Error gets a matching code.
  int sys_errno = 0;
  switch (-err) {
    case NLE_EXIST: sys_errno = EEXIST; break;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV: sys_errno = ENODEV; break;
    case NLE_PERM: sys_errno = EPERM; break;
    case NLE_BUSY: sys_errno = EBUSY; break;
    default: break;
  }
  throw Error(sys_errno == EPERM ? ErrorCode::kPermissionDenied : ErrorCode::kInternal,
              doing + ": " + nl_geterror(err), sys_errno);
}

bool is_missing(int err) { return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV; }

// Opens a route netlink socket in the calling thread's network namespace.
Socket open_route_socket() {
  Socket sock(nl_socket_alloc());
  if (!sock) fail(ErrorCode::kInternal, "allocating a netlink socket failed");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    fail_netlink(err, "connecting a route netlink socket");
  }
  return sock;
}

Link get_link(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &link);
  if (is_missing(err)) return nullptr;
  if (err < 0) fail_netlink(err, "looking up link " + name);
  return Link(link);
}

NlAddr parse_address(const std::string& text, int prefix_len) {
  nl_addr* addr = nullptr;
  if (int err = nl_addr_parse(text.c_str(), AF_INET, &addr); err < 0) {
    fail(ErrorCode::kInvalidArgument, "invalid IPv4 address \"{}\": {}", text, nl_geterror(err));
  }
  nl_addr_set_prefixlen(addr, prefix_len);
  return NlAddr(addr);
}

void set_link_up(nl_sock* sock, rtnl_link* link, const std::string& name) {
  if ((rtnl_link_get_flags(link) & IFF_UP) != 0) return;
  Link change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (int err = rtnl_link_change(sock, link, change.get(), 0); err < 0) {
    fail_netlink(err, "setting link " + name + " up");
  }
}

// Adds address/prefix_len to ifindex; an address that is already there is fine.
void add_address(nl_sock* sock, int ifindex, const std::string& address, int prefix_len,
                 const std::string& link_name) {
  Addr addr(rtnl_addr_alloc());
  NlAddr local = parse_address(address, prefix_len);
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_local(addr.get(), local.get());
  rtnl_addr_set_prefixlen(addr.get(), prefix_len);
  int err = rtnl_addr_add(sock, addr.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0 && err != -NLE_EXIST) {
    fail_netlink(err, "adding address " + address + "/" + std::to_string(prefix_len) + " to " +
                          link_name);
  }
}

void add_default_route(nl_sock* sock, int ifindex, const std::string& gateway) {
  Route route(rtnl_route_alloc());
  NlAddr any = parse_address("0.0.0.0", 0);
  NlAddr via = parse_address(gateway, 32);
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_dst(route.get(), any.get());
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  rtnl_route_nh_set_gateway(hop, via.get());
  rtnl_route_nh_set_ifindex(hop, ifindex);
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns hop from here
  int err = rtnl_route_add(sock, route.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0 && err != -NLE_EXIST) fail_netlink(err, "adding default route via " + gateway);
}

// Writes value to a /proc/sys file unless it already contains it, because a
// write to ip_forward resets per-interface forwarding settings.
void write_sysctl(const std::string& path, std::string_view value) {
  auto current = os::read_file_if_exists(path);
  if (current && current->substr(0, current->find('\n')) == value) return;
  os::Fd fd = os::open_file(path, O_WRONLY);
  os::write_all(fd.get(), value);
}

void delete_link(nl_sock* sock, const std::string& name) {
  Link link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  int err = rtnl_link_delete(sock, link.get());
  if (err < 0 && !is_missing(err)) fail_netlink(err, "deleting link " + name);
}

// Configures the container end from inside the namespace and returns its MAC.
std::string configure_container_end(const VethRequest& request) {
  std::string mac;
  run_in_netns(request.netns_path, [&] {
    Socket sock = open_route_socket();
    Link link = get_link(sock.get(), request.container_name);
    if (!link) {
      fail(ErrorCode::kInternal, "link {} did not appear in network namespace {}",
           request.container_name, request.netns_path);
    }
    int ifindex = rtnl_link_get_ifindex(link.get());
    // The link goes up before the route is added: the kernel rejects a
    // gateway route on a link that is down.
    set_link_up(sock.get(), link.get(), request.container_name);
    add_address(sock.get(), ifindex, request.address, request.prefix_len,
                request.container_name);
    if (!request.gateway.empty()) add_default_route(sock.get(), ifindex, request.gateway);
    char text[32] = {};
    if (nl_addr* hw = rtnl_link_get_addr(link.get())) nl_addr2str(hw, text, sizeof text);
    mac = text;
  });
  return mac;
}

// Returns a fixed, locally administered MAC for bridge name. A bridge
// without an address of its own takes the lowest MAC of its ports, so its
// MAC can change whenever a container joins. The other containers' ARP
// entries for the gateway then go stale, and their packets to it were
// lost for about 5 seconds (measured with DNS queries to aardvark-dns).
std::string bridge_mac(const std::string& name) {
  std::uint64_t hash = 14695981039346656037ULL;  // 64-bit FNV-1a, as in veth_name
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", (hash >> 32) & 0xff,
                     (hash >> 24) & 0xff, (hash >> 16) & 0xff, (hash >> 8) & 0xff, hash & 0xff);
}

NlAddr parse_mac(const std::string& mac) {
  nl_addr* parsed = nullptr;
  if (nl_addr_parse(mac.c_str(), AF_LLC, &parsed) < 0) {
    fail(ErrorCode::kInvalidArgument, "address {}: invalid MAC address", mac);
  }
  return NlAddr(parsed);
}

// Pins the current MAC of a bridge that has none of its own (one made by an
// older berth or by another tool), so that it stops following its ports.
// The kernel's addr_assign_type 3 (NET_ADDR_SET) marks a pinned address.
void pin_bridge_mac(nl_sock* sock, rtnl_link* link, const std::string& name) {
  auto type = os::read_file_if_exists("/sys/class/net/" + name + "/addr_assign_type");
  if (!type || type->starts_with("3")) return;
  nl_addr* current = rtnl_link_get_addr(link);
  if (current == nullptr) return;
  Link change(rtnl_link_alloc());
  rtnl_link_set_addr(change.get(), current);
  if (int err = rtnl_link_change(sock, link, change.get(), 0); err < 0) {
    fail_netlink(err, "pinning the MAC address of bridge " + name);
  }
}

}  // namespace

void ensure_bridge(const std::string& name, const std::string& gateway, int prefix_len) {
  Socket sock = open_route_socket();
  Link bridge = get_link(sock.get(), name);
  if (!bridge) {
    Link request(rtnl_link_bridge_alloc());
    rtnl_link_set_name(request.get(), name.c_str());
    rtnl_link_set_flags(request.get(), IFF_UP);
    NlAddr mac = parse_mac(bridge_mac(name));
    rtnl_link_set_addr(request.get(), mac.get());
    int err = rtnl_link_add(sock.get(), request.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (err < 0 && err != -NLE_EXIST) fail_netlink(err, "creating bridge " + name);
    if (err == 0) spdlog::debug("created bridge {}", name);
    bridge = get_link(sock.get(), name);
    if (!bridge) fail(ErrorCode::kInternal, "bridge {} vanished after it was created", name);
  }
  if (!rtnl_link_is_bridge(bridge.get())) {
    fail(ErrorCode::kConflict, "link {} exists and is not a bridge: remove it or choose another "
         "network_interface", name);
  }
  pin_bridge_mac(sock.get(), bridge.get(), name);
  set_link_up(sock.get(), bridge.get(), name);
  if (!gateway.empty()) {
    add_address(sock.get(), rtnl_link_get_ifindex(bridge.get()), gateway, prefix_len, name);
  }
  write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
  write_sysctl("/proc/sys/net/ipv4/conf/" + name + "/route_localnet", "1");
}

std::string create_veth(const VethRequest& request) {
  if (request.host_name.empty() || request.host_name.size() >= IFNAMSIZ) {
    fail(ErrorCode::kInvalidArgument, "invalid veth name \"{}\": expected 1 to {} characters",
         request.host_name, IFNAMSIZ - 1);
  }
  Socket sock = open_route_socket();
  Link bridge = get_link(sock.get(), request.bridge);
  if (!bridge) fail(ErrorCode::kNotFound, "bridge {} not found", request.bridge);

  os::Fd netns(::open(request.netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) fail_errno(errno, "opening network namespace \"" + request.netns_path + "\"");

  Link veth(rtnl_link_veth_alloc());
  if (!veth) fail(ErrorCode::kInternal, "allocating a veth link failed");
  rtnl_link_set_name(veth.get(), request.host_name.c_str());
  rtnl_link_set_master(veth.get(), rtnl_link_get_ifindex(bridge.get()));
  rtnl_link_set_flags(veth.get(), IFF_UP);
  // The peer is created directly inside the namespace under its final name,
  // so there is no move and no rename afterwards.
  Link peer(rtnl_link_veth_get_peer(veth.get()));
  rtnl_link_set_name(peer.get(), request.container_name.c_str());
  rtnl_link_set_ns_fd(peer.get(), netns.get());
  NlAddr peer_mac;
  if (!request.mac.empty()) {
    nl_addr* parsed = nullptr;
    if (nl_addr_parse(request.mac.c_str(), AF_LLC, &parsed) < 0) {
      fail(ErrorCode::kInvalidArgument, "address {}: invalid MAC address", request.mac);
    }
    peer_mac.reset(parsed);
    rtnl_link_set_addr(peer.get(), peer_mac.get());
  }

  int err = rtnl_link_add(sock.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err == -NLE_EXIST) {
    // A host end of this name is left from a setup that did not finish.
    spdlog::debug("deleting stale veth {}", request.host_name);
    delete_link(sock.get(), request.host_name);
    err = rtnl_link_add(sock.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL);
  }
  if (err < 0) {
    fail_netlink(err, "creating veth pair " + request.host_name + " <-> " +
                          request.container_name + " in " + request.netns_path);
  }
  try {
    return configure_container_end(request);
  } catch (const Error&) {
    delete_link(sock.get(), request.host_name);
    throw;
  }
}

void delete_veth(const std::string& host_name) { delete_link(host_name); }

void delete_link(const std::string& name) {
  Socket sock = open_route_socket();
  delete_link(sock.get(), name);
}

bool link_exists(const std::string& name) {
  Socket sock = open_route_socket();
  return get_link(sock.get(), name) != nullptr;
}

std::string veth_name(const std::string& network_name, const std::string& container_id) {
  // 64-bit FNV-1a: names only need to differ, and OpenSSL's first digest
  // costs a millisecond or two of provider set-up on every container start.
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
  };
  mix(network_name);
  mix("/");
  mix(container_id);
  return fmt::format("veth{:011x}", hash & 0xfffffffffffULL);
}

}  // namespace berth::network
