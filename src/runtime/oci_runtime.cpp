#include "runtime/oci_runtime.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"
#include "os/process.hpp"

namespace berth::runtime {

namespace {

bool is_filesystem(const char* path, long magic) {
  struct statfs info{};
  return ::statfs(path, &info) == 0 && static_cast<long>(info.f_type) == magic;
}

// Returns the message of the last non-empty line of a runtime's stderr.
// runc logs 'time="..." level=error msg="text"', crun prints plain text.
std::string runtime_message(const std::string& err) {
  std::size_t end = err.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return "no error message";
  std::size_t begin = err.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  std::string line = err.substr(begin, end + 1 - begin);
  std::size_t msg = line.find("msg=\"");
  if (msg == std::string::npos) return line;
  std::string text;
  for (std::size_t i = msg + 5; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) ++i;
    text.push_back(line[i]);
  }
  return text;
}

bool says_missing(const std::string& message) {
  return message.find("does not exist") != std::string::npos ||
         message.find("No such file or directory") != std::string::npos;
}

std::string default_state_root() {
  if (::geteuid() == 0) return "/run/berth";
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  if (runtime_dir && *runtime_dir) return std::string(runtime_dir) + "/berth";
  return "/run/user/" + std::to_string(::geteuid()) + "/berth";
}

std::string basename_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

CgroupMode detect_cgroup_mode() {
  if (is_filesystem("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) return CgroupMode::kUnified;
  if (is_filesystem("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) return CgroupMode::kHybrid;
  return CgroupMode::kLegacy;
}

OciRuntime OciRuntime::detect(const std::optional<std::string>& preferred,
                              const std::string& state_root) {
  std::string root = state_root.empty() ? default_state_root() : state_root;
  if (preferred && !preferred->empty()) {
    auto path = os::find_in_path(*preferred);
    if (!path) {
      fail(ErrorCode::kNotFound,
           "OCI runtime \"{}\" not found: install it or choose runc or crun with --runtime",
           *preferred);
    }
    std::string name = basename_of(*path);
    return OciRuntime(*path, name, root + "/" + name);
  }

  auto crun = os::find_in_path("crun");
  auto runc = os::find_in_path("runc");
  bool hybrid = detect_cgroup_mode() == CgroupMode::kHybrid;
  if (crun && !hybrid) return OciRuntime(*crun, "crun", root + "/crun");
  if (runc) return OciRuntime(*runc, "runc", root + "/runc");
  if (crun) {
    spdlog::debug("using crun although the host has hybrid cgroups, which crun rejects");
    return OciRuntime(*crun, "crun", root + "/crun");
  }
  fail(ErrorCode::kNotFound, "no OCI runtime found in PATH: install the runc or crun package");
}

OciRuntime::OciRuntime(std::string path, std::string name, std::string root_dir)
    : path_(std::move(path)), name_(std::move(name)), root_dir_(std::move(root_dir)) {}

std::vector<std::string> OciRuntime::base_argv() const { return {path_, "--root", root_dir_}; }

void OciRuntime::kill(const std::string& id, int signal, bool all) const {
  auto argv = base_argv();
  argv.push_back("kill");
  if (all) argv.push_back("--all");
  argv.push_back(id);
  argv.push_back(std::to_string(signal));
  auto result = os::run_process(argv);
  if (result.exit_code == 0) return;
  std::string message = runtime_message(result.err);
  if (says_missing(message)) {
    fail(ErrorCode::kNotFound, "killing container {}: {}", id, message);
  }
  if (message.find("not running") != std::string::npos ||
      message.find("process already finished") != std::string::npos) {
    fail(ErrorCode::kConflict, "killing container {}: container is not running", id);
  }
  fail(ErrorCode::kInternal, "killing container {} with {}: {}", id, name_, message);
}

namespace {

// Returns the start time (in clock ticks since boot) of pid, or -1.
long long process_start_time(long long pid) {
  auto stat = os::read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return -1;
  auto close = stat->rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat->substr(close + 2));
  std::string field;
  // After the command: state is field 3 and starttime field 22 of proc(5).
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 3 && field == "Z") return -1;
    if (index == 22) return std::stoll(field);
  }
  return -1;
}

}  // namespace

bool OciRuntime::remove_stopped_runc_state(const std::string& id,
                                           const std::string& move_state_to) const {
  if (name_ != "runc") return false;
  std::string dir = root_dir_ + "/" + id;
  std::optional<std::string> text;
  try {
    text = os::read_file_if_exists(dir + "/state.json");
  } catch (const Error&) {
    return false;
  }
  if (!text) return !os::path_exists(dir);
  auto state = nlohmann::json::parse(*text, nullptr, false);
  if (state.is_discarded() || !state.is_object()) return false;
  auto pid = state.value("init_process_pid", 0LL);
  auto start = state.value("init_process_start", 0LL);
  if (pid > 0 && process_start_time(pid) == start) return false;  // still running
  const auto& config = state.value("config", nlohmann::json::object());
  if (config.contains("hooks") && !config["hooks"].is_null() && !config["hooks"].empty()) {
    return false;  // poststop hooks need runc itself
  }
  if (!state.contains("cgroup_paths") || !state["cgroup_paths"].is_object()) return false;
  for (const auto& [controller, path] : state["cgroup_paths"].items()) {
    if (!path.is_string()) return false;
    if (::rmdir(path.get<std::string>().c_str()) != 0 && errno != ENOENT) {
      spdlog::debug("fast delete of {}: rmdir {}: {}", id, path.get<std::string>(),
                    std::strerror(errno));
      return false;  // processes are left in it: let runc kill them
    }
  }
  if (move_state_to.empty()) {
    os::remove_all(dir);
  } else {
    os::move_or_remove(dir, move_state_to);
  }
  return true;
}

void OciRuntime::remove(const std::string& id, bool force, const std::string& move_state_to) const {
  if (remove_stopped_runc_state(id, move_state_to)) {
    spdlog::debug("deleted the state of stopped container {} without starting runc", id);
    return;
  }
  auto argv = base_argv();
  argv.push_back("delete");
  if (force) argv.push_back("--force");
  argv.push_back(id);
  auto result = os::run_process(argv);
  if (result.exit_code == 0) return;
  std::string message = runtime_message(result.err);
  if (says_missing(message)) {
    spdlog::debug("deleting container {}: {} no longer knows it", id, name_);
    return;
  }
  fail(ErrorCode::kInternal, "deleting container {} with {}: {}", id, name_, message);
}

std::optional<RuntimeState> OciRuntime::state(const std::string& id) const {
  auto argv = base_argv();
  argv.push_back("state");
  argv.push_back(id);
  auto result = os::run_process(argv);
  if (result.exit_code != 0) {
    std::string message = runtime_message(result.err);
    if (says_missing(message)) return std::nullopt;
    fail(ErrorCode::kInternal, "reading the state of container {} from {}: {}", id, name_,
         message);
  }
  auto doc = nlohmann::json::parse(result.out, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    fail(ErrorCode::kInternal, "reading the state of container {}: {} printed invalid JSON", id,
         name_);
  }
  RuntimeState state;
  state.status = doc.value("status", "");
  state.pid = doc.value("pid", 0);
  state.bundle = doc.value("bundle", "");
  return state;
}

void OciRuntime::run_simple(const char* verb, const char* doing, const std::string& id) const {
  auto argv = base_argv();
  argv.push_back(verb);
  argv.push_back(id);
  auto result = os::run_process(argv);
  if (result.exit_code == 0) return;
  std::string message = runtime_message(result.err);
  if (says_missing(message)) fail(ErrorCode::kNotFound, "{} container {}: {}", doing, id, message);
  if (message.find("not running") != std::string::npos ||
      message.find("not paused") != std::string::npos ||
      message.find("cannot start") != std::string::npos) {
    fail(ErrorCode::kConflict, "{} container {}: {}", doing, id, message);
  }
  fail(ErrorCode::kInternal, "{} container {} with {}: {}", doing, id, name_, message);
}

void OciRuntime::pause(const std::string& id) const { run_simple("pause", "pausing", id); }

void OciRuntime::resume(const std::string& id) const { run_simple("resume", "resuming", id); }

void OciRuntime::start(const std::string& id) const { run_simple("start", "starting", id); }

std::vector<int> OciRuntime::pids(const std::string& id) const {
  auto argv = base_argv();
  argv.insert(argv.end(), {"ps", "--format", "json", id});
  auto result = os::run_process(argv);
  if (result.exit_code != 0) {
    std::string message = runtime_message(result.err);
    if (says_missing(message)) fail(ErrorCode::kNotFound, "listing processes of container {}: {}", id, message);
    fail(ErrorCode::kInternal, "listing processes of container {} with {}: {}", id, name_,
         message);
  }
  auto doc = nlohmann::json::parse(result.out, nullptr, false);
  if (doc.is_discarded() || !(doc.is_array() || doc.is_null())) {
    fail(ErrorCode::kInternal, "listing processes of container {}: {} printed invalid JSON", id,
         name_);
  }
  std::vector<int> pids;
  if (doc.is_array()) {
    for (const auto& pid : doc) {
      if (pid.is_number_integer()) pids.push_back(pid.get<int>());
    }
  }
  return pids;
}

}  // namespace berth::runtime
