#pragma once

// Downloading the layers of a pull on several threads.

#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "image/manifest.hpp"
#include "image/registry_client.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

// Adds to store every layer of the manifest that it lacks: downloads the
// blob into download_dir, verifies it and extracts it as diff_ids[i]. Up to
// `parallel` layers are in flight at once. Each thread uses its own clone of
// client, except one that uses client itself. Layers already in
// the store are reported as skipped and never fetched, and a blob listed
// twice is fetched once. progress is called from the worker threads, one
// call at a time.
//
// The first failure stops the others (a download in progress is aborted)
// and is thrown with the context "fetching blob D" or "extracting layer D".
// The layers extracted before it stay in the store, unreferenced, for
// remove_unused_layers; download_dir keeps no finished blob.
void fetch_layers(image::RegistryClient& client, const std::string& repository,
                  const std::vector<image::Descriptor>& layers,
                  const std::vector<std::string>& diff_ids, storage::LayerStore& store,
                  const std::string& download_dir, unsigned parallel, PullProgress& progress);

// Returns the number of layers a pull fetches at once, from containers.conf
// (see config::parallel_copies).
unsigned pull_parallel_copies();

}  // namespace berth::engine
