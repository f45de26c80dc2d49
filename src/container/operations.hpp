#pragma once

// Container lifecycle operations. Each takes the invocation's Context and a
// container record read from the state database; each operation lives in
// its own .cpp file.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "container/config.hpp"
#include "container/context.hpp"
#include "network/port_mapping.hpp"
#include "os/lock.hpp"
#include "state/database.hpp"

namespace berth::container {

// Finds a container by full ID, by name, or by a unique ID prefix, and
// brings a stale record up to date (see refresh). Throws Error{kNotFound}
// naming the value, or Error{kInvalidArgument} for an ambiguous prefix.
state::ContainerRecord find(Context& ctx, std::string_view name_or_id);

// Returns the most recently created container (-l/--latest). Throws
// Error{kNotFound} when there is none.
state::ContainerRecord latest(Context& ctx);

// Throws Error{kNotFound} with Podman's message for a container that does
// not exist (any more): `no container with name or ID "x" found: no such
// container`. The REST service reports the last part as the cause.
[[noreturn]] void fail_no_such_container(const std::string& name_or_id);

// Returns every container, refreshed, newest first.
std::vector<state::ContainerRecord> list(Context& ctx);

// Cleans up a container recorded as running whose process is gone (its
// monitor was killed, or the host rebooted), so that every command finds a
// container it can stop or remove.
void refresh(Context& ctx, state::ContainerRecord& record);

// Records a new container and makes its directories. Throws
// Error{kAlreadyExists} when the name is in use.
state::ContainerRecord create(Context& ctx, const std::string& name, const std::string& image_id,
                              const std::string& image_name, const ContainerConfig& config);

// Attach settings of a start. attach_fd, when not -1, is a connected socket that
// the monitor adopts as its first attach client. The terminal size applies
// to a container with a TTY.
struct StartOptions {
  int attach_fd = -1;
  // init: the runtime creates the container without starting its process
  // (status "initialized"); a later start starts it.
  bool create_only = false;
  // A start by the restart policy keeps the record's stopped_by_user; a
  // user's start clears it.
  bool by_restart_policy = false;
  std::uint16_t terminal_rows = 0;
  std::uint16_t terminal_columns = 0;
};

// Starts a created or exited container under a new berth-monitor and
// returns once the container's process runs.
// On failure everything set up for the start is undone and the container
// stays in its previous state. Throws Error{kCommandNotFound} or
// Error{kCommandNotExecutable} when the runtime cannot run the command.
void start(Context& ctx, state::ContainerRecord& record, const StartOptions& options = {});

// Finishes a container whose process exited: runtime state, network,
// mounts; records the exit code and time, and removes the container when it
// was created with --rm. Idempotent. Run by berth-monitor through the hidden
// `berth container cleanup` command, and by refresh.
// start_token, when given, must be the token of the current start (see
// Paths::start_token_file); the cleanup of an older start does nothing.
// The process that deletes the directories a cleanup no longer needs.
enum class FileRemoval {
  kNow,
  // Moved under Paths::trash_dir and run_trash_dir for the start's monitor
  // to delete after the foreground CLI has exited. On a file system that
  // discards freed blocks synchronously (ext4 mounted with -o discard) each
  // deleted directory costs milliseconds, most of a short run's cleanup.
  kByMonitor,
};

void cleanup(Context& ctx, const std::string& id, std::optional<int> exit_code,
             const std::string& start_token = "", FileRemoval removal = FileRemoval::kNow);

// Sends sig to the container's init. Throws Error{kConflict} when the
// container is not running.
void kill(Context& ctx, const state::ContainerRecord& record, int sig);

// Sends the stop signal, waits up to timeout seconds (the container's own
// stop timeout when unset), then SIGKILL, and waits for the cleanup. A
// container that is not running is left as it is.
void stop(Context& ctx, state::ContainerRecord& record, std::optional<int> timeout);

// Removes the mark that restart leaves for the cleanup, and returns whether
// it was there.
bool take_restart_marker(Context& ctx, const std::string& id);

// Stops a running container and starts it again. A --rm container is kept
// through the stop, as Podman keeps it, and removed at its next exit.
void restart(Context& ctx, state::ContainerRecord& record, std::optional<int> timeout);

// Waits until the container is no longer running and its cleanup is done,
// then returns its exit code.
int wait(Context& ctx, const std::string& id);

// Removes a container, its file system and its log. A running container
// is refused with Error{kConflict} unless force, which kills it first.
void remove(Context& ctx, state::ContainerRecord& record, bool force);

// Returns the published ports of config in the network library's form.
std::vector<network::PortMapping> port_mappings(const ContainerConfig& config);

// Tears down the network a start set up, whether the start finished (the
// record names the namespace) or was killed halfway (the namespace path is
// derived from the ID). Idempotent.
void release_network(Context& ctx, const state::ContainerRecord& record,
                     const ContainerConfig& config);

// Unmounts and deletes a container's directories (not its database row).
// With a trash_token they are moved to the trash directories of that start
// instead (see FileRemoval::kByMonitor).
void remove_files(Context& ctx, const std::string& id, const std::string& trash_token = "");

// A container's lock, taken against concurrent start, cleanup and removal,
// with its record as read under the lock.
struct LockedContainer {
  os::FileLock lock;
  std::optional<state::ContainerRecord> record;  // nullopt: removed meanwhile
};

// Takes the lock of container id and rereads its record. The lock file
// lives in the container's run directory. When the container turns out to
// be gone, that directory (recreated for the lock) is removed again, so a
// cleanup racing a removal leaves nothing behind.
LockedContainer lock_container(Context& ctx, const std::string& id);

// Parses a signal given as a name ("SIGTERM", "term", "TERM") or a number.
// Throws Error{kInvalidArgument} naming the value.
int parse_signal(std::string_view text);

// Returns whether a process with pid exists.
bool process_alive(std::int64_t pid);

// Lifecycle commands: pause, unpause, rename, init and mount.

// Thaws a paused container after a kill, so that its processes can die;
// failures are only logged, since the container may be gone already.
void resume_after_kill(Context& ctx, const std::string& id);

// --init: returns requested when it is an executable file (else throws
// Error{kInvalidArgument}), or with requested empty the first catatonit
// found in Podman's helper directories and PATH. Throws Error{kNotFound}
// when there is none.
std::string find_init_binary(const std::string& requested);

// Returns whether a container in status has a process: "running",
// "paused", or "initialized" (made by the runtime but not started).
bool has_process(std::string_view status);

// Freezes every process of a running container (pause.cpp). Throws
// Error{kConflict} when it is paused already or not running.
void pause(Context& ctx, state::ContainerRecord& record);

// Thaws a paused container. Throws Error{kConflict} when it is not paused.
void unpause(Context& ctx, state::ContainerRecord& record);

// Gives a container a new name (rename.cpp). Throws
// Error{kInvalidArgument} for a name outside [a-zA-Z0-9][a-zA-Z0-9_.-]* and
// Error{kAlreadyExists} when another container has it. Renaming a
// container to its own name does nothing.
void rename(Context& ctx, state::ContainerRecord& record, const std::string& new_name);

// Mounts the container's overlay (image layers below its own upper
// directory) on Paths::rootfs. volatile_upper as in storage::mount_overlay.
// userns_path names the user namespace that idmaps the layers of a
// container with one (see mount_userns_rootfs).
void mount_root_filesystem(Context& ctx, const state::ContainerRecord& record,
                           bool volatile_upper, const std::string& userns_path = "");

// Mounts the root file system of a container for `mount` and returns the
// mount point (container_mount.cpp). Each call adds one to the container's
// mount count; the file system stays mounted after the container stops
// while the count is above 0.
std::string mount(Context& ctx, const state::ContainerRecord& record);

// Takes one from the mount count (all of it with force) and unmounts the
// root file system when the count reaches 0 and the container has no
// process. A container that is not mounted is left as it is.
void unmount(Context& ctx, const state::ContainerRecord& record, bool force);

// Returns the mount count `mount` and `unmount` keep for container id.
int mount_count(Context& ctx, const std::string& id);

// Returns whether the root file system of container id is mounted.
bool rootfs_mounted(Context& ctx, const std::string& id);

}  // namespace berth::container
