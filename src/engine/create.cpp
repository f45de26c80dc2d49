// Building a container's configuration from its image and the request, as
// Podman merges them.

#include <cstdlib>
#include <fstream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "image/platform.hpp"
#include "network/port_mapping.hpp"
#include "os/file.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::engine {

namespace {

// Sets KEY=VALUE in env, replacing an earlier value of KEY.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  auto key = entry.substr(0, entry.find('='));
  for (auto& existing : env) {
    if (existing.substr(0, existing.find('=')) == key) {
      existing = entry;
      return;
    }
  }
  env.push_back(entry);
}

// Applies one -e value: KEY=VALUE, or KEY alone to copy the caller's value
// (skipped when the caller has none), as Podman does.
void apply_env_value(std::vector<std::string>& env, const std::string& value) {
  if (value.empty() || value.front() == '=') {
    fail(ErrorCode::kInvalidArgument, "invalid environment variable \"{}\": expected KEY=VALUE",
         value);
  }
  if (value.find('=') != std::string::npos) {
    set_env(env, value);
    return;
  }
  if (const char* host = std::getenv(value.c_str())) set_env(env, value + "=" + host);
}

void apply_env_file(std::vector<std::string>& env, const std::string& path) {
  auto text = os::read_file_if_exists(path);
  if (!text) fail(ErrorCode::kNotFound, "env file \"{}\" not found", path);
  std::size_t start = 0;
  while (start < text->size()) {
    auto end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line.front() == '#') continue;
    apply_env_value(env, line);
  }
}

container::VolumeMount parse_volume(const std::string& value) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto colon = value.find(':', start);
    parts.push_back(value.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": expected HOST-DIR:CONTAINER-DIR[:OPTIONS]", value);
  }
  container::VolumeMount volume;
  volume.source = parts[0];
  volume.destination = parts[1];
  if (volume.source.front() != '/') {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": named volumes are not supported yet; give an absolute host path",
         value);
  }
  if (volume.destination.front() != '/') {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": the container path must be absolute", value);
  }
  if (volume.destination.find_first_not_of('/') == std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": mounting over the container's root \"/\" is not allowed",
         value);
  }
  if (parts.size() == 3) {
    std::size_t pos = 0;
    std::string options = parts[2];
    while (pos <= options.size()) {
      auto comma = options.find(',', pos);
      std::string option = options.substr(pos, comma - pos);
      if (option == "ro") {
        volume.read_only = true;
      } else if (option != "rw" && option != "z" && option != "Z" && !option.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "invalid volume option \"{}\" in \"{}\": use ro or rw", option, value);
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return volume;
}

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
  for (const auto& file : request.env_files) apply_env_file(config.env, file);
  for (const auto& value : request.env) apply_env_value(config.env, value);

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
  config.runtime = ctx_.runtime().name();
  config.network_mode = normalize_network(request.network);
  for (const auto& value : request.publish) {
    auto m = network::parse_port_mapping(value);
    config.ports.push_back({m.host_ip, m.host_port, m.container_port, m.protocol});
  }
  if (!config.ports.empty() && config.network_mode != "bridge") {
    spdlog::warn("port mappings are ignored with --network {}", config.network_mode);
    config.ports.clear();
  }
  for (const auto& value : request.volumes) config.volumes.push_back(parse_volume(value));
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
  for (const auto& option : request.security_opts) {
    if (option == "seccomp=unconfined" || option == "seccomp:unconfined") {
      config.seccomp = false;
    } else if (option == "label=disable" || option == "label:disable") {
      // berth does not set SELinux labels, so there is nothing to disable.
    } else {
      fail(ErrorCode::kInvalidArgument,
           "unsupported --security-opt \"{}\": berth supports seccomp=unconfined and "
           "label=disable so far",
           option);
    }
  }
  if (image_config.contains("Labels") && image_config["Labels"].is_object()) {
    config.labels = image_config["Labels"];
  }

  // Show the name the user gave when the image has several.
  std::string image_name = image->names.empty() ? request.image : image->names.front();
  for (const auto& name : image->names) {
    if (name == request.image || name.ends_with("/" + request.image) ||
        name == request.image + ":latest" || name.ends_with("/" + request.image + ":latest")) {
      image_name = name;
      break;
    }
  }
  auto record = container::create(ctx_, request.name, image->id, image_name, config);
  return record.id;
}

}  // namespace berth::engine
