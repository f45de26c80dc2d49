#pragma once

// Running the per-blob work of a pull or push on several threads, each with
// its own registry client.

#include <atomic>
#include <cstddef>
#include <functional>

#include "image/registry_client.hpp"

namespace berth::engine {

// Runs job(client, index) once for every index below count, on up to
// `parallel` threads. Each extra thread gets its own clone of client, and
// the calling thread works with client itself. After the first failure no
// new job starts, and `failed` turns true so that running jobs can stop
// early. That failure is rethrown once all threads have finished.
void run_registry_jobs(
    image::RegistryClient& client, std::size_t count, unsigned parallel,
    const std::function<void(image::RegistryClient& client, std::size_t index)>& job,
    std::atomic<bool>& failed);

}  // namespace berth::engine
