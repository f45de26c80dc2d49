#include "container/logs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <limits>

#include "common/error.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "os/file.hpp"

namespace berth::container {

namespace {

// Bytes read from the log file at a time, and output buffered per stream.
constexpr std::size_t kReadBlock = 1 << 20;
constexpr std::size_t kWriteBuffer = 1 << 20;

// One record of the log, pointing into the read buffer.
struct LogLine {
  std::string_view timestamp;
  bool is_stderr = false;
  bool partial = false;
  std::string_view text;
};

std::optional<LogLine> parse_line(std::string_view line) {
  auto first = line.find(' ');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto third = line.find(' ', second + 1);
  LogLine out;
  out.timestamp = line.substr(0, first);
  out.is_stderr = line.substr(first + 1, second - first - 1) == "stderr";
  std::string_view tag = line.substr(second + 1, third == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : third - second - 1);
  out.partial = tag == "P";
  if (third != std::string_view::npos) out.text = line.substr(third + 1);
  return out;
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
    if (options_.timestamps && !in_partial_) {
      buffer_ += line.timestamp;
      buffer_ += ' ';
    }
    buffer_ += line.text;
    if (!line.partial) buffer_ += '\n';
    in_partial_ = line.partial;
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
  bool in_partial_ = false;
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

}  // namespace

void write_logs(Context& ctx, const state::ContainerRecord& record, const LogOptions& options,
                int stdout_fd, int stderr_fd) {
  std::string path = ctx.paths().log_file(record.id);
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
  if (!options.follow) return;

  for (;;) {
    bool running = false;
    if (auto fresh = ctx.db().get_container(record.id)) {
      refresh(ctx, *fresh);
      running = fresh->status == "running";
    }
    if (!fd && os::path_exists(path)) fd = os::open_file(path, O_RDONLY);
    off_t before = offset;
    if (fd) {
      offset = for_each_line(fd.get(), offset, [&](std::string_view raw, off_t) {
        auto line = parse_line(raw);
        if (line && printer.wanted(*line)) printer.print(*line);
      });
    }
    printer.flush();
    if (!running && offset == before) return;
    if (offset == before) ::usleep(100'000);
  }
}

}  // namespace berth::container
