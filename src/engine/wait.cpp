// wait with a condition, for the REST service.

#include "container/operations.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

int LocalEngine::wait_for(const std::string& name_or_id, container::WaitCondition condition,
                          const std::function<bool()>& keep_going) {
  auto record = container::find(ctx_, name_or_id);
  return container::wait_for(ctx_, record.id, condition, keep_going);
}

}  // namespace berth::engine
