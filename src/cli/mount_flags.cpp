#include "cli/mount_flags.hpp"

namespace berth::cli {

void add_mount_flags(CLI::App& cmd, engine::MountFlags& flags) {
  cmd.add_option("--mount", flags.mounts,
                 "Mount: type=bind|volume|tmpfs|image,src=...,dst=...[,ro][,...]")
      ->allow_extra_args(false);
  cmd.add_option("--tmpfs", flags.tmpfs, "Mount a tmpfs: CONTAINER-DIR[:OPTIONS]")
      ->allow_extra_args(false);
  cmd.add_option("--volumes-from", flags.volumes_from,
                 "Mount the volumes of another container: CONTAINER[:ro|rw]")
      ->allow_extra_args(false);
  cmd.add_flag("--read-only", flags.read_only, "Mount the root file system read-only");
  // A flag, so that "--read-only-tmpfs=false" turns it off as in Podman.
  cmd.add_flag("--read-only-tmpfs", flags.read_only_tmpfs,
               "With --read-only, mount a tmpfs on /tmp, /var/tmp and /run (default true)");
}

}  // namespace berth::cli
