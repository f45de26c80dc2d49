// cp: copies between a container's file system and the host or a tar stream.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <optional>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/config.hpp"
#include "container/copy.hpp"
#include "container/copy_path.hpp"
#include "container/mounts.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "engine/local_image.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "runtime/id_mapping.hpp"
#include "runtime/spec.hpp"

namespace berth::engine {

namespace {

// Makes a relative host path absolute against the working directory,
// keeping trailing "/" and "/." that the copy rules look at.
std::string absolute_host_path(const std::string& path) {
  if (path.starts_with("/")) return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) fail_errno(errno, "reading the working directory");
  std::string base = cwd;
  return base == "/" ? "/" + path : base + "/" + path;
}

std::string absolute_container_path(const std::string& path) {
  return path.starts_with("/") ? path : "/" + path;
}

// Returns the primary uid and gid of the container's user from its root's
// /etc/passwd and /etc/group, as the host stores them: in a container with
// a user namespace, container IDs map through its uid and gid maps (an
// unmapped ID becomes the overflow ID 65534, as the kernel shows it).
container::CopyOwner container_owner(const ContainerFileSystem& root) {
  auto config = nlohmann::json::parse(root.record().config).get<container::ContainerConfig>();
  auto user = runtime::resolve_user(root.path(), config.user);
  container::CopyOwner owner{user.uid, user.gid};
  const auto& userns = config.userns;
  if (userns.enabled() && !userns.uid_map.empty() && !userns.gid_map.empty()) {
    owner.uid = runtime::map_to_host(userns.uid_map, user.uid).value_or(65534);
    owner.gid = runtime::map_to_host(userns.gid_map, user.gid).value_or(65534);
  }
  return owner;
}

// Returns the host uid and gid of the container's root user: 0 and 0, or
// what they map to in a container with a user namespace.
container::CopyOwner container_root_owner(const ContainerFileSystem& root) {
  auto config = nlohmann::json::parse(root.record().config).get<container::ContainerConfig>();
  container::CopyOwner owner;
  const auto& userns = config.userns;
  if (userns.enabled() && !userns.uid_map.empty() && !userns.gid_map.empty()) {
    owner.uid = runtime::map_to_host(userns.uid_map, 0).value_or(65534);
    owner.gid = runtime::map_to_host(userns.gid_map, 0).value_or(65534);
  }
  return owner;
}

// Creates an unnamed temporary file under dir that contains a tar between
// its writer and its reader.
os::Fd temporary_tar(const std::string& dir) {
  os::make_dirs(dir, 0700);
  os::Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) fail_errno(errno, "creating a temporary file in " + dir);
  return fd;
}

void rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) fail_errno(errno, "rewinding a temporary file");
}

bool follows_last_component(const std::string& path) {
  return path.ends_with("/") || path.ends_with("/.") || path == ".";
}

// Adds the /etc/hosts, /etc/hostname and /etc/resolv.conf that each start
// writes beside the bundle and bind-mounts over the image's files, so that
// cp reads and writes those rather than the image's placeholders. A user's
// mount on the same path, --no-hosts and --dns=none keep the image's file.
void add_etc_file_mounts(container::Context& ctx, const std::string& id,
                         const container::ContainerConfig& config,
                         std::vector<container::CopyMount>& mounts) {
  const auto& names = config.host_config.names;
  bool no_resolv = names.dns_servers.size() == 1 && names.dns_servers.front() == "none";
  std::string bundle = ctx.paths().bundle_dir(id);
  for (const char* file : {"hosts", "hostname", "resolv.conf"}) {
    std::string destination = std::string("/etc/") + file;
    if (destination == "/etc/hosts" && names.no_hosts) continue;
    if (destination == "/etc/resolv.conf" && no_resolv) continue;
    bool user_mounted = std::any_of(mounts.begin(), mounts.end(), [&](const auto& mount) {
      return mount.destination == destination;
    });
    std::string source = bundle + "/" + file;
    if (user_mounted || !os::path_exists(source)) continue;
    mounts.push_back({destination, source, false});
  }
}

// Maps a container path onto the host tree that contains it: the
// container's root file system, a named volume or a bind mount source.
// The mounts cp resolves container paths against (see copy_mounts), with
// the /etc files a start writes.
std::vector<container::CopyMount> cp_mounts(container::Context& ctx,
                                            const ContainerFileSystem& root) {
  auto config = nlohmann::json::parse(root.record().config).get<container::ContainerConfig>();
  auto mounts = container::copy_mounts(ctx, config, root.running());
  add_etc_file_mounts(ctx, root.record().id, config, mounts);
  return mounts;
}

container::CopyLocation locate(container::Context& ctx, const ContainerFileSystem& root,
                               const std::string& path, bool follow_last) {
  auto location = container::resolve_container_path(root.path(), cp_mounts(ctx, root), path,
                                                     follow_last);
  if (location.root.empty()) {
    fail(ErrorCode::kConflict,
         "cannot copy \"{}\": mount \"{}\" of running container {} (tmpfs, image, overlay or "
         "device volume) is only reachable inside the container: stop it first or copy with exec",
         path, location.mount_destination, root.record().name);
  }
  return location;
}

void require_writable(const container::CopyLocation& location, const std::string& path,
                      const std::string& container_name) {
  if (!location.read_only) return;
  fail(ErrorCode::kPermissionDenied,
       "copying to \"{}\" on container {}: mount \"{}\" is read-only: read-only file system",
       path, container_name, location.mount_destination);
}

}  // namespace

void LocalEngine::copy(const CopyRequest& request, int stream_fd) {
  auto record = container::find(ctx_, request.container);
  std::string location = "on container " + record.name;
  std::string container_path = absolute_container_path(request.container_path);
  bool stream = request.host_path == "-";
  std::string host_path = stream ? "-" : absolute_host_path(request.host_path);

  if (request.to_container) {
    std::optional<container::CopySource> source;
    if (!stream) source = container::stat_copy_source("/", host_path, "on the host");
    ContainerFileSystem root(ctx_, record.id, true, true);
    container::ExtractOptions options;
    options.overwrite = request.overwrite;
    if (request.archive) options.owner = container_owner(root);
    // Parent directories missing from a tar are created as root's, as
    // podman cp of Podman 4.3 creates them.
    options.parent_owner = container_root_owner(root);
    // A destination that resolves to a directory receives the copy, so its
    // last component is followed first. Otherwise the path itself is
    // created or replaced, a symlink included.
    auto dest = locate(ctx_, root, container_path, true);
    if (!stream && !container::is_directory_in_root(dest.root, dest.path)) {
      dest = locate(ctx_, root, container_path, false);
    }
    require_writable(dest, request.container_path, record.name);
    if (stream) {
      if (!container::is_directory_in_root(dest.root, dest.path)) {
        fail(ErrorCode::kNotFound,
             "\"{}\" could not be found {}: a tar stream is extracted into an existing directory",
             request.container_path, location);
      }
      // Entries of the stream may land on mounts below the destination (a
      // volume, a bind-mounted file), so each goes to the mount that
      // contains its path inside the container. A destination inside a mount takes
      // its entries as they are.
      if (dest.mount_destination.empty()) options.mounts = cp_mounts(ctx_, root);
      container::extract_copy_tar(stream_fd, dest.root, dest.path, options);
      return;
    }
    auto target = container::resolve_copy_target(dest.root, dest.path, host_path, *source,
                                                  request.overwrite, location, container_path);
    os::Fd tar = temporary_tar(ctx_.paths().tmp());
    container::write_copy_tar("/", host_path, target.top_name, tar.get());
    rewind(tar.get());
    container::extract_copy_tar(tar.get(), dest.root, target.directory, options);
    return;
  }

  ContainerFileSystem root(ctx_, record.id, true);
  auto from = locate(ctx_, root, container_path, follows_last_component(container_path));
  auto source = container::stat_copy_source(from.root, from.path, location, container_path);
  if (stream) {
    // Podman gives the streamed entries the container user's ids.
    std::optional<container::CopyOwner> owner;
    if (request.archive) owner = container_owner(root);
    std::string top_name = source.contents_only ? "" : container::copy_base_name(container_path);
    container::write_copy_tar(from.root, from.path, top_name, stream_fd, owner);
    return;
  }
  auto target = container::resolve_copy_target("/", host_path, container_path, source,
                                                request.overwrite, "on the host");
  os::Fd tar = temporary_tar(ctx_.paths().tmp());
  container::write_copy_tar(from.root, from.path, target.top_name, tar.get());
  rewind(tar.get());
  // Files copied to the host belong to the caller, as with Podman.
  container::ExtractOptions options;
  options.overwrite = request.overwrite;
  options.owner = container::CopyOwner{::geteuid(), ::getegid()};
  container::extract_copy_tar(tar.get(), "/", target.directory, options);
}

}  // namespace berth::engine
