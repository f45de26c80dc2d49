// Building a container's configuration from its image and the request, as
// Podman merges them.

#include <cstdlib>
#include <fstream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/health.hpp"
#include "container/network_dns.hpp"
#include "container/network_join.hpp"
#include "container/operations.hpp"
#include "container/restart.hpp"
#include "engine/create_log.hpp"
#include "engine/create_pod.hpp"
#include "engine/create_resources.hpp"
#include "engine/create_userns.hpp"
#include "engine/env.hpp"
#include "engine/local_engine.hpp"
#include "engine/network_value.hpp"
#include "events/events.hpp"
#include "image/platform.hpp"
#include "network/publish_spec.hpp"
#include "os/file.hpp"
#include "runtime/oci_runtime.hpp"
#include "volume/volume_store.hpp"

namespace berth::engine {

namespace {

std::vector<std::string> string_list(const nlohmann::json& config, const char* key) {
  if (!config.contains(key) || !config[key].is_array()) return {};
  return config[key].get<std::vector<std::string>>();
}

std::string string_value(const nlohmann::json& config, const char* key) {
  if (!config.contains(key) || !config[key].is_string()) return {};
  return config[key].get<std::string>();
}

// Parses an --entrypoint value: a JSON array, or one string taken as the
// whole command.
std::vector<std::string> parse_entrypoint(const std::string& value) {
  if (value.empty()) return {};
  if (value.front() == '[') {
    try {
      return nlohmann::json::parse(value).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception&) {
      fail(ErrorCode::kInvalidArgument, "invalid --entrypoint \"{}\": not a JSON string array",
           value);
    }
  }
  return {value};
}

std::string normalize_network(const std::string& network) {
  if (network.empty() || network == "bridge" || network == "podman" || network == "default") {
    return "bridge";
  }
  if (network == "host" || network == "none") return network;
  fail(ErrorCode::kNotFound,
       "unable to find network with name or ID {}: network not found (use bridge, host or none)",
       network);
}

// Whether a local image was built for platform (os/arch[/variant]).
bool image_matches_platform(const state::ImageRecord& image, const image::Platform& platform) {
  auto config = nlohmann::json::parse(image.config);
  if (config.value("os", "") != platform.os) return false;
  if (config.value("architecture", "") != platform.architecture) return false;
  return platform.variant.empty() || config.value("variant", "") == platform.variant;
}

}  // namespace

std::string LocalEngine::create(const CreateRequest& request, PullProgress& progress) {
  // Pods: --pod new:NAME makes the pod first (create_pod.cpp).
  if (request.pod.starts_with("new:")) return create_in_new_pod(*this, request, progress);
  const auto& policy = request.pull_policy;
  if (policy != "missing" && policy != "always" && policy != "never" && policy != "newer") {
    fail(ErrorCode::kInvalidArgument,
         "invalid --pull policy \"{}\": use missing, always, never or newer", policy);
  }
  std::optional<image::Platform> platform;
  if (!request.pull.platform.empty()) platform = image::parse_platform(request.pull.platform);

  std::optional<state::ImageRecord> image;
  if (policy != "always") image = find_image(request.image);
  // A local manifest list stands for its image for the platform.
  if (image) image = resolve_list_instance(*image, request.image, platform);
  // A local image for another platform does not count (Podman pulls then).
  if (image && platform && !image_matches_platform(*image, *platform)) image.reset();
  if (!image) {
    if (policy == "never") {
      fail(ErrorCode::kNotFound, "{}: image not known{}, and --pull=never forbids pulling it",
           request.image, platform ? " for platform " + platform->str() : "");
    }
    PullRequest pull = request.pull;
    pull.reference = request.image;
    image = ctx_.db().get_image(this->pull(pull, progress));
  }
  auto image_config = nlohmann::json::parse(image->config).value("config", nlohmann::json::object());

  container::ContainerConfig config;
  if (request.entrypoint) {
    config.entrypoint = parse_entrypoint(*request.entrypoint);
    config.cmd = request.command;
  } else {
    config.entrypoint = string_list(image_config, "Entrypoint");
    config.cmd = request.command.empty() ? string_list(image_config, "Cmd") : request.command;
  }
  config.env = string_list(image_config, "Env");
  bool has_path = false;
  for (const auto& e : config.env) has_path = has_path || e.starts_with("PATH=");
  if (!has_path) {
    set_env(config.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  // Podman sets TERM for every container, not only with -t.
  bool has_term = false;
  for (const auto& e : config.env) has_term = has_term || e.starts_with("TERM=");
  if (!has_term) set_env(config.env, "TERM=xterm");
  set_env(config.env, "container=podman");
  apply_env_defaults(request.host, config.env);  // --unsetenv-all, --env-host
  for (const auto& file : request.env_files) apply_env_file(config.env, file);
  for (const auto& value : request.env) apply_env_value(config.env, value);
  apply_env_overrides(request.host, config.env);  // --env-merge, --unsetenv

  config.working_dir = request.working_dir.value_or(string_value(image_config, "WorkingDir"));
  config.create_working_dir = !request.working_dir.has_value();
  if (config.working_dir.empty()) config.working_dir = "/";
  if (config.working_dir.front() != '/') {
    fail(ErrorCode::kInvalidArgument, "invalid working directory \"{}\": it must be absolute",
         config.working_dir);
  }
  config.user = request.user.value_or(string_value(image_config, "User"));
  config.hostname = request.hostname;
  config.tty = request.tty;
  config.interactive = request.interactive;
  config.remove = request.remove;
  // Restart policy.
  auto restart = container::parse_restart_policy(request.restart);
  if (restart.name != "no" && request.remove) {
    fail(ErrorCode::kInvalidArgument,
         "the --rm option conflicts with --restart \"{}\": use one of them", request.restart);
  }
  config.restart_policy = restart.name;
  config.restart_retries = restart.retries;
  // Health check.
  config.healthcheck = container::resolve_healthcheck(
      image_config.value("Healthcheck", nlohmann::json()), request.health);
  // Log driver.
  config.log = resolve_log_config(request);
  config.runtime = ctx_.runtime().name();
  // User networks: any other name joins that bridge network.
  NetworkValue network_value = parse_network_value(request.network);
  const auto& requested = network_value.name;
  bool builtin_mode = requested.empty() || requested == "bridge" || requested == "podman" ||
                      requested == "default" || requested == "host" || requested == "none";
  // Pods and joined namespaces: --pod, --network container:, --ipc, --uts,
  // --pid (create_pod.cpp).
  apply_namespace_flags(ctx_, request, config);
  if (config.network_mode.starts_with("container:")) {
    // The network namespace is the joined container's.
  } else if (!builtin_mode && network::is_valid_network_name(requested)) {
    config.network_mode = "bridge";
    config.network_name = inspect_network(requested).name;
  } else {
    config.network_mode = normalize_network(requested);
  }
  if (!network_value.aliases.empty() && config.network_mode != "bridge") {
    fail(ErrorCode::kInvalidArgument,
         "network aliases need a bridge network, not --network {}: drop the aliases or use a "
         "bridge network",
         config.network_mode);
  }
  for (const auto& [flag, given] :
       {std::pair{"--ip", &network_value.ip}, std::pair{"--mac-address", &network_value.mac}}) {
    if (!given->empty() && config.network_mode != "bridge") {
      fail(ErrorCode::kInvalidArgument,
           "{} can only be set when the network mode is bridge, not {}: drop {} or use a bridge "
           "network",
           flag, config.network_mode, flag);
    }
  }
  container::ConnectedNetwork primary{config.bridge_network(), network_value.aliases,
                                      network_value.ip, network_value.mac};
  if (config.network_mode == "bridge") container::check_network_request(ctx_, primary);
  container::set_primary_network_request(config, primary);
  for (const auto& value : request.publish) {
    for (const auto& m : network::parse_port_mappings(value)) {
      config.ports.push_back({m.host_ip, m.host_port, m.container_port, m.protocol});
    }
  }
  if (!config.ports.empty() && config.network_mode != "bridge") {
    spdlog::warn("port mappings are ignored with --network {}", config.network_mode);
    config.ports.clear();
  }
  // Security, resources and /etc settings, checked before any volume is made.
  apply_host_flags(request, config);
  // User namespaces and groups (create_userns.cpp).
  apply_userns_flags(ctx_, request.userns, *image, config);
  // Volumes: -v, --mount, --tmpfs, --volumes-from and the image's VOLUME.
  auto created_volumes = resolve_mounts(request, image_config, config);
  for (const auto& name : created_volumes) events::write_volume(ctx_.db(), "create", name);
  if (image_config.contains("ExposedPorts") && image_config["ExposedPorts"].is_object()) {
    for (const auto& [port, _] : image_config["ExposedPorts"].items()) {
      // Some tools write "80" where the image spec says "80/tcp".
      config.exposed_ports.push_back(port.find('/') == std::string::npos ? port + "/tcp" : port);
    }
  }
  config.stop_signal = request.stop_signal.value_or(string_value(image_config, "StopSignal"));
  if (config.stop_signal.empty()) config.stop_signal = "SIGTERM";
  container::parse_signal(config.stop_signal);
  if (request.stop_timeout) config.stop_timeout = *request.stop_timeout;
  config.init = request.init;  // --init (init_binary.cpp)
  if (config.init) config.init_path = container::find_init_binary(request.init_path);
  if (image_config.contains("Labels") && image_config["Labels"].is_object()) {
    config.labels = image_config["Labels"];
  }
  apply_label_flags(request.host, config);  // --label, --label-file, --annotation
  config.secrets = resolve_secrets(request.secrets);  // --secret (secrets.cpp)

  // Show the name the user gave when the image has several.
  std::string image_name = image->names.empty() ? request.image : image->names.front();
  for (const auto& name : image->names) {
    if (name == request.image || name.ends_with("/" + request.image) ||
        name == request.image + ":latest" || name.ends_with("/" + request.image + ":latest")) {
      image_name = name;
      break;
    }
  }
  try {
    auto record = container::create(ctx_, request.name, image->id, image_name, config);
    return record.id;
  } catch (...) {
    // Volumes: the volumes made for this container go with it.
    volume::VolumeStore store(ctx_.db(), ctx_.paths().root);
    for (const auto& name : created_volumes) store.remove(name);
    throw;
  }
}

}  // namespace berth::engine
