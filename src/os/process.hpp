#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace berth::os {

struct ProcessResult {
  int exit_code = 0;      // exit status, or 128+signal when killed
  std::string out;        // captured stdout
  std::string err;        // captured stderr
};

// Runs argv[0] (looked up in PATH) with argv, waits, and returns its exit
// status and captured output. stdin is /dev/null unless input is given.
// Throws Error when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<std::string>& input = std::nullopt);

// Returns the absolute path of program found in PATH, or nullopt.
std::optional<std::string> find_in_path(const std::string& program);

// Returns the path of the running executable (/proc/self/exe) and the
// directory that contains it.
std::string self_path();
std::string self_dir();

}  // namespace berth::os
