// Streamed progress of pulls and pushes for both APIs.

#include "api/images_progress.hpp"

#include <fmt/format.h>

#include "api/exchange.hpp"
#include "image/reference.hpp"

namespace berth::api {

namespace {

// Docker's decimal units for byte counts in progress bars ("1.2MB").
std::string decimal_size(std::int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  if (unit == 0) return fmt::format("{}B", bytes);
  return fmt::format("{:.3g}{}", value, units[unit]);
}

}  // namespace

bool JsonLineStream::write(const nlohmann::ordered_json& line) {
  std::lock_guard lock(mutex_);
  return exchange_.write_chunk(json_text(line) + "\n");
}

std::string short_digest(const std::string& digest) {
  auto colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

std::string compat_progress_bar(std::int64_t done, std::int64_t total) {
  constexpr int kWidth = 50;
  if (total <= 0) return decimal_size(done);
  std::int64_t filled = std::min<std::int64_t>(kWidth, done * kWidth / total);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  return fmt::format("[{}] {:>8}/{}", bar, decimal_size(done), decimal_size(total));
}

void CompatProgress::trying(const std::string& reference) {
  if (direction_ != Direction::kPull) return;
  // Docker names the repository and the tag being pulled.
  std::string repository = reference;
  std::string tag;
  try {
    auto ref = image::parse_reference(reference).ref;
    repository = ref.repository;
    tag = ref.tag.empty() ? ref.digest : ref.tag;
  } catch (const std::exception&) {
    // The engine reports an invalid reference itself.
  }
  out_.write({{"status", "Pulling from " + repository}, {"id", tag}});
}

void CompatProgress::copying_blob(const std::string& digest, bool already_exists) {
  std::string status;
  if (direction_ == Direction::kPull) {
    status = already_exists ? "Already exists" : "Pull complete";
  } else {
    status = already_exists ? "Layer already exists" : "Pushed";
  }
  out_.write({{"status", status},
              {"progressDetail", nlohmann::ordered_json::object()},
              {"id", short_digest(digest)}});
}

void CompatProgress::blob_progress(const std::string& digest, std::int64_t done,
                                   std::int64_t total) {
  std::int64_t percent = total > 0 ? done * 100 / total : 0;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = last_percent_.try_emplace(digest, percent);
    if (!inserted && percent < it->second + 2 && done != total) return;
    it->second = percent;
  }
  const char* status = direction_ == Direction::kPull ? "Downloading" : "Pushing";
  out_.write({{"status", status},
              {"progressDetail", {{"current", done}, {"total", total}}},
              {"progress", compat_progress_bar(done, total)},
              {"id", short_digest(digest)}});
}

void LibpodProgress::line(const std::string& text) {
  if (quiet_) return;
  out_.write({{"stream", text + "\n"}});
}

void LibpodProgress::signatures_line() {
  {
    std::lock_guard lock(mutex_);
    if (signatures_sent_) return;
    signatures_sent_ = true;
  }
  line("Getting image source signatures");
}

void LibpodProgress::trying(const std::string& reference) {
  line("Trying to pull " + reference + "...");
}

void LibpodProgress::resolved_short_name(const std::string& description) { line(description); }

void LibpodProgress::copying_blob(const std::string& digest, bool already_exists) {
  signatures_line();
  line("Copying blob " + short_digest(digest) +
       (already_exists ? " skipped: already exists" : " done"));
}

void LibpodProgress::copying_config(const std::string& digest) {
  signatures_line();
  line("Copying config " + short_digest(digest) + " done");
}

void LibpodProgress::writing_manifest() { line("Writing manifest to image destination"); }

void LibpodProgress::signing_manifest() { line("Creating signature"); }

void LibpodProgress::storing_signatures() { line("Storing signatures"); }

}  // namespace berth::api
