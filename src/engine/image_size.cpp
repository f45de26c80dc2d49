#include "engine/image_size.hpp"

namespace berth::engine {

std::int64_t image_size(const state::ImageRecord& record, const storage::LayerStore& layers) {
  std::int64_t size = 0;
  for (const auto& diff_id : record.layers) size += layers.size(diff_id);
  size += static_cast<std::int64_t>(record.config.size() + 2 * record.manifest.size());
  return size;
}

}  // namespace berth::engine
