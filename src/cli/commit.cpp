// commit, export and import: images from containers and container file
// systems as tars.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::cli {

namespace {

// Writes to a temporary file beside path and renames it over path at
// commit(), so that a failed export leaves no partial file.
class AtomicOutputFile {
 public:
  explicit AtomicOutputFile(std::string path)
      : path_(std::move(path)), temp_(path_ + ".tmp-" + random_id().substr(0, 8)) {
    fd_ = os::open_file(temp_, O_WRONLY | O_CREAT | O_EXCL, 0644);
  }
  ~AtomicOutputFile() {
    if (!committed_) ::unlink(temp_.c_str());
  }
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  int fd() const { return fd_.get(); }
  void commit() {
    if (::fsync(fd_.get()) != 0) fail_errno(errno, "writing \"" + path_ + "\"");
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      fail_errno(errno, "renaming \"" + temp_ + "\" to \"" + path_ + "\"");
    }
    committed_ = true;
  }

 private:
  std::string path_;
  std::string temp_;
  os::Fd fd_;
  bool committed_ = false;
};

}  // namespace

void add_commit(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::CommitRequest request;
    std::string iidfile;
    bool quiet = false;
    bool include_volumes = false;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;

  auto* cmd = parent.add_subcommand("commit", "Create new image based on the changed container");
  cmd->add_option("container", request.container, "Container name or ID")->required();
  cmd->add_option("image", request.image, "Name of the new image (NAME[:TAG])");
  cmd->add_option("-a,--author", request.author, "Author of the new image");
  cmd->add_option("-c,--change", request.changes,
                  "Dockerfile instruction to apply: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
                  "ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-f,--format", request.format, "Format of the image manifest: oci or docker")
      ->default_str("oci");
  cmd->add_option("--iidfile", options->iidfile, "File to write the new image's ID to");
  cmd->add_option("-m,--message", request.message, "Commit message, stored in the history");
  cmd->add_flag("-p,--pause", request.pause, "Freeze the container while its files are read");
  cmd->add_flag("-q,--quiet", options->quiet, "Print no progress, only the image ID");
  cmd->add_flag("--squash", request.squash, "Put the whole file system into one layer");
  cmd->add_flag("--include-volumes", options->include_volumes,
                "Accepted for compatibility: berth's bind mounts are not image volumes");

  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      StderrPullProgress progress(options->quiet);
      std::string id = cli.engine().commit(options->request, progress);
      if (!options->iidfile.empty()) os::write_file_atomic(options->iidfile, id, 0644);
      std::printf("%s\n", id.c_str());
      return 0;
    };
  });
}

void add_export(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string container;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("export", "Export a container's file system as a tar archive");
  cmd->add_option("container", options->container, "Container name or ID")->required();
  cmd->add_option("-o,--output", options->output, "File to write the tar to (default: stdout)");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      if (options->output.empty()) {
        if (::isatty(STDOUT_FILENO)) {
          fail(ErrorCode::kInvalidArgument,
               "refusing to export to a terminal: use -o FILE or redirect the output");
        }
        std::fflush(stdout);
        // A reader that goes away (`| head`) must fail the write, not kill
        // this process while the container's file system is mounted.
        ::signal(SIGPIPE, SIG_IGN);
        cli.engine().export_container(options->container, STDOUT_FILENO);
        return 0;
      }
      if (os::is_special_file(options->output)) {
        // A device or FIFO is written to as it is, never renamed over.
        os::Fd out = os::open_file(options->output, O_WRONLY);
        cli.engine().export_container(options->container, out.get());
        return 0;
      }
      AtomicOutputFile file(options->output);
      cli.engine().export_container(options->container, file.fd());
      file.commit();
      return 0;
    };
  });
}

void add_import(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::ImportRequest request;
    bool quiet = false;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;

  auto* cmd = parent.add_subcommand("import", "Import a tarball to create a file system image");
  cmd->add_option("source", request.source, "Tar archive path, or - for stdin")->required();
  cmd->add_option("reference", request.reference, "Name of the new image (NAME[:TAG])");
  cmd->add_option("-c,--change", request.changes,
                  "Dockerfile instruction to apply: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
                  "ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-m,--message", request.message, "Commit message, stored in the history");
  cmd->add_option("--os", request.os, "Operating system of the image (default: linux)");
  cmd->add_option("--arch", request.arch, "Architecture of the image (default: the host's)");
  cmd->add_option("--variant", request.variant, "Architecture variant of the image");
  cmd->add_flag("-q,--quiet", options->quiet, "Print no progress, only the image ID");

  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto& request = options->request;
      if (request.source.starts_with("http://") || request.source.starts_with("https://")) {
        fail(ErrorCode::kInvalidArgument,
             "importing from a URL (\"{}\") is not supported: download the file and import it "
             "by path",
             request.source);
      }
      os::Fd file;
      int input = STDIN_FILENO;
      if (request.source != "-") {
        file = os::open_file(request.source, O_RDONLY);
        input = file.get();
      }
      StderrPullProgress progress(options->quiet);
      std::string id = cli.engine().import_image(request, input, progress);
      std::printf("sha256:%s\n", id.c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
