#pragma once

// Parts of the image routes that the compat file (routes_images.cpp) and
// the libpod file (routes_libpod_images.cpp) share.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/images_json.hpp"
#include "api/router.hpp"
#include "engine/engine.hpp"

namespace berth::api {

class Exchange;

// Every local image with its labels, layers, platform and container count.
std::vector<ImageListItem> collect_image_list(engine::Engine& engine);

// Runs the search of GET images/search: term, limit, filters (stars,
// is-official, is-automated), listTags, tlsVerify and credentials.
std::vector<engine::SearchResult> run_search(Exchange& x);

// The prune request of POST images/prune: `all`, and `filters` where
// dangling=false means all and until and label pass to the engine.
engine::ImagePruneRequest prune_request(Exchange& x);

// Prunes and returns each removed image's ID with its size before removal.
std::vector<std::pair<std::string, std::int64_t>> run_prune(
    Exchange& x, const engine::ImagePruneRequest& request);

// The commit request of POST commit: container, repo and tag (the new
// image's name), comment and author. Throws Error{kInvalidArgument} when
// container is missing.
engine::CommitRequest commit_request(Exchange& x);

// The libpod-only image routes: pull, push, exists, remove, tag, untag,
// load, import, get, changes and commit.
void add_libpod_image_routes(Router& router);

}  // namespace berth::api
