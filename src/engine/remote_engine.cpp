// Remote client: images, containers and system info through the libpod API
// of a berth or Podman service.

#include "engine/remote_engine.hpp"

#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/env.hpp"
#include "engine/remote_json.hpp"
#include "os/file.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

ContainerSummary summary_from_json(const json& c) {
  ContainerSummary s;
  s.id = string_or_empty(c, "Id");
  auto names = strings_or_empty(c, "Names");
  if (!names.empty()) s.name = names.front();
  s.image = string_or_empty(c, "Image");
  s.command = strings_or_empty(c, "Command");
  s.created_ns = time_field_ns(c, "Created");
  s.status = string_or_empty(c, "State");
  s.exit_code = int_or_zero(c, "ExitCode");
  s.started_ns = time_field_ns(c, "StartedAt");
  s.finished_ns = time_field_ns(c, "ExitedAt");
  s.pid = int_or_zero(c, "Pid");
  s.image_id = strip_sha256(string_or_empty(c, "ImageID"));
  s.auto_remove = c.value("AutoRemove", false);
  if (c.contains("Labels") && c["Labels"].is_object()) s.labels = c["Labels"];
  s.mounts = strings_or_empty(c, "Mounts");
  s.networks = strings_or_empty(c, "Networks");
  if (c.contains("Ports") && c["Ports"].is_array()) {
    for (const auto& p : c["Ports"]) {
      container::PublishedPort port;
      port.host_ip = string_or_empty(p, "host_ip");
      port.host_port = static_cast<std::uint16_t>(int_or_zero(p, "host_port"));
      port.container_port = static_cast<std::uint16_t>(int_or_zero(p, "container_port"));
      port.protocol = string_or_empty(p, "protocol");
      if (port.protocol.empty()) port.protocol = "tcp";
      s.ports.push_back(port);
    }
  }
  return s;
}

// Parses a -p value "[IP:][HOST-PORT:]CONTAINER-PORT[/PROTOCOL]" into a
// libpod port mapping.
json port_mapping(const std::string& value) {
  std::string spec = value;
  std::string protocol = "tcp";
  if (auto slash = spec.rfind('/'); slash != std::string::npos) {
    protocol = spec.substr(slash + 1);
    spec.erase(slash);
  }

  std::vector<std::string> parts;
  std::size_t start = 0;
  // An IPv6 host address is written in brackets.
  std::string host_ip;
  if (spec.starts_with("[")) {
    auto close = spec.find("]:");
    if (close == std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "invalid port mapping \"{}\"", value);
    }
    host_ip = spec.substr(1, close - 1);
    start = close + 2;
  }
  for (;;) {
    auto colon = spec.find(':', start);
    parts.push_back(spec.substr(start, colon == std::string::npos ? colon : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3 || (parts.size() == 3 && !host_ip.empty())) {
    fail(ErrorCode::kInvalidArgument, "invalid port mapping \"{}\"", value);
  }

  if (parts.size() == 3) host_ip = parts[0];
  std::string host_port = parts.size() >= 2 ? parts[parts.size() - 2] : "";
  std::string container_port = parts.back();
  auto number = [&](const std::string& text) -> int {
    if (text.empty()) return 0;
    try {
      std::size_t used = 0;
      int n = std::stoi(text, &used);
      if (used == text.size() && n >= 0 && n <= 65535) return n;
    } catch (const std::exception&) {
    }
    fail(ErrorCode::kInvalidArgument,
         "invalid port mapping \"{}\": ports must be numbers of 1 to 65535 (remote mode takes no "
         "port ranges yet)", value);
  };

  json mapping = {{"container_port", number(container_port)}, {"protocol", protocol}};
  if (int host = number(host_port)) mapping["host_port"] = host;
  if (!host_ip.empty()) mapping["host_ip"] = host_ip;
  return mapping;
}

// The run and create options the libpod create body of berth's service
// does not carry yet; each is rejected rather than dropped.
void reject_unsupported_create_options(const CreateRequest& r) {
  auto reject = [](const char* option) {
    fail(ErrorCode::kUnavailable, "berth --remote: run and create option {} is not supported yet",
         option);
  };
  if (!r.volumes.empty()) reject("--volume");
  if (!r.mount_flags.mounts.empty()) reject("--mount");
  if (!r.mount_flags.tmpfs.empty()) reject("--tmpfs");
  if (!r.mount_flags.volumes_from.empty()) reject("--volumes-from");
  if (r.mount_flags.read_only) reject("--read-only");
  if (!r.secrets.empty()) reject("--secret");
  if (!r.security_opts.empty()) reject("--security-opt");
  if (r.init) reject("--init");
  if (!r.log_driver.empty()) reject("--log-driver");
  if (!r.log_opts.empty()) reject("--log-opt");
}

json create_body(const CreateRequest& r) {
  reject_unsupported_create_options(r);
  json body = {{"image", r.image}};
  if (!r.name.empty()) body["name"] = r.name;
  if (!r.command.empty()) body["command"] = r.command;
  if (r.entrypoint) {
    json parsed = json::parse(*r.entrypoint, nullptr, false);
    if (parsed.is_array()) {
      body["entrypoint"] = parsed;
    } else if (r.entrypoint->empty()) {
      body["entrypoint"] = json::array();
    } else {
      body["entrypoint"] = json::array({*r.entrypoint});
    }
  }

  // Environment files and KEY-only entries are read here, on the client,
  // as Podman's remote client does.
  std::vector<std::string> env;
  for (const auto& file : r.env_files) apply_env_file(env, file);
  for (const auto& value : r.env) apply_env_value(env, value);
  json env_map = json::object();
  for (const auto& entry : env) {
    auto equals = entry.find('=');
    if (equals == std::string::npos) continue;
    env_map[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  if (!env_map.empty()) body["env"] = env_map;

  if (r.working_dir) body["work_dir"] = *r.working_dir;
  if (r.user) body["user"] = *r.user;
  if (!r.hostname.empty()) body["hostname"] = r.hostname;
  body["terminal"] = r.tty;
  body["stdin"] = r.interactive;
  body["remove"] = r.remove;

  json labels = json::object();
  for (const auto& label : r.host.labels) {
    auto equals = label.find('=');
    labels[label.substr(0, equals)] = equals == std::string::npos ? "" : label.substr(equals + 1);
  }
  if (!labels.empty()) body["labels"] = labels;
  if (r.host.privileged) body["privileged"] = true;
  if (!r.host.cap_add.empty()) body["cap_add"] = r.host.cap_add;
  if (!r.host.cap_drop.empty()) body["cap_drop"] = r.host.cap_drop;

  if (!r.publish.empty()) {
    json mappings = json::array();
    for (const auto& value : r.publish) mappings.push_back(port_mapping(value));
    body["portmappings"] = mappings;
  }
  if (r.network == "host" || r.network == "none") {
    body["netns"] = {{"nsmode", r.network}};
  } else if (r.network.starts_with("container:")) {
    body["netns"] = {{"nsmode", "container"}, {"value", r.network.substr(10)}};
  } else if (r.network != "bridge" && !r.network.empty()) {
    fail(ErrorCode::kUnavailable, "berth --remote: --network {} is not supported yet", r.network);
  }
  if (r.stop_signal) body["stop_signal"] = *r.stop_signal;
  if (r.stop_timeout) body["stop_timeout"] = *r.stop_timeout;
  if (!r.restart.empty()) {
    auto colon = r.restart.find(':');
    body["restart_policy"] = r.restart.substr(0, colon);
    if (colon != std::string::npos) body["restart_tries"] = std::stoi(r.restart.substr(colon + 1));
  }
  return body;
}

// Writes all of data to fd; returns false once the reader has gone.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string seconds_text(std::int64_t ns) {
  return fmt::format("{}.{:09}", ns / 1'000'000'000, ns % 1'000'000'000);
}

}  // namespace

RemoteEngine::RemoteEngine(std::unique_ptr<api::Transport> transport, std::string url)
    : client_(std::move(transport)), url_(std::move(url)) {}

RemoteEngine::~RemoteEngine() {
  std::vector<std::thread> relays;
  std::vector<std::string> dirs;
  {
    std::lock_guard lock(relays_mutex_);
    relays.swap(relays_);
    dirs.swap(private_dirs_);
  }
  for (auto& relay : relays) relay.join();
  for (const auto& dir : dirs) os::remove_all(dir);
}

std::string RemoteEngine::pull(const PullRequest& request, PullProgress& progress) {
  std::string target = libpod("/images/pull?reference=" + escape(request.reference));
  if (request.tls_verify) target += std::string("&tlsVerify=") + (*request.tls_verify ? "true" : "false");
  if (!request.platform.empty()) {
    // "os/arch[/variant]"
    auto first = request.platform.find('/');
    auto second = request.platform.find('/', first == std::string::npos ? first : first + 1);
    target += "&OS=" + escape(request.platform.substr(0, first));
    if (first != std::string::npos) {
      target += "&Arch=" + escape(request.platform.substr(first + 1, second == std::string::npos
                                                                         ? second
                                                                         : second - first - 1));
    }
    if (second != std::string::npos) target += "&Variant=" + escape(request.platform.substr(second + 1));
  }
  if (request.retry) target += "&retry=" + std::to_string(*request.retry);
  std::string id, error;
  JsonLines lines([&](const json& line) {
    if (auto text = string_or_empty(line, "error"); !text.empty()) error = text;
    if (auto text = string_or_empty(line, "id"); !text.empty()) id = text;
    report_progress_line(string_or_empty(line, "stream"), progress);
    return true;
  });
  client_.stream("POST", target, "", [&](std::string_view data) { return lines.feed(data); });
  if (!error.empty()) throw Error(ErrorCode::kInternal, error);
  if (id.empty()) fail(ErrorCode::kInternal, "pulling {}: the service sent no image ID", request.reference);
  return strip_sha256(id);
}

std::vector<ImageSummary> RemoteEngine::list_images() {
  json reply = client_.send_json("GET", libpod("/images/json"));
  std::vector<ImageSummary> images;
  if (!reply.is_array()) return images;
  for (const auto& item : reply) {
    ImageSummary image;
    image.id = strip_sha256(string_or_empty(item, "Id"));
    image.names = strings_or_empty(item, "Names");
    if (image.names.empty()) image.names = strings_or_empty(item, "RepoTags");
    image.repo_digests = strings_or_empty(item, "RepoDigests");
    image.digest = string_or_empty(item, "Digest");
    image.created_ns = time_field_ns(item, "Created");
    image.size = int_or_zero(item, "Size");
    images.push_back(std::move(image));
  }
  return images;
}

nlohmann::json RemoteEngine::inspect_image(const std::string& name_or_id) {
  return client_.send_json("GET", libpod("/images/" + escape(name_or_id) + "/json"));
}

bool RemoteEngine::image_exists(const std::string& name_or_id) {
  try {
    inspect_image(name_or_id);
    return true;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    throw;
  }
}

std::string RemoteEngine::create(const CreateRequest& request, PullProgress& progress) {
  json body = create_body(request);
  const std::string& policy = request.pull_policy;
  bool pull_first = policy == "always" || policy == "newer" ||
                    (policy != "never" && !image_exists(request.image));
  if (pull_first) {
    PullRequest pull = request.pull;
    pull.reference = request.image;
    this->pull(pull, progress);
  }
  json reply = client_.send_json("POST", libpod("/containers/create"), body);
  return string_or_empty(reply, "Id");
}

void RemoteEngine::start(const std::string& name_or_id, const container::StartOptions& options) {
  if (options.create_only) unsupported("init");
  if (options.attach_fd >= 0) {
    start_attached(name_or_id, options);
    return;
  }
  client_.send("POST", container_path(name_or_id, "start"));
}

void RemoteEngine::stop(const std::string& name_or_id, std::optional<int> timeout) {
  std::string target = container_path(name_or_id, "stop");
  if (timeout) target += "?timeout=" + std::to_string(*timeout);
  client_.send("POST", target);
}

void RemoteEngine::kill(const std::string& name_or_id, const std::string& signal) {
  client_.send("POST", container_path(name_or_id, "kill") + "?signal=" + escape(signal));
}

void RemoteEngine::remove(const std::string& name_or_id, bool force) {
  client_.send("DELETE", container_path(name_or_id) + (force ? "?force=true" : "?force=false"));
}

void RemoteEngine::restart(const std::string& name_or_id, std::optional<int> timeout) {
  std::string target = container_path(name_or_id, "restart");
  if (timeout) target += "?timeout=" + std::to_string(*timeout);
  client_.send("POST", target);
}

int RemoteEngine::wait(const std::string& name_or_id) {
  return wait_for(name_or_id, container::WaitCondition::kNotRunning);
}

int RemoteEngine::wait_for(const std::string& name_or_id, container::WaitCondition condition,
                           const std::function<bool()>& /*keep_going*/) {
  if (condition == container::WaitCondition::kNotRunning) {
    json reply = client_.send_json("POST", container_path(name_or_id, "wait"));
    return reply.is_number() ? reply.get<int>() : 0;
  }
  // next-exit and removed are Docker's conditions: the compat route has them.
  std::string target = "/v1.41/containers/" + escape(name_or_id) + "/wait?condition=" +
                       (condition == container::WaitCondition::kNextExit ? "next-exit" : "removed");
  json reply = client_.send_json("POST", target);
  return static_cast<int>(int_or_zero(reply, "StatusCode"));
}

std::vector<ContainerSummary> RemoteEngine::list_containers(bool all) {
  json reply = client_.send_json("GET", libpod(std::string("/containers/json?all=") +
                                               (all ? "true" : "false")));
  std::vector<ContainerSummary> out;
  if (!reply.is_array()) return out;
  for (const auto& item : reply) out.push_back(summary_from_json(item));
  return out;
}

nlohmann::json RemoteEngine::inspect_container(const std::string& name_or_id) {
  return client_.send_json("GET", container_path(name_or_id, "json"));
}

void RemoteEngine::logs(const std::vector<std::string>& names_or_ids,
                        const container::LogOptions& options, int stdout_fd, int stderr_fd) {
  if (names_or_ids.size() != 1) unsupported("logs of several containers");
  const std::string& name = names_or_ids.front();
  json inspect = inspect_container(name);
  bool tty = inspect.contains("Config") && inspect["Config"].value("Tty", false);
  std::string target = container_path(name, "logs") + "?stdout=true&stderr=true";
  if (options.follow) target += "&follow=true";
  if (options.timestamps) target += "&timestamps=true";
  if (options.since_ns) target += "&since=" + seconds_text(*options.since_ns);
  if (options.until_ns) target += "&until=" + seconds_text(*options.until_ns);
  if (options.tail) target += "&tail=" + std::to_string(*options.tail);
  std::string pending;
  client_.stream("GET", target, "", [&](std::string_view data) {
    if (tty) return write_all(stdout_fd, data);
    pending.append(data);
    // Docker's multiplexed frames: stream byte, three zero bytes, a 32-bit
    // big-endian length, then the payload.
    while (pending.size() >= 8) {
      std::uint32_t length = 0;
      for (int i = 4; i < 8; ++i) length = (length << 8) | static_cast<unsigned char>(pending[i]);
      if (pending.size() < 8 + length) break;
      int fd = pending[0] == 2 ? stderr_fd : stdout_fd;
      if (!write_all(fd, std::string_view(pending).substr(8, length))) return false;
      pending.erase(0, 8 + length);
    }
    return true;
  });
}

std::string RemoteEngine::latest_container() {
  fail(ErrorCode::kInvalidArgument, "unknown flag: --latest (it is not available with --remote)");
}

std::string RemoteEngine::container_id(const std::string& name_or_id) {
  return string_or_empty(inspect_container(name_or_id), "Id");
}

nlohmann::ordered_json RemoteEngine::system_info() {
  api::HttpReply reply = client_.send("GET", libpod("/info"));
  auto info = nlohmann::ordered_json::parse(reply.body, nullptr, false);
  if (info.is_discarded()) fail(ErrorCode::kInternal, "the service's info reply is not JSON");
  return info;
}

void RemoteEngine::cleanup(const std::string& id, std::optional<int> exit_code,
                           const std::string& start_token, bool by_monitor) {}

}  // namespace berth::engine
