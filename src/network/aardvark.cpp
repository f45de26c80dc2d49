#include "network/aardvark.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <sstream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "network/network_config.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "os/process.hpp"

extern char** environ;

namespace berth::network {
namespace {

// The pid file aardvark-dns writes into its config directory. It skips this
// name when it reads the network files.
constexpr const char* kPidFile = "aardvark.pid";

// How long stop_server waits for the server to exit after SIGTERM, and
// again after SIGKILL.
constexpr int kStopWaitMs = 2000;

std::string join(const std::vector<std::string>& values, char separator) {
  std::string out;
  for (const auto& value : values) {
    if (!out.empty()) out += separator;
    out += value;
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// A name goes into a comma-separated field of a space-separated line.
void check_name(const std::string& name) {
  if (name.empty() || name.find_first_of(", \t\n") != std::string::npos) {
    fail(ErrorCode::kInvalidArgument, "invalid DNS name \"{}\" for aardvark-dns", name);
  }
}

// Replaces path through a temporary file outside the config directory,
// because aardvark-dns parses every file it finds there.
void replace_file(const std::string& temporary, const std::string& path, std::string_view data) {
  {
    os::Fd fd = os::open_file(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    os::write_all(fd.get(), data);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    fail_errno(errno, "renaming \"" + temporary + "\" to \"" + path + "\"");
  }
}

// Returns the network file names in dir: every entry but the pid file.
std::vector<std::string> network_file_names(const std::string& dir) {
  std::vector<std::string> names;
  DIR* stream = ::opendir(dir.c_str());
  if (stream == nullptr) return names;
  while (dirent* entry = ::readdir(stream)) {
    std::string name = entry->d_name;
    if (name == "." || name == ".." || name == kPidFile) continue;
    names.push_back(std::move(name));
  }
  ::closedir(stream);
  return names;
}

void remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    fail_errno(errno, "removing \"" + path + "\"");
  }
}

}  // namespace

std::string DnsNetworkFile::to_text() const {
  std::string out = join(listen_ips, ',') + "\n";
  for (const auto& entry : entries) {
    // The empty third field is the IPv6 list: berth gives containers IPv4 only.
    out += entry.container_id + " " + entry.ipv4 + "  " + join(entry.names, ',') + "\n";
  }
  return out;
}

DnsNetworkFile DnsNetworkFile::parse(std::string_view text) {
  DnsNetworkFile file;
  bool first = true;
  for (const auto& line : split(text, '\n')) {
    if (line.empty()) continue;
    auto fields = split(line, ' ');
    if (first) {
      file.listen_ips = split(fields[0], ',');
      first = false;
      continue;
    }
    if (fields.size() < 4 || fields[0].empty() || fields[3].empty()) continue;
    file.entries.push_back({fields[0], fields[1], split(fields[3], ',')});
  }
  return file;
}

Aardvark::Aardvark(std::string run_dir, std::string binary, int port)
    : run_dir_(std::move(run_dir)), binary_(std::move(binary)), port_(port) {}

std::optional<std::string> Aardvark::find_binary() {
  for (const char* path : {"/usr/libexec/podman/aardvark-dns",
                           "/usr/local/libexec/podman/aardvark-dns",
                           "/usr/lib/podman/aardvark-dns", "/usr/local/lib/podman/aardvark-dns"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return os::find_in_path("aardvark-dns");
}

void Aardvark::add(const std::string& network_name, const std::string& gateway,
                   const DnsEntry& entry) {
  if (!is_valid_network_name(network_name)) {
    fail(ErrorCode::kInvalidArgument, "invalid network name \"{}\"", network_name);
  }
  for (const auto& name : entry.names) check_name(name);
  check_name(entry.container_id);
  with_context("adding container " + entry.container_id + " to aardvark-dns", [&] {
    os::make_dirs(config_dir(), 0755);
    os::FileLock lock(run_dir_ + "/aardvark-dns.lock");
    drop_stale_entries();
    std::string path = config_dir() + "/" + network_name;
    DnsNetworkFile file = DnsNetworkFile::parse(os::read_file_if_exists(path).value_or(""));
    file.listen_ips = {gateway};
    std::erase_if(file.entries,
                  [&](const DnsEntry& e) { return e.container_id == entry.container_id; });
    file.entries.push_back(entry);
    write_network_file(network_name, file);
    apply();
  });
}

void Aardvark::remove(const std::string& network_name, const std::string& container_id) {
  std::string path = config_dir() + "/" + network_name;
  // The common case, a network without DNS, costs one stat and no lock.
  if (!os::path_exists(path)) return;
  with_context("removing container " + container_id + " from aardvark-dns", [&] {
    os::FileLock lock(run_dir_ + "/aardvark-dns.lock");
    auto text = os::read_file_if_exists(path);
    if (text) {
      DnsNetworkFile file = DnsNetworkFile::parse(*text);
      std::erase_if(file.entries,
                    [&](const DnsEntry& e) { return e.container_id == container_id; });
      write_network_file(network_name, file);
    }
    drop_stale_entries();
    apply();
  });
}

void Aardvark::write_network_file(const std::string& network_name, const DnsNetworkFile& file) {
  std::string path = config_dir() + "/" + network_name;
  if (file.entries.empty()) {
    remove_file(path);
    return;
  }
  replace_file(run_dir_ + "/aardvark-dns.tmp", path, file.to_text());
}

void Aardvark::drop_stale_entries() {
  for (const auto& name : network_file_names(config_dir())) {
    std::string path = config_dir() + "/" + name;
    auto text = os::read_file_if_exists(path);
    if (!text) continue;
    DnsNetworkFile file = DnsNetworkFile::parse(*text);
    std::size_t dropped = std::erase_if(file.entries, [&](const DnsEntry& e) {
      return !os::path_exists(run_dir_ + "/netns/" + e.container_id);
    });
    if (dropped == 0 && !file.entries.empty()) continue;
    spdlog::debug("aardvark-dns: dropping {} entries of removed containers from network {}",
                  dropped, name);
    if (!is_valid_network_name(name)) {
      remove_file(path);  // not a file berth wrote
      continue;
    }
    write_network_file(name, file);
  }
}

std::optional<int> Aardvark::running_pid() const {
  auto text = os::read_file_if_exists(config_dir() + "/" + kPidFile);
  if (!text) return std::nullopt;
  int pid = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), pid);
  if (ec != std::errc() || pid <= 0) return std::nullopt;
  // A pid file outlives a killed server, and the kernel may have reused
  // its pid: the command line must name this config directory.
  auto cmdline = os::read_file_if_exists("/proc/" + std::to_string(pid) + "/cmdline");
  if (!cmdline) return std::nullopt;
  std::replace(cmdline->begin(), cmdline->end(), '\0', ' ');
  if (cmdline->find("aardvark-dns") == std::string::npos ||
      cmdline->find(" " + config_dir() + " ") == std::string::npos) {
    return std::nullopt;
  }
  return pid;
}

void Aardvark::apply() {
  bool serving = !network_file_names(config_dir()).empty();
  std::optional<int> pid = running_pid();
  if (!serving) {
    if (pid) stop_server(*pid);
    remove_file(config_dir() + "/" + kPidFile);
    return;
  }
  if (pid) {
    spdlog::debug("aardvark-dns {}: reloading", *pid);
    if (::kill(*pid, SIGHUP) == 0) return;
    if (errno != ESRCH) fail_errno(errno, "signalling aardvark-dns " + std::to_string(*pid));
  }
  start_server();
}

void Aardvark::start_server() {
  std::string log_path = run_dir_ + "/aardvark-dns.log";
  std::vector<std::string> argv = {binary_, "--config", config_dir(), "-p",
                                   std::to_string(port_), "run"};
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);

  os::Fd null_fd = os::open_file("/dev/null", O_RDONLY);
  os::Fd log_fd = os::open_file(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, null_fd.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd.get(), 2);
  // The server outlives this process: it must not keep its working
  // directory busy, hold its other descriptors (an inherited listening
  // socket of a socket-activated service, say), share its session or
  // inherit its blocked signals.
  posix_spawn_file_actions_addchdir_np(&actions, "/");
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, binary_.c_str(), &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) fail_errno(rc, "starting \"" + binary_ + "\"");

  // The first process exits once its forked server listens or has failed.
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok && running_pid()) {
    spdlog::debug("aardvark-dns started for {}", config_dir());
    return;
  }
  std::string output = os::read_file_if_exists(log_path).value_or("");
  // Without a syslog socket aardvark-dns prints this line, which is no error.
  std::string lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.starts_with("failed to connect to syslog")) continue;
    lines += (lines.empty() ? "" : "; ") + line;
  }
  fail(ErrorCode::kUnavailable,
       "aardvark-dns failed to start (config {}): {}: check that no other program serves port "
       "{} on the network's gateway",
       config_dir(), lines.empty() ? "no output" : lines, port_);
}

void Aardvark::stop_server(int pid) {
  spdlog::debug("aardvark-dns {}: no network left, stopping it", pid);
  os::Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return;  // already gone
  pollfd exited{pidfd.get(), POLLIN, 0};
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0);
  if (::poll(&exited, 1, kStopWaitMs) == 1) return;
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
  ::poll(&exited, 1, kStopWaitMs);
}

}  // namespace berth::network
