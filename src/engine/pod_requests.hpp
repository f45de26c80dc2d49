#pragma once

// Pods: the requests and reports of the pod commands. A pod is a group of
// containers that share namespaces with the pod's infra container, which
// runs catatonit in pause mode and holds the namespaces while the members
// come and go.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "container/config.hpp"

namespace berth::engine {

// The flags of `pod create`. Empty strings take Podman's defaults.
struct PodCreateRequest {
  std::string name;                  // "" picks a random name, as for containers
  std::string hostname;              // --hostname: the UTS name of the members
  std::vector<std::string> labels;   // --label KEY[=VALUE]
  std::vector<std::string> label_files;
  bool infra = true;                 // --infra=false: a pod without infra container
  std::string infra_image;           // --infra-image; "" uses berth's pause image
  std::string infra_command;         // --infra-command; "" runs the image's
  std::string infra_name;            // --infra-name; "" gives "ID12-infra"
  // --share: comma list of cgroup, ipc, net, pid and uts; "" is "ipc,net,uts".
  // A leading "+" adds to the default list.
  std::string share;
  std::vector<std::string> publish;  // -p, published by the infra container
  std::vector<std::string> networks; // --network; empty joins the default bridge
  std::vector<std::string> add_hosts;
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::vector<std::string> dns_options;
  bool no_hosts = false;
  std::string exit_policy = "continue";  // --exit-policy continue|stop
  bool replace = false;                  // --replace: remove a pod of that name first
};

// A member of a pod, as pod inspect and pod ps show it.
struct PodMember {
  std::string id;
  std::string name;
  std::string status;  // the container's status: created, running, exited, ...
};

// A pod as `pod ps` and `pod inspect` report it.
struct PodReport {
  std::string id;    // 64 hex digits
  std::string name;
  std::int64_t created_ns = 0;
  // Podman's pod states: Created, Running, Degraded (some members run),
  // Paused, Stopped (every member stopped after running) and Exited.
  std::string status;
  std::string infra_id;  // "" for a pod without infra container
  std::string hostname;
  std::string exit_policy = "continue";
  std::map<std::string, std::string> labels;
  std::vector<std::string> shared_namespaces;  // sorted: cgroup, ipc, net, ...
  std::vector<std::string> networks;           // the infra container's networks
  std::vector<container::PublishedPort> ports;  // the infra container's -p
  std::string cgroup_parent;
  std::vector<PodMember> members;  // the infra container first, then by creation
};

}  // namespace berth::engine
