// Pods: the engine's pod commands.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "engine/create_resources.hpp"
#include "engine/engine.hpp"
#include "engine/list_filters.hpp"
#include "engine/local_engine.hpp"
#include "engine/network_value.hpp"
#include "events/events.hpp"
#include "os/fd.hpp"
#include "pod/pause_image.hpp"
#include "pod/pod_config.hpp"
#include "pod/pod_store.hpp"

namespace berth::engine {

// Engines without pods report them as unavailable.
std::string Engine::pod_create(const PodCreateRequest&, PullProgress&) {
  fail(ErrorCode::kUnavailable, "pod create is not supported by this engine");
}
std::vector<PodReport> Engine::list_pods(const std::vector<std::string>&) {
  fail(ErrorCode::kUnavailable, "pod ps is not supported by this engine");
}
PodReport Engine::inspect_pod(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod inspect is not supported by this engine");
}
bool Engine::pod_exists(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod exists is not supported by this engine");
}
std::string Engine::pod_start(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod start is not supported by this engine");
}
std::string Engine::pod_stop(const std::string&, std::optional<int>) {
  fail(ErrorCode::kUnavailable, "pod stop is not supported by this engine");
}
std::string Engine::pod_restart(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod restart is not supported by this engine");
}
std::string Engine::pod_kill(const std::string&, const std::string&) {
  fail(ErrorCode::kUnavailable, "pod kill is not supported by this engine");
}
std::string Engine::pod_pause(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod pause is not supported by this engine");
}
std::string Engine::pod_unpause(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod unpause is not supported by this engine");
}
std::string Engine::pod_remove(const std::string&, bool, std::optional<int>) {
  fail(ErrorCode::kUnavailable, "pod rm is not supported by this engine");
}
std::vector<std::string> Engine::pod_prune() {
  fail(ErrorCode::kUnavailable, "pod prune is not supported by this engine");
}

namespace {

void write_pod_event(state::Database& db, const state::PodRecord& pod, std::string_view status) {
  state::EventRecord event;
  event.type = "pod";
  event.status = status;
  event.object_id = pod.id;
  event.name = pod.name;
  event.pod_id = pod.id;
  events::write(db, std::move(event));
}

pod::PodConfig settings_of(const state::PodRecord& record) {
  auto json = nlohmann::json::parse(record.config, nullptr, false);
  return json.is_object() ? json.get<pod::PodConfig>() : pod::PodConfig{};
}

PodReport make_report(const state::PodRecord& record,
                      const std::vector<state::ContainerRecord>& containers) {
  auto settings = settings_of(record);
  PodReport report;
  report.id = record.id;
  report.name = record.name;
  report.created_ns = record.created_ns;
  report.infra_id = record.infra_id;
  report.hostname = settings.hostname;
  report.exit_policy = settings.exit_policy;
  report.labels = settings.labels;
  report.shared_namespaces = settings.shared;
  std::vector<std::string> statuses;
  for (const auto& member : pod::pod_members(containers, record)) {
    report.members.push_back({member.id, member.name, member.status});
    statuses.push_back(member.status);
    if (member.id != record.infra_id) continue;
    auto config = nlohmann::json::parse(member.config).get<container::ContainerConfig>();
    report.networks = config.bridge_networks();
    report.ports = config.ports;
  }
  report.status = pod::pod_status(statuses);
  return report;
}

bool runs(const state::ContainerRecord& record) {
  return record.status == "running" || record.status == "paused";
}

// Parses --infra-command: a JSON array, or a command split at spaces.
std::string entrypoint_of(const std::string& command) {
  if (command.empty() || command.front() == '[') return command;
  std::vector<std::string> argv;
  std::size_t pos = 0;
  while (pos < command.size()) {
    auto end = command.find(' ', pos);
    if (end == std::string::npos) end = command.size();
    if (end > pos) argv.push_back(command.substr(pos, end - pos));
    pos = end + 1;
  }
  return nlohmann::json(argv).dump();
}

// Runs op on each container and keeps going after a failure; throws the
// first failure, naming its container, after trying them all.
void for_each_member(const std::vector<state::ContainerRecord>& members, const char* verb,
                     const std::function<void(state::ContainerRecord&)>& op) {
  std::optional<Error> first;
  for (auto record : members) {
    try {
      op(record);
    } catch (const Error& e) {
      spdlog::debug("{} container {}: {}", verb, record.id, e.what());
      if (!first) first = e.with_context(fmt::format("{} container {}", verb, record.id));
    }
  }
  if (first) throw *first;
}

// Progress that is not shown: the pause image is made without output.
class SilentProgress : public PullProgress {
 public:
  void trying(const std::string&) override {}
  void copying_blob(const std::string&, bool) override {}
  void copying_config(const std::string&) override {}
  void writing_manifest() override {}
};

// Makes berth's pause image from the host's catatonit unless it exists,
// and returns its name. The layer is written to a file in tmp_dir first,
// as import reads a file.
std::string ensure_pause_image(Engine& engine, const std::string& tmp_dir) {
  if (engine.image_exists(pod::kPauseImage)) return pod::kPauseImage;
  ::mkdir(tmp_dir.c_str(), 0700);  // an existing one is fine
  std::string path = tmp_dir + "/pause-" + random_id().substr(0, 12) + ".tar";
  struct Unlink {
    std::string path;
    ~Unlink() { ::unlink(path.c_str()); }
  } unlink_later{path};
  {
    os::Fd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!out) fail_errno(errno, "creating \"" + path + "\"");
    pod::write_pause_layer(pod::kCatatonitPath, out.get());
  }
  os::Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) fail_errno(errno, "opening \"" + path + "\"");
  ImportRequest request;
  request.source = pod::kCatatonitPath;
  request.reference = pod::kPauseImage;
  request.changes = {R"(ENTRYPOINT ["/catatonit", "-P"])"};
  request.message = "berth pause image";
  SilentProgress progress;
  engine.import_image(request, in.get(), progress);
  return pod::kPauseImage;
}

}  // namespace

std::string LocalEngine::pod_create(const PodCreateRequest& request, PullProgress& progress) {
  pod::PodConfig settings;
  settings.infra = request.infra;
  settings.shared = pod::parse_share(request.share);
  if (request.exit_policy != "continue" && request.exit_policy != "stop") {
    fail(ErrorCode::kInvalidArgument,
         "invalid --exit-policy \"{}\": use continue or stop", request.exit_policy);
  }
  settings.exit_policy = request.exit_policy;
  if (!request.infra) {
    if (!request.publish.empty() || !request.networks.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "you must have an infra container to publish port bindings to the host");
    }
    if (!request.share.empty() && !settings.shared.empty()) {
      std::string list;
      for (const auto& name : settings.shared) list += (list.empty() ? "" : ",") + name;
      fail(ErrorCode::kInvalidArgument,
           "cannot set share({}) namespaces without an infra container", list);
    }
    settings.shared.clear();
  }
  if (request.networks.size() > 1) {
    fail(ErrorCode::kInvalidArgument,
         "more than one --network is not supported for a pod: give one and connect the infra "
         "container to the others");
  }
  // Labels are checked as for containers (create_resources.cpp).
  {
    container::ContainerConfig labels;
    HostFlags flags;
    flags.labels = request.labels;
    flags.label_files = request.label_files;
    apply_label_flags(flags, labels);
    for (const auto& [key, value] : labels.labels.items()) {
      settings.labels[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  settings.infra_image = request.infra_image;
  settings.infra_command = request.infra_command;
  settings.infra_name = request.infra_name;
  // The pod lists its networks by name; the infra container gets the
  // options (aliases, static addresses) as well.
  settings.networks.clear();
  for (const auto& network : request.networks) {
    std::string name = parse_network_value(network).name;
    if (!name.empty()) settings.networks.push_back(name);
  }
  settings.publish = request.publish;
  // Podman names the pod's UTS namespace after the pod.
  std::string name = request.name.empty() ? random_name() : request.name;
  if (!is_valid_name(name)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid pod name \"{}\": use letters, digits, '_', '.' and '-', starting with a letter "
         "or digit",
         name);
  }
  settings.hostname = request.hostname.empty() && request.infra ? name : request.hostname;
  auto& db = ctx_.db();
  if (request.replace && db.pod_by_name(name)) pod_remove(name, true, std::nullopt);

  state::PodRecord record;
  record.id = random_id();
  record.name = name;
  record.created_ns = now_ns();
  record.config = nlohmann::json(settings).dump();
  // The record comes first: a crash after it leaves a pod that `pod rm`
  // removes with whatever of it exists.
  db.insert_pod(record);
  if (request.infra) {
    try {
      CreateRequest infra;
      infra.image = request.infra_image;
      if (infra.image.empty()) infra.image = ensure_pause_image(*this, ctx_.paths().tmp());
      infra.name = request.infra_name.empty() ? pod::default_infra_name(record.id)
                                              : request.infra_name;
      if (pod::shares(settings.shared, "uts")) infra.hostname = settings.hostname;
      infra.network = request.networks.empty() ? "bridge" : request.networks.front();
      infra.publish = request.publish;
      infra.host.add_hosts = request.add_hosts;
      infra.host.no_hosts = request.no_hosts;
      infra.host.dns = request.dns;
      infra.host.dns_search = request.dns_search;
      infra.host.dns_options = request.dns_options;
      if (!request.infra_command.empty()) infra.entrypoint = entrypoint_of(request.infra_command);
      std::string infra_id = create(infra, progress);
      db.write([&] {
        auto container = container::find(ctx_, infra_id);
        auto config = nlohmann::json::parse(container.config).get<container::ContainerConfig>();
        config.pod_id = record.id;
        config.pod_infra = true;
        container.config = nlohmann::json(config).dump();
        db.update_container(container);
        record.infra_id = infra_id;
        db.update_pod(record);
      });
    } catch (...) {
      for (const auto& c : container::list(ctx_)) {
        if (pod::container_pod_id(c) != record.id) continue;
        auto member = c;
        container::remove(ctx_, member, true);
      }
      db.remove_pod(record.id);
      throw;
    }
  }
  write_pod_event(db, record, "create");
  return record.id;
}


std::vector<PodReport> LocalEngine::list_pods(const std::vector<std::string>& filters) {
  auto groups = group_filters(filters,
                              {"id", "name", "label", "status", "ctr-names", "ctr-ids",
                               "ctr-status", "ctr-number", "network"},
                              "pod");
  auto containers = container::list(ctx_);
  std::vector<PodReport> result;
  for (const auto& record : ctx_.db().list_pods()) {
    auto report = make_report(record, containers);
    nlohmann::json labels = report.labels;
    auto any_member = [&](const std::function<bool(const PodMember&)>& test) {
      return std::any_of(report.members.begin(), report.members.end(), test);
    };
    bool match = filters_match(groups, [&](const std::string& key, const std::string& value) {
      if (key == "id") return report.id.starts_with(value);
      if (key == "name") return filter_regex_matches(key, value, report.name);
      if (key == "label") return filter_labels_match(labels, value);
      if (key == "status") {
        std::string status = report.status;
        std::transform(status.begin(), status.end(), status.begin(), ::tolower);
        return status == value;
      }
      if (key == "ctr-names") {
        return any_member([&](const PodMember& m) { return m.name == value; });
      }
      if (key == "ctr-ids") {
        return any_member([&](const PodMember& m) { return m.id.starts_with(value); });
      }
      if (key == "ctr-status") {
        return any_member([&](const PodMember& m) { return m.status == value; });
      }
      if (key == "ctr-number") return std::to_string(report.members.size()) == value;
      return std::find(report.networks.begin(), report.networks.end(), value) !=
             report.networks.end();
    });
    if (match) result.push_back(std::move(report));
  }
  return result;
}

PodReport LocalEngine::inspect_pod(const std::string& name_or_id) {
  auto record = pod::find_pod(ctx_.db(), name_or_id);
  return make_report(record, container::list(ctx_));
}

bool LocalEngine::pod_exists(const std::string& name_or_id) {
  try {
    pod::find_pod(ctx_.db(), name_or_id);
    return true;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    throw;
  }
}

std::string LocalEngine::pod_start(const std::string& name_or_id) {
  auto record = pod::find_pod(ctx_.db(), name_or_id);
  // The infra container comes first in the list, so it runs before the
  // members join its namespaces.
  auto members = pod::pod_members(container::list(ctx_), record);
  if (members.empty()) {
    fail(ErrorCode::kConflict,
         "no containers in pod {} have no dependencies, cannot start pod: no such container",
         record.id);
  }
  for_each_member(members, "starting", [&](state::ContainerRecord& member) {
    auto fresh = container::find(ctx_, member.id);
    if (!container::has_process(fresh.status)) container::start(ctx_, fresh);
  });
  write_pod_event(ctx_.db(), record, "start");
  return record.id;
}

std::string LocalEngine::pod_stop(const std::string& name_or_id, std::optional<int> timeout) {
  auto record = pod::find_pod(ctx_.db(), name_or_id);
  auto members = pod::pod_members(container::list(ctx_), record);
  // The members stop before the infra container that owns their namespaces.
  std::rotate(members.begin(), members.begin() + (record.infra_id.empty() || members.empty() ? 0 : 1),
              members.end());
  for_each_member(members, "stopping", [&](state::ContainerRecord& member) {
    if (runs(member)) container::stop(ctx_, member, timeout);
  });
  write_pod_event(ctx_.db(), record, "stop");
  return record.id;
}

std::string LocalEngine::pod_restart(const std::string& name_or_id) {
  std::string id = pod_stop(name_or_id, std::nullopt);
  return pod_start(id);
}

std::string LocalEngine::pod_kill(const std::string& name_or_id, const std::string& signal) {
  int sig = container::parse_signal(signal);
  auto record = pod::find_pod(ctx_.db(), name_or_id);
  auto members = pod::pod_members(container::list(ctx_), record);
  for_each_member(members, "killing", [&](state::ContainerRecord& member) {
    if (runs(member)) container::kill(ctx_, member, sig);
  });
  write_pod_event(ctx_.db(), record, "kill");
  return record.id;
}

std::string LocalEngine::pod_pause(const std::string& name_or_id) {
  auto record = pod::find_pod(ctx_.db(), name_or_id);
  auto members = pod::pod_members(container::list(ctx_), record);
  for_each_member(members, "pausing", [&](state::ContainerRecord& member) {
    if (member.status != "running") return;
    container::pause(ctx_, member);
    events::write_container(ctx_.db(), member, "pause");
  });
  write_pod_event(ctx_.db(), record, "pause");
  return record.id;
}

std::string LocalEngine::pod_unpause(const std::string& name_or_id) {
  auto record = pod::find_pod(ctx_.db(), name_or_id);
  auto members = pod::pod_members(container::list(ctx_), record);
  for_each_member(members, "unpausing", [&](state::ContainerRecord& member) {
    if (member.status != "paused") return;
    container::unpause(ctx_, member);
    events::write_container(ctx_.db(), member, "unpause");
  });
  write_pod_event(ctx_.db(), record, "unpause");
  return record.id;
}

std::string LocalEngine::pod_remove(const std::string& name_or_id, bool force,
                                    std::optional<int> timeout) {
  auto record = pod::find_pod(ctx_.db(), name_or_id);
  auto members = pod::pod_members(container::list(ctx_), record);
  if (!force) {
    for (const auto& member : members) {
      if (!runs(member)) continue;
      fail(ErrorCode::kConflict,
           "removing container {} from pod {}: cannot remove container {} as it is {} - running "
           "or paused containers cannot be removed without force: container state improper",
           member.id, record.id, member.id, member.status);
    }
  }
  // Members first, the infra container last and the record at the very
  // end, so that a `pod rm` interrupted halfway can be run again.
  std::rotate(members.begin(), members.begin() + (record.infra_id.empty() || members.empty() ? 0 : 1),
              members.end());
  for_each_member(members, "removing", [&](state::ContainerRecord& member) {
    if (timeout && runs(member)) container::stop(ctx_, member, timeout);
    container::remove(ctx_, member, true);
  });
  ctx_.db().remove_pod(record.id);
  write_pod_event(ctx_.db(), record, "remove");
  return record.id;
}

std::vector<std::string> LocalEngine::pod_prune() {
  auto containers = container::list(ctx_);
  std::vector<std::string> removed;
  for (const auto& record : ctx_.db().list_pods()) {
    auto members = pod::pod_members(containers, record);
    if (std::any_of(members.begin(), members.end(), runs)) continue;
    removed.push_back(pod_remove(record.id, false, std::nullopt));
  }
  return removed;
}

}  // namespace berth::engine
