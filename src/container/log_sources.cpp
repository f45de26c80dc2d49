// Reading logs back as entries: k8s-file logs (with rotation) and the
// journal, and when a follower stops waiting.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/config.hpp"
#include "container/log_reader.hpp"
#include "container/operations.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "os/process.hpp"

extern char** environ;

namespace berth::container::log_reader {

namespace {

// How long after an exit a follower waits for the restart policy's start.
// NOTE: an estimate. A start here takes well under a second, and a restart
// that never comes (its start failed) ends the follow after this.
constexpr std::int64_t kRestartGraceNs = 10'000'000'000;

// Joins record parts into entries: a part waits in pending_ for the record
// that ends its line.
class EntryBuilder {
 public:
  void add(std::string_view timestamp, std::int64_t time_ns, bool is_stderr, bool partial,
           std::string_view text, std::vector<Entry>& out) {
    Entry& entry = pending_[is_stderr ? 1 : 0];
    bool& open = open_[is_stderr ? 1 : 0];
    if (!open) {
      entry = Entry{};
      entry.time_ns = time_ns;
      entry.timestamp = std::string(timestamp);
      entry.is_stderr = is_stderr;
      open = true;
    }
    entry.text.append(text);
    if (partial) return;
    out.push_back(std::move(entry));
    open = false;
  }

  // Appends the unfinished lines of both streams, without their newline.
  void finish(std::vector<Entry>& out) {
    for (int stream = 0; stream < 2; ++stream) {
      if (!open_[stream]) continue;
      pending_[stream].ends_line = false;
      out.push_back(std::move(pending_[stream]));
      open_[stream] = false;
    }
  }

 private:
  Entry pending_[2];
  bool open_[2] = {false, false};
};

std::int64_t time_of(std::string_view timestamp) {
  try {
    return parse_rfc3339(timestamp);
  } catch (const Error&) {
    return 0;
  }
}

class FileSource : public Source {
 public:
  explicit FileSource(std::string path) : path_(std::move(path)) {}

  void read_available(std::vector<Entry>& out, bool final) override {
    if (!fd_ && os::path_exists(path_)) fd_ = os::open_file(path_, O_RDONLY);
    if (fd_) {
      read_fd(out);
      // A rotation renamed a new file over the path: finish the old one
      // (done above), then read the new one from its start.
      struct stat now{}, current{};
      if (::stat(path_.c_str(), &now) == 0 && ::fstat(fd_.get(), &current) == 0 &&
          (now.st_ino != current.st_ino || now.st_dev != current.st_dev)) {
        fd_ = os::open_file(path_, O_RDONLY);
        offset_ = 0;
        buffer_.clear();
        read_fd(out);
      } else if (::fstat(fd_.get(), &current) == 0 && current.st_size < offset_) {
        offset_ = 0;  // truncated in place
        buffer_.clear();
        read_fd(out);
      }
    }
    if (final) builder_.finish(out);
  }

 private:
  void read_fd(std::vector<Entry>& out) {
    char block[1 << 16];
    for (;;) {
      ssize_t n = ::pread(fd_.get(), block, sizeof block, offset_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(errno, "reading the container log \"" + path_ + "\"");
      if (n == 0) return;
      offset_ += n;
      buffer_.append(block, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (;;) {
        std::size_t newline = buffer_.find('\n', start);
        if (newline == std::string::npos) break;
        Record record;
        std::string_view line(buffer_.data() + start, newline - start);
        if (parse_record(line, record)) {
          builder_.add(record.timestamp, time_of(record.timestamp), record.is_stderr,
                       record.partial, record.text, out);
        }
        start = newline + 1;
      }
      buffer_.erase(0, start);
    }
  }

  std::string path_;
  os::Fd fd_;
  off_t offset_ = 0;
  std::string buffer_;  // an incomplete record
  EntryBuilder builder_;
};

// The MESSAGE of a journal entry: a string, or an array of bytes when it
// is not valid UTF-8.
std::string journal_message(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  std::string text;
  if (value.is_array()) {
    for (const auto& byte : value) {
      if (byte.is_number_integer()) text += static_cast<char>(byte.get<int>());
    }
  }
  return text;
}

class JournalSource : public Source {
 public:
  JournalSource(const std::string& id, bool follow) {
    auto journalctl = os::find_in_path("journalctl");
    if (!journalctl) {
      fail(ErrorCode::kUnavailable,
           "reading the journal: journalctl not found in PATH: install systemd's journalctl");
    }
    std::vector<std::string> args = {*journalctl, "--no-pager", "--quiet", "--output", "json",
                                     "CONTAINER_ID_FULL=" + id};
    if (follow) args.push_back("--follow");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe for journalctl");
    read_end_ = os::Fd(fds[0]);
    os::Fd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) fail_errno(rc, "starting " + *journalctl);
    if (follow) ::fcntl(read_end_.get(), F_SETFL, O_NONBLOCK);
  }

  ~JournalSource() override {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  JournalSource(const JournalSource&) = delete;
  JournalSource& operator=(const JournalSource&) = delete;

  void read_available(std::vector<Entry>& out, bool final) override {
    char block[1 << 16];
    for (;;) {
      ssize_t n = ::read(read_end_.get(), block, sizeof block);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n < 0) fail_errno(errno, "reading journalctl's output");
      if (n == 0) break;
      buffer_.append(block, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (;;) {
        std::size_t newline = buffer_.find('\n', start);
        if (newline == std::string::npos) break;
        add_line(std::string_view(buffer_).substr(start, newline - start), out);
        start = newline + 1;
      }
      buffer_.erase(0, start);
    }
    if (final) builder_.finish(out);
  }

 private:
  void add_line(std::string_view line, std::vector<Entry>& out) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_object() || !entry.contains("MESSAGE")) return;
    std::int64_t time_ns = 0;
    try {
      time_ns = std::stoll(entry.value("__REALTIME_TIMESTAMP", "0")) * 1000;
    } catch (const std::exception&) {
      time_ns = 0;
    }
    bool is_stderr = entry.value("PRIORITY", "6") == "3";
    bool partial = entry.value("CONTAINER_PARTIAL_MESSAGE", "") == "true";
    builder_.add(format_rfc3339_nano(time_ns), time_ns, is_stderr, partial,
                 journal_message(entry["MESSAGE"]), out);
  }

  pid_t pid_ = -1;
  os::Fd read_end_;
  std::string buffer_;
  EntryBuilder builder_;
};

}  // namespace

std::unique_ptr<Source> open_file_source(const std::string& path) {
  return std::make_unique<FileSource>(path);
}

std::unique_ptr<Source> open_journal_source(const std::string& id, bool follow) {
  return std::make_unique<JournalSource>(id, follow);
}

bool may_write_more(Context& ctx, const std::string& id) {
  auto record = ctx.db().get_container(id);
  if (!record) return false;
  refresh(ctx, *record);
  if (record->status == "running" || record->status == "paused") return true;
  if (record->status != "exited" && record->status != "stopped") return false;
  if (record->stopped_by_user) return false;
  auto config = nlohmann::json::parse(record->config).get<ContainerConfig>();
  const auto& policy = config.restart_policy;
  bool restarts = policy == "always" || policy == "unless-stopped" ||
                  (policy == "on-failure" && record->exit_code != 0);
  // NOTE: on-failure:N cannot tell from the record whether its last retry
  // is spent, so a follower waits out the grace period then.
  return restarts && now_ns() - record->finished_ns < kRestartGraceNs;
}

}  // namespace berth::container::log_reader
