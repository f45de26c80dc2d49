// export writes a container's whole file system as one tar; import makes a
// one-layer image of such a tar.

#include <archive.h>

#include <memory>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "engine/local_image.hpp"
#include "engine/scratch_dir.hpp"
#include "engine/tag.hpp"
#include "events/events.hpp"
#include "image/config_change.hpp"
#include "image/platform.hpp"
#include "os/file.hpp"
#include "storage/diff_tar.hpp"
#include "storage/hashing_writer.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

namespace {

using nlohmann::json;

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

std::string archive_message(archive* reader) {
  const char* message = archive_error_string(reader);
  return message ? message : "unknown error";
}

// Reads input_fd to its end, decompressing gzip, xz, bzip2 or zstd (plain
// data is copied), and writes the result to the new file path. Returns the
// written stream's digest and size. Throws Error{kInvalidArgument} naming
// source for a corrupt or empty stream.
LayerTar decompress_to_file(int input_fd, const std::string& path, const std::string& source) {
  ArchivePtr reader(archive_read_new(), archive_read_free);
  if (!reader) fail(ErrorCode::kInternal, "allocating a libarchive reader failed");
  // Only built-in decompressors: filter_all would also run external programs.
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_xz(reader.get());
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_filter_zstd(reader.get());
  archive_read_support_format_raw(reader.get());
  auto invalid = [&](const std::string& what) {
    fail(ErrorCode::kInvalidArgument,
         "reading \"{}\": {}: expected a tar archive, plain or "
         "compressed with gzip, xz, bzip2 or zstd",
         source, what);
  };
  constexpr std::size_t kBlockSize = 1024 * 1024;
  if (archive_read_open_fd(reader.get(), input_fd, kBlockSize) != ARCHIVE_OK) {
    invalid(archive_message(reader.get()));
  }
  archive_entry* entry = nullptr;
  int status = archive_read_next_header(reader.get(), &entry);
  if (status == ARCHIVE_EOF) invalid("the input is empty");
  if (status != ARCHIVE_OK) invalid(archive_message(reader.get()));

  auto output = os::open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  storage::HashingWriter writer(output.get());
  std::string buffer(kBlockSize, '\0');
  for (;;) {
    la_ssize_t n = archive_read_data(reader.get(), buffer.data(), buffer.size());
    if (n < 0) invalid(archive_message(reader.get()));
    if (n == 0) break;
    writer.write({buffer.data(), static_cast<std::size_t>(n)});
  }
  writer.flush();
  if (writer.total() == 0) invalid("the input is empty");
  return LayerTar{writer.digest(), static_cast<std::int64_t>(writer.total())};
}

// Returns the platform of an imported image: the host's, with the parts the
// request names replaced. Throws Error{kInvalidArgument} for an invalid one.
image::Platform import_platform(const ImportRequest& request) {
  for (const auto* part : {&request.os, &request.arch, &request.variant}) {
    if (part->find('/') != std::string::npos) {
      fail(ErrorCode::kInvalidArgument,
           "invalid platform part \"{}\": give --os, --arch and --variant without \"/\"", *part);
    }
  }
  auto platform = image::host_platform();
  std::string os = request.os.empty() ? platform.os : request.os;
  std::string arch = request.arch.empty() ? platform.architecture : request.arch;
  std::string text = os + "/" + arch;
  if (!request.variant.empty()) {
    text += "/" + request.variant;
  } else if (request.arch.empty() && !platform.variant.empty()) {
    text += "/" + platform.variant;
  }
  return with_context("invalid --os, --arch or --variant",
                      [&] { return image::parse_platform(text); });
}

}  // namespace

void LocalEngine::export_container(const std::string& name_or_id, int output_fd) {
  auto record = container::find(ctx_, name_or_id);
  with_context(fmt::format("exporting container {}", record.name), [&] {
    ContainerFileSystem files(ctx_, record.id, true);
    storage::write_diff_tar(files.path(), output_fd);
  });
}

std::string LocalEngine::import_image(const ImportRequest& request, int input_fd,
                                      PullProgress& progress) {
  // Every check comes before the input is read.
  std::string name = request.reference.empty() ? "" : normalize_tag_name(request.reference);
  auto platform = import_platform(request);
  json image_config = json::object();
  image::apply_config_changes(image_config, request.changes);
  check_stop_signal(image_config);
  if (image_config.contains("OnBuild")) {
    spdlog::warn("ONBUILD is not supported for the OCI image format and is left out");
    image_config.erase("OnBuild");
  }
  std::string comment = request.message.empty() ? "imported from tarball" : request.message;

  os::FileLock store_lock(ctx_.paths().root + "/layers.lock", true);
  ScratchDir scratch(ctx_.paths().tmp(), "import");
  std::string tar_path = scratch.path() + "/layer.tar";
  LayerTar tar = decompress_to_file(input_fd, tar_path, request.source);
  with_context(fmt::format("importing \"{}\"", request.source),
               [&] { ctx_.layers().add_from_blob(tar.diff_id, tar_path); });

  std::string created = format_rfc3339_nano(now_ns());
  json config = {{"created", created},
                 {"architecture", platform.architecture},
                 {"os", platform.os},
                 {"config", image_config},
                 {"comment", comment}};
  if (!platform.variant.empty()) config["variant"] = platform.variant;
  std::string hex = tar.diff_id.substr(tar.diff_id.find(':') + 1);
  config["history"] = json::array({{{"created", created},
                                    {"created_by", "/bin/sh -c #(nop) ADD file:" + hex + " in /"},
                                    {"comment", comment}}});

  LocalImage image;
  image.config = std::move(config);
  image.name = name;
  image.diff_ids = {tar.diff_id};
  image::Descriptor blob;
  blob.media_type = std::string(image::media_type::kOciLayer);
  blob.digest = tar.diff_id;
  blob.size = tar.size;
  image.layer_blobs = {blob};
  std::string id = record_local_image(ctx_, image, 1, progress);
  events::write_image(ctx_.db(), "import", id, name);
  return id;
}

}  // namespace berth::engine
