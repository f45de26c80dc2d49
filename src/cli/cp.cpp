// cp: copies files between a container and the host or a tar stream.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "cli/cli.hpp"
#include "common/error.hpp"

namespace berth::cli {

namespace {

struct ContainerPath {
  std::string container;
  std::string path;
};

// Splits "CONTAINER:PATH". As with Podman, an argument that starts with "/"
// or "." is a host path even when it contains ':'.
std::optional<ContainerPath> split_container_path(const std::string& arg) {
  if (arg.starts_with("/") || arg.starts_with(".")) return std::nullopt;
  auto colon = arg.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return ContainerPath{arg.substr(0, colon), arg.substr(colon + 1)};
}

engine::CopyRequest parse_copy_paths(const std::string& source, const std::string& destination) {
  auto from = split_container_path(source);
  auto to = split_container_path(destination);
  if (from && to) {
    fail(ErrorCode::kInvalidArgument,
         "copying between containers is not supported: copy \"{}\" to the host first", source);
  }
  if (!from && !to) {
    fail(ErrorCode::kInvalidArgument,
         "invalid arguments \"{}\" and \"{}\": one of them must be CONTAINER:PATH", source,
         destination);
  }
  if (source == "-" && destination == "-") {
    fail(ErrorCode::kInvalidArgument, "source and destination cannot both be \"-\"");
  }
  engine::CopyRequest request;
  const auto& inside = from ? *from : *to;
  if (inside.container.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid argument \"{}\": the container name is empty",
         from ? source : destination);
  }
  request.container = inside.container;
  request.container_path = inside.path.empty() ? "/" : inside.path;
  request.host_path = from ? destination : source;
  request.to_container = static_cast<bool>(to);
  if (request.host_path.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid argument \"\": give a host path or \"-\"");
  }
  return request;
}

}  // namespace

void add_cp(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string source;
    std::string destination;
    bool archive = true;
    bool overwrite = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(
      "cp", "Copy files/folders between a container and the local file system");
  cmd->add_option("source", options->source, "[CONTAINER:]SRC_PATH, or - for a tar on stdin")
      ->required();
  cmd->add_option("destination", options->destination,
                  "[CONTAINER:]DEST_PATH, or - for a tar on stdout")
      ->required();
  cmd->add_flag("-a,--archive", options->archive,
                "Chown copied files to the primary uid/gid of the destination container "
                "(default true)");
  cmd->add_flag("--overwrite", options->overwrite,
                "Allow to overwrite directories with non-directories and the reverse");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto request = parse_copy_paths(options->source, options->destination);
      request.archive = options->archive;
      request.overwrite = options->overwrite;
      if (request.host_path == "-" && !request.to_container) {
        if (::isatty(STDOUT_FILENO)) {
          fail(ErrorCode::kInvalidArgument,
               "refusing to write a tar archive to a terminal: redirect the output");
        }
        std::fflush(stdout);
        // A reader that goes away (`| head`) must fail the write, not kill
        // this process while the container's file system is mounted.
        ::signal(SIGPIPE, SIG_IGN);
        cli.engine().copy(request, STDOUT_FILENO);
        return 0;
      }
      cli.engine().copy(request, STDIN_FILENO);
      return 0;
    };
  });
}

}  // namespace berth::cli
