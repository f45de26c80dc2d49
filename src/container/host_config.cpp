#include "container/host_config.hpp"

namespace berth::container {

namespace {

template <typename T>
void put_optional(nlohmann::json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

template <typename T>
void get_optional(const nlohmann::json& j, const char* key, std::optional<T>& value) {
  if (j.contains(key) && !j[key].is_null()) value = j[key].get<T>();
}

nlohmann::json resources_json(const ResourceSettings& r) {
  nlohmann::json j = {{"nano_cpus", r.nano_cpus},     {"cpuset_cpus", r.cpuset_cpus},
                      {"cpuset_mems", r.cpuset_mems}, {"pids_limit", r.pids_limit},
                      {"ulimits", r.ulimits},         {"default_ulimits", r.default_ulimits},
                      {"sysctls", r.sysctls},         {"shm_size", r.shm_size}};
  put_optional(j, "memory", r.memory);
  put_optional(j, "memory_reservation", r.memory_reservation);
  put_optional(j, "memory_swap", r.memory_swap);
  put_optional(j, "memory_swappiness", r.memory_swappiness);
  put_optional(j, "cpu_shares", r.cpu_shares);
  put_optional(j, "cpu_period", r.cpu_period);
  put_optional(j, "cpu_quota", r.cpu_quota);
  put_optional(j, "blkio_weight", r.blkio_weight);
  put_optional(j, "oom_score_adj", r.oom_score_adj);
  return j;
}

ResourceSettings resources_from_json(const nlohmann::json& j) {
  ResourceSettings r;
  get_optional(j, "memory", r.memory);
  get_optional(j, "memory_reservation", r.memory_reservation);
  get_optional(j, "memory_swap", r.memory_swap);
  get_optional(j, "memory_swappiness", r.memory_swappiness);
  r.nano_cpus = j.value("nano_cpus", std::int64_t{0});
  get_optional(j, "cpu_shares", r.cpu_shares);
  get_optional(j, "cpu_period", r.cpu_period);
  get_optional(j, "cpu_quota", r.cpu_quota);
  r.cpuset_cpus = j.value("cpuset_cpus", "");
  r.cpuset_mems = j.value("cpuset_mems", "");
  r.pids_limit = j.value("pids_limit", std::int64_t{2048});
  get_optional(j, "blkio_weight", r.blkio_weight);
  r.ulimits = j.value("ulimits", std::vector<Ulimit>{});
  r.default_ulimits = j.value("default_ulimits", std::vector<Ulimit>{});
  r.sysctls = j.value("sysctls", std::map<std::string, std::string>{});
  r.shm_size = j.value("shm_size", std::int64_t{64 * 1024 * 1024});
  get_optional(j, "oom_score_adj", r.oom_score_adj);
  return r;
}

}  // namespace

void to_json(nlohmann::json& j, const Ulimit& u) {
  j = {{"name", u.name}, {"soft", u.soft}, {"hard", u.hard}};
}

void from_json(const nlohmann::json& j, Ulimit& u) {
  u.name = j.value("name", "");
  u.soft = j.value("soft", std::uint64_t{0});
  u.hard = j.value("hard", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const DeviceMapping& d) {
  j = {{"host_path", d.host_path},
       {"container_path", d.container_path},
       {"permissions", d.permissions}};
}

void from_json(const nlohmann::json& j, DeviceMapping& d) {
  d.host_path = j.value("host_path", "");
  d.container_path = j.value("container_path", "");
  d.permissions = j.value("permissions", "rwm");
}

void to_json(nlohmann::json& j, const HostConfig& h) {
  const SecuritySettings& s = h.security;
  const NameResolution& n = h.names;
  j = {{"security",
        {{"cap_add", s.cap_add},
         {"cap_drop", s.cap_drop},
         {"privileged", s.privileged},
         {"no_new_privileges", s.no_new_privileges},
         {"seccomp_profile", s.seccomp_profile},
         {"mask", s.mask},
         {"unmask", s.unmask},
         {"options", s.options},
         {"devices", s.devices}}},
       {"resources", resources_json(h.resources)},
       {"names",
        {{"add_hosts", n.add_hosts},
         {"no_hosts", n.no_hosts},
         {"dns_servers", n.dns_servers},
         {"dns_search", n.dns_search},
         {"dns_options", n.dns_options}}},
       {"cidfile", h.cidfile},
       {"conmon_pidfile", h.conmon_pidfile}};
}

void from_json(const nlohmann::json& j, HostConfig& h) {
  using Strings = std::vector<std::string>;
  nlohmann::json security = j.value("security", nlohmann::json::object());
  SecuritySettings& s = h.security;
  s.cap_add = security.value("cap_add", Strings{});
  s.cap_drop = security.value("cap_drop", Strings{});
  s.privileged = security.value("privileged", false);
  s.no_new_privileges = security.value("no_new_privileges", false);
  s.seccomp_profile = security.value("seccomp_profile", "");
  s.mask = security.value("mask", Strings{});
  s.unmask = security.value("unmask", Strings{});
  s.options = security.value("options", Strings{});
  s.devices = security.value("devices", std::vector<DeviceMapping>{});
  h.resources = resources_from_json(j.value("resources", nlohmann::json::object()));
  nlohmann::json names = j.value("names", nlohmann::json::object());
  NameResolution& n = h.names;
  n.add_hosts = names.value("add_hosts", Strings{});
  n.no_hosts = names.value("no_hosts", false);
  n.dns_servers = names.value("dns_servers", Strings{});
  n.dns_search = names.value("dns_search", Strings{});
  n.dns_options = names.value("dns_options", Strings{});
  h.cidfile = j.value("cidfile", "");
  h.conmon_pidfile = j.value("conmon_pidfile", "");
}

}  // namespace berth::container
