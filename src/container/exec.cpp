#include "common/json_text.hpp"
#include "container/exec.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/monitor_launch.hpp"
#include "events/events.hpp"
#include "os/file.hpp"
#include "runtime/oci_runtime.hpp"
#include "runtime/spec.hpp"

namespace berth::container {

namespace {

using nlohmann::json;

// Sets KEY=VALUE in env, replacing an entry of the same key.
void set_env(json& env, const std::string& entry) {
  std::string key = entry.substr(0, entry.find('='));
  for (auto& existing : env) {
    const auto& text = existing.get_ref<const std::string&>();
    if (text.compare(0, key.size() + 1, key + "=") == 0) {
      existing = entry;
      return;
    }
  }
  env.push_back(entry);
}

// The session's process: the container's process with the session's
// command, environment, user, directory and terminal.
json session_process(Context& ctx, const state::ContainerRecord& record,
                     const ExecOptions& options) {
  const auto& paths = ctx.paths();
  std::string config_path = paths.bundle_dir(record.id) + "/config.json";
  json process = json::parse(os::read_file(config_path)).at("process");
  process["args"] = options.command;
  process["terminal"] = options.tty;
  process.erase("consoleSize");
  if (options.tty && options.terminal_rows > 0) {
    process["consoleSize"] = {{"height", options.terminal_rows},
                              {"width", options.terminal_columns}};
  }
  json& env = process["env"];
  if (options.user) {
    auto user = runtime::resolve_user(paths.rootfs(record.id), *options.user);
    process["user"] = {{"uid", user.uid}, {"gid", user.gid}};
    if (!user.additional_gids.empty()) process["user"]["additionalGids"] = user.additional_gids;
    set_env(env, "HOME=" + user.home);
  }
  for (const auto& entry : options.env) set_env(env, entry);
  if (options.tty) {
    bool has_term = std::any_of(env.begin(), env.end(), [](const json& e) {
      return e.get_ref<const std::string&>().starts_with("TERM=");
    });
    if (!has_term) env.push_back("TERM=xterm");
  }
  if (options.working_dir) process["cwd"] = *options.working_dir;
  if (options.privileged) {
    auto caps = runtime::all_capabilities();
    for (const char* set : {"bounding", "effective", "permitted"}) {
      process["capabilities"][set] = caps;
    }
  }
  return process;
}

std::vector<std::string> monitor_argv(Context& ctx, const state::ContainerRecord& record,
                                      const std::string& session, const ExecOptions& options) {
  std::string dir = ctx.paths().exec_session_dir(record.id, session);
  const auto& runtime = ctx.runtime();
  std::vector<std::string> argv = {ctx.monitor_binary(),
                                   "--id", record.id,
                                   "--runtime", runtime.path(),
                                   "--runtime-root", runtime.root_dir(),
                                   "--bundle", dir,
                                   "--exit-file", dir + "/exit",
                                   "--socket", dir + "/attach",
                                   "--exec-process", dir + "/process.json",
                                   "--sync-fd", std::to_string(kMonitorSyncFd)};
  if (options.attach_fd >= 0) {
    argv.insert(argv.end(), {"--attach-fd", std::to_string(kMonitorAttachFd)});
  }
  for (int i = 0; i < options.preserve_fds; ++i) {
    argv.insert(argv.end(), {"--preserve-fd", std::to_string(kMonitorExtraFd + i)});
  }
  if (options.tty) argv.push_back("--terminal");
  if (options.interactive) argv.push_back("--stdin");
  if (spdlog::get_level() <= spdlog::level::debug) argv.insert(argv.end(), {"--log-level", "debug"});
  // No client waits for a detached session's exit code, so the monitor
  // runs the cleanup that records exec_died.
  if (options.attach_fd < 0) {
    const auto& paths = ctx.paths();
    argv.insert(argv.end(), {"--", ctx.berth_binary(), "--root", paths.root, "--runroot",
                             paths.run_root, "--runtime", runtime.path(), "container", "cleanup",
                             "--exec", session, record.id});
  }
  return argv;
}

}  // namespace

std::string exec(Context& ctx, const state::ContainerRecord& record, const ExecOptions& options,
                 std::int64_t* pid) {
  if (record.status != "running") {
    fail(ErrorCode::kConflict,
         "can only create exec sessions on running containers: container \"{}\" is {}: "
         "container state improper",
         record.name, record.status);
  }
  if (options.command.empty()) {
    fail(ErrorCode::kInvalidArgument, "exec needs a command to run in container \"{}\"",
         record.name);
  }
  if (options.preserve_fds < 0) {
    fail(ErrorCode::kInvalidArgument, "invalid --preserve-fds {}: it must be 0 or more",
         options.preserve_fds);
  }
  json process = session_process(ctx, record, options);
  std::string session = random_id();
  std::string dir = ctx.paths().exec_session_dir(record.id, session);
  // Never makes the container's run directory: it is gone when the
  // container stopped or was removed meanwhile, and must stay gone.
  for (const std::string& path : {ctx.paths().exec_dir(record.id), dir}) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      if (errno == ENOENT) {
        fail(ErrorCode::kConflict,
             "can only create exec sessions on running containers: container \"{}\" stopped: "
             "container state improper",
             record.name);
      }
      fail_errno(errno, "creating exec session directory \"" + path + "\"");
    }
  }
  try {
    os::write_file_atomic(dir + "/process.json", json_text(process), 0600, os::Durability::kVolatile);
    json meta = {{"id", session}, {"command", options.command}, {"created", now_ns()}};
    os::write_file_atomic(dir + "/session.json", json_text(meta), 0600, os::Durability::kVolatile);
    std::vector<int> preserved;
    for (int fd = 3; fd < 3 + options.preserve_fds; ++fd) preserved.push_back(fd);
    MonitorLaunch launch =
        spawn_monitor(monitor_argv(ctx, record, session, options), options.attach_fd, preserved);
    auto process = await_monitor(record.name, launch);
    spdlog::debug("exec session {} runs as process {}", session, process);
    if (pid) *pid = process;
    events::write_container(ctx.db(), record, "exec");
  } catch (const Error& e) {
    os::remove_all(dir);
    // runc names a missing working directory in a message about chdir;
    // Podman reports it as a command that was not found.
    std::string_view message = e.what();
    if (e.code() == ErrorCode::kInternal && message.find("chdir to cwd") != std::string::npos) {
      throw Error(ErrorCode::kCommandNotFound, std::string(message));
    }
    throw;
  }
  return session;
}

namespace {

// Returns whether an exec session's exit file ("CODE\nFINISHED_NS\n")
// records an end more than 5 minutes ago. Podman removes a detached session that long
// after it ends (containers.conf exit_command_delay, 300 s by default).
bool ended_long_ago(const std::string& exit_file_text) {
  constexpr std::int64_t kKeepEndedSessionNs = 300'000'000'000;
  auto newline = exit_file_text.find('\n');
  if (newline == std::string::npos) return false;
  std::int64_t finished_ns = std::atoll(exit_file_text.c_str() + newline + 1);
  return finished_ns > 0 && now_ns() - finished_ns > kKeepEndedSessionNs;
}

}  // namespace

std::vector<ExecSession> exec_sessions(Context& ctx, const std::string& container_id) {
  std::vector<std::pair<std::int64_t, ExecSession>> found;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(ctx.paths().exec_dir(container_id), ec)) {
    auto meta_text = os::read_file_if_exists(entry.path().string() + "/session.json");
    if (!meta_text) continue;
    json meta = json::parse(*meta_text, nullptr, false);
    if (meta.is_discarded()) continue;
    ExecSession session;
    session.id = meta.value("id", "");
    session.command = meta.value("command", std::vector<std::string>{});
    if (auto exit = os::read_file_if_exists(entry.path().string() + "/exit")) {
      if (ended_long_ago(*exit)) {
        os::remove_all(entry.path().string());
        continue;
      }
      session.exit_code = std::atoi(exit->c_str());
    } else {
      session.running = os::path_exists(entry.path().string() + "/attach");
    }
    found.emplace_back(meta.value("created", std::int64_t{0}), std::move(session));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ExecSession> sessions;
  for (auto& [created, session] : found) sessions.push_back(std::move(session));
  return sessions;
}

}  // namespace berth::container
