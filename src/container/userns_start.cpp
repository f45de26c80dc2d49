#include "container/userns_start.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "storage/idmapped_mount.hpp"

namespace berth::container {

namespace {

// The ID the kernel shows for an unmapped one (/proc/sys/kernel/overflowuid).
constexpr std::uint32_t kOverflowId = 65534;

std::string map_text(const std::vector<runtime::IdMapping>& map) {
  std::string text;
  for (const auto& m : map) {
    text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
            std::to_string(m.size) + "\n";
  }
  return text;
}

void add_search_permission(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail_errno(errno, "reading \"" + path + "\"");
  mode_t mode = (st.st_mode & 07777) | S_IXOTH;
  if (mode == (st.st_mode & 07777)) return;
  if (::chmod(path.c_str(), mode) != 0) fail_errno(errno, "changing the mode of \"" + path + "\"");
}

// Parses /proc/PID/uid_map text: "container host size" per line.
std::vector<runtime::IdMapping> parse_proc_map(std::string_view text) {
  std::vector<runtime::IdMapping> map;
  std::uint32_t values[3];
  int index = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t')) ++p;
    if (p == end) break;
    auto [next, ec] = std::from_chars(p, end, values[index]);
    if (ec != std::errc()) fail(ErrorCode::kInternal, "malformed ID map \"{}\"", text);
    p = next;
    if (++index == 3) {
      map.push_back({values[0], values[1], values[2]});
      index = 0;
    }
  }
  return map;
}

// Reads /proc/self/NAME from a child that joined the user namespace ns_fd,
// so the host IDs are relative to the namespace's parent.
std::string read_map_inside(int ns_fd, const char* name) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe");
  os::Fd read_end(pipe_fds[0]);
  os::Fd write_end(pipe_fds[1]);
  std::string path = std::string("/proc/self/") + name;
  pid_t pid = ::fork();
  if (pid < 0) fail_errno(errno, "forking to read a user namespace's ID map");
  if (pid == 0) {
    // Only async-signal-safe calls here.
    if (::setns(ns_fd, CLONE_NEWUSER) != 0) ::_exit(errno);
    int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file < 0) ::_exit(errno);
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(file, buffer, sizeof buffer)) > 0) {
      if (::write(write_end.get(), buffer, static_cast<std::size_t>(n)) != n) ::_exit(EIO);
    }
    ::_exit(n < 0 ? errno : 0);
  }
  write_end.reset();
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(read_end.get(), buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fail_errno(WIFEXITED(status) ? WEXITSTATUS(status) : EIO,
               "joining the user namespace to read its " + std::string(name));
  }
  return text;
}

// The bind mount that keeps a started container's own user namespace.
std::string user_namespace_file(const Paths& paths, const std::string& id) {
  return paths.run_dir(id) + "/userns";
}

// The mount points of idmapped_volume_source.
std::string idmapped_volumes_dir(const Paths& paths, const std::string& id) {
  return paths.bundle_dir(id) + "/idmapped-volumes";
}

}  // namespace

void mount_userns_rootfs(const ContainerConfig& config, const std::vector<std::string>& lowers,
                         const std::string& container_dir, const std::string& target,
                         bool volatile_upper, const std::string& userns_path) {
  const auto& userns = config.userns;
  os::Fd ns;
  std::string path = userns_path;
  if (path.empty() && userns.mode.starts_with("ns:")) path = userns.mode.substr(3);
  if (!path.empty()) {
    ns = os::Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) fail_errno(errno, "opening the user namespace \"" + path + "\"");
  } else {
    ns = storage::create_user_namespace(map_text(userns.uid_map), map_text(userns.gid_map));
  }
  std::string upper = container_dir + "/diff";
  auto root_uid = runtime::map_to_host(userns.uid_map, 0);
  auto root_gid = runtime::map_to_host(userns.gid_map, 0);
  if (root_uid && root_gid && ::chown(upper.c_str(), *root_uid, *root_gid) != 0) {
    fail_errno(errno, "changing the owner of \"" + upper + "\"");
  }
  std::string scratch = container_dir + "/idmapped";
  if (::mkdir(scratch.c_str(), 0700) != 0 && errno != EEXIST) {
    fail_errno(errno, "creating \"" + scratch + "\"");
  }
  storage::mount_overlay_idmapped(lowers, upper, container_dir + "/work", target, volatile_upper,
                                  ns.get(), scratch);
}

std::string prepare_user_namespace(Context& ctx, const std::string& id,
                                   const ContainerConfig& config) {
  const auto& userns = config.userns;
  if (!userns.enabled()) return "";
  if (userns.mode.starts_with("ns:")) return userns.mode.substr(3);
  if (userns.mode.starts_with("container:")) {
    std::string owner_id = userns.mode.substr(10);
    auto owner = ctx.db().get_container(owner_id);
    if (!owner) {
      fail(ErrorCode::kNotFound,
           "container {} whose user namespace --userns=container:{} joins no longer exists",
           owner_id.substr(0, 12), owner_id.substr(0, 12));
    }
    refresh(ctx, *owner);
    if (has_process(owner->status) && owner->pid > 0) {
      return "/proc/" + std::to_string(owner->pid) + "/ns/user";
    }
  }
  std::string path = user_namespace_file(ctx.paths(), id);
  os::Fd ns = storage::create_user_namespace(map_text(userns.uid_map), map_text(userns.gid_map));
  storage::bind_user_namespace(ns.get(), path);
  return path;
}

void release_user_namespace(const Paths& paths, const std::string& id) {
  storage::unbind_user_namespace(user_namespace_file(paths, id));
  std::string dir = idmapped_volumes_dir(paths, id);
  if (!os::path_exists(dir)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string path = entry.path().string();
    if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      fail_errno(errno, "unmounting the idmapped volume \"" + path + "\"");
    }
  }
  os::remove_all(dir);
}

std::string idmapped_volume_source(const Paths& paths, const std::string& id,
                                   const ContainerConfig& config, const std::string& source,
                                   std::size_t index) {
  if (!config.userns.enabled()) return source;
  std::string dir = idmapped_volumes_dir(paths, id);
  // Searchable by others: the runtime mounts from here as the container's root.
  os::make_dirs(dir, 0711);
  std::string target = dir + "/" + std::to_string(index);
  ::umount2(target.c_str(), MNT_DETACH);  // left by a killed start
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) {
    fail_errno(errno, "bind mount source \"" + source + "\"");
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) {
      fail_errno(errno, "creating \"" + target + "\"");
    }
  } else {
    os::Fd file(::open(target.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!file) fail_errno(errno, "creating \"" + target + "\"");
  }
  os::Fd ns = storage::create_user_namespace(map_text(config.userns.uid_map),
                                             map_text(config.userns.gid_map));
  storage::mount_idmapped(source, target, ns.get());
  return target;
}

void open_paths_for_userns(const Paths& paths, const std::string& id) {
  add_search_permission(paths.root);
  add_search_permission(paths.root + "/containers");
  add_search_permission(paths.container_dir(id));
  add_search_permission(paths.bundle_dir(id));
}

void apply_userns(const ContainerConfig& config, runtime::SpecInput& input) {
  const auto& userns = config.userns;
  std::vector<std::uint32_t> groups;
  try {
    groups = runtime::resolve_groups(input.rootfs, userns.group_add);
  } catch (const Error& e) {
    // Podman reports an unknown group as a failure to run the command.
    if (e.code() != ErrorCode::kNotFound) throw;
    throw Error(ErrorCode::kCommandNotExecutable,
                fmt::format("looking up supplemental groups for container {}: {}",
                            input.container_id, e.what()));
  }
  for (std::uint32_t gid : groups) {
    if (gid != input.gid && std::find(input.additional_gids.begin(), input.additional_gids.end(),
                                      gid) == input.additional_gids.end()) {
      input.additional_gids.push_back(gid);
    }
  }
  if (!userns.enabled()) return;
  input.user_namespace = true;
  if (userns.mode.starts_with("ns:")) input.user_namespace_path = userns.mode.substr(3);
  input.uid_mappings = userns.uid_map;
  input.gid_mappings = userns.gid_map;
}

std::pair<std::uint32_t, std::uint32_t> host_ids(const ContainerConfig& config,
                                                 std::uint32_t uid, std::uint32_t gid) {
  if (!config.userns.enabled()) return {uid, gid};
  return {runtime::map_to_host(config.userns.uid_map, uid).value_or(kOverflowId),
          runtime::map_to_host(config.userns.gid_map, gid).value_or(kOverflowId)};
}

runtime::IdMaps read_namespace_maps(const std::string& path) {
  os::Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) fail_errno(errno, "cannot find specified user namespace path \"" + path + "\"");
  runtime::IdMaps maps;
  maps.uids = parse_proc_map(read_map_inside(ns.get(), "uid_map"));
  maps.gids = parse_proc_map(read_map_inside(ns.get(), "gid_map"));
  return maps;
}

}  // namespace berth::container
