#pragma once

#include <string>
#include <string_view>

namespace berth::engine {

// Normalizes a name given to `tag` or `untag` the way Podman stores it:
// "registry/repository:tag". A name without a registry gets "localhost/",
// a name without a tag gets ":latest", and docker.io names of one component
// get "library/". Throws Error{kInvalidArgument} naming the text when it is
// not a valid reference or carries a digest, because a name cannot pin one.
std::string normalize_tag_name(std::string_view text);

}  // namespace berth::engine
