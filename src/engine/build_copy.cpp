// COPY and ADD: files from the build context (without the ignored ones),
// from an earlier stage or from an image, into the stage's file system.

#include <archive.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>

#include "build/ignore.hpp"
#include "common/error.hpp"
#include "container/copy.hpp"
#include "container/copy_path.hpp"
#include "engine/build_builder.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "runtime/spec.hpp"

namespace berth::engine::builder {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Builder::context_root() {
  if (ignore_.empty()) return context_;
  if (!filtered_context_.empty()) return filtered_context_;
  filtered_context_ = scratch_.path() + "/context";
  os::make_dirs(filtered_context_, 0755);
  for (auto it = fs::recursive_directory_iterator(context_);
       it != fs::recursive_directory_iterator(); ++it) {
    std::string rel = it->path().lexically_relative(context_).generic_string();
    if (ignore_.excluded(rel)) continue;
    fs::path target = fs::path(filtered_context_) / rel;
    fs::create_directories(target.parent_path());
    auto status = it->symlink_status();
    if (fs::is_symlink(status)) {
      fs::copy_symlink(it->path(), target);
    } else if (fs::is_directory(status)) {
      fs::create_directories(target);
      fs::permissions(target, status.permissions());
    } else if (fs::is_regular_file(status)) {
      std::error_code ec;
      fs::create_hard_link(it->path(), target, ec);
      if (ec) fs::copy_file(it->path(), target);
    }
  }
  return filtered_context_;
}

namespace {

// Whether ADD unpacks the file at path: a tar, plain or compressed with
// gzip, bzip2, xz or zstd, recognized by its content and not its name.
bool is_tar_archive(const std::string& path) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                       archive_read_free);
  archive_read_support_format_tar(reader.get());
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_filter_xz(reader.get());
  archive_read_support_filter_zstd(reader.get());
  auto fd = os::open_file(path, O_RDONLY);
  if (archive_read_open_fd(reader.get(), fd.get(), 64 * 1024) != ARCHIVE_OK) return false;
  struct archive_entry* entry = nullptr;
  int status = archive_read_next_header(reader.get(), &entry);
  // An empty tar is only its end-of-archive blocks, which the tar reader
  // accepts; any other file is not recognized.
  return status == ARCHIVE_OK ||
         (status == ARCHIVE_EOF && archive_format(reader.get()) != 0);
}

// Returns the path that COPY reads for source inside root: source itself,
// or, when it is a symbolic link, the file it leads to. In the build
// context the link must stay inside it; in an image it resolves against
// the image's "/".
std::string follow_source_link(const std::string& root, const std::string& source,
                               bool in_context, const std::string& word) {
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(root + source, ec))) return source;
  if (!in_context) return container::resolve_container_path(root, {}, source, true).path;
  fs::path target = fs::read_symlink(root + source, ec);
  fs::path real = fs::canonical(root + source, ec);
  if (ec) {
    fail(ErrorCode::kNotFound,
         "source \"{}\" is a symbolic link to \"{}\", which does not exist in the build context",
         word, target.string());
  }
  std::string base = fs::canonical(root).string();
  std::string resolved = real.string();
  if (resolved != base && !resolved.starts_with(base + "/")) {
    fail(ErrorCode::kInvalidArgument,
         "source \"{}\" is a symbolic link to \"{}\", outside the build context: copy the file "
         "into the context",
         word, target.string());
  }
  return resolved == base ? "/" : resolved.substr(base.size());
}

}  // namespace

// Creates the missing directories of dir inside root, owned by root and
// 0755, without changing the ones that exist.
void Builder::ensure_directory(const std::string& root, const std::string& dir) {
  std::string prefix;
  for (const auto& part : fs::path(dir).relative_path()) {
    std::string parent = prefix.empty() ? "/" : prefix;
    prefix += "/" + part.string();
    if (container::is_directory_in_root(root, prefix)) continue;
    std::string model = scratch_.path() + "/dir-" + std::to_string(++scratch_count_);
    os::make_dirs(model + "/" + part.string(), 0755);
    std::string tar = model + ".tar";
    {
      auto fd = os::open_file(tar, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      container::write_copy_tar("/", model + "/" + part.string(), part.string(), fd.get(),
                                container::CopyOwner{0, 0});
    }
    auto fd = os::open_file(tar, O_RDONLY);
    container::ExtractOptions options;
    container::extract_copy_tar(fd.get(), root, parent, options);
  }
}

std::string Builder::open_stage_root(const StageState& state,
                                     std::optional<StepContainer>& container,
                                     std::optional<ContainerFileSystem>& files) {
  if (state.image.id.empty()) {
    std::string root = scratch_.path() + "/root-" + std::to_string(++scratch_count_);
    os::make_dirs(root, 0755);
    return root;
  }
  CreateRequest create;
  create.image = state.image.id;
  create.command = {"/bin/sh"};
  create.network = "none";
  create.pull_policy = "never";
  container.emplace(hooks_.engine, hooks_.engine.create(create, progress_));
  files.emplace(hooks_.ctx, container->id(), true, true);
  return files->path();
}

std::optional<StepLayer> Builder::make_workdir(const StageState& state, const std::string& dir) {
  std::optional<StepContainer> container;
  std::optional<ContainerFileSystem> files;
  std::string root = open_stage_root(state, container, files);
  if (container::is_directory_in_root(root, dir)) return std::nullopt;
  ensure_directory(root, dir);
  files.reset();
  std::string layer = scratch_.path() + "/layer-" + std::to_string(++scratch_count_) + ".tar";
  if (container) {
    ContainerFileSystem changes(hooks_.ctx, container->id(), false);
    return StepLayer{layer, write_layer_tar(changes.path(), layer, kRuntimeMountPoints)};
  }
  return StepLayer{layer, write_layer_tar(root, layer)};
}

std::optional<StepLayer> Builder::copy_files(StageState& state,
                                             const build::Instruction& instruction,
                                             std::string& created_by, std::string& key_extra,
                                             bool dry_run) {
  bool add = instruction.keyword == "ADD";
  std::string from, chown, chmod;
  for (const auto& flag : instruction.flags) {
    auto equals = flag.find('=');
    std::string value = equals == std::string::npos ? "" : expand(state, flag.substr(equals + 1));
    if (flag.starts_with("--from=")) from = value;
    if (flag.starts_with("--chown=")) chown = value;
    if (flag.starts_with("--chmod=")) chmod = value;
  }
  std::vector<std::string> words;
  if (instruction.json) {
    for (const auto& word : instruction.json_args) words.push_back(expand(state, word));
  } else {
    words = build::expand_words(instruction.args, lookup_for(state), file_.escape);
  }
  if (words.size() < 2) {
    fail(ErrorCode::kInvalidArgument, "{} requires at least two arguments: SOURCE... DEST",
         instruction.keyword);
  }
  std::string dest = words.back();
  words.pop_back();

  // The source root: the context, or the image of an earlier stage.
  std::optional<StepContainer> source_container;
  std::optional<ContainerFileSystem> source_files;
  std::string source_root;
  if (!from.empty()) {
    std::string lowered = from;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), ::tolower);
    std::string image_id;
    if (auto found = stage_names_.find(lowered); found != stage_names_.end()) {
      image_id = stage_results_[found->second].id;
    } else if (!from.empty() && std::all_of(from.begin(), from.end(), ::isdigit) &&
               std::stoul(from) < stage_results_.size()) {
      image_id = stage_results_[std::stoul(from)].id;
    } else {
      auto record = hooks_.find_image(from);
      if (!record) {
        PullRequest pull;
        pull.reference = from;
        record = hooks_.ctx.db().get_image(hooks_.engine.pull(pull, progress_));
      }
      image_id = record->id;
    }
    if (image_id.empty()) {
      fail(ErrorCode::kInvalidArgument, "--from={} names a stage without files", from);
    }
    CreateRequest create;
    create.image = image_id;
    create.command = {"/bin/sh"};
    create.network = "none";
    create.pull_policy = "never";
    source_container.emplace(hooks_.engine, hooks_.engine.create(create, progress_));
    source_files.emplace(hooks_.ctx, source_container->id(), true);
    source_root = source_files->path();
  } else {
    source_root = context_root();
  }

  // Expands the sources, wildcards included, to paths inside source_root.
  std::vector<std::string> sources;
  for (const auto& word : words) {
    if (word.starts_with("http://") || word.starts_with("https://") || word.starts_with("git@")) {
      fail(ErrorCode::kInvalidArgument,
           "{} of the remote source \"{}\" is not supported: download it into the context and "
           "copy the file",
           instruction.keyword, word);
    }
    std::string source = clean_path("/" + word);
    if (source.find_first_of("*?[") == std::string::npos) {
      container::stat_copy_source(source_root, source,
                                  from.empty() ? "in the build context" : "in stage " + from, word);
      sources.push_back(source);
      continue;
    }
    std::size_t before = sources.size();
    for (auto it = fs::recursive_directory_iterator(source_root);
         it != fs::recursive_directory_iterator(); ++it) {
      std::string rel = "/" + it->path().lexically_relative(source_root).generic_string();
      if (build::match_path_pattern(source, rel)) sources.push_back(rel);
    }
    if (sources.size() == before) {
      fail(ErrorCode::kNotFound, "no source files match \"{}\" in the build context", word);
    }
  }

  // The path read for each source: a top-level symbolic link is followed,
  // and the copy keeps the link's name.
  std::vector<std::string> read_paths;
  for (const auto& source : sources) {
    read_paths.push_back(follow_source_link(source_root, source, from.empty(), source.substr(1)));
  }

  std::string workdir;
  if (state.image.config.contains("config") && state.image.config["config"].is_object()) {
    workdir = state.image.config["config"].value("WorkingDir", "");
  }
  // "dir/", "." and ".." name a directory even where it does not exist yet.
  bool dest_is_dir = dest.ends_with("/") || dest == "." || dest.ends_with("/.") ||
                     dest == ".." || dest.ends_with("/..") || sources.size() > 1;
  if (!dest.starts_with("/")) dest = (workdir.empty() ? "/" : workdir) + "/" + dest;
  std::string dest_path = clean_path(dest);

  // The tar of each source, named as it lands in the destination.
  std::optional<container::CopyOwner> owner = container::CopyOwner{0, 0};
  std::vector<std::pair<std::string, bool>> tars;  // path, extract as archive
  std::string summary;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& source = sources[i];
    const auto& read_path = read_paths[i];
    auto kind = container::stat_copy_source(source_root, read_path, "in the build context",
                                            source.substr(1));
    std::string tar = scratch_.path() + "/copy-" + std::to_string(++scratch_count_) + ".tar";
    if (add && !kind.directory && is_tar_archive(source_root + read_path)) {
      tars.emplace_back(source_root + read_path, true);
      key_extra += file_sha256(source_root + read_path) + "\n";
      dest_is_dir = true;
      continue;
    }
    {
      auto fd = os::open_file(tar, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      container::write_copy_tar(source_root, read_path,
                                kind.directory ? "" : fs::path(source).filename().string(),
                                fd.get(), std::nullopt);
    }
    if (kind.directory) dest_is_dir = true;
    key_extra += file_sha256(tar) + "\n";
    tars.emplace_back(tar, false);
    summary += " " + source.substr(1);
  }
  created_by = "/bin/sh -c #(nop) " + instruction.keyword + summary + " in " + dest + " ";
  if (dry_run) return std::nullopt;

  // The destination: the stage's file system, or a new directory for scratch.
  std::optional<StepContainer> container;
  std::optional<ContainerFileSystem> files;
  std::string root = open_stage_root(state, container, files);
  if (!dest_is_dir && container::is_directory_in_root(root, dest_path)) dest_is_dir = true;
  std::string target_dir = dest_is_dir ? dest_path : fs::path(dest_path).parent_path().string();
  if (target_dir.empty()) target_dir = "/";
  ensure_directory(root, target_dir);
  if (!chown.empty()) {
    auto user = runtime::resolve_user(root, chown);
    owner = container::CopyOwner{user.uid, user.gid};
  }
  std::optional<mode_t> mode;
  if (!chmod.empty()) {
    try {
      mode = static_cast<mode_t>(std::stoul(chmod, nullptr, 8));
    } catch (const std::exception&) {
      fail(ErrorCode::kInvalidArgument, "invalid --chmod \"{}\": use an octal mode such as 755",
           chmod);
    }
  }
  std::size_t index = 0;
  for (const auto& [tar, archive] : tars) {
    container::ExtractOptions options;
    options.overwrite = true;
    if (!archive) {
      // Copies again with the owner and name the destination needs.
      const auto& source = sources[index];
      const auto& read_path = read_paths[index];
      auto kind = container::stat_copy_source(source_root, read_path, "in the build context",
                                              source.substr(1));
      std::string name = dest_is_dir ? fs::path(source).filename().string()
                                     : fs::path(dest_path).filename().string();
      std::string staged = tar + ".final";
      {
        auto fd = os::open_file(staged, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        container::write_copy_tar(source_root, read_path, kind.directory ? "" : name, fd.get(),
                                  owner);
      }
      if (mode) {
        std::string stage_dir = tar + ".dir";
        os::make_dirs(stage_dir, 0755);
        {
          auto in = os::open_file(staged, O_RDONLY);
          container::extract_copy_tar(in.get(), stage_dir, "/", options);
        }
        for (auto it = fs::recursive_directory_iterator(stage_dir);
             it != fs::recursive_directory_iterator(); ++it) {
          if (!it->is_symlink()) ::chmod(it->path().c_str(), *mode);
        }
        auto out = os::open_file(staged, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        container::write_copy_tar(stage_dir, "/", "", out.get(), owner);
      }
      auto in = os::open_file(staged, O_RDONLY);
      container::extract_copy_tar(in.get(), root, target_dir, options);
    } else {
      if (!chown.empty()) options.owner = owner;
      auto in = os::open_file(tar, O_RDONLY);
      container::extract_copy_tar(in.get(), root, target_dir, options);
    }
    ++index;
  }
  files.reset();
  std::string layer = scratch_.path() + "/layer-" + std::to_string(++scratch_count_) + ".tar";
  if (container) {
    ContainerFileSystem changes(hooks_.ctx, container->id(), false);
    return StepLayer{layer, write_layer_tar(changes.path(), layer, kRuntimeMountPoints)};
  }
  return StepLayer{layer, write_layer_tar(root, layer)};
}

}  // namespace berth::engine::builder
