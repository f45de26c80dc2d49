// Remote client: save, load, import, export, commit and image diff through
// the libpod API. Archives are read and written on this host: the service
// streams what it saves or exports, and receives what is loaded or
// imported as the request body.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "engine/remote_engine.hpp"
#include "engine/recorded_progress.hpp"
#include "engine/remote_json.hpp"
#include "os/file.hpp"
#include "storage/archive_unpack.hpp"
#include "storage/diff_tar.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

std::string bool_text(bool value) { return value ? "true" : "false"; }

// An output file on this host that appears complete or not at all: the
// bytes go to a hidden sibling that commit() renames over path. A device
// or FIFO (/dev/null) is written to directly, never renamed over.
class ClientOutputFile {
 public:
  explicit ClientOutputFile(const std::string& path) : path_(path) {
    if (os::is_special_file(path)) {
      fd_ = os::open_file(path, O_WRONLY);
      return;
    }
    temporary_ = path + ".berth-tmp-" + random_id().substr(0, 12);
    fd_ = os::open_file(temporary_, O_WRONLY | O_CREAT | O_EXCL, 0644);
  }
  ClientOutputFile(const ClientOutputFile&) = delete;
  ClientOutputFile& operator=(const ClientOutputFile&) = delete;
  ~ClientOutputFile() {
    if (!temporary_.empty()) ::unlink(temporary_.c_str());
  }

  int fd() const { return fd_.get(); }

  // Flushes the file to disk and renames it to its final path.
  void commit() {
    if (temporary_.empty()) return;
    if (::fsync(fd_.get()) != 0) fail_errno(errno, "writing \"" + temporary_ + "\"");
    if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
      fail_errno(errno, "renaming \"" + temporary_ + "\" to \"" + path_ + "\"");
    }
    temporary_.clear();
  }

 private:
  std::string path_;
  std::string temporary_;  // "" once renamed, or for a special file
  os::Fd fd_;
};

// Streams the body of a GET to fd.
void download(api::Client& client, const std::string& target, int fd) {
  client.stream("GET", target, "", [fd](std::string_view data) {
    os::write_all(fd, data);
    return true;
  });
}

// Streams the body of a save to fd after reporting the progress that
// berth's service sends in a header (Podman's service sends none).
void download_saved(api::Client& client, const std::string& target, int fd,
                    PullProgress& progress) {
  api::OpenReply reply = client.open("GET", target);
  std::string events = reply.header(kProgressHeader);
  if (!events.empty()) replay_progress(json::parse(events, nullptr, false), progress);
  reply.read_body([fd](std::string_view data) {
    os::write_all(fd, data);
    return true;
  });
}

// An anonymous file in /var/tmp for a tar on its way to or from the service.
os::Fd client_temp_file() {
  os::Fd file(::open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!file) fail_errno(errno, "creating a temporary file in /var/tmp");
  return file;
}

void rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) fail_errno(errno, "rewinding a temporary file");
}

// Writes the directory of an oci-dir or docker-dir save on this host from
// the tar the service sends: into a hidden sibling first, renamed to path
// at the end, with the modes a local save gives (0755 directories, 0644
// files). The sibling is removed after an error.
void write_client_directory(const std::string& path, int tar_fd) {
  std::string temporary = path + ".berth-tmp-" + random_id().substr(0, 12);
  try {
    os::make_dirs(temporary, 0755);
    storage::unpack_image_archive(tar_fd, temporary);
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(temporary, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      mode_t mode = it->is_directory() ? 0755 : 0644;
      if (::chmod(it->path().c_str(), mode) != 0) {
        fail_errno(errno, "setting the mode of \"" + it->path().string() + "\"");
      }
    }
    if (ec) fail(ErrorCode::kInternal, "reading \"{}\": {}", temporary, ec.message());
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      fail_errno(errno, "renaming \"" + temporary + "\" to \"" + path + "\"");
    }
  } catch (...) {
    os::remove_all(temporary);
    throw;
  }
}

// The query that passes each item of values as a repeated parameter name,
// "&name=a&name=b".
std::string repeated_query(const char* name, const std::vector<std::string>& values) {
  std::string query;
  for (const auto& value : values) query += std::string("&") + name + "=" + escape(value);
  return query;
}

// Runs send and rethrows its error with local_prefix in place of
// service_prefix: the service read a request body, so its message names
// stdin where the local command names the user's file.
template <typename Send>
auto naming_input(const std::string& service_prefix, const std::string& local_prefix, Send send) {
  try {
    return send();
  } catch (const Error& e) {
    std::string message = e.what();
    if (local_prefix == service_prefix || !message.starts_with(service_prefix)) throw;
    throw Error(e.code(), local_prefix + message.substr(service_prefix.size()));
  }
}

}  // namespace

void RemoteEngine::save(const SaveRequest& request, int output_fd, PullProgress& progress) {
  bool directory = request.format == "oci-dir" || request.format == "docker-dir";
  if (request.images.empty()) {
    fail(ErrorCode::kInvalidArgument, "image save: give at least one image name or ID");
  }
  std::string options =
      "format=" + escape(request.format) + "&compress=" + bool_text(request.compress);
  std::string target;
  if (request.multi_image || request.images.size() == 1) {
    target = libpod("/images/export?" + options) + repeated_query("references", request.images);
  } else {
    // One image with extra names, which become tags in the archive.
    std::vector<std::string> tags(request.images.begin() + 1, request.images.end());
    target = libpod("/images/" + escape(request.images.front()) + "/get?" + options) +
             repeated_query("tags", tags);
  }
  if (directory) {
    // The directory is written here; the service sends it as a tar. The
    // checks of a local save that concern the output run on this host.
    if (request.output.empty()) {
      fail(ErrorCode::kInvalidArgument, "--format {} writes a directory: name it with -o",
           request.format);
    }
    std::error_code ec;
    if (std::filesystem::exists(request.output, ec) &&
        !(std::filesystem::is_directory(request.output, ec) &&
          std::filesystem::is_empty(request.output, ec))) {
      fail(ErrorCode::kAlreadyExists,
           "output \"{}\" already exists: remove it or name another directory with -o",
           request.output);
    }
    os::Fd tar = client_temp_file();
    download_saved(client_, target, tar.get(), progress);
    rewind(tar.get());
    write_client_directory(request.output, tar.get());
    return;
  }
  if (request.output.empty()) {
    download_saved(client_, target, output_fd, progress);
    return;
  }
  ClientOutputFile file(request.output);
  download_saved(client_, target, file.fd(), progress);
  file.commit();
}

std::vector<std::string> RemoteEngine::load(const std::string& input, int input_fd,
                                            PullProgress& progress) {
  os::Fd file;
  if (!input.empty()) {
    struct stat st;
    if (::stat(input.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      // An oci-dir or docker-dir goes to the service as a tar of the
      // directory, which the service's load unpacks like an archive.
      file = client_temp_file();
      with_context("loading images from \"" + input + "\"",
                   [&] { storage::write_diff_tar(input, file.get()); });
      rewind(file.get());
      input_fd = file.get();
    }
    // The same context as a local load, so a missing file reads the same.
    if (!file) {
      file = with_context("loading images from \"" + input + "\"",
                          [&] { return os::open_file(input, O_RDONLY); });
      input_fd = file.get();
    }
  }
  std::string local_prefix = input.empty() ? "loading images from stdin: "
                                            : "loading images from \"" + input + "\": ";
  api::HttpReply reply = naming_input("loading images from stdin: ", local_prefix, [&] {
    return client_.send_fd("POST", libpod("/images/load"), input_fd, "application/x-tar");
  });
  json body = reply.body.empty() ? json::object() : json::parse(reply.body, nullptr, false);
  if (body.is_object()) replay_progress(body.value(kProgressField, json()), progress);
  return strings_or_empty(body, "Names");
}

std::string RemoteEngine::import_image(const ImportRequest& request, int input_fd,
                                       PullProgress& progress) {
  std::string target = libpod("/images/import?reference=" + escape(request.reference) +
                              "&message=" + escape(request.message));
  target += repeated_query("changes", request.changes);
  if (!request.os.empty()) target += "&os=" + escape(request.os);
  if (!request.arch.empty()) target += "&arch=" + escape(request.arch);
  if (!request.variant.empty()) target += "&variant=" + escape(request.variant);
  api::HttpReply reply =
      naming_input("importing \"-\": ", "importing \"" + request.source + "\": ", [&] {
        return client_.send_fd("POST", target, input_fd, "application/x-tar");
      });
  json body = reply.body.empty() ? json::object() : json::parse(reply.body, nullptr, false);
  if (body.is_object()) replay_progress(body.value(kProgressField, json()), progress);
  return strip_sha256(string_or_empty(body, "Id"));
}

void RemoteEngine::export_container(const std::string& name_or_id, int output_fd) {
  download(client_, container_path(name_or_id, "export"), output_fd);
}

std::string RemoteEngine::commit(const CommitRequest& request, PullProgress& progress) {
  std::string target = libpod("/commit?container=" + escape(request.container));
  // The service splits the name into repo and tag again; the whole name in
  // repo keeps a registry port or a digest intact.
  if (!request.image.empty()) target += "&repo=" + escape(request.image);
  target += "&comment=" + escape(request.message) + "&author=" + escape(request.author);
  target += "&format=" + escape(request.format) + "&pause=" + bool_text(request.pause);
  target += "&squash=" + bool_text(request.squash);
  target += repeated_query("changes", request.changes);
  json reply = client_.send_json("POST", target);
  if (reply.is_object()) replay_progress(reply.value(kProgressField, json()), progress);
  return strip_sha256(string_or_empty(reply, "Id"));
}

std::vector<ImageChange> RemoteEngine::image_diff(const std::string& name_or_id) {
  json reply = client_.send_json("GET", libpod("/images/" + escape(name_or_id) + "/changes"));
  return changes_from_reply(reply);
}

std::vector<ImageChange> RemoteEngine::image_diff(const std::string& name_or_id,
                                                  const std::string& base) {
  json reply = client_.send_json(
      "GET", libpod("/images/" + escape(name_or_id) + "/changes?parent=" + escape(base)));
  return changes_from_reply(reply);
}

}  // namespace berth::engine
