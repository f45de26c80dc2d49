#include <gtest/gtest.h>

#include "api/compat_create.hpp"
#include "common/error.hpp"
#include "engine/remote_create.hpp"

namespace berth::api {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

json base_body() { return {{"image", "busybox"}}; }

ErrorCode error_code_of(const json& body) {
  try {
    libpod_create_request(body);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

// Fields as Debian's podman 4.3.1 remote client sent them for
// `create -v /srv/b:/b:ro,z -v vol1:/v:nocopy -v /anon --mount
// type=bind,src=/srv/b,dst=/m --tmpfs /t:size=64m,mode=1777 --read-only`.
TEST(LibpodCreate, PodmanMountsBecomeFlags) {
  json body = base_body();
  body["mounts"] = json::parse(R"([
    {"destination": "/m", "type": "bind", "source": "/srv/b"},
    {"destination": "/b", "type": "bind", "source": "/srv/b", "options": ["ro", "z"]},
    {"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["size=64m", "mode=1777"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
     "options": ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]}])");
  body["volumes"] = json::parse(R"([
    {"Name": "vol1", "Dest": "/v", "Options": ["nocopy"], "IsAnonymous": false},
    {"Name": "", "Dest": "/anon", "Options": null, "IsAnonymous": false}])");
  body["read_only_filesystem"] = true;
  auto request = libpod_create_request(body);
  EXPECT_EQ(request.volumes, (Strings{"/srv/b:/m", "/srv/b:/b:ro,z", "vol1:/v:nocopy", "/anon"}));
  EXPECT_EQ(request.mount_flags.tmpfs,
            (Strings{"/t:size=64m,mode=1777", "/tmp:rw,rprivate,nosuid,nodev,tmpcopyup"}));
  EXPECT_TRUE(request.mount_flags.read_only);
  EXPECT_FALSE(request.mount_flags.read_only_tmpfs);
}

TEST(LibpodCreate, PodmanResourcesBecomeFlags) {
  json body = base_body();
  body["resource_limits"] = json::parse(R"({
    "memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
    "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"},
    "pids": {"limit": 100}})");
  body["r_limits"] = json::parse(R"([{"type": "nofile", "hard": 2048, "soft": 1024},
                                     {"type": "RLIMIT_NPROC", "hard": 20, "soft": 10}])");
  body["oom_score_adj"] = 100;
  body["shm_size"] = 33554432;
  body["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  auto flags = libpod_create_request(body).host;
  EXPECT_EQ(flags.memory, "67108864");
  EXPECT_EQ(flags.memory_reservation, "33554432");
  EXPECT_EQ(flags.memory_swap, "134217728");
  EXPECT_EQ(flags.cpu_shares, "512");
  EXPECT_EQ(flags.cpus, "0.5");
  EXPECT_EQ(flags.cpu_quota, "");
  EXPECT_EQ(flags.cpu_period, "");
  EXPECT_EQ(flags.cpuset_cpus, "0");
  EXPECT_EQ(flags.pids_limit, "100");
  EXPECT_EQ(flags.ulimits, (Strings{"nofile=1024:2048", "nproc=10:20"}));
  EXPECT_EQ(flags.oom_score_adj, "100");
  EXPECT_EQ(flags.shm_size, "33554432");
  EXPECT_EQ(flags.sysctls, (Strings{"net.ipv4.ip_forward=1"}));
}

TEST(LibpodCreate, CpuQuotaWithOtherPeriodKept) {
  json body = base_body();
  body["resource_limits"] = {{"cpu", {{"quota", 20000}, {"period", 50000}}}};
  auto flags = libpod_create_request(body).host;
  EXPECT_EQ(flags.cpus, "");
  EXPECT_EQ(flags.cpu_quota, "20000");
  EXPECT_EQ(flags.cpu_period, "50000");
}

TEST(LibpodCreate, PodmanSecurityBecomesOptions) {
  json body = base_body();
  body["no_new_privileges"] = true;
  body["selinux_opts"] = {"disable"};
  body["seccomp_profile_path"] = "unconfined";
  body["mask"] = {"/proc/a", "/proc/b"};
  body["devices"] = json::parse(R"([{"path": "/dev/null:/dev/mynull:rw", "major": 0}])");
  auto request = libpod_create_request(body);
  EXPECT_EQ(request.security_opts, (Strings{"no-new-privileges", "seccomp=unconfined",
                                            "label=disable", "mask=/proc/a:/proc/b"}));
  EXPECT_EQ(request.host.devices, (Strings{"/dev/null:/dev/mynull:rw"}));
}

TEST(LibpodCreate, PodmanSecretsAndHealth) {
  json body = base_body();
  body["secrets"] = json::parse(R"([{"Source": "s2", "Target": "", "UID": 1, "GID": 0,
                                    "Mode": 256}])");
  body["secret_env"] = {{"X", "s1"}};
  body["healthconfig"] = json::parse(R"({"Test": ["CMD-SHELL", "true"],
    "Interval": 30000000000, "Timeout": 30000000000, "Retries": 4})");
  body["health_check_on_failure_action"] = 2;
  body["stop_signal"] = 2;
  auto request = libpod_create_request(body);
  EXPECT_EQ(request.secrets, (Strings{"s2,type=mount,uid=1,gid=0,mode=0400", "s1,type=env,target=X"}));
  EXPECT_EQ(request.health.cmd, "true");
  EXPECT_EQ(request.health.interval, "30s");
  EXPECT_EQ(request.health.timeout, "30s");
  EXPECT_EQ(request.health.retries, 4);
  EXPECT_EQ(request.health.on_failure, "kill");
  EXPECT_EQ(request.stop_signal, "2");
}

TEST(LibpodCreate, PodmanNetworkAndLog) {
  json body = base_body();
  body["netns"] = {{"nsmode", "bridge"}};
  body["Networks"] = {{"mynet", {{"interface_name", ""}}}};
  body["log_configuration"] = json::parse(R"({"driver": "k8s-file", "path": "/tmp/x.log",
                                              "size": 10000000, "options": {"tag": "foo"}})");
  body["dns_server"] = {"1.1.1.1"};
  body["hostadd"] = {"foo:1.2.3.4"};
  body["groups"] = {"10"};
  body["userns"] = {{"nsmode", "host"}};
  auto request = libpod_create_request(body);
  EXPECT_EQ(request.network, "mynet");
  EXPECT_EQ(request.log_driver, "k8s-file");
  EXPECT_EQ(request.log_opts, (Strings{"path=/tmp/x.log", "max-size=10000000", "tag=foo"}));
  EXPECT_EQ(request.host.dns, (Strings{"1.1.1.1"}));
  EXPECT_EQ(request.host.add_hosts, (Strings{"foo:1.2.3.4"}));
  EXPECT_EQ(request.userns.group_add, (Strings{"10"}));
  EXPECT_EQ(request.userns.userns, "host");
}

TEST(LibpodCreate, NetworkAliasesBecomeOptions) {
  json body = base_body();
  body["netns"] = {{"nsmode", "bridge"}};
  body["Networks"] = {{"mynet", {{"aliases", {"web", "www"}}}}};
  EXPECT_EQ(libpod_create_request(body).network, "mynet:alias=web,alias=www");
}

TEST(LibpodCreate, RemoteNetworkAliasesRoundTrip) {
  engine::CreateRequest in;
  in.image = "busybox";
  in.network = "mynet:alias=web,alias=www";
  auto body = engine::remote::create_body(in);
  EXPECT_EQ(body["Networks"], json::parse(R"({"mynet": {"aliases": ["web", "www"]}})"));
  EXPECT_EQ(libpod_create_request(body).network, "mynet:alias=web,alias=www");
}

TEST(LibpodCreate, TwoNetworksRejected) {
  json body = base_body();
  body["Networks"] = {{"a", json::object()}, {"b", json::object()}};
  EXPECT_EQ(error_code_of(body), ErrorCode::kInvalidArgument);
}

TEST(LibpodCreate, UnknownNetnsModeRejected) {
  json body = base_body();
  body["netns"] = {{"nsmode", "bogus"}};
  EXPECT_EQ(error_code_of(body), ErrorCode::kInvalidArgument);
}

TEST(LibpodCreate, WrongFieldTypesRejected) {
  for (const char* key : {"mounts", "volumes", "r_limits", "secrets"}) {
    json body = base_body();
    body[key] = "text";
    EXPECT_EQ(error_code_of(body), ErrorCode::kInvalidArgument) << key;
  }
  json body = base_body();
  body["resource_limits"] = {{"memory", {{"limit", "64m"}}}};
  EXPECT_EQ(error_code_of(body), ErrorCode::kInvalidArgument);
}

// idmappings in the shape of Podman's IDMappingOptions, with the GID map
// copied from the UID map as Podman's client does when only --uidmap is given.
TEST(LibpodCreate, IdMapsBecomeFlags) {
  json body = base_body();
  body["idmappings"] = json::parse(R"({"HostUIDMapping": false, "HostGIDMapping": false,
    "UIDMap": [{"container_id": 0, "host_id": 100000, "size": 65536},
               {"container_id": 65536, "host_id": 1000, "size": 1}],
    "GIDMap": [{"container_id": 0, "host_id": 100000, "size": 65536},
               {"container_id": 65536, "host_id": 1000, "size": 1}],
    "AutoUserNs": false, "AutoUserNsOpts": {"Size": 0, "InitialSize": 0}})");
  auto request = libpod_create_request(body);
  std::vector<std::string> expected = {"0:100000:65536", "65536:1000:1"};
  EXPECT_EQ(request.userns.uidmap, expected);
  EXPECT_EQ(request.userns.gidmap, expected);
  EXPECT_EQ(request.userns.userns, "");
}

// Podman 4.3's remote client sends userns {"nsmode": "private"} with the
// maps of --uidmap.
TEST(LibpodCreate, IdMapsDropPrivateUserns) {
  json body = base_body();
  body["userns"] = {{"nsmode", "private"}};
  body["idmappings"] = json::parse(R"({"UIDMap": [{"container_id": 0, "host_id": 100000,
                                                   "size": 65536}]})");
  auto request = libpod_create_request(body);
  EXPECT_EQ(request.userns.userns, "");
  EXPECT_EQ(request.userns.uidmap, std::vector<std::string>{"0:100000:65536"});
}

TEST(LibpodCreate, PrivateUsernsWithoutMapsKept) {
  json body = base_body();
  body["userns"] = {{"nsmode", "private"}};
  EXPECT_EQ(libpod_create_request(body).userns.userns, "private");
}

TEST(LibpodCreate, EmptyIdMapsAddNoFlags) {
  json body = base_body();
  body["idmappings"] = json::parse(R"({"HostUIDMapping": true, "HostGIDMapping": true,
                                       "UIDMap": null, "GIDMap": null})");
  auto request = libpod_create_request(body);
  EXPECT_TRUE(request.userns.uidmap.empty());
  EXPECT_TRUE(request.userns.gidmap.empty());
}

TEST(LibpodCreate, MalformedIdMapsRejected) {
  for (const char* maps : {R"("text")", R"({"UIDMap": "0:1:1"})",
                           R"({"UIDMap": [{"container_id": "0", "host_id": 1, "size": 1}]})"}) {
    json body = base_body();
    body["idmappings"] = json::parse(maps);
    EXPECT_EQ(error_code_of(body), ErrorCode::kInvalidArgument) << maps;
  }
}

TEST(LibpodCreate, PodAndNamespaceModes) {
  json body = base_body();
  body["pidns"] = json::object();
  body["utsns"] = json::object();
  auto request = libpod_create_request(body);
  EXPECT_EQ(request.pid, "");
  EXPECT_EQ(request.uts, "");
  EXPECT_EQ(request.pod, "");
  body["pod"] = "p1";
  body["pidns"] = {{"nsmode", "host"}};
  body["ipcns"] = {{"nsmode", "container"}, {"value", "c1"}};
  body["utsns"] = {{"nsmode", "private"}};
  request = libpod_create_request(body);
  EXPECT_EQ(request.pod, "p1");
  EXPECT_EQ(request.pid, "host");
  EXPECT_EQ(request.ipc, "container:c1");
  EXPECT_EQ(request.uts, "private");
}

TEST(LibpodCreate, UnsupportedNamespaceModesRejected) {
  json body = base_body();
  body["pidns"] = {{"nsmode", "path"}, {"value", "/proc/1/ns/pid"}};
  EXPECT_EQ(error_code_of(body), ErrorCode::kUnavailable);
  body = base_body();
  body["cgroupns"] = {{"nsmode", "host"}};
  EXPECT_EQ(error_code_of(body), ErrorCode::kUnavailable);
}

// berth's client body read back by berth's service gives the flags again,
// in the forms the local create parses to the same values.
TEST(LibpodCreate, RoundTripOfClientBody) {
  engine::CreateRequest in;
  in.image = "busybox";
  in.name = "c1";
  in.volumes = {"/srv/data:/data:ro", "vol1:/v", "/anon"};
  in.mount_flags.mounts = {"type=tmpfs,dst=/scratch,tmpfs-size=1m"};
  in.mount_flags.tmpfs = {"/t:size=64m"};
  in.mount_flags.read_only = true;
  in.network = "mynet";
  in.init = true;
  in.host.memory = "64m";
  in.host.cpus = "1.5";
  in.host.pids_limit = "50";
  in.host.ulimits = {"nofile=100:200"};
  in.host.dns = {"10.0.0.1"};
  in.host.annotations = {"a=b"};
  in.security_opts = {"no-new-privileges", "label=disable"};
  in.secrets = {"token", "pw,type=env,target=PW"};
  in.health.cmd = "true";
  in.health.interval = "disable";
  in.health.retries = 2;
  in.log_driver = "k8s-file";
  in.log_opts = {"max-size=1m", "tag=t"};
  in.userns.group_add = {"wheel"};
  in.pod = "p1";
  in.ipc = "container:c2";
  in.uts = "private";
  in.pid = "host";

  auto out = libpod_create_request(engine::remote::create_body(in));
  EXPECT_EQ(out.name, "c1");
  EXPECT_EQ(out.volumes, (Strings{"/srv/data:/data:ro,rbind,rprivate", "vol1:/v:nosuid,nodev,rbind,rprivate",
                                  "/anon:nosuid,nodev,rbind,rprivate"}));
  EXPECT_EQ(out.mount_flags.tmpfs,
            (Strings{"/scratch:size=1m,nosuid,nodev", "/t:size=64m,nosuid,nodev"}));
  EXPECT_TRUE(out.mount_flags.read_only);
  EXPECT_TRUE(out.mount_flags.read_only_tmpfs);
  EXPECT_EQ(out.network, "mynet");
  EXPECT_TRUE(out.init);
  EXPECT_EQ(out.host.memory, "67108864");
  EXPECT_EQ(out.host.cpus, "1.5");
  EXPECT_EQ(out.host.pids_limit, "50");
  EXPECT_EQ(out.host.ulimits, (Strings{"nofile=100:200"}));
  EXPECT_EQ(out.host.dns, (Strings{"10.0.0.1"}));
  EXPECT_EQ(out.host.annotations, (Strings{"a=b"}));
  EXPECT_EQ(out.security_opts, (Strings{"no-new-privileges", "label=disable"}));
  EXPECT_EQ(out.secrets, (Strings{"token,type=mount,target=/run/secrets/token,uid=0,gid=0,mode=0444",
                                  "pw,type=env,target=PW"}));
  EXPECT_EQ(out.health.cmd, "true");
  EXPECT_EQ(out.health.interval, "disable");
  EXPECT_EQ(out.health.retries, 2);
  EXPECT_FALSE(out.health.timeout.has_value());
  EXPECT_EQ(out.log_driver, "k8s-file");
  EXPECT_EQ(out.log_opts, (Strings{"max-size=1000000", "tag=t"}));
  EXPECT_EQ(out.userns.group_add, (Strings{"wheel"}));
  EXPECT_EQ(out.pod, "p1");
  EXPECT_EQ(out.ipc, "container:c2");
  EXPECT_EQ(out.uts, "private");
  EXPECT_EQ(out.pid, "host");
}

}  // namespace
}  // namespace berth::api
