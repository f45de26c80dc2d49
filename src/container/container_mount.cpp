// mount and unmount: the container's root file system mounted for the user,
// with a count of mounts kept in the run directory, as Podman counts them.

#include <cstdlib>
#include <fstream>

#include "common/error.hpp"
#include "container/operations.hpp"
#include "container/userns_start.hpp"
#include "os/file.hpp"
#include "storage/layer_store.hpp"
#include "storage/overlay_mount.hpp"

namespace berth::container {

namespace {

std::string count_file(const Paths& paths, const std::string& id) {
  return paths.run_dir(id) + "/mount-count";
}

void write_count(Context& ctx, const std::string& id, int count) {
  const auto path = count_file(ctx.paths(), id);
  if (count <= 0) {
    os::remove_all(path);
    return;
  }
  os::write_file_atomic(path, std::to_string(count) + "\n", 0600, os::Durability::kVolatile);
}

}  // namespace

void mount_root_filesystem(Context& ctx, const state::ContainerRecord& record,
                           bool volatile_upper, const std::string& userns_path) {
  auto image = ctx.db().get_image(record.image_id);
  if (!image) {
    fail(ErrorCode::kNotFound, "image {} of container {} is no longer in the store",
         record.image_id.substr(0, 12), record.name);
  }
  for (const auto& layer : image->layers) {
    if (!ctx.layers().has(layer)) {
      fail(ErrorCode::kNotFound, "layer {} of image {} is missing from the store: pull it again",
           layer, record.image_id.substr(0, 12));
    }
  }
  std::vector<std::string> lowers = ctx.layers().overlay_lowers(image->layers);
  const auto& paths = ctx.paths();
  std::string dir = paths.container_dir(record.id);
  // User namespaces: idmapped layers (userns_start.cpp).
  auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
  if (config.userns.enabled()) {
    return mount_userns_rootfs(config, lowers, dir, paths.rootfs(record.id), volatile_upper,
                               userns_path);
  }
  storage::mount_overlay(lowers, dir + "/diff", dir + "/work", paths.rootfs(record.id),
                         volatile_upper);
}

bool rootfs_mounted(Context& ctx, const std::string& id) {
  // Field 5 of /proc/self/mountinfo is the mount point.
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string target = ctx.paths().rootfs(id);
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::size_t start = 0;
    for (int field = 0; field < 4 && start != std::string::npos; ++field) {
      start = line.find(' ', start);
      if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos) continue;
    auto end = line.find(' ', start);
    if (line.compare(start, end - start, target) == 0) return true;
  }
  return false;
}

int mount_count(Context& ctx, const std::string& id) {
  auto text = os::read_file_if_exists(count_file(ctx.paths(), id));
  return text ? std::atoi(text->c_str()) : 0;
}

std::string mount(Context& ctx, const state::ContainerRecord& record) {
  auto [lock, fresh] = lock_container(ctx, record.id);
  if (!fresh) fail_no_such_container(record.name);
  if (!rootfs_mounted(ctx, fresh->id)) {
    auto config = nlohmann::json::parse(fresh->config).get<ContainerConfig>();
    mount_root_filesystem(ctx, *fresh, config.remove);
  }
  write_count(ctx, fresh->id, mount_count(ctx, fresh->id) + 1);
  return ctx.paths().rootfs(fresh->id);
}

void unmount(Context& ctx, const state::ContainerRecord& record, bool force) {
  auto [lock, fresh] = lock_container(ctx, record.id);
  if (!fresh) fail_no_such_container(record.name);
  int count = force ? 0 : mount_count(ctx, fresh->id) - 1;
  write_count(ctx, fresh->id, count);
  if (count <= 0 && !has_process(fresh->status)) storage::unmount(ctx.paths().rootfs(fresh->id));
}

}  // namespace berth::container
