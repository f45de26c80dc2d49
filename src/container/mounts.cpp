#include "container/mounts.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/userns_start.hpp"
#include "os/file.hpp"
#include "storage/layer_store.hpp"
#include "volume/volume_store.hpp"

namespace berth::container {

namespace {

using volume::MountType;

// The mount options of spec that go to the OCI runtime as they are.
std::vector<std::string> runtime_options(const VolumeMount& mount) {
  std::vector<std::string> options = mount.options;
  if (mount.read_only) options.push_back("ro");
  return options;
}

runtime::Mount bind_mount(const VolumeMount& mount) {
  struct stat st;
  if (::stat(mount.source.c_str(), &st) != 0) {
    fail_errno(errno, "bind mount source \"" + mount.source + "\" for \"" + mount.destination +
                          "\"");
  }
  return {mount.destination, mount.source, "bind", runtime_options(mount)};
}

// Mounts the host directory source under an overlay whose upper directory
// lives in the container's directory and starts empty at every start, so
// the container's writes never reach the host (the O option).
runtime::Mount overlay_mount(Context& ctx, const state::ContainerRecord& record,
                             const VolumeMount& mount, std::size_t index) {
  bind_mount(mount);  // checks the source
  if (mount.source.find_first_of(":,") != std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "cannot mount \"{}\" with O: overlay lower directories cannot contain ':' or ','",
         mount.source);
  }
  std::string dir = ctx.paths().container_dir(record.id) + "/overlay-volumes/" +
                    std::to_string(index);
  os::remove_all(dir);
  os::make_dirs(dir + "/upper", 0755);
  os::make_dirs(dir + "/work", 0700);
  std::vector<std::string> options = {"lowerdir=" + mount.source, "upperdir=" + dir + "/upper",
                                      "workdir=" + dir + "/work", "private"};
  return {mount.destination, "overlay", "overlay", options};
}

// Mounts volume from the local driver's options: a device or tmpfs of its
// own, mounted by the runtime in the container's namespace.
// NOTE: Podman mounts such a volume once on the host and shares it. berth
// mounts it per container, so two running containers see different tmpfs
// contents.
runtime::Mount driver_mount(const VolumeMount& mount, const nlohmann::json& driver) {
  std::string type = driver.value("type", "");
  std::string device = driver.value("device", type);
  std::vector<std::string> options;
  std::string o = driver.value("o", "");
  std::size_t start = 0;
  while (start <= o.size() && !o.empty()) {
    auto comma = o.find(',', start);
    std::string option = o.substr(start, comma - start);
    if (!option.empty()) options.push_back(option);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  bool bind = std::find(options.begin(), options.end(), "bind") != options.end() ||
              std::find(options.begin(), options.end(), "rbind") != options.end();
  if (type == "tmpfs") {
    if (driver.contains("uid")) options.push_back("uid=" + driver["uid"].get<std::string>());
    if (driver.contains("gid")) options.push_back("gid=" + driver["gid"].get<std::string>());
  }
  for (const auto& option : mount.options) {
    if (option != "rbind" && option != "bind") options.push_back(option);
  }
  if (mount.read_only) options.push_back("ro");
  return {mount.destination, device, bind ? "bind" : type, options};
}

// Fills a new named volume from the image at the mount point, once, and
// gives it the container's owner when the image has no directory there.
void initialize_volume(Context& ctx, volume::VolumeStore& store, state::VolumeRecord& record,
                       const std::string& rootfs, const VolumeMount& mount, std::uint32_t uid,
                       std::uint32_t gid) {
  std::string data = store.data_dir(record.name);
  bool changed = false;
  bool copied = false;
  if (record.needs_copy_up && mount.copy_up) {
    if (!volume::directory_empty(data)) {
      record.needs_copy_up = false;
      changed = true;
    } else if (volume::copy_up(rootfs, mount.destination, data)) {
      spdlog::debug("copied {} of the image into volume {}", mount.destination, record.name);
      record.needs_copy_up = false;
      copied = true;
      changed = true;
    }
  }
  if (record.needs_chown) {
    if (!copied && ::chown(data.c_str(), uid, gid) != 0) {
      fail_errno(errno, "changing the owner of volume \"" + record.name + "\"");
    }
    record.needs_chown = false;
    changed = true;
  }
  if (changed) ctx.db().update_volume(record);
}

runtime::Mount named_volume_mount(Context& ctx, const VolumeMount& mount,
                                  const std::string& rootfs, std::uint32_t uid,
                                  std::uint32_t gid) {
  volume::VolumeStore store(ctx.db(), ctx.paths().root);
  auto record = store.find(mount.source);
  if (!record) {
    fail(ErrorCode::kNotFound,
         "volume \"{}\" for \"{}\" no longer exists: recreate it with `berth volume create {}`",
         mount.source, mount.destination, mount.source);
  }
  auto driver = nlohmann::json::parse(record->options);
  if (driver.contains("type")) return driver_mount(mount, driver);
  initialize_volume(ctx, store, *record, rootfs, mount, uid, gid);
  std::string data = store.data_dir(record->name);
  if (mount.chown) volume::chown_tree(data, uid, gid);
  return {mount.destination, data, "bind", runtime_options(mount)};
}

runtime::Mount image_mount(Context& ctx, const state::ContainerRecord& record,
                           const VolumeMount& mount, std::size_t index) {
  auto image = ctx.db().get_image(mount.image_id);
  if (!image) {
    fail(ErrorCode::kNotFound, "image \"{}\" of the mount on \"{}\" is no longer in the store",
         mount.source, mount.destination);
  }
  std::vector<std::string> lowers = ctx.layers().overlay_lowers(image->layers);
  if (lowers.empty()) {
    fail(ErrorCode::kInvalidArgument, "image \"{}\" has no layers to mount", mount.source);
  }
  if (lowers.size() == 1 && mount.read_only) {
    return {mount.destination, lowers.front(), "bind", {"rbind", "rprivate", "ro"}};
  }
  std::string lowerdir = "lowerdir=";
  for (std::size_t i = 0; i < lowers.size(); ++i) lowerdir += (i ? ":" : "") + lowers[i];
  std::vector<std::string> options = {lowerdir};
  if (!mount.read_only || lowers.size() == 1) {
    // Writes go to an upper directory that the next start drops.
    std::string dir = ctx.paths().container_dir(record.id) + "/image-mounts/" +
                      std::to_string(index);
    os::remove_all(dir);
    os::make_dirs(dir + "/upper", 0755);
    os::make_dirs(dir + "/work", 0700);
    options.push_back("upperdir=" + dir + "/upper");
    options.push_back("workdir=" + dir + "/work");
  }
  if (mount.read_only) options.push_back("ro");
  options.push_back("private");
  return {mount.destination, "overlay", "overlay", options};
}

runtime::Mount tmpfs_mount(const VolumeMount& mount) {
  std::vector<std::string> options = {mount.read_only ? "ro" : "rw", "rprivate"};
  options.insert(options.end(), mount.options.begin(), mount.options.end());
  return {mount.destination, "tmpfs", "tmpfs", options};
}

std::size_t path_depth(const std::string& path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

}  // namespace

std::vector<runtime::Mount> prepare_mounts(Context& ctx, const state::ContainerRecord& record,
                                           const ContainerConfig& config, std::uint32_t uid,
                                           std::uint32_t gid) {
  std::string rootfs = ctx.paths().rootfs(record.id);
  std::vector<runtime::Mount> mounts;
  for (std::size_t i = 0; i < config.volumes.size(); ++i) {
    const auto& mount = config.volumes[i];
    switch (mount.type) {
      case MountType::kBind:
        if (mount.overlay) {
          mounts.push_back(overlay_mount(ctx, record, mount, i));
        } else {
          if (mount.chown) volume::chown_tree(mount.source, uid, gid);
          mounts.push_back(bind_mount(mount));
        }
        break;
      case MountType::kVolume:
        mounts.push_back(named_volume_mount(ctx, mount, rootfs, uid, gid));
        break;
      case MountType::kTmpfs:
        mounts.push_back(tmpfs_mount(mount));
        break;
      case MountType::kImage:
        mounts.push_back(image_mount(ctx, record, mount, i));
        break;
    }
    if (mount.idmap && mounts.back().type == "bind") {  // idmap option (userns_start.cpp)
      mounts.back().source = idmapped_volume_source(ctx.paths(), record.id, config,
                                                    mounts.back().source, i);
    }
  }
  sort_mounts(mounts);
  return mounts;
}

std::vector<CopyMount> copy_mounts(Context& ctx, const ContainerConfig& config, bool running) {
  volume::VolumeStore store(ctx.db(), ctx.paths().root);
  std::vector<CopyMount> mounts;
  for (const auto& mount : config.volumes) {
    CopyMount copy{volume::clean_path(mount.destination), "", mount.read_only};
    if (mount.type == MountType::kBind && !mount.overlay) {
      copy.source = mount.source;
    } else if (mount.type == MountType::kVolume) {
      auto record = store.find(mount.source);
      if (!record) continue;
      auto driver = nlohmann::json::parse(record->options);
      if (!driver.contains("type")) {
        copy.source = store.data_dir(record->name);
      } else if (auto runtime_mount = driver_mount(mount, driver); runtime_mount.type == "bind") {
        copy.source = runtime_mount.source;
      }
    }
    if (!copy.source.empty() || running) mounts.push_back(copy);
  }
  return mounts;
}

void sort_mounts(std::vector<runtime::Mount>& mounts) {
  std::stable_sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) {
    return path_depth(a.destination) < path_depth(b.destination);
  });
}

std::vector<std::string> containers_using_volume(Context& ctx, const std::string& name,
                                                 const std::string& except) {
  std::vector<std::string> ids;
  for (const auto& record : ctx.db().list_containers()) {
    if (record.id == except) continue;
    auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
    for (const auto& mount : config.volumes) {
      if (mount.type == MountType::kVolume && mount.source == name) {
        ids.push_back(record.id);
        break;
      }
    }
  }
  return ids;
}

void remove_anonymous_volumes(Context& ctx, const std::string& container_id,
                              const ContainerConfig& config) {
  volume::VolumeStore store(ctx.db(), ctx.paths().root);
  for (const auto& mount : config.volumes) {
    if (mount.type != MountType::kVolume || !mount.anonymous) continue;
    try {
      if (!containers_using_volume(ctx, mount.source, container_id).empty()) continue;
      if (store.find(mount.source)) store.remove(mount.source);
    } catch (const Error& e) {
      spdlog::warn("removing anonymous volume {}: {}", mount.source, e.what());
    }
  }
}

}  // namespace berth::container
