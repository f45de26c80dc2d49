// Runs berth-monitor with the real runc on a busybox bundle: container
// start, k8s-file log, exit file, attach frames, stdin, terminal, runtime
// errors and the cleanup command. Needs root, runc, /bin/busybox and the
// berth-monitor binary beside this test binary; skipped otherwise.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "os/file.hpp"
#include "os/process.hpp"
#include "runtime/oci_runtime.hpp"
#include "runtime/spec.hpp"

namespace berth::runtime {
namespace {

constexpr const char* kBusyboxApplets[] = {"sh", "echo", "cat", "sleep", "printf", "tty", "true"};

struct Frame {
  int stream = 0;
  std::string payload;
};

struct MonitorRun {
  std::string id;
  std::string bundle;
  std::string sync_line;
};

class Monitor : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    monitor_path_ = os::self_dir() + "/berth-monitor";
    if (!os::path_exists(monitor_path_) || !os::path_exists("/bin/busybox") ||
        !os::find_in_path("runc")) {
      return;
    }
    char dir_template[] = "/var/tmp/berth-monitor-test-XXXXXX";
    if (!::mkdtemp(dir_template)) return;
    base_ = dir_template;
    rootfs_ = base_ + "/rootfs";
    os::make_dirs(rootfs_ + "/bin");
    for (const char* dir : {"/proc", "/sys", "/dev", "/tmp", "/etc"}) os::make_dirs(rootfs_ + dir);
    os::write_file_atomic(rootfs_ + "/bin/busybox", os::read_file("/bin/busybox"), 0755);
    for (const char* applet : kBusyboxApplets) {
      std::string link = rootfs_ + "/bin/" + applet;
      if (::symlink("busybox", link.c_str()) != 0) return;
    }
    runtime_ = new OciRuntime(*os::find_in_path("runc"), "runc", base_ + "/runc-state");
    ready_ = true;
  }

  static void TearDownTestSuite() {
    if (!base_.empty()) os::remove_all(base_);
    // runc removes each container's cgroup but not the shared parent.
    for (const char* hierarchy : {"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer",
                                  "hugetlb", "memory", "misc", "net_cls", "net_prio",
                                  "perf_event", "pids", "rdma", "systemd", "unified", ""}) {
      std::string dir = std::string("/sys/fs/cgroup/") + hierarchy + "/berth-test";
      ::rmdir(dir.c_str());
    }
    delete runtime_;
    runtime_ = nullptr;
  }

  void SetUp() override {
    if (!ready_) GTEST_SKIP() << "needs root, runc, /bin/busybox and berth-monitor";
  }

  void TearDown() override {
    for (const auto& id : started_) runtime_->remove(id, true);
  }

  // Writes a bundle for args and starts berth-monitor on it. Returns after
  // the monitor wrote its sync line.
  MonitorRun start(const std::string& name, std::vector<std::string> args,
                   std::vector<std::string> extra = {}, int attach_fd = -1) {
    MonitorRun run;
    run.id = "berth-test-" + name + "-" + std::to_string(::getpid());
    run.bundle = base_ + "/" + name;
    os::make_dirs(run.bundle);
    bool terminal = std::find(extra.begin(), extra.end(), "--terminal") != extra.end();
    SpecInput input;
    input.container_id = run.id;
    input.rootfs = rootfs_;
    input.args = std::move(args);
    input.terminal = terminal;
    input.cgroups_path = "/berth-test/" + run.id;
    input.cgroup_v2 = detect_cgroup_mode() == CgroupMode::kUnified;
    write_spec(run.bundle, build_spec(input));
    started_.push_back(run.id);

    int sync[2];
    EXPECT_EQ(::pipe2(sync, O_CLOEXEC), 0);
    std::vector<std::string> argv = {monitor_path_, "--id", run.id, "--runtime",
                                     runtime_->path(), "--runtime-root", runtime_->root_dir(),
                                     "--bundle", run.bundle, "--log", run.bundle + "/ctr.log",
                                     "--exit-file", run.bundle + "/exit", "--socket",
                                     run.bundle + "/attach", "--sync-fd", std::to_string(sync[1]),
                                     "--log-level", "debug"};
    if (attach_fd >= 0) argv.insert(argv.end(), {"--attach-fd", std::to_string(attach_fd)});
    argv.insert(argv.end(), extra.begin(), extra.end());
    // The cleanup command writes its marker file atomically: the test polls for it.
    std::string marker = run.bundle + "/cleanup-ran";
    argv.insert(argv.end(), {"--", "/bin/sh", "-c",
                             "echo \"$BERTH_EXIT_CODE\" > " + marker + ".tmp && mv " + marker +
                                 ".tmp " + marker});
    std::vector<char*> raw;
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);

    pid_t child = ::fork();
    if (child == 0) {
      ::fcntl(sync[1], F_SETFD, 0);
      if (attach_fd >= 0) ::fcntl(attach_fd, F_SETFD, 0);
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    ::close(sync[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status)) << "intermediate monitor did not exit";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "intermediate monitor failed";
    char c;
    while (::read(sync[0], &c, 1) == 1 && c != '\n') run.sync_line.push_back(c);
    ::close(sync[0]);
    return run;
  }

  static int pid_of(const MonitorRun& run) {
    if (run.sync_line.rfind("pid ", 0) != 0) return -1;
    return std::stoi(run.sync_line.substr(4));
  }

  // Waits up to 10 s for path to exist and returns its content.
  static std::string wait_for_file(const std::string& path) {
    for (int i = 0; i < 1000; ++i) {
      if (auto text = os::read_file_if_exists(path)) return *text;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return "";
  }

  static int connect_attach(const MonitorRun& run) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = run.bundle + "/attach";
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
        << std::strerror(errno);
    return fd;
  }

  // Reads frames until the exit frame or a 10 s timeout.
  static std::vector<Frame> read_frames(int fd) {
    std::vector<Frame> frames;
    std::string data;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd check{fd, POLLIN, 0};
      if (::poll(&check, 1, 100) <= 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
      while (data.size() >= 5) {
        std::size_t size = (static_cast<unsigned char>(data[1]) << 24) |
                           (static_cast<unsigned char>(data[2]) << 16) |
                           (static_cast<unsigned char>(data[3]) << 8) |
                           static_cast<unsigned char>(data[4]);
        if (data.size() < 5 + size) break;
        frames.push_back({data[0], data.substr(5, size)});
        data.erase(0, 5 + size);
        if (frames.back().stream == 3) return frames;
      }
    }
    return frames;
  }

  static std::string joined(const std::vector<Frame>& frames, int stream) {
    std::string text;
    for (const auto& frame : frames) {
      if (frame.stream == stream) text += frame.payload;
    }
    return text;
  }

  static std::string exit_code(const MonitorRun& run) {
    std::string text = wait_for_file(run.bundle + "/exit");
    return text.substr(0, text.find('\n'));
  }

  static inline std::string base_;
  static inline std::string rootfs_;
  static inline std::string monitor_path_;
  static inline OciRuntime* runtime_ = nullptr;
  static inline bool ready_ = false;
  std::vector<std::string> started_;
};

TEST_F(Monitor, LogsStdoutAndStderr) {
  MonitorRun run = start("logs", {"sh", "-c", "echo out; echo err >&2; printf partial"});
  EXPECT_GT(pid_of(run), 0) << run.sync_line;
  EXPECT_EQ(exit_code(run), "0");
  std::string log = os::read_file(run.bundle + "/ctr.log");
  EXPECT_NE(log.find(" stdout F out\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stderr F err\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stdout P partial\n"), std::string::npos) << log;
  // Each record starts with an RFC 3339 UTC timestamp with nanoseconds.
  std::string first = log.substr(0, log.find('\n'));
  ASSERT_GE(first.size(), 31u);
  EXPECT_EQ(first[4], '-');
  EXPECT_EQ(first[10], 'T');
  EXPECT_EQ(first[19], '.');
  EXPECT_EQ(first[29], 'Z');
  EXPECT_EQ(first[30], ' ');
}

TEST_F(Monitor, ExitFileAndCleanup) {
  MonitorRun run = start("exit3", {"sh", "-c", "exit 3"});
  EXPECT_GT(pid_of(run), 0) << run.sync_line;
  std::string exit_file = wait_for_file(run.bundle + "/exit");
  auto newline = exit_file.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(exit_file.substr(0, newline), "3");
  long long finished = std::stoll(exit_file.substr(newline + 1));
  long long now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  EXPECT_GT(finished, now - 60LL * 1000000000LL);
  EXPECT_LE(finished, now);
  EXPECT_EQ(wait_for_file(run.bundle + "/cleanup-ran"), "3\n");
}

TEST_F(Monitor, SigkillGives137) {
  MonitorRun run = start("kill", {"sleep", "100"});
  int pid = pid_of(run);
  ASSERT_GT(pid, 0) << run.sync_line;
  auto state = runtime_->state(run.id);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->status, "running");
  EXPECT_EQ(state->pid, pid);
  auto pids = runtime_->pids(run.id);
  EXPECT_NE(std::find(pids.begin(), pids.end(), pid), pids.end());

  // The monitor is the container's parent (subreaper); report its memory.
  std::string status = os::read_file("/proc/" + std::to_string(pid) + "/status");
  int monitor_pid = std::stoi(status.substr(status.find("PPid:") + 5));
  std::string monitor_status = os::read_file("/proc/" + std::to_string(monitor_pid) + "/status");
  std::string rss = monitor_status.substr(monitor_status.find("VmRSS:"));
  RecordProperty("monitor_rss", rss.substr(0, rss.find('\n')));
  std::printf("berth-monitor %s\n", rss.substr(0, rss.find('\n')).c_str());

  runtime_->kill(run.id, SIGKILL);
  EXPECT_EQ(exit_code(run), "137");
  EXPECT_EQ(wait_for_file(run.bundle + "/cleanup-ran"), "137\n");
}

TEST_F(Monitor, AttachFdReceivesOutputAndExit) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  MonitorRun run = start("attachfd", {"sh", "-c", "echo hello; echo oops >&2; exit 5"}, {},
                         pair[1]);
  ::close(pair[1]);
  EXPECT_GT(pid_of(run), 0) << run.sync_line;
  auto frames = read_frames(pair[0]);
  ::close(pair[0]);
  EXPECT_EQ(joined(frames, 1), "hello\n");
  EXPECT_EQ(joined(frames, 2), "oops\n");
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().stream, 3);
  EXPECT_EQ(frames.back().payload, "5");
  // The exit frame comes first; the cleanup command still runs after it.
  bool cleaned = false;
  for (int i = 0; i < 500 && !cleaned; ++i) {
    cleaned = os::path_exists(run.bundle + "/cleanup-ran");
    if (!cleaned) ::usleep(10'000);
  }
  EXPECT_TRUE(cleaned);
}

// Sends one client frame: type, 4-byte big-endian length, payload.
void send_frame(int fd, unsigned char type, const std::string& payload) {
  std::string frame(5, '\0');
  frame[0] = static_cast<char>(type);
  for (int i = 0; i < 4; ++i) frame[1 + i] = static_cast<char>((payload.size() >> (24 - 8 * i)) & 0xff);
  frame += payload;
  ASSERT_EQ(::write(fd, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
}

TEST_F(Monitor, StdinThroughAttachSocket) {
  MonitorRun run = start("stdin", {"cat"}, {"--stdin"});
  ASSERT_GT(pid_of(run), 0) << run.sync_line;
  // A client that hangs up without a close frame (a detach) leaves stdin
  // open for the next one.
  int first = connect_attach(run);
  send_frame(first, 0, "first\n");
  ::close(first);
  int fd = connect_attach(run);
  send_frame(fd, 0, "echo me\n");
  send_frame(fd, 2, "");  // end of input: cat exits
  auto frames = read_frames(fd);
  ::close(fd);
  std::string out = joined(frames, 1);
  EXPECT_NE(out.find("echo me\n"), std::string::npos) << out;
  EXPECT_EQ(exit_code(run), "0");
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().stream, 3);
  EXPECT_EQ(frames.back().payload, "0");
  EXPECT_NE(os::read_file(run.bundle + "/ctr.log").find(" stdout F first"), std::string::npos);
}

TEST_F(Monitor, ResizeFrameSetsTheTerminalSize) {
  MonitorRun run = start("resize", {"sh", "-c", "sleep 0.5; stty size"}, {"--terminal"});
  ASSERT_GT(pid_of(run), 0) << run.sync_line;
  int fd = connect_attach(run);
  send_frame(fd, 1, std::string{0, 33, 0, 111});
  auto frames = read_frames(fd);
  ::close(fd);
  std::string out = joined(frames, 1);
  EXPECT_NE(out.find("33 111"), std::string::npos) << out;
}

TEST_F(Monitor, BadClientFrameDropsOnlyThatClient) {
  MonitorRun run = start("badframe", {"sh", "-c", "sleep 0.5; echo still here"}, {"--stdin"});
  ASSERT_GT(pid_of(run), 0) << run.sync_line;
  int bad = connect_attach(run);
  send_frame(bad, 9, "x");
  int good = connect_attach(run);
  auto frames = read_frames(good);
  ::close(good);
  ::close(bad);
  EXPECT_EQ(joined(frames, 1), "still here\n");
  EXPECT_EQ(exit_code(run), "0");
}

TEST_F(Monitor, Terminal) {
  MonitorRun run = start("tty", {"sh", "-c", "sleep 0.3; tty; echo done"}, {"--terminal"});
  ASSERT_GT(pid_of(run), 0) << run.sync_line;
  int fd = connect_attach(run);
  auto frames = read_frames(fd);
  ::close(fd);
  std::string out = joined(frames, 1);
  EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
  EXPECT_NE(out.find("done\r\n"), std::string::npos) << out;
  EXPECT_EQ(exit_code(run), "0");
  std::string log = os::read_file(run.bundle + "/ctr.log");
  EXPECT_NE(log.find(" stdout F done\r\n"), std::string::npos) << log;
}

TEST_F(Monitor, MissingCommandReportsError) {
  MonitorRun run = start("missing", {"nosuch"});
  EXPECT_EQ(run.sync_line.rfind("error ", 0), 0u) << run.sync_line;
  EXPECT_NE(run.sync_line.find("executable file not found"), std::string::npos) << run.sync_line;
  EXPECT_FALSE(os::path_exists(run.bundle + "/exit"));
}

}  // namespace
}  // namespace berth::runtime
