#include "container/logs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "common/error.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "os/file.hpp"

namespace berth::container {

namespace {

struct LogLine {
  std::string timestamp;
  std::int64_t time_ns = 0;
  bool is_stderr = false;
  bool partial = false;
  std::string text;
};

std::optional<LogLine> parse_line(std::string_view line) {
  auto first = line.find(' ');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto third = line.find(' ', second + 1);
  LogLine out;
  out.timestamp = std::string(line.substr(0, first));
  try {
    out.time_ns = parse_rfc3339(out.timestamp);
  } catch (const Error&) {
    return std::nullopt;
  }
  out.is_stderr = line.substr(first + 1, second - first - 1) == "stderr";
  std::string_view tag = line.substr(second + 1, third == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : third - second - 1);
  out.partial = tag == "P";
  if (third != std::string_view::npos) out.text = std::string(line.substr(third + 1));
  return out;
}

class LogPrinter {
 public:
  LogPrinter(const LogOptions& options, int out, int err)
      : options_(options), out_(out), err_(err) {}

  bool wanted(const LogLine& line) const {
    if (options_.since_ns && line.time_ns < *options_.since_ns) return false;
    if (options_.until_ns && line.time_ns > *options_.until_ns) return false;
    return true;
  }

  void print(const LogLine& line) {
    std::string text;
    if (options_.timestamps && !in_partial_) text = line.timestamp + " ";
    text += line.text;
    if (!line.partial) text += "\n";
    in_partial_ = line.partial;
    os::write_all(line.is_stderr ? err_ : out_, text);
  }

 private:
  const LogOptions& options_;
  int out_;
  int err_;
  bool in_partial_ = false;
};

// Splits data into complete lines; a trailing incomplete line stays in rest.
template <typename OnLine>
void split_lines(std::string& rest, OnLine&& on_line) {
  std::size_t start = 0;
  for (;;) {
    auto end = rest.find('\n', start);
    if (end == std::string::npos) break;
    on_line(std::string_view(rest).substr(start, end - start));
    start = end + 1;
  }
  rest.erase(0, start);
}

}  // namespace

void write_logs(Context& ctx, const state::ContainerRecord& record, const LogOptions& options,
                int stdout_fd, int stderr_fd) {
  std::string path = ctx.paths().log_file(record.id);
  LogPrinter printer(options, stdout_fd, stderr_fd);
  std::string pending = os::read_file_if_exists(path).value_or("");
  off_t offset = static_cast<off_t>(pending.size());

  // The first pass honours --tail, counting full lines (a partial chunk
  // belongs to the full line that ends it).
  std::deque<std::vector<LogLine>> groups;
  std::vector<LogLine> current;
  split_lines(pending, [&](std::string_view raw) {
    auto line = parse_line(raw);
    if (!line || !printer.wanted(*line)) return;
    current.push_back(std::move(*line));
    if (!current.back().partial) {
      groups.push_back(std::move(current));
      current.clear();
      if (options.tail && groups.size() > *options.tail) groups.pop_front();
    }
  });
  if (!current.empty()) {
    // A trailing partial line counts as the last line for --tail.
    groups.push_back(std::move(current));
    if (options.tail && groups.size() > *options.tail) groups.pop_front();
  }
  for (const auto& group : groups) {
    for (const auto& line : group) printer.print(line);
  }
  if (!options.follow) return;

  os::Fd fd;
  char buffer[65536];
  for (;;) {
    bool running = false;
    if (auto fresh = ctx.db().get_container(record.id)) {
      refresh(ctx, *fresh);
      running = fresh->status == "running";
    }
    if (!fd && os::path_exists(path)) fd = os::open_file(path, O_RDONLY);
    std::size_t got = 0;
    while (fd) {
      ssize_t n = ::pread(fd.get(), buffer, sizeof buffer, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending.append(buffer, static_cast<std::size_t>(n));
      offset += n;
      got += static_cast<std::size_t>(n);
    }
    split_lines(pending, [&](std::string_view raw) {
      auto line = parse_line(raw);
      if (line && printer.wanted(*line)) printer.print(*line);
    });
    if (!running && got == 0) return;
    if (got == 0) ::usleep(100'000);
  }
}

}  // namespace berth::container
