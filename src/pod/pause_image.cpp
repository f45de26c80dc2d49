// Pods: the pause image's layer.

#include "pod/pause_image.hpp"

#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/tar_writer.hpp"

namespace berth::pod {

void write_pause_layer(const std::string& catatonit_path, int fd) {
  auto binary = os::read_file_if_exists(catatonit_path);
  if (!binary) {
    fail(ErrorCode::kNotFound,
         "building the pause image: \"{}\" does not exist: install catatonit or give --infra-image",
         catatonit_path);
  }
  storage::TarWriter tar([fd](std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(errno, "writing the pause image layer");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  });
  storage::TarWriterEntry entry;
  entry.path = "catatonit";
  entry.permissions = 0755;
  entry.size = binary->size();
  tar.write_header(entry);
  tar.write_data(*binary);
  tar.finish();
}

}  // namespace berth::pod
