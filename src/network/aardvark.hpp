#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::network {

// One container's names on one network, a line of an aardvark-dns network file.
struct DnsEntry {
  std::string container_id;
  std::string ipv4;                // "10.89.0.2"
  std::vector<std::string> names;  // container name, short ID, network aliases

  bool operator==(const DnsEntry&) const = default;
};

// The file aardvark-dns 1.4 reads for one network: the addresses it listens
// on (the network's gateways) on the first line, then one line per
// container, "ID IPV4S IPV6S NAMES" with comma-separated lists.
struct DnsNetworkFile {
  std::vector<std::string> listen_ips;
  std::vector<DnsEntry> entries;

  std::string to_text() const;
  // Lines that do not have the four fields are dropped, so a damaged file
  // is repaired by the next change instead of blocking every later one.
  static DnsNetworkFile parse(std::string_view text);
};

// Container name resolution on dns-enabled networks through one
// aardvark-dns process per host. Its config directory
// (`<run_dir>/aardvark-dns`) contains one file per network, named after
// the network. Each change is made under `<run_dir>/aardvark-dns.lock`,
// and then the server is started when none runs, signalled with SIGHUP to
// reload, or stopped when no network file is left. An entry whose container has no
// network namespace under `<run_dir>/netns` any more (its cleanup never
// ran) is dropped by the next change.
class Aardvark {
 public:
  // binary is the aardvark-dns program; port is the UDP and TCP port it
  // serves on each gateway.
  Aardvark(std::string run_dir, std::string binary, int port = 53);

  // Returns the aardvark-dns program from Podman's helper directories
  // (/usr/libexec/podman, /usr/lib/podman, ...) or PATH, or nullopt when it
  // is not installed.
  static std::optional<std::string> find_binary();

  // Adds or replaces the entry of entry.container_id on network_name,
  // whose DNS server listens on gateway, and makes the server serve it.
  // Throws Error{kUnavailable} with aardvark-dns's output when the server
  // fails to start.
  void add(const std::string& network_name, const std::string& gateway, const DnsEntry& entry);

  // Removes the container's entry from network_name. A missing entry or
  // network file is fine. The server reloads, or exits when it has no
  // network left.
  void remove(const std::string& network_name, const std::string& container_id);

  // Returns the pid of the aardvark-dns serving this config directory, or
  // nullopt when none runs (a stale pid file included).
  std::optional<int> running_pid() const;

  std::string config_dir() const { return run_dir_ + "/aardvark-dns"; }

 private:
  // Drops the entries of containers whose namespace is gone, in every file.
  void drop_stale_entries();
  // Starts, reloads or stops the server to match the files.
  void apply();
  void start_server();
  void stop_server(int pid);
  void write_network_file(const std::string& network_name, const DnsNetworkFile& file);

  std::string run_dir_;
  std::string binary_;
  int port_;
};

}  // namespace berth::network
