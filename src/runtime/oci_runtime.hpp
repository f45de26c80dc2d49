#pragma once

// The driver for an external OCI runtime (runc or crun) through its standard
// command line. Every call passes "--root root_dir()" so that berth's
// containers live apart from those of Podman or other engines.
//
// Creating and starting a container is berth-monitor's job (it runs
// "RUNTIME --root DIR run --detach ..."), so this class covers the calls
// made on containers that already exist.

#include <optional>
#include <string>
#include <vector>

namespace berth::runtime {

// The layout of the host's cgroup mounts.
enum class CgroupMode {
  kUnified,  // cgroup v2 only: /sys/fs/cgroup is cgroup2
  kHybrid,   // v1 controllers plus cgroup2 at /sys/fs/cgroup/unified
  kLegacy,   // v1 only
};

// Detects the mode with statfs(2) on /sys/fs/cgroup and
// /sys/fs/cgroup/unified.
CgroupMode detect_cgroup_mode();

// The state of a container as "runtime state" reports it.
struct RuntimeState {
  std::string status;  // "creating", "created", "running", "paused" or "stopped"
  int pid = 0;         // the container's init process in the host pid namespace
  std::string bundle;
};

class OciRuntime {
 public:
  // Picks the runtime. preferred may be "runc", "crun" or a path; it must
  // exist. Without it: crun when it can run containers here (not on hybrid
  // cgroups, which crun rejects), else runc, else crun. state_root is the
  // parent of root_dir(): "/run/berth" for root and
  // "$XDG_RUNTIME_DIR/berth" for other users when empty.
  // Throws Error{kNotFound} when no runtime is installed.
  static OciRuntime detect(const std::optional<std::string>& preferred = std::nullopt,
                           const std::string& state_root = "");

  OciRuntime(std::string path, std::string name, std::string root_dir);

  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }  // "runc" or "crun"
  // The runtime's state directory: STATE_ROOT/NAME, e.g. /run/berth/runc.
  const std::string& root_dir() const { return root_dir_; }

  // Sends signal to the container's init, or to every process of it with
  // all. Throws Error{kNotFound} when the container does not exist and
  // Error{kConflict} when it is not running.
  void kill(const std::string& id, int signal, bool all = false) const;

  // Deletes the container from the runtime ("runtime delete"); force kills
  // a running one first. A container that does not exist is not an error.
  // When the state directory can be deleted without the runtime (see
  // remove_stopped_runc_state) and move_state_to is set, the directory is
  // moved there for a later deletion instead.
  void remove(const std::string& id, bool force, const std::string& move_state_to = "") const;

  // Returns the container's state, or nullopt when the runtime does not
  // know it.
  std::optional<RuntimeState> state(const std::string& id) const;

  // Returns the host pids of the container's processes ("runtime ps").
  // Throws Error{kNotFound} when the container does not exist.
  std::vector<int> pids(const std::string& id) const;

  // Lifecycle commands: "runtime pause", "resume" and "start". pause
  // freezes every process of the container (the freezer cgroup on v1,
  // cgroup.freeze on v2, both handled by the runtime); start runs the
  // process of a container made by "runtime create". Each throws
  // Error{kNotFound} when the runtime does not know the container and
  // Error{kConflict} when it is in the wrong state.
  void pause(const std::string& id) const;
  void resume(const std::string& id) const;
  void start(const std::string& id) const;

  // Returns {path, "--root", root_dir}, the start of every command line.
  std::vector<std::string> base_argv() const;

 private:
  // Deletes a stopped runc container by removing its cgroup directories and
  // state directory, which is all `runc delete` does for a container
  // without hooks, but without the cost of starting runc (about 15 ms).
  // Returns false, having changed nothing that matters, when the container
  // still runs, has hooks, or its state is not in the known format.
  bool remove_stopped_runc_state(const std::string& id, const std::string& move_state_to) const;

  // Runs "runtime VERB ID" and maps its failure to an Error; doing names
  // the action in messages ("pausing").
  void run_simple(const char* verb, const char* doing, const std::string& id) const;

  std::string path_;
  std::string name_;
  std::string root_dir_;
};

}  // namespace berth::runtime
