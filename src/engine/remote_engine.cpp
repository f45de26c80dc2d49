// Remote client: images, containers and system info through the libpod API
// of a berth or Podman service.

#include "engine/remote_engine.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "config/go_duration.hpp"
#include "engine/remote_create.hpp"
#include "engine/remote_json.hpp"
#include "engine/remote_logs.hpp"
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
  // The Podman 4 form of the list (see list_containers) sends the health
  // check's status as Status.
  s.health = string_or_empty(c, "Status");
  s.exit_code = int_or_zero(c, "ExitCode");
  s.started_ns = time_field_ns(c, "StartedAt");
  s.finished_ns = time_field_ns(c, "ExitedAt");
  s.pid = int_or_zero(c, "Pid");
  s.image_id = strip_sha256(string_or_empty(c, "ImageID"));
  s.auto_remove = c.value("AutoRemove", false);
  if (c.contains("Labels") && c["Labels"].is_object()) s.labels = c["Labels"];
  s.mounts = strings_or_empty(c, "Mounts");
  s.networks = strings_or_empty(c, "Networks");
  s.ports = published_ports(c);
  return s;
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
  client_.set_registry_auth(registry_auth_value(request.username, request.password));
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
  json reply = client_.send_json("GET", libpod("/images/json?all=true"));
  std::vector<ImageSummary> images;
  if (!reply.is_array()) return images;
  // The default list leaves out intermediate images. Only unnamed images
  // can be intermediate, so the second request runs only when some exist.
  std::set<std::string> default_list_ids;
  bool unnamed = std::any_of(reply.begin(), reply.end(), [](const json& item) {
    return strings_or_empty(item, "Names").empty() && strings_or_empty(item, "RepoTags").empty();
  });
  if (unnamed) {
    json visible = client_.send_json("GET", libpod("/images/json"));
    if (visible.is_array()) {
      for (const auto& item : visible) default_list_ids.insert(string_or_empty(item, "Id"));
    }
  }
  for (const auto& item : reply) {
    ImageSummary image;
    image.id = strip_sha256(string_or_empty(item, "Id"));
    image.names = strings_or_empty(item, "Names");
    if (image.names.empty()) image.names = strings_or_empty(item, "RepoTags");
    image.repo_digests = strings_or_empty(item, "RepoDigests");
    image.digest = string_or_empty(item, "Digest");
    image.created_ns = time_field_ns(item, "Created");
    image.size = int_or_zero(item, "Size");
    image.intermediate = unnamed && image.names.empty() &&
                         !default_list_ids.contains(string_or_empty(item, "Id"));
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

int RemoteEngine::wait_for_states(const std::string& name_or_id,
                                  const std::vector<std::string>& conditions,
                                  std::int64_t interval_ns) {
  std::string target = container_path(name_or_id, "wait") +
                       "?interval=" + escape(config::format_go_duration(interval_ns));
  for (const auto& condition : conditions) target += "&condition=" + escape(condition);
  json reply = client_.send_json("POST", target);
  return reply.is_number() ? reply.get<int>() : 0;
}

std::vector<ContainerSummary> RemoteEngine::list_containers(bool all) {
  // The Podman 4 form of the list gives Created with its nanoseconds
  // (Podman 5's has whole seconds), so rows made in the same second sort
  // as they do locally.
  json reply = client_.send_json("GET", std::string("/v4.0.0/libpod/containers/json?all=") +
                                            (all ? "true" : "false"));
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
  if (names_or_ids.size() != 1) {
    write_several_logs(client_, names_or_ids, options, stdout_fd, stderr_fd);
    return;
  }
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
    if (tty) return write_output(stdout_fd, data);
    pending.append(data);
    // Docker's multiplexed frames: stream byte, three zero bytes, a 32-bit
    // big-endian length, then the payload.
    while (pending.size() >= 8) {
      std::uint32_t length = 0;
      for (int i = 4; i < 8; ++i) length = (length << 8) | static_cast<unsigned char>(pending[i]);
      if (pending.size() < 8 + length) break;
      int fd = pending[0] == 2 ? stderr_fd : stdout_fd;
      if (!write_output(fd, std::string_view(pending).substr(8, length))) return false;
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
