// The short-name prompt: when a short name could mean an image on several
// unqualified-search registries, ask on the terminal which one to pull.
// Podman prompts only when stdin and stdout are both terminals
// (containers-registries.conf(5)), and so does berth. Podman moves a
// cursor with the arrow keys, but berth lists numbered candidates and
// reads a number, so the terminal's own line editing works.

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::cli {

namespace {

// Puts the terminal on fd in canonical mode with echo and signal keys while
// the prompt reads, whatever mode an earlier program left it in, and
// restores the previous mode afterwards.
class LineModeTerminal {
 public:
  explicit LineModeTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &original_) != 0) return;
    termios line_mode = original_;
    line_mode.c_lflag |= ICANON | ECHO | ISIG;
    line_mode.c_iflag |= ICRNL;
    restore_ = ::tcsetattr(fd_, TCSANOW, &line_mode) == 0;
  }
  ~LineModeTerminal() {
    if (restore_) ::tcsetattr(fd_, TCSANOW, &original_);
  }
  LineModeTerminal(const LineModeTerminal&) = delete;
  LineModeTerminal& operator=(const LineModeTerminal&) = delete;

 private:
  int fd_;
  termios original_{};
  bool restore_ = false;
};

volatile sig_atomic_t prompt_interrupted = 0;

// Catches SIGINT (Ctrl-C) while the prompt reads, without SA_RESTART, so
// the blocked read(2) returns EINTR and the pull ends with an error instead
// of the process dying. The previous handler is restored afterwards.
class InterruptCatcher {
 public:
  InterruptCatcher() {
    prompt_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = [](int) { prompt_interrupted = 1; };
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    installed_ = ::sigaction(SIGINT, &action, &previous_) == 0;
  }
  ~InterruptCatcher() {
    if (installed_) ::sigaction(SIGINT, &previous_, nullptr);
  }
  InterruptCatcher(const InterruptCatcher&) = delete;
  InterruptCatcher& operator=(const InterruptCatcher&) = delete;

 private:
  struct sigaction previous_ {};
  bool installed_ = false;
};

enum class LineStatus { kLine, kEndOfInput, kInterrupted };

// Reads one line from fd into line, without its newline. It reads a byte at
// a time so that nothing after the newline is consumed. Input typed ahead
// stays for the next reader of stdin, such as the container of `run -i`.
LineStatus read_line(int fd, std::string& line) {
  line.clear();
  while (true) {
    char c = 0;
    ssize_t n = ::read(fd, &c, 1);
    if (n == 1) {
      if (c == '\n') return LineStatus::kLine;
      line.push_back(c);
      continue;
    }
    if (n == 0) return LineStatus::kEndOfInput;
    if (errno != EINTR) fail_errno(errno, "reading the image choice from stdin");
    if (prompt_interrupted != 0) return LineStatus::kInterrupted;
  }
}

// Returns the 0-based index for a typed choice "1" to "count" (blanks
// around it allowed), or nullopt for anything else.
std::optional<std::size_t> parse_choice(std::string_view text, std::size_t count) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return std::nullopt;
  auto last = text.find_last_not_of(" \t\r");
  std::string_view digits = text.substr(first, last - first + 1);
  if (digits.size() > 9) return std::nullopt;
  std::size_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  if (value < 1 || value > count) return std::nullopt;
  return value - 1;
}

void write_stdout(const std::string& text) {
  std::fflush(stdout);
  os::write_all(STDOUT_FILENO, text);
}

[[noreturn]] void fail_no_choice(const std::string& short_name,
                                 const std::vector<std::string>& candidates,
                                 std::string_view reason) {
  fail(ErrorCode::kInvalidArgument,
       "selecting an image for short name \"{}\": {}; pull a fully qualified name such as "
       "\"{}\", or add an alias for it in registries.conf",
       short_name, reason, candidates.front());
}

}  // namespace

std::optional<std::size_t> StderrPullProgress::choose_short_name(
    const std::string& short_name, const std::vector<std::string>& candidates) {
  if (candidates.empty()) return std::nullopt;
  if (::isatty(STDIN_FILENO) != 1 || ::isatty(STDOUT_FILENO) != 1) return std::nullopt;

  std::string listing = "? Please select an image:\n";
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    listing += fmt::format("  {}) {}\n", i + 1, candidates[i]);
  }
  std::string request = fmt::format("Enter a number from 1 to {}: ", candidates.size());
  write_stdout(listing);

  LineModeTerminal line_mode(STDIN_FILENO);
  InterruptCatcher catcher;
  std::string line;
  while (true) {
    write_stdout(request);
    LineStatus status = read_line(STDIN_FILENO, line);
    if (status == LineStatus::kInterrupted) {
      write_stdout("\n");
      fail_no_choice(short_name, candidates, "interrupted");
    }
    if (status == LineStatus::kEndOfInput) {
      write_stdout("\n");
      fail_no_choice(short_name, candidates, "end of input before a choice");
    }
    if (auto index = parse_choice(line, candidates.size())) return index;
    write_stdout(fmt::format("invalid choice \"{}\": enter a number from 1 to {}\n", line,
                             candidates.size()));
  }
}

}  // namespace berth::cli
