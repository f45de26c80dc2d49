#include "container/logs.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <deque>
#include <limits>

#include "common/error.hpp"
#include "common/time.hpp"
#include "common/ids.hpp"
#include "container/log_reader.hpp"
#include "container/operations.hpp"
#include "format/template.hpp"
#include "os/file.hpp"

namespace berth::container {

namespace {

// Bytes read from the log file at a time, and output buffered per stream.
constexpr std::size_t kReadBlock = 1 << 20;
constexpr std::size_t kWriteBuffer = 1 << 20;

using LogLine = log_reader::Record;

std::optional<LogLine> parse_line(std::string_view line) {
  LogLine record;
  if (!log_reader::parse_record(line, record)) return std::nullopt;
  return record;
}

// Writes log lines to the two streams through buffers. The buffer of one
// stream is flushed before the other's is written, so that output sent to
// one place keeps the log's order.
class LogPrinter {
 public:
  LogPrinter(const LogOptions& options, int out, int err)
      : options_(options), out_(out), err_(err) {}
  ~LogPrinter() {
    try {
      flush();
    } catch (const Error&) {
      // The reader went away (a closed pipe), so there is nobody to report to.
    }
  }
  LogPrinter(const LogPrinter&) = delete;
  LogPrinter& operator=(const LogPrinter&) = delete;

  // Whether the line passes --since and --until. The timestamp is parsed
  // only when one of them is set. A line whose time does not parse is
  // skipped then.
  bool wanted(const LogLine& line) const {
    if (!options_.since_ns && !options_.until_ns) return true;
    std::int64_t time_ns = 0;
    try {
      time_ns = parse_rfc3339(line.timestamp);
    } catch (const Error&) {
      return false;
    }
    if (options_.since_ns && time_ns < *options_.since_ns) return false;
    if (options_.until_ns && time_ns > *options_.until_ns) return false;
    return true;
  }

  void print(const LogLine& line) {
    if (line.is_stderr != buffer_is_stderr_) {
      flush();
      buffer_is_stderr_ = line.is_stderr;
    }
    bool& in_partial = in_partial_[line.is_stderr ? 1 : 0];
    if (options_.timestamps && !in_partial) {
      buffer_ += line.timestamp;
      buffer_ += ' ';
    }
    buffer_ += line.text;
    if (!line.partial) buffer_ += '\n';
    in_partial = line.partial;
    if (buffer_.size() >= kWriteBuffer) flush();
  }

  void flush() {
    if (buffer_.empty()) return;
    std::string data = std::move(buffer_);
    buffer_.clear();
    os::write_all(buffer_is_stderr_ ? err_ : out_, data);
  }

 private:
  const LogOptions& options_;
  int out_;
  int err_;
  bool in_partial_[2] = {false, false};  // per stream: a line's first part was printed
  bool buffer_is_stderr_ = false;
  std::string buffer_;
};

// Reads fd from offset in blocks and calls on_line(line, start) for every
// complete line, start being the line's offset in the file. Returns the
// offset after the last complete line, so a trailing incomplete line is
// read again by the next call.
template <typename OnLine>
off_t for_each_line(int fd, off_t offset, OnLine&& on_line) {
  std::string block;
  off_t block_start = offset;
  for (;;) {
    std::size_t kept = block.size();
    block.resize(kept + kReadBlock);
    ssize_t n = ::pread(fd, block.data() + kept, kReadBlock, block_start + static_cast<off_t>(kept));
    if (n < 0 && errno == EINTR) {
      block.resize(kept);
      continue;
    }
    if (n < 0) fail_errno(errno, "reading the container log");
    block.resize(kept + static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (;;) {
      const void* newline = std::memchr(block.data() + start, '\n', block.size() - start);
      if (newline == nullptr) break;
      std::size_t end = static_cast<std::size_t>(static_cast<const char*>(newline) - block.data());
      on_line(std::string_view(block).substr(start, end - start),
              block_start + static_cast<off_t>(start));
      start = end + 1;
    }
    block.erase(0, start);
    block_start += static_cast<off_t>(start);
    if (n == 0) return block_start;
  }
}

// Returns the offset of the first line that --tail prints, the start of
// the tail-th last group of matching lines. A partial line belongs to the
// full line that ends it, and a trailing partial line counts as a group.
off_t tail_offset(int fd, const LogPrinter& printer, std::size_t tail) {
  std::deque<off_t> starts;  // the last `tail` group starts
  std::optional<off_t> group_start;
  for_each_line(fd, 0, [&](std::string_view raw, off_t start) {
    auto line = parse_line(raw);
    if (!line || !printer.wanted(*line)) return;
    if (!group_start) group_start = start;
    if (line->partial) return;
    starts.push_back(*group_start);
    group_start.reset();
    if (starts.size() > tail) starts.pop_front();
  });
  if (group_start) {
    starts.push_back(*group_start);
    if (starts.size() > tail) starts.pop_front();
  }
  if (tail == 0) return std::numeric_limits<off_t>::max();
  return starts.empty() ? 0 : starts.front();
}

// How often a follower looks for new output.
constexpr useconds_t kFollowPollUs = 100'000;

// Returns whether the reader of out_fd or err_fd has gone: the write end of
// a pipe or socket whose other end is closed polls as POLLERR or POLLHUP.
// A follower then stops, because nothing it prints would arrive. The REST
// service closes its pipes this way when its client hangs up.
bool reader_gone(int out_fd, int err_fd) {
  pollfd fds[2] = {{out_fd, 0, 0}, {err_fd, 0, 0}};
  if (::poll(fds, 2, 0) <= 0) return false;
  return ((fds[0].revents | fds[1].revents) & (POLLERR | POLLHUP)) != 0;
}

// Follows one k8s-file log from offset, printing new records, until the
// container is removed or stopped for good. A rotation (a new file renamed
// over the path) is followed: the rest of the old file is read first.
void follow_file(Context& ctx, const std::string& id, const std::string& path, os::Fd fd,
                 off_t offset, LogPrinter& printer, int stdout_fd, int stderr_fd) {
  auto print_from = [&](off_t from) {
    return for_each_line(fd.get(), from, [&](std::string_view raw, off_t) {
      auto line = parse_line(raw);
      if (line && printer.wanted(*line)) printer.print(*line);
    });
  };
  for (;;) {
    bool more = log_reader::may_write_more(ctx, id);
    if (!fd && os::path_exists(path)) fd = os::open_file(path, O_RDONLY);
    bool progressed = false;
    if (fd) {
      off_t before = offset;
      offset = print_from(offset);
      progressed = offset != before;
      struct stat named{}, open{};
      bool replaced = ::stat(path.c_str(), &named) == 0 && ::fstat(fd.get(), &open) == 0 &&
                      (named.st_ino != open.st_ino || named.st_dev != open.st_dev);
      bool truncated = !replaced && ::fstat(fd.get(), &open) == 0 && open.st_size < offset;
      if (replaced) fd = os::open_file(path, O_RDONLY);
      if (replaced || truncated) {
        offset = print_from(0);
        progressed = true;
      }
    }
    printer.flush();
    if (!more && !progressed) return;
    if (reader_gone(stdout_fd, stderr_fd)) return;
    if (!progressed) ::usleep(kFollowPollUs);
  }
}

// The fast path for one container with a log file: records are printed
// straight from the read buffer.
void write_file_logs(Context& ctx, const state::ContainerRecord& record, const std::string& path,
                     const LogOptions& options, int stdout_fd, int stderr_fd) {
  LogPrinter printer(options, stdout_fd, stderr_fd);
  os::Fd fd;
  if (os::path_exists(path)) fd = os::open_file(path, O_RDONLY);
  off_t offset = 0;
  if (fd) {
    off_t first = options.tail ? tail_offset(fd.get(), printer, *options.tail) : 0;
    offset = for_each_line(fd.get(), 0, [&](std::string_view raw, off_t start) {
      if (start < first) return;
      auto line = parse_line(raw);
      if (line && printer.wanted(*line)) printer.print(*line);
    });
  }
  printer.flush();
  if (options.follow) {
    follow_file(ctx, record.id, path, std::move(fd), offset, printer, stdout_fd, stderr_fd);
  }
}

// Writes whole entries, each after its container's prefix.
class EntryPrinter {
 public:
  EntryPrinter(const LogOptions& options, int out, int err)
      : options_(options), out_(out), err_(err) {}

  bool wanted(const log_reader::Entry& entry) const {
    if (options_.since_ns && entry.time_ns < *options_.since_ns) return false;
    if (options_.until_ns && entry.time_ns > *options_.until_ns) return false;
    return true;
  }

  void print(const std::string& prefix, const log_reader::Entry& entry) {
    // A line without its newline (the last output of a container) is ended
    // when another line follows, because that line starts with its own prefix.
    if (open_line_) os::write_all(open_line_stderr_ ? err_ : out_, "\n");
    open_line_ = !entry.ends_line;
    open_line_stderr_ = entry.is_stderr;
    std::string& buffer = buffers_[entry.is_stderr ? 1 : 0];
    buffer += prefix;
    if (options_.timestamps) {
      buffer += entry.timestamp;
      buffer += ' ';
    }
    buffer += entry.text;
    if (entry.ends_line) buffer += '\n';
    // Each entry is written at once, so the two streams keep the merged order.
    flush();
  }

  void flush() {
    for (int stream = 0; stream < 2; ++stream) {
      if (buffers_[stream].empty()) continue;
      std::string data = std::move(buffers_[stream]);
      buffers_[stream].clear();
      os::write_all(stream == 1 ? err_ : out_, data);
    }
  }

 private:
  const LogOptions& options_;
  int out_;
  int err_;
  std::string buffers_[2];
  bool open_line_ = false;
  bool open_line_stderr_ = false;
};

struct Followed {
  std::string id;
  std::string prefix;  // "" for one container, else its short ID or name and a space
  std::unique_ptr<log_reader::Source> source;
  bool done = false;  // removed or stopped for good, and read to the end
};

// A batch of entries of several containers, in time order (stable, so one
// container's lines keep their order).
using Batch = std::vector<std::pair<std::size_t, log_reader::Entry>>;

void sort_batch(Batch& batch) {
  std::stable_sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) {
    return a.second.time_ns < b.second.time_ns;
  });
}

// Reads the logs of several containers, or of one in the journal, as
// entries and merges them in time order. --tail applies per container.
void write_merged_logs(Context& ctx, std::vector<Followed>& followed, const LogOptions& options,
                       int stdout_fd, int stderr_fd) {
  EntryPrinter printer(options, stdout_fd, stderr_fd);
  Batch batch;
  for (std::size_t i = 0; i < followed.size(); ++i) {
    std::vector<log_reader::Entry> entries;
    bool final = !options.follow;
    followed[i].source->read_available(entries, final);
    std::erase_if(entries, [&](const auto& entry) { return !printer.wanted(entry); });
    std::size_t skip = 0;
    if (options.tail && entries.size() > *options.tail) skip = entries.size() - *options.tail;
    for (std::size_t k = skip; k < entries.size(); ++k) batch.emplace_back(i, std::move(entries[k]));
  }
  sort_batch(batch);
  for (const auto& [index, entry] : batch) printer.print(followed[index].prefix, entry);
  if (!options.follow) return;

  // journalctl hands over entries a little after they were written, so a
  // follower ends only after a few quiet polls once every container is done.
  // Trailing partial lines are taken from the second such poll on.
  constexpr int kQuietPollsAtEnd = 3;
  int quiet_polls_done = 0;
  for (;;) {
    batch.clear();
    bool all_done = true;
    for (std::size_t i = 0; i < followed.size(); ++i) {
      auto& item = followed[i];
      if (!item.done && !log_reader::may_write_more(ctx, item.id)) item.done = true;
      all_done = all_done && item.done;
      std::vector<log_reader::Entry> entries;
      item.source->read_available(entries, item.done && quiet_polls_done > 0);
      for (auto& entry : entries) {
        if (printer.wanted(entry)) batch.emplace_back(i, std::move(entry));
      }
    }
    sort_batch(batch);
    for (const auto& [index, entry] : batch) printer.print(followed[index].prefix, entry);
    quiet_polls_done = all_done && batch.empty() ? quiet_polls_done + 1 : 0;
    if (quiet_polls_done >= kQuietPollsAtEnd) return;
    if (reader_gone(stdout_fd, stderr_fd)) return;
    if (batch.empty()) ::usleep(kFollowPollUs);
  }
}

}  // namespace

std::string log_file_path(const Paths& paths, const std::string& id, const LogConfig& log) {
  return log.path.empty() ? paths.log_file(id) : log.path;
}

void write_logs(Context& ctx, const std::vector<state::ContainerRecord>& records,
                const LogOptions& options, int stdout_fd, int stderr_fd) {
  std::vector<LogConfig> configs;
  for (const auto& record : records) {
    auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
    if (!config.log.readable()) {
      fail(ErrorCode::kInvalidArgument,
           "this container is using the '{}' log driver, cannot read logs: container {} is not "
           "logging output; use another --log-driver to keep its logs",
           config.log.driver, record.name);
    }
    configs.push_back(config.log);
  }
  if (records.size() == 1 && configs.front().writes_file()) {
    write_file_logs(ctx, records.front(),
                    log_file_path(ctx.paths(), records.front().id, configs.front()), options,
                    stdout_fd, stderr_fd);
    return;
  }
  std::vector<Followed> followed;
  for (std::size_t i = 0; i < records.size(); ++i) {
    Followed item;
    item.id = records[i].id;
    if (records.size() > 1) {
      item.prefix = (options.names ? records[i].name : short_id(records[i].id)) + " ";
    }
    item.source = configs[i].writes_file()
                      ? log_reader::open_file_source(
                            log_file_path(ctx.paths(), records[i].id, configs[i]))
                      : log_reader::open_journal_source(records[i].id, options.follow);
    followed.push_back(std::move(item));
  }
  write_merged_logs(ctx, followed, options, stdout_fd, stderr_fd);
}

std::vector<std::string> monitor_log_args(const Paths& paths, const state::ContainerRecord& record,
                                          const ContainerConfig& config, int first_stdio_fd) {
  const LogConfig& log = config.log;
  std::vector<std::string> args;
  if (log.writes_file()) {
    args = {"--log-driver", "k8s-file", "--log", log_file_path(paths, record.id, log)};
    if (log.max_size > 0) args.insert(args.end(), {"--log-size-max", std::to_string(log.max_size)});
    return args;
  }
  args = {"--log-driver", log.driver};
  if (log.driver == kJournaldDriver) {
    args.insert(args.end(), {"--name", record.name});
    if (!log.tag.empty()) {
      nlohmann::json fields = {{"ID", record.id},
                               {"Name", record.name},
                               {"ImageName", record.image_name},
                               {"ImageID", record.image_id}};
      args.insert(args.end(), {"--log-tag", format::render_template(log.tag, fields)});
    }
  }
  if (log.driver == kPassthroughDriver) {
    for (int i = 0; i < 3; ++i) {
      args.insert(args.end(), {"--stdio-fd", std::to_string(first_stdio_fd + i)});
    }
  }
  return args;
}

std::vector<int> passthrough_fds(const ContainerConfig& config) {
  if (config.log.driver != kPassthroughDriver) return {};
  return {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
}

}  // namespace berth::container
