// Pods and joined namespaces at create time.

#include "engine/create_pod.hpp"

#include "common/error.hpp"
#include "container/operations.hpp"
#include "pod/pod_config.hpp"
#include "pod/pod_store.hpp"

namespace berth::engine {

namespace {

// Applies one of --ipc, --uts or --pid ("" and "private" keep a namespace
// of the container's own).
void apply_mode(container::Context& ctx, const char* flag, const char* name,
                const std::string& value, container::ContainerConfig& config) {
  if (value.empty()) return;
  if (value == "private") {
    config.joined_namespaces.erase(name);
  } else if (value == "host") {
    config.joined_namespaces[name] = "host";
  } else if (value.starts_with("container:")) {
    config.joined_namespaces[name] = container::find(ctx, value.substr(10)).id;
  } else {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} \"{}\": use host, private or container:NAME", flag, value);
  }
}

void join_pod(container::Context& ctx, const CreateRequest& request,
              container::ContainerConfig& config) {
  auto record = pod::find_pod(ctx.db(), request.pod);
  auto settings = nlohmann::json::parse(record.config).get<pod::PodConfig>();
  config.pod_id = record.id;
  if (record.infra_id.empty()) return;
  bool own_network = !request.network.empty() && request.network != "bridge";
  if (pod::shares(settings.shared, "net")) {
    if (!request.publish.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid config provided: published or exposed ports must be defined when the pod is "
           "created: network cannot be configured when it is shared with a pod");
    }
    if (own_network) {
      fail(ErrorCode::kInvalidArgument,
           "invalid config provided: networks must be defined when the pod is created: network "
           "cannot be configured when it is shared with a pod");
    }
  }
  if (pod::shares(settings.shared, "uts") && !request.hostname.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid config provided: cannot set hostname when joining the pod UTS namespace: "
         "invalid configuration");
  }
  for (const auto& name : settings.shared) config.joined_namespaces[name] = record.infra_id;
}

}  // namespace

void apply_namespace_flags(container::Context& ctx, const CreateRequest& request,
                           container::ContainerConfig& config) {
  if (!request.pod.empty()) join_pod(ctx, request, config);
  apply_mode(ctx, "--ipc", "ipc", request.ipc, config);
  apply_mode(ctx, "--uts", "uts", request.uts, config);
  apply_mode(ctx, "--pid", "pid", request.pid, config);
  if (request.network.starts_with("container:")) {
    config.joined_namespaces["net"] = container::find(ctx, request.network.substr(10)).id;
  }
  auto net = config.joined_namespaces.find("net");
  if (net != config.joined_namespaces.end()) {
    config.network_mode = "container:" + net->second;
    if (!request.publish.empty() && request.pod.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --network {}: -p needs a network of the container's own", request.network);
    }
  }
  // The joined UTS namespace has the other container's host name.
  auto uts = config.joined_namespaces.find("uts");
  if (uts != config.joined_namespaces.end() && uts->second != "host") {
    auto other = container::find(ctx, uts->second);
    auto other_config = nlohmann::json::parse(other.config).get<container::ContainerConfig>();
    config.hostname = other_config.hostname.empty() ? other.id.substr(0, 12) : other_config.hostname;
  }
}

std::string create_in_new_pod(Engine& engine, const CreateRequest& request,
                              PullProgress& progress) {
  PodCreateRequest pod;
  pod.name = request.pod.substr(4);
  if (pod.name.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid --pod \"{}\": give a name after new:",
         request.pod);
  }
  pod.publish = request.publish;
  std::string pod_id = engine.pod_create(pod, progress);
  CreateRequest member = request;
  member.pod = pod_id;
  member.publish.clear();
  try {
    return engine.create(member, progress);
  } catch (const Error&) {
    engine.pod_remove(pod_id, true, std::nullopt);
    throw;
  }
}

void reject_infra_removal(container::Context& ctx, const state::ContainerRecord& record) {
  if (!pod::is_infra(record)) return;
  auto pod_id = pod::container_pod_id(record);
  if (!ctx.db().get_pod(pod_id)) return;
  fail(ErrorCode::kConflict,
       "container {} is the infra container of pod {} and cannot be removed without removing "
       "the pod: use `pod rm`",
       record.id, pod_id);
}

}  // namespace berth::engine
