#include "engine/mount_inspect.hpp"

#include "volume/volume_store.hpp"

namespace berth::engine {

namespace {

using volume::MountType;

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : ",") + value;
  return out;
}

// The propagation among options, "" when none is set.
std::string propagation(const std::vector<std::string>& options) {
  for (const auto& option : options) {
    if (option.ends_with("shared") || option.ends_with("slave") || option.ends_with("private") ||
        option.ends_with("unbindable")) {
      return option;
    }
  }
  return "";
}

// The options Podman lists in a mount's "Options": everything but the
// propagation and ro/rw.
std::vector<std::string> listed_options(const container::VolumeMount& mount) {
  std::vector<std::string> options;
  for (const auto& option : mount.options) {
    if (option != propagation(mount.options)) options.push_back(option);
  }
  if (mount.chown) options.push_back("U");
  if (mount.overlay) options.push_back("O");
  if (!mount.copy_up) options.push_back("nocopy");
  return options;
}

}  // namespace

MountsInspect mounts_inspect_json(container::Context& ctx,
                                  const container::ContainerConfig& config) {
  volume::VolumeStore store(ctx.db(), ctx.paths().root);
  MountsInspect out;
  nlohmann::json binds_and_images = nlohmann::json::array();
  for (const auto& mount : config.volumes) {
    auto options = listed_options(mount);
    std::string mode = mount.read_only ? "ro" : "rw";
    if (mount.type == MountType::kTmpfs) {
      std::vector<std::string> tmpfs_options = {mode, "rprivate"};
      tmpfs_options.insert(tmpfs_options.end(), mount.options.begin(), mount.options.end());
      out.tmpfs[mount.destination] = join(tmpfs_options);
      continue;
    }
    nlohmann::json entry = {{"Type", volume::mount_type_name(mount.type)},
                            {"Source", mount.source},
                            {"Destination", mount.destination},
                            {"Driver", ""},
                            {"Mode", ""},
                            {"Options", options},
                            {"RW", !mount.read_only},
                            {"Propagation", propagation(mount.options)}};
    if (mount.type == MountType::kVolume) {
      entry["Name"] = mount.source;
      entry["Source"] = store.data_dir(mount.source);
      entry["Driver"] = "local";
      out.mounts.push_back(entry);
    } else {
      binds_and_images.push_back(entry);
    }
    if (mount.type != MountType::kImage) {
      auto bind_options = options;
      bind_options.insert(bind_options.begin(), mode);
      std::string prop = propagation(mount.options);
      if (!prop.empty()) bind_options.insert(bind_options.begin() + 1, prop);
      out.binds.push_back(mount.source + ":" + mount.destination + ":" + join(bind_options));
    }
  }
  for (auto& entry : binds_and_images) out.mounts.push_back(std::move(entry));
  return out;
}

}  // namespace berth::engine
