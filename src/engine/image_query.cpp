// Image queries: history, diff against the parent layers, and the layer tree.

#include "engine/image_query.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/local_engine.hpp"
#include "os/fd.hpp"
#include "storage/layer_stack.hpp"
#include "storage/layer_store.hpp"
#include "storage/layer_writer.hpp"

namespace berth::engine {

using storage::exists_in_layers;
using storage::is_opaque_dir;
using storage::is_whiteout;

namespace {

// Returns the storage layer ID of the layer diff_id on top of parent_id.
std::string next_layer_id(const std::string& parent_id, const std::string& diff_id) {
  std::string diff_hex = Digest::parse(diff_id).hex;
  if (parent_id.empty()) return diff_hex;
  return Digest::parse(sha256_digest(parent_id + "+" + diff_hex)).hex;
}

}  // namespace

std::vector<std::string> storage_layer_ids(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> ids;
  for (const auto& diff_id : diff_ids) {
    ids.push_back(next_layer_id(ids.empty() ? "" : ids.back(), diff_id));
  }
  return ids;
}

namespace {

// Returns whether image's layers are exactly the first count of layers.
bool has_layers(const state::ImageRecord& image, const std::vector<std::string>& layers,
                std::size_t count) {
  return image.layers.size() == count && std::equal(image.layers.begin(), image.layers.end(),
                                                    layers.begin(), layers.begin() + count);
}

nlohmann::json parse_config(const state::ImageRecord& image) {
  auto config = nlohmann::json::parse(image.config, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    fail(ErrorCode::kInvalidArgument, "image {}: its config is not a JSON object",
         image.id.substr(0, 12));
  }
  return config;
}

std::int64_t created_of(const nlohmann::json& entry) {
  auto created = entry.find("created");
  if (created == entry.end() || !created->is_string()) return 0;
  try {
    return parse_rfc3339(created->get<std::string>());
  } catch (const Error&) {
    return 0;
  }
}

std::string string_field(const nlohmann::json& entry, const char* key) {
  auto value = entry.find(key);
  return value != entry.end() && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace

std::vector<ImageHistoryEntry> LocalEngine::image_history(const std::string& name_or_id) {
  // A manifest list is resolved to its image for this host's platform.
  auto image = resolve_list_instance(require_image(name_or_id), name_or_id, std::nullopt);
  auto config = parse_config(image);
  auto history = config.find("history");
  std::vector<ImageHistoryEntry> entries;
  if (history == config.end() || !history->is_array()) return entries;

  auto images = ctx_.db().list_images();
  auto& layers = ctx_.layers();
  std::set<std::string> used_ids;
  // The layer of the entry being visited, counted from the base; entries
  // with empty_layer made no layer and leave it in place.
  std::size_t layer_count = image.layers.size();
  for (auto it = history->rbegin(); it != history->rend(); ++it) {
    const auto& item = *it;
    ImageHistoryEntry entry;
    entry.id = it == history->rbegin() ? image.id : "<missing>";
    entry.created_ns = created_of(item);
    entry.created_by = string_field(item, "created_by");
    entry.comment = string_field(item, "comment");
    bool empty_layer = item.value("empty_layer", false);
    if (layer_count > 0) {
      const std::string& diff_id = image.layers[layer_count - 1];
      if (!empty_layer && layers.has(diff_id)) entry.size = layers.size(diff_id);
      // The images whose top layer this is; the image itself comes first.
      std::vector<const state::ImageRecord*> tops;
      if (has_layers(image, image.layers, layer_count)) tops.push_back(&image);
      for (const auto& other : images) {
        if (other.id != image.id && has_layers(other, image.layers, layer_count)) {
          tops.push_back(&other);
        }
      }
      if (!tops.empty() && used_ids.insert(tops.front()->id).second) entry.id = tops.front()->id;
      for (const auto* top : tops) {
        entry.tags.insert(entry.tags.end(), top->names.begin(), top->names.end());
      }
      if (!empty_layer) --layer_count;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<ImageChange> LocalEngine::image_diff(const std::string& name_or_id) {
  // A manifest list is resolved to its image for this host's platform.
  auto image = resolve_list_instance(require_image(name_or_id), name_or_id, std::nullopt);
  std::vector<ImageChange> changes;
  if (image.layers.empty()) return changes;

  auto& layers = ctx_.layers();
  std::vector<std::string> lower_dirs;  // topmost first
  for (auto it = image.layers.rbegin() + 1; it != image.layers.rend(); ++it) {
    lower_dirs.push_back(layers.diff_path(*it));
  }
  auto lower = storage::open_layer_dirs(lower_dirs);

  std::string top = layers.diff_path(image.layers.back());
  std::error_code ec;
  std::filesystem::recursive_directory_iterator walk(top, ec), end;
  if (ec) fail_errno(ec.value(), fmt::format("reading layer directory \"{}\"", top));
  for (; walk != end; walk.increment(ec)) {
    if (ec) fail_errno(ec.value(), fmt::format("reading layer directory \"{}\"", top));
    std::string relative = walk->path().lexically_relative(top).string();
    struct stat st;
    if (::lstat(walk->path().c_str(), &st) != 0) {
      fail_errno(errno, fmt::format("reading \"{}\"", walk->path().string()));
    }
    char kind = 'A';
    if (is_whiteout(st)) {
      kind = 'D';
    } else if (exists_in_layers(lower, relative)) {
      kind = 'C';
    }
    // NOTE: an opaque directory is reported as itself only; the lower
    // files it hides are not listed as deleted.
    changes.push_back({kind, "/" + relative});
  }

  std::sort(changes.begin(), changes.end(),
            [](const ImageChange& a, const ImageChange& b) { return a.path < b.path; });
  return changes;
}

namespace {

// The metadata of one path that image_diff compares between two images.
struct FileMeta {
  mode_t mode = 0;  // type and permissions
  uid_t uid = 0;
  gid_t gid = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string link_target;

  bool operator==(const FileMeta& other) const {
    // A directory's size is no measure of its contents.
    bool same_size = S_ISDIR(mode) || size == other.size;
    return mode == other.mode && uid == other.uid && gid == other.gid && same_size &&
           mtime_ns == other.mtime_ns && link_target == other.link_target;
  }
};

// Removes path's descendants from files.
void erase_below(std::map<std::string, FileMeta>& files, const std::string& path) {
  files.erase(files.lower_bound(path + "/"), files.lower_bound(path + "0"));  // '0' follows '/'
}

// Returns the merged file system of an image, path (with a leading "/") to
// metadata, by applying its layer directories bottom up. A whiteout removes
// a path and what lies below it, and an opaque directory hides the lower
// layers' contents of that directory.
std::map<std::string, FileMeta> merged_files(const state::ImageRecord& image,
                                             storage::LayerStore& layers) {
  std::map<std::string, FileMeta> files;
  for (const auto& diff_id : image.layers) {
    std::string top = layers.diff_path(diff_id);
    os::Fd layer_fd(::open(top.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!layer_fd) fail_errno(errno, fmt::format("opening layer directory \"{}\"", top));
    std::error_code ec;
    std::filesystem::recursive_directory_iterator walk(top, ec), end;
    if (ec) fail_errno(ec.value(), fmt::format("reading layer directory \"{}\"", top));
    for (; walk != end; walk.increment(ec)) {
      if (ec) fail_errno(ec.value(), fmt::format("reading layer directory \"{}\"", top));
      std::string path = "/" + walk->path().lexically_relative(top).string();
      struct stat st;
      if (::lstat(walk->path().c_str(), &st) != 0) {
        fail_errno(errno, fmt::format("reading \"{}\"", walk->path().string()));
      }
      if (is_whiteout(st)) {
        files.erase(path);
        erase_below(files, path);
        continue;
      }
      FileMeta meta;
      meta.mode = st.st_mode;
      meta.uid = st.st_uid;
      meta.gid = st.st_gid;
      meta.size = st.st_size;
      meta.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                      st.st_mtim.tv_nsec;
      if (S_ISLNK(st.st_mode)) {
        std::error_code link_error;
        meta.link_target = std::filesystem::read_symlink(walk->path(), link_error).string();
      }
      auto existing = files.find(path);
      bool was_dir = existing != files.end() && S_ISDIR(existing->second.mode);
      // A directory that replaces a non-directory, or an opaque one, hides
      // what the lower layers had below that path.
      if (!S_ISDIR(st.st_mode) || !was_dir || is_opaque_dir(layer_fd.get(), path.substr(1))) {
        erase_below(files, path);
      }
      files[path] = meta;
    }
  }
  return files;
}

}  // namespace

std::vector<ImageChange> LocalEngine::image_diff(const std::string& name_or_id,
                                                 const std::string& base) {
  auto image = resolve_list_instance(require_image(name_or_id), name_or_id, std::nullopt);
  auto base_image = resolve_list_instance(require_image(base), base, std::nullopt);
  auto files = merged_files(image, ctx_.layers());
  auto base_files = merged_files(base_image, ctx_.layers());
  std::vector<ImageChange> changes;
  for (const auto& [path, meta] : files) {
    auto old = base_files.find(path);
    if (old == base_files.end()) {
      changes.push_back({'A', path});
    } else if (!(old->second == meta)) {
      changes.push_back({'C', path});
    }
  }
  for (const auto& [path, meta] : base_files) {
    if (files.count(path)) continue;
    // A deleted directory stands for everything below it.
    std::string parent = path.substr(0, path.rfind('/'));
    if (!parent.empty() && !files.count(parent) && base_files.count(parent)) continue;
    changes.push_back({'D', path});
  }
  // A directory of both images with changes inside counts as changed too,
  // as Podman (and Docker) report it.
  std::set<std::string> listed;
  for (const auto& change : changes) listed.insert(change.path);
  std::vector<ImageChange> parents;
  for (const auto& change : changes) {
    for (auto slash = change.path.rfind('/'); slash != std::string::npos && slash > 0;
         slash = change.path.rfind('/', slash - 1)) {
      std::string parent = change.path.substr(0, slash);
      if (!files.count(parent) || !base_files.count(parent)) continue;
      if (listed.insert(parent).second) parents.push_back({'C', parent});
    }
  }
  changes.insert(changes.end(), parents.begin(), parents.end());
  std::sort(changes.begin(), changes.end(),
            [](const ImageChange& a, const ImageChange& b) { return a.path < b.path; });
  return changes;
}

namespace {

// Returns when the layer was added: the mtime of its directory, which the
// files written after extraction set (the diff directory keeps the tar's
// time). Returns 0 when the layer is absent.
std::int64_t layer_time_ns(storage::LayerStore& layers, const std::string& diff_id) {
  struct stat st;
  std::string layer_dir = std::filesystem::path(layers.diff_path(diff_id)).parent_path();
  if (::stat(layer_dir.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Builds the node of the layer at depth (0 = base) of the images in group,
// which all share the layers up to and including it, and its descendants.
ImageTreeLayer tree_node(const std::vector<const state::ImageRecord*>& group, std::size_t depth,
                         const std::string& layer_id, storage::LayerStore& layers) {
  ImageTreeLayer node;
  node.id = layer_id;
  const std::string& diff_id = group.front()->layers[depth];
  if (layers.has(diff_id)) node.size = layers.size(diff_id);
  // The images below grouped by the ID of their next layer.
  std::map<std::string, std::vector<const state::ImageRecord*>> children;
  for (const auto* image : group) {
    if (image->layers.size() == depth + 1) {
      node.top_layer_of.insert(node.top_layer_of.end(), image->names.begin(), image->names.end());
    } else {
      children[next_layer_id(layer_id, image->layers[depth + 1])].push_back(image);
    }
  }
  // Oldest layer first, as Podman lists layers in the order it created them.
  std::vector<std::pair<std::int64_t, std::string>> order;
  for (const auto& [child_id, child_group] : children) {
    order.emplace_back(layer_time_ns(layers, child_group.front()->layers[depth + 1]), child_id);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [time, child_id] : order) {
    node.children.push_back(tree_node(children[child_id], depth + 1, child_id, layers));
  }
  return node;
}

}  // namespace

ImageTreeReport LocalEngine::image_tree(const std::string& name_or_id, bool whatrequires) {
  // A manifest list is resolved to its image for this host's platform.
  auto image = resolve_list_instance(require_image(name_or_id), name_or_id, std::nullopt);
  ImageTreeReport report;
  report.id = image.id;
  report.names = image.names;
  report.size = image.size;
  if (image.layers.empty()) return report;

  auto images = ctx_.db().list_images();
  auto& layers = ctx_.layers();
  auto layer_ids = storage_layer_ids(image.layers);
  if (whatrequires) {
    std::size_t depth = image.layers.size() - 1;
    std::vector<const state::ImageRecord*> group;
    for (const auto& other : images) {
      if (other.layers.size() > depth &&
          std::equal(image.layers.begin(), image.layers.end(), other.layers.begin())) {
        group.push_back(&other);
      }
    }
    report.layers.push_back(tree_node(group, depth, layer_ids.back(), layers));
    return report;
  }
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    ImageTreeLayer node;
    node.id = layer_ids[i];
    if (layers.has(image.layers[i])) node.size = layers.size(image.layers[i]);
    for (const auto& other : images) {
      if (has_layers(other, image.layers, i + 1)) {
        node.top_layer_of.insert(node.top_layer_of.end(), other.names.begin(), other.names.end());
      }
    }
    report.layers.push_back(std::move(node));
  }
  return report;
}

}  // namespace berth::engine
