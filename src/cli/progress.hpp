#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace berth::cli {

// Returns the first 12 hex digits of a digest, as progress lines show it.
std::string short_hex(const std::string& digest);

// Per-layer progress bars redrawn in place on a terminal: one line per
// layer download, "Copying blob <id> [====>    ] 1.2MiB / 3.4MiB", kept as
// "Copying blob <id> done" when it ends. Other lines must go through
// print_line, so that a redraw never overwrites them.
class ProgressBars {
 public:
  explicit ProgressBars(int fd) : fd_(fd) {}
  // Updates (or adds) the bar of digest; redraws at most every 100 ms.
  void update(const std::string& digest, std::int64_t done, std::int64_t total);
  // Returns whether digest has a bar, so its end is drawn on it.
  bool has(const std::string& digest) const;
  // Ends the bar of digest with "done".
  void finish(const std::string& digest);
  // Draws the bars a last time and prints line below them; later bars start
  // after it.
  void print_line(const std::string& line);

 private:
  struct Bar {
    std::string digest;
    std::int64_t done = 0;
    std::int64_t total = 0;
    bool finished = false;
  };
  void redraw();

  int fd_;
  std::vector<Bar> bars_;
  int drawn_lines_ = 0;  // lines of bars_ on the screen, ending at the cursor
  std::chrono::steady_clock::time_point last_draw_{};
};

// Prints pull progress to stderr in Podman's plain-line form; prints
// nothing when quiet. When stderr is a terminal, layer downloads show as
// progress bars (see ProgressBars) instead.
class StderrPullProgress : public engine::PullProgress {
 public:
  explicit StderrPullProgress(bool quiet);
  void trying(const std::string& reference) override;
  void resolved_short_name(const std::string& description) override;
  // Lists the candidates on stdout, reads the number of one from stdin and
  // returns its index (defined in short_name_prompt.cpp). Returns nullopt
  // unless stdin and stdout are both terminals. Throws
  // Error{kInvalidArgument} when the input ends or Ctrl-C interrupts it.
  std::optional<std::size_t> choose_short_name(const std::string& short_name,
                                               const std::vector<std::string>& candidates) override;
  void copying_blob(const std::string& digest, bool already_exists) override;
  void copying_config(const std::string& digest) override;
  void writing_manifest() override;
  void blob_progress(const std::string& digest, std::int64_t done, std::int64_t total) override;
  // Trust: push --sign-by (defined in trust.cpp).
  void signing_manifest() override;
  void storing_signatures() override;

 private:
  // Prints one line, above the progress bars when there are any.
  void print(const std::string& line);
  void print_signatures_line();

  bool quiet_;
  bool signatures_printed_ = false;
  std::optional<ProgressBars> bars_;  // set when stderr is a terminal
};

// Transfers: the --retry and --retry-delay flags of pull and push.
struct RetryFlags {
  std::string retry;        // "" when not given
  std::string retry_delay;  // a Go duration, "" when not given
};

// Adds --retry and --retry-delay to app.
void add_retry_flags(CLI::App& app, RetryFlags& flags);

// Parses flags into retry and retry_delay_ms, leaving them unset for flags
// not given. Throws Error{kInvalidArgument} for a value that is not a
// non-negative number or a Go duration.
void apply_retry_flags(const RetryFlags& flags, std::optional<int>& retry,
                       std::optional<std::int64_t>& retry_delay_ms);

// Adds the registry flags shared by pull, run and create to app.
void add_registry_flags(CLI::App& app, engine::PullRequest& request, std::string& creds,
                        std::string& tls_verify);

// Applies --creds and --tls-verify values to request.
void apply_registry_flags(engine::PullRequest& request, const std::string& creds,
                          const std::string& tls_verify);

// The registry flags of commands that talk to a registry without pulling
// (push, search, manifest): --tls-verify, --authfile, --cert-dir and,
// when asked for, --creds.
struct AccessFlags {
  std::string creds;
  std::string tls_verify;
  std::string cert_dir;
  std::string authfile;

  void add_to(CLI::App& cmd, bool with_creds = true);
  // Returns the parsed values. Throws Error{kInvalidArgument} for a bad
  // --creds or --tls-verify value.
  engine::RegistryAccess access() const;
};

}  // namespace berth::cli
