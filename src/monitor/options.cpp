// Command line parsing for berth-monitor.

#include <fcntl.h>

#include <cstdlib>
#include <cstring>

#include "monitor.hpp"

namespace monitor {

namespace {

// The usage line, as an error message names the options.
constexpr const char* kUsage =
    "usage: berth-monitor --id ID --runtime PATH --runtime-root DIR --bundle DIR --log PATH "
    "--exit-file PATH --socket PATH --sync-fd N [--attach-fd N] [--cleanup-marker PATH] "
    "[--keep-fd N]... [--remove-when-done PATH]... [--terminal] [--stdin] [--create-only] "
    "[--log-level LEVEL] "
    "[--exec-process PATH [--preserve-fd N]...] [--timer-interval-ms N --timer-arg ARG...] "
    "[--log-driver DRIVER] [--log-size-max BYTES] [--log-tag TAG] [--name NAME] [--stdio-fd N]... "
    "[-- CLEANUP_ARGV...]";

bool parse_fd(const char* text, int& fd) {
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 0 || value > 1 << 20) return false;
  if (::fcntl(static_cast<int>(value), F_GETFD) < 0) return false;
  fd = static_cast<int>(value);
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, Options& options, std::string& message) {
  struct StringOption {
    const char* name;
    std::string* target;
  };
  const StringOption strings[] = {
      {"--id", &options.id},           {"--runtime", &options.runtime},
      {"--runtime-root", &options.runtime_root}, {"--bundle", &options.bundle},
      {"--log", &options.log_path},    {"--exit-file", &options.exit_file},
      {"--socket", &options.socket_path}, {"--cleanup-marker", &options.cleanup_marker},
      {"--exec-process", &options.exec_process},
      // Log driver.
      {"--log-driver", &options.log_driver}, {"--log-tag", &options.log_tag},
      {"--name", &options.name},
  };

  int i = 1;
  for (; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--") == 0) {
      ++i;
      break;
    }
    if (std::strcmp(arg, "--terminal") == 0) {
      options.terminal = true;
      continue;
    }
    if (std::strcmp(arg, "--stdin") == 0) {
      options.stdin_open = true;
      continue;
    }
    if (std::strcmp(arg, "--create-only") == 0) {
      options.create_only = true;
      continue;
    }
    // Every other option takes a value, as "--name value" or "--name=value".
    std::string name = arg;
    std::size_t equals = name.find('=');
    if (equals != std::string::npos) name.resize(equals);
    std::string* target = nullptr;
    for (const auto& option : strings) {
      if (name == option.name) target = option.target;
    }
    if (!target && name != "--sync-fd" && name != "--attach-fd" && name != "--keep-fd" &&
        name != "--preserve-fd" && name != "--remove-when-done" && name != "--log-level" &&
        name != "--timer-interval-ms" && name != "--timer-arg" && name != "--log-size-max" &&
        name != "--stdio-fd") {
      message = "unknown option " + name + "; " + kUsage;
      return false;
    }
    const char* value = nullptr;
    if (equals != std::string::npos) {
      value = arg + equals + 1;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      message = "option " + name + " needs a value; " + kUsage;
      return false;
    }

    if (target) {
      *target = value;
    } else if (name == "--remove-when-done") {
      if (value[0] != '/') {
        message = "invalid --remove-when-done \"" + std::string(value) + "\": it must be an absolute path";
        return false;
      }
      options.remove_when_done.push_back(value);
    } else if (name == "--timer-arg") {
      options.timer_argv.push_back(value);
    } else if (name == "--timer-interval-ms") {
      char* end = nullptr;
      long ms = std::strtol(value, &end, 10);
      if (*value == '\0' || *end != '\0' || ms <= 0) {
        message = "invalid --timer-interval-ms \"" + std::string(value) + "\": it must be a positive number";
        return false;
      }
      options.timer_interval_ms = ms;
    } else if (name == "--log-size-max") {
      char* end = nullptr;
      long long size = std::strtoll(value, &end, 10);
      if (*value == '\0' || *end != '\0') {
        message = "invalid --log-size-max \"" + std::string(value) + "\": it must be a number";
        return false;
      }
      options.log_size_max = size;
    } else if (name == "--stdio-fd") {
      int fd = -1;
      if (!parse_fd(value, fd)) {
        message = "invalid --stdio-fd \"" + std::string(value) + "\": it must be an open file descriptor";
        return false;
      }
      options.stdio_fds.push_back(fd);
    } else if (name == "--keep-fd" || name == "--preserve-fd") {
      int fd = -1;
      if (!parse_fd(value, fd)) {
        message = "invalid " + name + " \"" + value + "\": it must be an open file descriptor";
        return false;
      }
      (name == "--keep-fd" ? options.keep_fds : options.preserve_fds).push_back(fd);
    } else if (name == "--sync-fd" || name == "--attach-fd") {
      int& fd = name == "--sync-fd" ? options.sync_fd : options.attach_fd;
      if (!parse_fd(value, fd)) {
        message = "invalid " + name + " \"" + value + "\": it must be an open file descriptor";
        return false;
      }
    } else {
      options.debug = std::strcmp(value, "debug") == 0 || std::strcmp(value, "trace") == 0;
    }
  }
  for (; i < argc; ++i) options.cleanup_argv.push_back(argv[i]);
  if (!options.cleanup_argv.empty()) options.cleanup_argv.push_back(nullptr);

  const StringOption* missing = nullptr;
  for (const auto& option : strings) {
    // An exec session keeps no log of its own, and only k8s-file writes a file.
    bool optional = option.target == &options.cleanup_marker ||
                    option.target == &options.exec_process ||
                    option.target == &options.log_tag || option.target == &options.name ||
                    (option.target == &options.log_path &&
                     (!options.exec_process.empty() || options.log_driver != "k8s-file"));
    if (option.target->empty() && !optional && !missing) missing = &option;
  }
  if (missing) {
    message = std::string("missing option ") + missing->name + "; " + kUsage;
    return false;
  }
  if (options.timer_interval_ms > 0 && options.timer_argv.empty()) {
    message = std::string("--timer-interval-ms needs --timer-arg; ") + kUsage;
    return false;
  }
  // Log driver.
  const std::string& driver = options.log_driver;
  if (driver != "k8s-file" && driver != "journald" && driver != "none" && driver != "passthrough") {
    message = "invalid --log-driver \"" + driver + "\": use k8s-file, journald, none or passthrough";
    return false;
  }
  if (driver == "passthrough" && options.stdio_fds.size() != 3) {
    message = std::string("--log-driver passthrough needs three --stdio-fd; ") + kUsage;
    return false;
  }
  if (options.sync_fd < 0) {
    message = std::string("missing option --sync-fd; ") + kUsage;
    return false;
  }
  return true;
}

}  // namespace monitor
