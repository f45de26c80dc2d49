// Pods in Podman's libpod JSON: the create body and the inspect and list
// shapes.

#include "api/pod_json.hpp"

#include <string>
#include <vector>

#include "api/body_fields.hpp"
#include "api/network_entries.hpp"
#include "api/port_mappings.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

namespace berth::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using namespace body_fields;

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string text;
  for (const auto& part : parts) {
    if (!text.empty()) text += separator;
    text += part;
  }
  return text;
}

// portmappings: each entry becomes a -p value (see publish_values).
void add_ports(const json& body, engine::PodCreateRequest& request) {
  for (auto& value : publish_values(body)) request.publish.push_back(std::move(value));
}

// The networks of a Networks object ({"NAME": {options}}) as --network
// values, with each entry's aliases and static addresses as options.
// Podman 4 clients write "Networks" and other clients "networks".
std::vector<std::string> network_names(const json& body) {
  std::vector<std::string> names;
  for (const char* key : {"Networks", "networks"}) {
    const json* named = field(body, key);
    if (!named) continue;
    if (!named->is_object()) {
      fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: expected an object", key);
    }
    for (const auto& [name, entry] : named->items()) {
      names.push_back(network_value_of_entry(name, entry));
    }
  }
  return names;
}

// netns and Networks as --network values: the bridge mode with named
// networks joins those, the other modes are the --network keywords.
void add_networks(const json& body, engine::PodCreateRequest& request) {
  auto names = network_names(body);
  std::string mode;
  std::string value;
  if (const json* netns = field(body, "netns")) {
    if (!netns->is_object()) {
      fail(ErrorCode::kInvalidArgument, "invalid netns in the request body: expected an object");
    }
    mode = string_field(*netns, "nsmode");
    value = string_field(*netns, "value");
  }
  if (mode.empty() || mode == "bridge" || mode == "default") {
    request.networks = names;
  } else if (mode == "host" || mode == "none" || mode == "private" || mode == "slirp4netns" ||
             mode == "pasta") {
    request.networks = {mode};
  } else if (mode == "container") {
    request.networks = {"container:" + value};
  } else if (mode == "path" || mode == "ns") {
    request.networks = {"ns:" + value};
  } else {
    fail(ErrorCode::kInvalidArgument,
         "invalid netns.nsmode \"{}\" in the request body: use bridge, host, none, private, "
         "slirp4netns, pasta, container or path",
         mode);
  }
}

ordered_json string_list(const std::vector<std::string>& values) {
  ordered_json list = ordered_json::array();
  for (const auto& value : values) list.push_back(value);
  return list;
}

ordered_json labels_object(const std::map<std::string, std::string>& labels) {
  ordered_json object = ordered_json::object();
  for (const auto& [key, value] : labels) object[key] = value;
  return object;
}

// Whether the pod's namespaces include name ("net", "uts", ...).
bool shares(const engine::PodReport& pod, const char* name) {
  for (const auto& shared : pod.shared_namespaces) {
    if (shared == name) return true;
  }
  return false;
}

// The infra container's settings: ports in Docker's PortBindings shape
// ({"80/tcp": [{"HostIp", "HostPort"}]}) and its networks.
ordered_json infra_config(const engine::PodReport& pod) {
  ordered_json bindings = ordered_json::object();
  for (const auto& port : pod.ports) {
    std::string key = std::to_string(port.container_port) + "/" + port.protocol;
    if (!bindings.contains(key)) bindings[key] = ordered_json::array();
    bindings[key].push_back({{"HostIp", port.host_ip}, {"HostPort", std::to_string(port.host_port)}});
  }
  bool host_network = pod.networks.size() == 1 && pod.networks.front() == "host";
  return {{"PortBindings", bindings},
          {"HostNetwork", host_network},
          {"StaticIP", ""},
          {"StaticMAC", ""},
          {"NoManageResolvConf", false},
          {"NoManageHosts", false},
          {"Networks", string_list(host_network ? std::vector<std::string>{} : pod.networks)},
          {"NetworkOptions", nullptr},
          {"pid_ns", shares(pod, "pid") ? "pod" : "private"},
          {"userns", "host"},
          {"uts_ns", shares(pod, "uts") ? "pod" : "private"}};
}

}  // namespace

engine::PodCreateRequest pod_create_request(const json& body) {
  if (!body.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid pod create body: expected a JSON object");
  }
  engine::PodCreateRequest request;
  request.name = string_field(body, "name");
  request.hostname = string_field(body, "hostname");
  request.labels = map_field(body, "labels");
  request.infra = !bool_field(body, "no_infra");
  request.infra_image = string_field(body, "infra_image");
  // Podman's client sends --infra-command as a list of one word.
  request.infra_command = join(strings_field(body, "infra_command"), " ");
  request.infra_name = string_field(body, "infra_name");
  request.share = join(strings_field(body, "shared_namespaces"), ",");
  add_ports(body, request);
  add_networks(body, request);
  request.dns = strings_field(body, "dns_server");
  request.dns_search = strings_field(body, "dns_search");
  request.dns_options = strings_field(body, "dns_option");
  request.add_hosts = strings_field(body, "hostadd");
  request.no_hosts = bool_field(body, "no_manage_hosts");
  if (std::string policy = string_field(body, "exit_policy"); !policy.empty()) {
    request.exit_policy = policy;
  }
  return request;
}

ordered_json pod_inspect_json(const engine::PodReport& pod) {
  ordered_json containers = ordered_json::array();
  for (const auto& member : pod.members) {
    containers.push_back({{"Id", member.id}, {"Name", member.name}, {"State", member.status}});
  }
  ordered_json inspect = {{"Id", pod.id},
                          {"Name", pod.name},
                          {"Created", format_rfc3339_nano(pod.created_ns)},
                          {"ExitPolicy", pod.exit_policy},
                          {"State", pod.status},
                          {"Hostname", pod.hostname},
                          {"Labels", labels_object(pod.labels)},
                          {"CreateCgroup", true},
                          {"CgroupParent", pod.cgroup_parent},
                          {"CreateInfra", !pod.infra_id.empty()}};
  if (!pod.infra_id.empty()) {
    inspect["InfraContainerID"] = pod.infra_id;
    inspect["InfraConfig"] = infra_config(pod);
  }
  inspect["SharedNamespaces"] = string_list(pod.shared_namespaces);
  inspect["NumContainers"] = pod.members.size();
  inspect["Containers"] = containers;
  inspect["LockNumber"] = 0;
  return inspect;
}

ordered_json pod_list_json(const engine::PodReport& pod) {
  ordered_json containers = ordered_json::array();
  for (const auto& member : pod.members) {
    containers.push_back({{"Id", member.id},
                          {"Names", member.name},
                          {"Status", member.status},
                          {"RestartCount", 0}});
  }
  return {{"Cgroup", pod.cgroup_parent},
          {"Containers", containers},
          {"Created", format_rfc3339_nano(pod.created_ns)},
          {"Id", pod.id},
          {"InfraId", pod.infra_id},
          {"Name", pod.name},
          {"Namespace", ""},
          {"Networks", string_list(pod.networks)},
          {"Status", pod.status},
          {"Labels", labels_object(pod.labels)}};
}

}  // namespace berth::api
