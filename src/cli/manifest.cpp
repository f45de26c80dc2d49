// manifest create, add, annotate, inspect, remove, rm, exists and push.

#include <cstdio>
#include <memory>
#include <optional>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "engine/digest_file.hpp"

namespace berth::cli {

namespace {


// The entry flags of add and annotate. Each optional is set only when its
// flag was given, so a flag left out keeps the entry's field as it is.
struct EntryFlags {
  std::string arch;
  std::string os;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;
  std::vector<std::string> features;
  std::vector<std::string> annotations;

  void add_to(CLI::App& cmd, bool with_os_features) {
    cmd.add_option("--arch", arch, "Architecture to record for the image");
    cmd.add_option("--os", os, "Operating system to record for the image");
    cmd.add_option("--variant", variant, "Architecture variant to record for the image");
    cmd.add_option("--os-version", os_version, "Operating system version to record");
    cmd.add_option("--features", features, "Platform features to record (Docker lists)")
        ->delimiter(',')
        ->allow_extra_args(false);
    if (with_os_features) {
      cmd.add_option("--os-features", os_features, "Operating system features to record")
          ->delimiter(',')
          ->allow_extra_args(false);
    }
    cmd.add_option("--annotation", annotations, "Annotation to set on the entry (KEY=VALUE)")
        ->allow_extra_args(false);
  }

  engine::ManifestEntryOptions options(const CLI::App& cmd) const {
    engine::ManifestEntryOptions entry;
    if (cmd.count("--arch")) entry.arch = arch;
    if (cmd.count("--os")) entry.os = os;
    if (cmd.count("--variant")) entry.variant = variant;
    if (cmd.count("--os-version")) entry.os_version = os_version;
    if (cmd.count("--features")) entry.features = features;
    if (cmd.get_option_no_throw("--os-features") != nullptr && cmd.count("--os-features")) {
      entry.os_features = os_features;
    }
    entry.annotations = annotations;
    return entry;
  }
};

// Prints `manifest push` progress like Podman: the list's lines, then each
// instance's blob lines starting with their own signatures line.
class StderrManifestPushProgress : public engine::ManifestPushProgress {
 public:
  explicit StderrManifestPushProgress(bool quiet) : quiet_(quiet), instance_(quiet) {}

  void copying_instances(std::size_t count) override {
    print("Getting image list signatures\n");
    print(fmt::format("Copying {} of {} images in list\n", count, count));
  }
  void copying_instance(const std::string& digest, std::size_t index,
                        std::size_t count) override {
    instance_.emplace(quiet_);
    print(fmt::format("Copying image {} ({}/{})\n", digest, index, count));
  }
  void writing_list() override {
    print("Writing manifest list to image destination\n");
    print("Storing list signatures\n");
  }
  void trying(const std::string& reference) override { instance_->trying(reference); }
  void copying_blob(const std::string& digest, bool already_exists) override {
    instance_->copying_blob(digest, already_exists);
  }
  void copying_config(const std::string& digest) override { instance_->copying_config(digest); }
  void writing_manifest() override {
    instance_->writing_manifest();
    print("Storing signatures\n");
  }

 private:
  void print(const std::string& text) {
    if (!quiet_) std::fputs(text.c_str(), stderr);
  }
  bool quiet_;
  std::optional<StderrPullProgress> instance_;
};

void add_manifest_create(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::ManifestCreateRequest request;
    AccessFlags registry;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;
  auto* cmd = parent.add_subcommand("create", "Create a manifest list or image index");
  cmd->add_option("list", request.list, "Name of the new list")->required();
  cmd->add_option("images", request.images, "Images to add to the new list");
  cmd->add_flag("--all", request.all, "Add every image of an image that is itself a list");
  cmd->add_flag("-a,--amend", request.amend, "Change the list of that name if it exists");
  cmd->add_option("--annotation", request.annotations,
                  "Annotation to set on the index (KEY=VALUE)")
      ->allow_extra_args(false);
  options->registry.add_to(*cmd, false);
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      options->request.access = options->registry.access();
      std::printf("%s\n", cli.engine().manifest_create(options->request).c_str());
      return 0;
    };
  });
}

void add_manifest_add(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::ManifestAddRequest request;
    AccessFlags registry;
    EntryFlags entry;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;
  auto* cmd = parent.add_subcommand("add", "Add images to a manifest list or image index");
  cmd->add_option("list", request.list, "Name of the list")->required();
  cmd->add_option("images", request.images,
                  "Local images, or registry references (docker:// reads only the registry)")
      ->required();
  cmd->add_flag("--all", request.all, "Add every image of an image that is itself a list");
  options->entry.add_to(*cmd, false);
  options->registry.add_to(*cmd, true);
  cmd->callback([&cli, options, cmd] {
    cli.action = [&cli, options, cmd] {
      options->request.access = options->registry.access();
      options->request.entry = options->entry.options(*cmd);
      std::printf("%s\n", cli.engine().manifest_add(options->request).c_str());
      return 0;
    };
  });
}

void add_manifest_annotate(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::ManifestAnnotateRequest request;
    EntryFlags entry;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;
  auto* cmd = parent.add_subcommand("annotate", "Change an entry of a manifest list");
  cmd->add_option("list", request.list, "Name of the list")->required();
  cmd->add_option("instance", request.instance,
                  "Digest of the entry, or a local image whose manifest is in the list");
  cmd->add_flag("--index", request.index, "Set the annotations on the index itself");
  options->entry.add_to(*cmd, true);
  cmd->callback([&cli, options, cmd] {
    cli.action = [&cli, options, cmd] {
      auto& request = options->request;
      if (!request.index && request.instance.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "missing the digest of the entry to annotate: give it, or use --index");
      }
      request.entry = options->entry.options(*cmd);
      std::printf("%s\n", cli.engine().manifest_annotate(request).c_str());
      return 0;
    };
  });
}

void add_manifest_inspect(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string list;
    AccessFlags registry;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("inspect", "Display a manifest list or image index");
  cmd->add_option("list", options->list, "Local list, or a registry reference")->required();
  options->registry.add_to(*cmd, false);
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto json = cli.engine().manifest_inspect(options->list, options->registry.access());
      std::printf("%s\n", json.dump(4).c_str());
      return 0;
    };
  });
}

void add_manifest_remove(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string list;
    std::string digest;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("remove", "Remove an entry from a manifest list");
  cmd->add_option("list", options->list, "Name of the list")->required();
  cmd->add_option("digest", options->digest, "Digest of the entry to remove")->required();
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      std::printf("%s\n", cli.engine().manifest_remove(options->list, options->digest).c_str());
      return 0;
    };
  });
}

void add_manifest_rm(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> lists;
    bool ignore = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("rm", "Remove manifest lists from local storage");
  cmd->add_option("lists", options->lists, "Lists to remove")->required();
  cmd->add_flag("-i,--ignore", options->ignore, "Ignore lists that do not exist");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      int exit_code = 0;
      for (const auto& list : options->lists) {
        try {
          auto report = cli.engine().manifest_rm(list);
          for (const auto& u : report.untagged) std::printf("Untagged: %s\n", u.c_str());
          for (const auto& d : report.deleted) std::printf("Deleted: %s\n", d.c_str());
        } catch (const Error& e) {
          if (options->ignore && e.code() == ErrorCode::kNotFound) continue;
          print_error(e);
          exit_code = exit_code_for(e);
        }
      }
      return exit_code;
    };
  });
}

void add_manifest_exists(CLI::App& parent, Cli& cli) {
  auto list = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("exists", "Check whether a manifest list is in local storage");
  cmd->add_option("list", *list, "Name of the list")->required();
  cmd->callback([&cli, list] {
    cli.action = [&cli, list] { return cli.engine().manifest_exists(*list) ? 0 : 1; };
  });
}

void add_manifest_push(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::ManifestPushRequest request;
    AccessFlags registry;
    std::string digestfile;
    bool quiet = false;
    bool remove_signatures = false;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;
  auto* cmd = parent.add_subcommand("push", "Push a manifest list or image index to a registry");
  cmd->add_option("list", request.list, "Name of the list")->required();
  cmd->add_option("destination", request.destination,
                  "Destination reference, optionally with docker:// (default: the list's name)");
  cmd->add_flag("--all", request.all,
                "Push the list's images before the list (default true; --all=false skips them)");
  cmd->add_option("-f,--format", request.format,
                  "Manifest list type: oci or v2s2 (default: the list's own, an OCI index)");
  cmd->add_option("--digestfile", options->digestfile,
                  "File to write the pushed list's digest to");
  cmd->add_flag("--rm", request.remove, "Remove the local list after a successful push");
  cmd->add_flag("-q,--quiet", options->quiet, "Print no progress");
  cmd->add_flag("--remove-signatures", options->remove_signatures,
                "Push without signatures (berth copies none yet)");
  options->registry.add_to(*cmd, true);
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      options->request.access = options->registry.access();
      const auto& digestfile = options->digestfile;
      if (!digestfile.empty()) engine::check_digest_file(digestfile);
      StderrManifestPushProgress progress(options->quiet);
      std::string digest = cli.engine().manifest_push(options->request, progress);
      if (!digestfile.empty()) engine::write_digest_file(digestfile, digest);
      return 0;
    };
  });
}

}  // namespace

void add_manifest_group(CLI::App& app, Cli& cli) {
  auto* manifest = app.add_subcommand("manifest", "Manipulate manifest lists and image indexes");
  manifest->require_subcommand(1);
  add_manifest_create(*manifest, cli);
  add_manifest_add(*manifest, cli);
  add_manifest_annotate(*manifest, cli);
  add_manifest_inspect(*manifest, cli);
  add_manifest_remove(*manifest, cli);
  add_manifest_rm(*manifest, cli);
  add_manifest_exists(*manifest, cli);
  add_manifest_push(*manifest, cli);
}

}  // namespace berth::cli
