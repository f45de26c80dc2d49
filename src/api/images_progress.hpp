#pragma once

// Progress of image transfers sent to REST clients as streamed JSON
// lines: Docker's {"status", "progressDetail", "id"} lines for the compat
// API and Podman's {"stream": "text\n"} lines for the libpod API.

#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace berth::api {

class Exchange;

// Writes one JSON document per line to a response that the caller has
// begun streaming. Safe to call from several threads: layer downloads
// report from their own threads.
class JsonLineStream {
 public:
  explicit JsonLineStream(Exchange& exchange) : exchange_(exchange) {}
  // Returns false once the client has gone.
  bool write(const nlohmann::ordered_json& line);

 private:
  Exchange& exchange_;
  std::mutex mutex_;  // guards writes to exchange_
};

// Docker's progress messages for a pull or a push: one line per layer
// state change, and "Downloading" or "Pushing" lines with byte counts.
class CompatProgress : public engine::PullProgress {
 public:
  enum class Direction { kPull, kPush };
  CompatProgress(JsonLineStream& out, Direction direction) : out_(out), direction_(direction) {}

  void trying(const std::string& reference) override;
  void copying_blob(const std::string& digest, bool already_exists) override;
  void copying_config(const std::string&) override {}
  void writing_manifest() override {}
  void blob_progress(const std::string& digest, std::int64_t done, std::int64_t total) override;

 private:
  JsonLineStream& out_;
  Direction direction_;
  std::mutex mutex_;  // guards last_percent_
  // The last percentage sent per layer, so that a download sends at most
  // one line per 2% step.
  std::map<std::string, std::int64_t> last_percent_;
};

// Podman's progress text, the lines `podman pull` prints, each as
// {"stream": "line\n"}. With quiet nothing is sent.
class LibpodProgress : public engine::PullProgress {
 public:
  LibpodProgress(JsonLineStream& out, bool quiet) : out_(out), quiet_(quiet) {}

  void trying(const std::string& reference) override;
  void resolved_short_name(const std::string& description) override;
  void copying_blob(const std::string& digest, bool already_exists) override;
  void copying_config(const std::string& digest) override;
  void writing_manifest() override;
  void signing_manifest() override;
  void storing_signatures() override;

 private:
  void line(const std::string& text);
  // Sends "Getting image source signatures" before the first blob, as
  // Podman does.
  void signatures_line();

  JsonLineStream& out_;
  bool quiet_;
  std::mutex mutex_;  // guards signatures_sent_
  bool signatures_sent_ = false;
};

// Discards all progress (quiet loads and saves).
class SilentProgress : public engine::PullProgress {
 public:
  void trying(const std::string&) override {}
  void copying_blob(const std::string&, bool) override {}
  void copying_config(const std::string&) override {}
  void writing_manifest() override {}
};

// The first 12 hex digits of a digest ("sha256:abc..." gives "abc...").
std::string short_digest(const std::string& digest);

// Docker's progress bar for a byte count: "[=====>      ]  1.2MB/3.4MB".
std::string compat_progress_bar(std::int64_t done, std::int64_t total);

}  // namespace berth::api
