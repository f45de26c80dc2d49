#pragma once

#include <functional>
#include <string>

#include "container/context.hpp"

namespace berth::container {

// The event a wait waits for, named as in the REST API's `condition`.
enum class WaitCondition {
  kNotRunning,  // the container has no process (returns at once if so)
  kNextExit,    // the container's process exits after the wait began
  kRemoved,     // the container is gone
};

// Waits for condition on container id and returns its latest exit code
// (for kRemoved of a --rm container, the code its cleanup kept). Between
// polls it calls keep_going, when given, and throws Error{kUnavailable}
// once that returns false (the REST client hung up).
int wait_for(Context& ctx, const std::string& id, WaitCondition condition,
             const std::function<bool()>& keep_going = {});

}  // namespace berth::container
