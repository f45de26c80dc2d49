// Remote client: pods through the libpod API.

#include "engine/remote_pods.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "container/config.hpp"
#include "engine/create_resources.hpp"
#include "engine/network_value.hpp"
#include "engine/remote_create.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::string pod_path(const std::string& name, const std::string& action = "") {
  return libpod("/pods/" + escape(name) + (action.empty() ? "" : "/" + action));
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

// --share as a list: a leading "+" adds to Podman's default ipc, net, uts.
json shared_namespaces(const std::string& share) {
  if (!share.starts_with("+")) return split_commas(share);
  std::vector<std::string> names = {"ipc", "net", "uts"};
  for (const auto& name : split_commas(share.substr(1))) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

// --network values as netns and Networks, as Podman's client sends them,
// with each network's aliases and static addresses.
void add_networks(const std::vector<std::string>& networks, json& body) {
  json named = json::object();
  for (const auto& network : networks) {
    body["netns"] = netns_spec(parse_network_value(network).name);
    if (json entry = networks_field(network); !entry.is_null()) named.update(entry);
  }
  if (!named.empty()) body["Networks"] = named;
}

// The ID in a pod operation's reply. A 304 (already in that state) has no
// body, so the pod is looked up for its ID, as the local command prints it.
std::string reported_id(RemoteEngine& engine, const api::HttpReply& reply,
                        const std::string& name_or_id) {
  if (reply.status == 304) return engine.inspect_pod(name_or_id).id;
  json report = json::parse(reply.body, nullptr, false);
  if (!report.is_object()) {
    fail(ErrorCode::kInternal, "pod {}: the service sent a reply that is not a JSON object",
         name_or_id);
  }
  auto errors = strings_or_empty(report, "Errs");
  if (!errors.empty()) {
    std::string text;
    for (const auto& error : errors) text += (text.empty() ? "" : "; ") + error;
    fail(ErrorCode::kInternal, "pod {}: {}", name_or_id, text);
  }
  return string_or_empty(report, "Id");
}

// InfraConfig.PortBindings ({"80/tcp": [{"HostIp", "HostPort"}]}) in the
// order the service wrote them.
std::vector<container::PublishedPort> ports_from_bindings(const ordered_json& bindings) {
  std::vector<container::PublishedPort> ports;
  if (!bindings.is_object()) return ports;
  for (const auto& [key, list] : bindings.items()) {
    auto slash = key.find('/');
    container::PublishedPort port;
    try {
      port.container_port = static_cast<std::uint16_t>(std::stoi(key.substr(0, slash)));
    } catch (const std::exception&) {
      continue;  // not a port number: skipped, as Podman's client would fail on it
    }
    if (slash != std::string::npos) port.protocol = key.substr(slash + 1);
    if (!list.is_array()) continue;
    for (const auto& binding : list) {
      container::PublishedPort published = port;
      published.host_ip = binding.value("HostIp", "");
      try {
        published.host_port = static_cast<std::uint16_t>(std::stoi(binding.value("HostPort", "0")));
      } catch (const std::exception&) {
        published.host_port = 0;
      }
      ports.push_back(published);
    }
  }
  return ports;
}

}  // namespace

namespace remote {

json pod_create_body(const PodCreateRequest& r) {
  HostFlags label_flags;
  label_flags.labels = r.labels;
  label_flags.label_files = r.label_files;
  container::ContainerConfig labelled;
  apply_label_flags(label_flags, labelled);

  json body = json::object();
  if (!r.name.empty()) body["name"] = r.name;
  if (!r.hostname.empty()) body["hostname"] = r.hostname;
  if (!labelled.labels.empty()) body["labels"] = labelled.labels;
  body["no_infra"] = !r.infra;
  if (!r.infra_image.empty()) body["infra_image"] = r.infra_image;
  if (!r.infra_command.empty()) body["infra_command"] = json::array({r.infra_command});
  if (!r.infra_name.empty()) body["infra_name"] = r.infra_name;
  if (!r.share.empty()) body["shared_namespaces"] = shared_namespaces(r.share);
  if (!r.publish.empty()) {
    json mappings = json::array();
    for (const auto& value : r.publish) mappings.push_back(port_mapping(value));
    body["portmappings"] = mappings;
  }
  add_networks(r.networks, body);
  if (!r.dns.empty()) body["dns_server"] = r.dns;
  if (!r.dns_search.empty()) body["dns_search"] = r.dns_search;
  if (!r.dns_options.empty()) body["dns_option"] = r.dns_options;
  if (!r.add_hosts.empty()) body["hostadd"] = r.add_hosts;
  if (r.no_hosts) body["no_manage_hosts"] = true;
  if (!r.exit_policy.empty()) body["exit_policy"] = r.exit_policy;
  return body;
}

PodReport pod_from_inspect(const ordered_json& reply) {
  json inspect = reply;
  PodReport pod;
  pod.id = string_or_empty(inspect, "Id");
  pod.name = string_or_empty(inspect, "Name");
  pod.created_ns = time_field_ns(inspect, "Created");
  pod.status = string_or_empty(inspect, "State");
  pod.infra_id = string_or_empty(inspect, "InfraContainerID");
  pod.hostname = string_or_empty(inspect, "Hostname");
  if (std::string policy = string_or_empty(inspect, "ExitPolicy"); !policy.empty()) {
    pod.exit_policy = policy;
  }
  if (inspect.contains("Labels") && inspect["Labels"].is_object()) {
    for (const auto& [key, value] : inspect["Labels"].items()) {
      if (value.is_string()) pod.labels[key] = value.get<std::string>();
    }
  }
  pod.shared_namespaces = strings_or_empty(inspect, "SharedNamespaces");
  pod.cgroup_parent = string_or_empty(inspect, "CgroupParent");
  if (inspect.contains("InfraConfig") && inspect["InfraConfig"].is_object()) {
    const auto& infra = inspect["InfraConfig"];
    pod.networks = strings_or_empty(infra, "Networks");
    if (infra.value("HostNetwork", false)) pod.networks = {"host"};
    if (reply["InfraConfig"].contains("PortBindings")) {
      pod.ports = ports_from_bindings(reply["InfraConfig"]["PortBindings"]);
    }
  }
  if (inspect.contains("Containers") && inspect["Containers"].is_array()) {
    for (const auto& member : inspect["Containers"]) {
      pod.members.push_back({string_or_empty(member, "Id"), string_or_empty(member, "Name"),
                             string_or_empty(member, "State")});
    }
  }
  return pod;
}

}  // namespace remote

std::string RemoteEngine::pod_create(const PodCreateRequest& request, PullProgress& progress) {
  (void)progress;  // the service pulls an infra image without reporting it
  json body = pod_create_body(request);
  // --replace removes the old pod from the client, as Podman's does.
  if (request.replace && !request.name.empty()) {
    try {
      pod_remove(request.name, true, std::nullopt);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
    }
  }
  json reply = client_.send_json("POST", libpod("/pods/create"), body);
  return string_or_empty(reply, "Id");
}

std::vector<PodReport> RemoteEngine::list_pods(const std::vector<std::string>& filters) {
  std::string query = filters_query(filters);
  json reply =
      client_.send_json("GET", libpod("/pods/json") + (query.empty() ? "" : "?filters=" + query));
  std::vector<PodReport> pods;
  if (!reply.is_array()) return pods;
  // The list shape lacks ports, hostname and namespaces, so each pod is
  // inspected; one removed in between is left out.
  for (const auto& item : reply) {
    try {
      pods.push_back(inspect_pod(string_or_empty(item, "Id")));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
    }
  }
  return pods;
}

PodReport RemoteEngine::inspect_pod(const std::string& name_or_id) {
  auto reply = client_.send("GET", pod_path(name_or_id, "json"));
  // Parsed keeping the key order, so ports stay in the order of -p.
  ordered_json inspect = ordered_json::parse(reply.body, nullptr, false);
  if (!inspect.is_object()) {
    fail(ErrorCode::kInternal, "pod {}: the service sent an inspect reply that is not a JSON object",
         name_or_id);
  }
  return pod_from_inspect(inspect);
}

bool RemoteEngine::pod_exists(const std::string& name_or_id) {
  try {
    client_.send("GET", pod_path(name_or_id, "exists"));
    return true;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    throw;
  }
}

std::string RemoteEngine::pod_start(const std::string& name_or_id) {
  return reported_id(*this, client_.send("POST", pod_path(name_or_id, "start")), name_or_id);
}

std::string RemoteEngine::pod_stop(const std::string& name_or_id, std::optional<int> timeout) {
  std::string target = pod_path(name_or_id, "stop");
  if (timeout) target += "?t=" + std::to_string(*timeout);
  return reported_id(*this, client_.send("POST", target), name_or_id);
}

std::string RemoteEngine::pod_restart(const std::string& name_or_id) {
  return reported_id(*this, client_.send("POST", pod_path(name_or_id, "restart")), name_or_id);
}

std::string RemoteEngine::pod_kill(const std::string& name_or_id, const std::string& signal) {
  std::string target = pod_path(name_or_id, "kill") + "?signal=" + escape(signal);
  return reported_id(*this, client_.send("POST", target), name_or_id);
}

std::string RemoteEngine::pod_pause(const std::string& name_or_id) {
  return reported_id(*this, client_.send("POST", pod_path(name_or_id, "pause")), name_or_id);
}

std::string RemoteEngine::pod_unpause(const std::string& name_or_id) {
  return reported_id(*this, client_.send("POST", pod_path(name_or_id, "unpause")), name_or_id);
}

std::string RemoteEngine::pod_remove(const std::string& name_or_id, bool force,
                                     std::optional<int> timeout) {
  std::string target = pod_path(name_or_id) + "?force=" + (force ? "true" : "false");
  if (timeout) target += "&timeout=" + std::to_string(*timeout);
  json reply = client_.send_json("DELETE", target);
  if (std::string error = string_or_empty(reply, "Err"); !error.empty()) {
    fail(ErrorCode::kInternal, "pod {}: {}", name_or_id, error);
  }
  return string_or_empty(reply, "Id");
}

std::vector<std::string> RemoteEngine::pod_prune() {
  json reply = client_.send_json("POST", libpod("/pods/prune"));
  std::vector<std::string> ids;
  if (!reply.is_array()) return ids;
  for (const auto& item : reply) ids.push_back(string_or_empty(item, "Id"));
  return ids;
}

}  // namespace berth::engine
