#include "engine/registry_jobs.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "common/log.hpp"

namespace berth::engine {

void run_registry_jobs(
    image::RegistryClient& client, std::size_t count, unsigned parallel,
    const std::function<void(image::RegistryClient& client, std::size_t index)>& job,
    std::atomic<bool>& failed) {
  if (count == 0) return;
  std::size_t thread_count = std::clamp<std::size_t>(parallel, 1, count);
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr failure;  // guarded by mutex

  auto work = [&](image::RegistryClient& own_client) {
    try {
      for (;;) {
        std::size_t index = next.fetch_add(1);
        if (index >= count || failed) return;
        job(own_client, index);
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  };

  // The clients are made here, so that a failure to make one is thrown
  // before any thread starts.
  std::vector<std::unique_ptr<image::RegistryClient>> clients;
  for (std::size_t i = 1; i < thread_count; ++i) clients.push_back(client.clone());
  std::vector<std::thread> threads;
  try {
    for (auto& extra : clients) threads.emplace_back([&work, &extra] { work(*extra); });
  } catch (const std::system_error& e) {
    // Fewer threads than requested still finish the work.
    spdlog::debug("starting a registry transfer thread: {}", e.what());
  }
  work(client);
  for (std::thread& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace berth::engine
