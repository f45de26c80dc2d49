#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "container/host_config.hpp"
#include "secret/secret_use.hpp"
#include "container/log_config.hpp"
#include "container/userns_config.hpp"
#include "volume/mount_spec.hpp"

namespace berth::container {

// A published port, as `-p [ip:][hostPort:]containerPort[/proto]` gives it.
struct PublishedPort {
  std::string host_ip;  // "" means every address
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";
};

// Volumes: one mount from -v, --mount, --tmpfs, --volumes-from or an
// image's VOLUME (see volume/mount_spec.hpp).
using VolumeMount = volume::MountSpec;

// A health check, from the image's Healthcheck or --health-* flags.
struct HealthCheck {
  // {"CMD-SHELL", "command"} or {"CMD", argv...}; empty: no health check.
  std::vector<std::string> test;
  std::int64_t interval_ns = 30'000'000'000;  // 0: only `healthcheck run`
  std::int64_t timeout_ns = 30'000'000'000;
  std::int64_t start_period_ns = 0;
  int retries = 3;
  std::string on_failure = "none";  // none, kill, restart or stop
};

void to_json(nlohmann::json& j, const HealthCheck& h);
void from_json(const nlohmann::json& j, HealthCheck& h);

// A network joined by `network connect` after the container was created.
struct ConnectedNetwork {
  std::string name;
  std::vector<std::string> aliases;  // --alias
  std::string static_ip;             // --ip, or "" to let the network's IPAM choose
  std::string static_mac;            // --mac-address, or "" for a random one
};

void to_json(nlohmann::json& j, const ConnectedNetwork& n);
void from_json(const nlohmann::json& j, ConnectedNetwork& n);

// Everything a container was created with: the image's config merged with
// the command-line overrides. Stored as JSON in the state database.
struct ContainerConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir = "/";
  // Whether a missing working_dir is created (it came from the image) or
  // fails the start (the user gave it with -w), as in Podman.
  bool create_working_dir = true;
  std::string user;
  std::string hostname;
  bool tty = false;
  bool interactive = false;
  bool remove = false;  // --rm
  std::string network_mode = "bridge";  // bridge, host or none
  // User networks: the network a bridge container joins; "" is the default
  // network "podman". bridge_network() gives the name either way.
  std::string network_name;
  // network connect: more bridge networks, in the order they were joined.
  // They get eth1, eth2, ... and no default route. Stored under its own
  // key, so records written before it existed read as an empty list.
  std::vector<ConnectedNetwork> connected_networks;
  std::vector<PublishedPort> ports;
  std::vector<VolumeMount> volumes;
  // Volumes: --read-only, and --read-only-tmpfs (tmpfs on /tmp, /var/tmp
  // and /run when the root file system is read-only).
  bool read_only_rootfs = false;
  bool read_only_tmpfs = true;
  std::vector<std::string> exposed_ports;  // "80/tcp", from the image
  std::string stop_signal = "SIGTERM";
  int stop_timeout = 10;  // seconds
  std::string runtime;    // runtime name used to start it
  bool seccomp = true;    // false with --security-opt seccomp=unconfined
  nlohmann::json labels = nlohmann::json::object();
  nlohmann::json annotations = nlohmann::json::object();
  // Security, resource and /etc/hosts and resolv.conf settings.
  HostConfig host_config;
  // Restart policy: "no", "always", "on-failure" or "unless-stopped", and
  // the most restarts on-failure:N makes (0: no limit).
  std::string restart_policy = "no";
  int restart_retries = 0;
  HealthCheck healthcheck;
  // --init: init_path (catatonit) is mounted read-only at kInitPath and
  // runs as PID 1 in front of args(), reaping zombies and passing signals on.
  bool init = false;
  std::string init_path;
  // Secrets: the --secret values, resolved to IDs.
  std::vector<secret::SecretUse> secrets;
  // Log driver: --log-driver and --log-opt.
  LogConfig log;
  // User namespace and groups: --userns, --uidmap, --gidmap, --group-add.
  UsernsSettings userns;
  // Pods: the pod this container belongs to ("" for none), and whether it
  // is the pod's infra container.
  std::string pod_id;
  bool pod_infra = false;
  // Namespaces joined from other containers: "net", "ipc", "uts", "pid" or
  // "cgroup" to the ID of the container whose namespace this one enters
  // (--pod, --ipc container:NAME, ...). Namespaces of the host are "host".
  // Stored under their own keys, so older records read as having none.
  std::map<std::string, std::string> joined_namespaces;

  // The bridge network this container joins when network_mode is "bridge".
  std::string bridge_network() const { return network_name.empty() ? "podman" : network_name; }
  // Every bridge network the container joins: bridge_network() first, then
  // connected_networks. Empty unless network_mode is "bridge".
  std::vector<std::string> bridge_networks() const;
  // The process argv: entrypoint followed by cmd.
  std::vector<std::string> args() const;
  // The argv the runtime starts: args(), behind "kInitPath --" with --init.
  std::vector<std::string> process_args() const;
};

// The path in the container at which --init mounts the init binary, as in Podman.
inline constexpr const char* kInitPath = "/run/podman-init";

void to_json(nlohmann::json& j, const PublishedPort& p);
void from_json(const nlohmann::json& j, PublishedPort& p);
void to_json(nlohmann::json& j, const ContainerConfig& c);
void from_json(const nlohmann::json& j, ContainerConfig& c);

// A running container's place on one of its connected networks.
struct NetworkEndpoint {
  std::string network;
  std::string interface;  // "eth1"
  std::string ip;
  int prefix_len = 0;
  std::string gateway;
  std::string mac;
};

void to_json(nlohmann::json& j, const NetworkEndpoint& e);
void from_json(const nlohmann::json& j, NetworkEndpoint& e);

// The network side of a running container: where its namespace is and the
// address it got. Stored as JSON in the state database while it runs.
// The first network's fields sit at the top level, as before connected
// networks existed; the others are in connected.
struct NetworkState {
  std::string netns;  // bind-mounted namespace path, "" for host or none
  std::string network;
  std::string interface;
  std::string ip;
  int prefix_len = 0;
  std::string gateway;
  std::string mac;
  std::vector<NetworkEndpoint> connected;
};

void to_json(nlohmann::json& j, const NetworkState& n);
void from_json(const nlohmann::json& j, NetworkState& n);

}  // namespace berth::container
