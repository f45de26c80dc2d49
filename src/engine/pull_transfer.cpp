// Fetching the layers of a pull on up to N threads, each downloading a blob
// and extracting it into the layer store.

#include "engine/pull_transfer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "config/containers_conf.hpp"
#include "engine/registry_jobs.hpp"

namespace berth::engine {

namespace {

// One blob to fetch and the manifest positions that list it.
struct LayerJob {
  const image::Descriptor* blob;
  const std::string* diff_id;
  std::size_t count = 1;  // how many times the manifest lists the blob
};

// The state the worker threads share.
class Transfer {
 public:
  Transfer(const std::string& repository, storage::LayerStore& store,
           const std::string& download_dir, std::vector<LayerJob> jobs, PullProgress& progress)
      : repository_(repository),
        store_(store),
        download_dir_(download_dir),
        jobs_(std::move(jobs)),
        progress_(progress) {}

  // Fetches and extracts the job at index.
  void run(image::RegistryClient& client, std::size_t index) { run_job(client, jobs_[index]); }

  std::size_t job_count() const { return jobs_.size(); }
  std::atomic<bool>& failed() { return failed_; }

 private:
  void run_job(image::RegistryClient& client, const LayerJob& job) {
    const image::Descriptor& blob = *job.blob;
    std::string blob_path = download_dir_ + "/" + Digest::parse(blob.digest).hex;
    with_context(fmt::format("fetching blob {}", blob.digest), [&] {
      report_bytes(blob, 0);
      client.get_blob_to_file(repository_, blob, blob_path, [&](std::int64_t done) {
        // Throwing from here aborts this download once another one failed.
        if (failed_) fail(ErrorCode::kUnavailable, "stopped after another layer failed");
        report_bytes(blob, done);
      });
    });
    with_context(fmt::format("extracting layer {}", blob.digest),
                 [&] { store_.add_from_blob(*job.diff_id, blob_path); });
    ::unlink(blob_path.c_str());
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < job.count; ++i) progress_.copying_blob(blob.digest, false);
  }

  void report_bytes(const image::Descriptor& blob, std::int64_t done) {
    std::lock_guard lock(mutex_);
    progress_.blob_progress(blob.digest, done, blob.size);
  }

  const std::string& repository_;
  storage::LayerStore& store_;
  const std::string& download_dir_;
  const std::vector<LayerJob> jobs_;
  PullProgress& progress_;  // guarded by mutex_

  std::atomic<bool> failed_{false};
  std::mutex mutex_;
};

// Returns the blobs to fetch in manifest order, once each, and reports the
// layers the store already has as skipped.
std::vector<LayerJob> plan_jobs(const std::vector<image::Descriptor>& layers,
                                const std::vector<std::string>& diff_ids,
                                const storage::LayerStore& store, PullProgress& progress) {
  std::vector<LayerJob> jobs;
  std::map<std::string, std::size_t> job_of_digest;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (store.has(diff_ids[i])) {
      progress.copying_blob(layers[i].digest, true);
      continue;
    }
    auto [it, added] = job_of_digest.emplace(layers[i].digest, jobs.size());
    if (!added) {
      ++jobs[it->second].count;
      continue;
    }
    jobs.push_back(LayerJob{&layers[i], &diff_ids[i]});
  }
  return jobs;
}

}  // namespace

void fetch_layers(image::RegistryClient& client, const std::string& repository,
                  const std::vector<image::Descriptor>& layers,
                  const std::vector<std::string>& diff_ids, storage::LayerStore& store,
                  const std::string& download_dir, unsigned parallel, PullProgress& progress) {
  std::vector<LayerJob> jobs = plan_jobs(layers, diff_ids, store, progress);
  if (jobs.empty()) return;
  SPDLOG_DEBUG("fetching {} layers on up to {} threads", jobs.size(), parallel);
  Transfer transfer(repository, store, download_dir, std::move(jobs), progress);
  run_registry_jobs(
      client, transfer.job_count(), parallel,
      [&transfer](image::RegistryClient& own, std::size_t index) { transfer.run(own, index); },
      transfer.failed());
}

unsigned pull_parallel_copies() {
  return config::parallel_copies(config::ContainersConf::load());
}

}  // namespace berth::engine
