#include "network/ipam.hpp"

#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <set>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"

namespace berth::network {
namespace {

// Replaces path with data through a temporary file and rename(2), so a
// reader never reads half a file, even from a killed writer. Unlike
// os::write_file_atomic it skips fsync: the state describes live network
// namespaces, which do not survive a power loss either, and fsync costs
// milliseconds when the run directory is on disk instead of tmpfs.
void replace_file(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    os::Fd fd = os::open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    os::write_all(fd.get(), data);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    fail_errno(errno, "renaming \"" + tmp + "\" to \"" + path + "\"");
  }
}

}  // namespace

std::string IpamState::to_json() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["last"] = last;
  out["allocations"] = allocations;
  return out.dump(1) + "\n";
}

IpamState IpamState::from_json(std::string_view text, std::string_view source) {
  IpamState state;
  try {
    auto object = nlohmann::json::parse(text);
    state.last = object.value("last", "");
    for (const auto& [id, address] : object.at("allocations").items()) {
      state.allocations[id] = address.get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "{}: invalid IPAM state: {}", source, e.what());
  }
  return state;
}

AddressPool AddressPool::from_subnet(const Subnet& subnet) {
  AddressPool pool;
  pool.subnet = Ipv4Subnet::parse(subnet.subnet);
  if (!subnet.gateway.empty()) pool.gateway = parse_ipv4(subnet.gateway);
  // A /31 or /32 ends up with first > last, so it hands out nothing
  // (RFC 3021 point-to-point use of /31 is not supported).
  pool.first = pool.subnet.network + 1;
  pool.last = pool.subnet.broadcast() - 1;
  if (subnet.lease_range) {
    const LeaseRange& range = *subnet.lease_range;
    if (!range.start_ip.empty()) pool.first = std::max(pool.first, parse_ipv4(range.start_ip));
    if (!range.end_ip.empty()) pool.last = std::min(pool.last, parse_ipv4(range.end_ip));
  }
  return pool;
}

bool AddressPool::may_hand_out(std::uint32_t address) const {
  return address >= first && address <= last && address != gateway.value_or(0);
}

std::string allocate_address(IpamState& state, const AddressPool& pool,
                             const std::string& container_id, const std::string& requested) {
  if (auto it = state.allocations.find(container_id); it != state.allocations.end()) {
    if (requested.empty() || requested == it->second) return it->second;
    fail(ErrorCode::kConflict, "container {} already has address {} in subnet {}, not {}",
         container_id, it->second, pool.subnet.str(), requested);
  }

  std::set<std::uint32_t> used;
  for (const auto& [id, address] : state.allocations) {
    if (auto parsed = try_parse_ipv4(address)) used.insert(*parsed);
  }

  std::uint32_t chosen = 0;
  if (!requested.empty()) {
    chosen = parse_ipv4(requested);
    // A requested address may lie outside the lease range, which only
    // bounds the addresses handed out on their own, as in Podman and
    // Docker, where static addresses often sit outside --ip-range.
    const char* reason = nullptr;
    if (!pool.subnet.contains(chosen)) {
      reason = "it is outside the subnet";
    } else if (chosen == pool.subnet.network) {
      reason = "it is the subnet's network address";
    } else if (chosen == pool.subnet.broadcast()) {
      reason = "it is the subnet's broadcast address";
    } else if (chosen == pool.gateway.value_or(0)) {
      reason = "it is the gateway";
    }
    if (reason) {
      fail(ErrorCode::kInvalidArgument,
           "requested address {} cannot be used in subnet {}: {}; pick another address", requested,
           pool.subnet.str(), reason);
    }
    if (used.count(chosen) != 0) {
      std::string owner;
      for (const auto& [id, address] : state.allocations) {
        if (try_parse_ipv4(address) == chosen) owner = id;
      }
      fail(ErrorCode::kAlreadyExists,
           "requested address {} is already in use in subnet {} by container {}: pick another "
           "address or stop that container",
           requested, pool.subnet.str(), owner);
    }
  } else {
    if (pool.first > pool.last) {
      fail(ErrorCode::kConflict, "subnet {} has no address to hand out", pool.subnet.str());
    }
    // Start after the address handed out last so a just-released address
    // is not reused at once (old ARP and conntrack entries may still point
    // at it).
    std::uint32_t start = pool.first;
    if (auto last = try_parse_ipv4(state.last); last && *last >= pool.first && *last < pool.last) {
      start = *last + 1;
    }
    std::uint64_t size = std::uint64_t{pool.last} - pool.first + 1;
    bool found = false;
    for (std::uint64_t step = 0; step < size && !found; ++step) {
      std::uint32_t candidate =
          pool.first + static_cast<std::uint32_t>((start - pool.first + step) % size);
      if (pool.may_hand_out(candidate) && used.count(candidate) == 0) {
        chosen = candidate;
        found = true;
      }
    }
    if (!found) {
      fail(ErrorCode::kConflict,
           "no free IPv4 address left in subnet {}: remove containers on this network or use "
           "a larger subnet",
           pool.subnet.str());
    }
  }

  std::string address = format_ipv4(chosen);
  state.allocations[container_id] = address;
  state.last = address;
  return address;
}

std::string ipam_state_path(const std::string& run_dir, const std::string& network_name) {
  return run_dir + "/networks/" + network_name + "-ipam.json";
}

namespace {

std::string ipam_lock_path(const std::string& run_dir, const std::string& network_name) {
  return run_dir + "/networks/" + network_name + "-ipam.lock";
}

}  // namespace

void release_address(const std::string& run_dir, const std::string& network_name,
                     const std::string& container_id) {
  if (!is_valid_network_name(network_name)) {
    fail(ErrorCode::kInvalidArgument, "invalid network name \"{}\"", network_name);
  }
  std::string state_path = ipam_state_path(run_dir, network_name);
  if (!os::path_exists(state_path)) return;
  os::FileLock lock(ipam_lock_path(run_dir, network_name));
  auto text = os::read_file_if_exists(state_path);
  if (!text) return;
  IpamState state = IpamState::from_json(*text, state_path);
  if (state.allocations.erase(container_id) == 0) return;
  replace_file(state_path, state.to_json());
}

Ipam::Ipam(std::string run_dir, const Network& network)
    : run_dir_(run_dir),
      network_name_(network.name),
      state_path_(ipam_state_path(run_dir, network.name)),
      lock_path_(ipam_lock_path(run_dir, network.name)) {
  if (network.subnets.empty()) {
    fail(ErrorCode::kInvalidArgument, "network \"{}\" has no subnet to allocate addresses from",
         network.name);
  }
  pool_ = with_context("network \"" + network.name + "\"",
                       [&] { return AddressPool::from_subnet(network.subnets.front()); });
}

IpamState Ipam::load() const {
  auto text = os::read_file_if_exists(state_path_);
  if (!text) return IpamState{};
  return IpamState::from_json(*text, state_path_);
}

void Ipam::store(const IpamState& state) const {
  replace_file(state_path_, state.to_json());
}

std::string Ipam::allocate(const std::string& container_id, const std::string& requested) {
  os::make_dirs(run_dir_ + "/networks");
  os::FileLock lock(lock_path_);
  IpamState state = load();
  std::size_t before = state.allocations.size();
  std::string address = allocate_address(state, pool_, container_id, requested);
  if (state.allocations.size() != before) store(state);
  return address;
}

void Ipam::release(const std::string& container_id) {
  release_address(run_dir_, network_name_, container_id);
}

std::optional<std::string> Ipam::lookup(const std::string& container_id) const {
  IpamState state = load();
  auto it = state.allocations.find(container_id);
  if (it == state.allocations.end()) return std::nullopt;
  return it->second;
}

}  // namespace berth::network

