// Pull progress on a terminal, and the --retry flags of pull and push.

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "config/go_duration.hpp"
#include "os/file.hpp"

namespace berth::cli {

namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

// Formats a byte count as the bars of Podman do: "512b", "1.5KiB", "3.4MiB".
std::string human_bytes(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + "b";
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f}{}", value, kUnits[unit]);
}

// The terminal's width, or 80 when it cannot be read.
int terminal_width(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

std::string short_hex(const std::string& digest) {
  auto colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

bool ProgressBars::has(const std::string& digest) const {
  return std::any_of(bars_.begin(), bars_.end(),
                     [&](const Bar& bar) { return bar.digest == digest; });
}

void ProgressBars::update(const std::string& digest, std::int64_t done, std::int64_t total) {
  auto it = std::find_if(bars_.begin(), bars_.end(),
                         [&](const Bar& bar) { return bar.digest == digest; });
  if (it == bars_.end()) {
    bars_.push_back(Bar{digest, done, total, false});
    redraw();  // a new layer shows at once
    return;
  }
  it->done = done;
  it->total = total;
  if (std::chrono::steady_clock::now() - last_draw_ >= kRedrawInterval) redraw();
}

void ProgressBars::finish(const std::string& digest) {
  for (Bar& bar : bars_) {
    if (bar.digest == digest) bar.finished = true;
  }
  redraw();
}

void ProgressBars::print_line(const std::string& line) {
  if (!bars_.empty()) redraw();
  // Unfinished bars stay on the screen as they were last drawn; later
  // updates start new lines below this one.
  bars_.clear();
  drawn_lines_ = 0;
  os::write_all(fd_, line + "\n");
}

// NOTE: a line written to stderr by another path (a retry warning from the
// logger) shifts the bars down one line, so the next redraw overwrites it.
void ProgressBars::redraw() {
  // Lines longer than the terminal would wrap and break the count of lines
  // to move up, so each is cut to the width.
  std::size_t width = static_cast<std::size_t>(std::max(terminal_width(fd_) - 1, 20));
  std::string out;
  if (drawn_lines_ > 0) out += fmt::format("\x1b[{}A", drawn_lines_);
  for (const Bar& bar : bars_) {
    std::string line = "Copying blob " + short_hex(bar.digest);
    if (bar.finished) {
      line += " done";
    } else {
      double fraction = bar.total > 0 ? std::clamp(static_cast<double>(bar.done) /
                                                       static_cast<double>(bar.total),
                                                   0.0, 1.0)
                                      : 0.0;
      int filled = static_cast<int>(fraction * kBarWidth);
      std::string gauge(static_cast<std::size_t>(filled), '=');
      if (filled < kBarWidth) gauge += '>';
      gauge.resize(kBarWidth, ' ');
      line += fmt::format(" [{}] {} / {}", gauge, human_bytes(bar.done), human_bytes(bar.total));
    }
    if (line.size() > width) line.resize(width);
    out += "\r\x1b[2K" + line + "\n";
  }
  drawn_lines_ = static_cast<int>(bars_.size());
  last_draw_ = std::chrono::steady_clock::now();
  os::write_all(fd_, out);
}

StderrPullProgress::StderrPullProgress(bool quiet) : quiet_(quiet) {
  if (!quiet_ && ::isatty(STDERR_FILENO) == 1) bars_.emplace(STDERR_FILENO);
}

void StderrPullProgress::blob_progress(const std::string& digest, std::int64_t done,
                                       std::int64_t total) {
  if (quiet_ || !bars_) return;
  print_signatures_line();
  bars_->update(digest, done, total);
}

void StderrPullProgress::print(const std::string& line) {
  if (bars_) {
    bars_->print_line(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void StderrPullProgress::print_signatures_line() {
  if (signatures_printed_) return;
  signatures_printed_ = true;
  print("Getting image source signatures");
}

void add_retry_flags(CLI::App& app, RetryFlags& flags) {
  app.add_option("--retry", flags.retry,
                 "Number of times to retry a failed registry request (default 3)");
  app.add_option("--retry-delay", flags.retry_delay,
                 "Fixed delay between retries, such as 5s (default: 1s, doubling)");
}

void apply_retry_flags(const RetryFlags& flags, std::optional<int>& retry,
                       std::optional<std::int64_t>& retry_delay_ms) {
  if (!flags.retry.empty()) {
    int value = 0;
    const char* end = flags.retry.data() + flags.retry.size();
    auto [last, error] = std::from_chars(flags.retry.data(), end, value);
    if (error != std::errc() || last != end || value < 0) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --retry value \"{}\": use a number of retries, 0 or more", flags.retry);
    }
    retry = value;
  }
  if (!flags.retry_delay.empty()) {
    retry_delay_ms = config::parse_go_duration(flags.retry_delay) / 1'000'000;
  }
}

}  // namespace berth::cli
