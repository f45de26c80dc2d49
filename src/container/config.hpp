#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::container {

// A published port, as `-p [ip:][hostPort:]containerPort[/proto]` gives it.
struct PublishedPort {
  std::string host_ip;  // "" means every address
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";
};

// A bind mount from `-v host:ctr[:ro]`.
struct VolumeMount {
  std::string source;
  std::string destination;
  bool read_only = false;
};

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
  std::vector<PublishedPort> ports;
  std::vector<VolumeMount> volumes;
  std::vector<std::string> exposed_ports;  // "80/tcp", from the image
  std::string stop_signal = "SIGTERM";
  int stop_timeout = 10;  // seconds
  std::string runtime;    // runtime name used to start it
  bool seccomp = true;    // false with --security-opt seccomp=unconfined
  nlohmann::json labels = nlohmann::json::object();
  nlohmann::json annotations = nlohmann::json::object();

  // The process argv: entrypoint followed by cmd.
  std::vector<std::string> args() const;
};

void to_json(nlohmann::json& j, const PublishedPort& p);
void from_json(const nlohmann::json& j, PublishedPort& p);
void to_json(nlohmann::json& j, const VolumeMount& v);
void from_json(const nlohmann::json& j, VolumeMount& v);
void to_json(nlohmann::json& j, const ContainerConfig& c);
void from_json(const nlohmann::json& j, ContainerConfig& c);

// The network side of a running container: where its namespace is and the
// address it got. Stored as JSON in the state database while it runs.
struct NetworkState {
  std::string netns;  // bind-mounted namespace path, "" for host or none
  std::string network;
  std::string interface;
  std::string ip;
  int prefix_len = 0;
  std::string gateway;
  std::string mac;
};

void to_json(nlohmann::json& j, const NetworkState& n);
void from_json(const nlohmann::json& j, NetworkState& n);

}  // namespace berth::container
