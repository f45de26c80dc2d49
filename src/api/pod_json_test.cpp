#include "api/pod_json.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engine/remote_pods.hpp"

namespace berth::api {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using Strings = std::vector<std::string>;

ErrorCode error_code_of(const json& body) {
  try {
    pod_create_request(body);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

// The body Debian's podman 4.3.1 remote client sent for `pod create --name
// p1 -p 8080:80 --label a=b --hostname hh --dns 1.1.1.1 --add-host
// x:1.2.3.4 --share ipc,net`.
TEST(PodCreateRequest, Podman4BodyBecomesFlags) {
  json body = json::parse(R"({"name":"p1","hostname":"hh","exit_policy":"continue",
    "labels":{"a":"b"},"shared_namespaces":["ipc","net"],"share_parent":true,
    "pod_create_command":["podman","pod","create"],"pidns":{"nsmode":"private"},
    "userns":{},"utsns":{},"netns":{},
    "portmappings":[{"host_ip":"","container_port":80,"host_port":8080,"range":1,"protocol":""}],
    "Networks":null,"dns_server":["1.1.1.1"],"hostadd":["x:1.2.3.4"],
    "resource_limits":{"cpu":{}}})");
  auto request = pod_create_request(body);
  EXPECT_EQ(request.name, "p1");
  EXPECT_EQ(request.hostname, "hh");
  EXPECT_EQ(request.labels, Strings{"a=b"});
  EXPECT_TRUE(request.infra);
  EXPECT_EQ(request.share, "ipc,net");
  EXPECT_EQ(request.publish, Strings{"8080:80"});
  EXPECT_TRUE(request.networks.empty());
  EXPECT_EQ(request.dns, Strings{"1.1.1.1"});
  EXPECT_EQ(request.add_hosts, Strings{"x:1.2.3.4"});
  EXPECT_EQ(request.exit_policy, "continue");
  EXPECT_FALSE(request.no_hosts);
}

// `pod create --infra-image foo --infra-command /x --infra-name inf
// --network host` from the same client.
TEST(PodCreateRequest, Podman4InfraAndHostNetwork) {
  json body = json::parse(R"({"exit_policy":"continue","infra_command":["/x"],
    "infra_image":"foo","infra_name":"inf","shared_namespaces":["ipc","net","uts"],
    "netns":{"nsmode":"host"},"Networks":{}})");
  auto request = pod_create_request(body);
  EXPECT_EQ(request.infra_image, "foo");
  EXPECT_EQ(request.infra_command, "/x");
  EXPECT_EQ(request.infra_name, "inf");
  EXPECT_EQ(request.share, "ipc,net,uts");
  EXPECT_EQ(request.networks, Strings{"host"});
}

TEST(PodCreateRequest, EmptyBodyTakesDefaults) {
  auto request = pod_create_request(json::object());
  EXPECT_EQ(request.name, "");
  EXPECT_TRUE(request.infra);
  EXPECT_EQ(request.share, "");
  EXPECT_EQ(request.exit_policy, "continue");
  EXPECT_TRUE(request.networks.empty());
}

TEST(PodCreateRequest, NamedNetworksAndOtherFields) {
  json body = {{"no_infra", true},
               {"netns", {{"nsmode", "bridge"}}},
               {"networks", {{"n1", json::object()}, {"n2", json::object()}}},
               {"dns_search", {"a.b"}},
               {"dns_option", {"ndots:2"}},
               {"no_manage_hosts", true},
               {"exit_policy", "stop"},
               {"portmappings",
                {{{"host_ip", "127.0.0.1"}, {"container_port", 53}, {"protocol", "udp"}}}}};
  auto request = pod_create_request(body);
  EXPECT_FALSE(request.infra);
  EXPECT_EQ(request.networks, (Strings{"n1", "n2"}));
  EXPECT_EQ(request.dns_search, Strings{"a.b"});
  EXPECT_EQ(request.dns_options, Strings{"ndots:2"});
  EXPECT_TRUE(request.no_hosts);
  EXPECT_EQ(request.exit_policy, "stop");
  EXPECT_EQ(request.publish, Strings{"127.0.0.1::53/udp"});
}

TEST(PodCreateRequest, ContainerNetworkMode) {
  auto request = pod_create_request({{"netns", {{"nsmode", "container"}, {"value", "c1"}}}});
  EXPECT_EQ(request.networks, Strings{"container:c1"});
}

TEST(PodCreateRequest, WrongTypesAreBadRequests) {
  EXPECT_EQ(error_code_of(json::array()), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of({{"name", 5}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of({{"no_infra", "yes"}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of({{"portmappings", "80"}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of({{"Networks", json::array({"n1"})}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of({{"netns", {{"nsmode", "bogus"}}}}), ErrorCode::kInvalidArgument);
}

engine::PodReport sample_pod() {
  engine::PodReport pod;
  pod.id = std::string(64, 'a');
  pod.name = "web";
  pod.created_ns = 1700000000123456789;
  pod.status = "Degraded";
  pod.infra_id = std::string(64, 'b');
  pod.hostname = "webhost";
  pod.exit_policy = "stop";
  pod.labels = {{"tier", "front"}, {"a", ""}};
  pod.shared_namespaces = {"ipc", "net", "uts"};
  pod.networks = {"n1"};
  pod.ports = {{"", 8080, 80, "tcp"}, {"127.0.0.1", 5353, 53, "udp"}, {"", 8443, 443, "tcp"}};
  pod.cgroup_parent = "machine.slice";
  pod.members = {{pod.infra_id, "aaaaaaaaaaaa-infra", "running"},
                 {std::string(64, 'c'), "app", "exited"}};
  return pod;
}

TEST(PodInspectJson, PodmanShape) {
  auto inspect = pod_inspect_json(sample_pod());
  EXPECT_EQ(inspect["Id"], std::string(64, 'a'));
  EXPECT_EQ(inspect["State"], "Degraded");
  EXPECT_EQ(inspect["ExitPolicy"], "stop");
  EXPECT_EQ(inspect["InfraContainerID"], std::string(64, 'b'));
  EXPECT_EQ(inspect["NumContainers"], 2);
  EXPECT_EQ(inspect["Containers"][1]["Name"], "app");
  EXPECT_EQ(inspect["Containers"][1]["State"], "exited");
  EXPECT_EQ(inspect["InfraConfig"]["PortBindings"]["80/tcp"][0]["HostPort"], "8080");
  EXPECT_EQ(inspect["InfraConfig"]["PortBindings"]["53/udp"][0]["HostIp"], "127.0.0.1");
  EXPECT_EQ(inspect["InfraConfig"]["Networks"], ordered_json({"n1"}));
  EXPECT_EQ(inspect["InfraConfig"]["uts_ns"], "pod");
  EXPECT_EQ(inspect["SharedNamespaces"], ordered_json({"ipc", "net", "uts"}));
  EXPECT_TRUE(inspect["Created"].get<std::string>().starts_with("2023-11-14T22:13:20.123456789"));
}

TEST(PodInspectJson, NoInfraHasNoInfraConfig) {
  auto pod = sample_pod();
  pod.infra_id.clear();
  pod.members.erase(pod.members.begin());
  auto inspect = pod_inspect_json(pod);
  EXPECT_FALSE(inspect.contains("InfraConfig"));
  EXPECT_FALSE(inspect.contains("InfraContainerID"));
  EXPECT_EQ(inspect["CreateInfra"], false);
}

TEST(PodListJson, PodmanShape) {
  auto entry = pod_list_json(sample_pod());
  EXPECT_EQ(entry["InfraId"], std::string(64, 'b'));
  EXPECT_EQ(entry["Status"], "Degraded");
  EXPECT_EQ(entry["Containers"][0]["Names"], "aaaaaaaaaaaa-infra");
  EXPECT_EQ(entry["Containers"][1]["Status"], "exited");
  EXPECT_EQ(entry["Labels"]["tier"], "front");
  EXPECT_EQ(entry["Cgroup"], "machine.slice");
}

// The remote client reads back what the service writes.
TEST(PodInspectJson, RemoteClientReadsItBack) {
  auto pod = sample_pod();
  auto back = engine::remote::pod_from_inspect(ordered_json::parse(pod_inspect_json(pod).dump()));
  EXPECT_EQ(back.id, pod.id);
  EXPECT_EQ(back.name, pod.name);
  EXPECT_EQ(back.created_ns, pod.created_ns);
  EXPECT_EQ(back.status, pod.status);
  EXPECT_EQ(back.infra_id, pod.infra_id);
  EXPECT_EQ(back.hostname, pod.hostname);
  EXPECT_EQ(back.exit_policy, pod.exit_policy);
  EXPECT_EQ(back.labels, pod.labels);
  EXPECT_EQ(back.shared_namespaces, pod.shared_namespaces);
  EXPECT_EQ(back.networks, pod.networks);
  EXPECT_EQ(back.cgroup_parent, pod.cgroup_parent);
  ASSERT_EQ(back.ports.size(), 3u);
  EXPECT_EQ(back.ports[0].container_port, 80);
  EXPECT_EQ(back.ports[1].host_ip, "127.0.0.1");
  EXPECT_EQ(back.ports[1].protocol, "udp");
  EXPECT_EQ(back.ports[2].host_port, 8443);
  ASSERT_EQ(back.members.size(), 2u);
  EXPECT_EQ(back.members[1].name, "app");
  EXPECT_EQ(back.members[1].status, "exited");
}

// What the remote client sends is what the service reads.
TEST(PodCreateBody, ServiceReadsItBack) {
  engine::PodCreateRequest request;
  request.name = "p";
  request.hostname = "h";
  request.labels = {"a=b", "c"};
  request.infra_image = "img";
  request.infra_command = "/pause";
  request.infra_name = "inf";
  request.share = "+pid";
  request.publish = {"8080:80", "127.0.0.1:53:53/udp"};
  request.networks = {"n1", "n2"};
  request.dns = {"1.1.1.1"};
  request.dns_search = {"x.y"};
  request.dns_options = {"ndots:1"};
  request.add_hosts = {"h:1.2.3.4"};
  request.no_hosts = true;
  request.exit_policy = "stop";
  auto back = pod_create_request(engine::remote::pod_create_body(request));
  EXPECT_EQ(back.name, "p");
  EXPECT_EQ(back.hostname, "h");
  EXPECT_EQ(back.labels, (Strings{"a=b", "c="}));
  EXPECT_EQ(back.infra_image, "img");
  EXPECT_EQ(back.infra_command, "/pause");
  EXPECT_EQ(back.infra_name, "inf");
  EXPECT_EQ(back.share, "ipc,net,uts,pid");
  EXPECT_EQ(back.publish, (Strings{"8080:80", "127.0.0.1:53:53/udp"}));
  EXPECT_EQ(back.networks, (Strings{"n1", "n2"}));
  EXPECT_EQ(back.dns, request.dns);
  EXPECT_EQ(back.dns_search, request.dns_search);
  EXPECT_EQ(back.dns_options, request.dns_options);
  EXPECT_EQ(back.add_hosts, request.add_hosts);
  EXPECT_TRUE(back.no_hosts);
  EXPECT_EQ(back.exit_policy, "stop");

  request = {};
  request.infra = false;
  request.networks = {"host"};
  back = pod_create_request(engine::remote::pod_create_body(request));
  EXPECT_FALSE(back.infra);
  EXPECT_EQ(back.networks, Strings{"host"});
}

}  // namespace
}  // namespace berth::api
