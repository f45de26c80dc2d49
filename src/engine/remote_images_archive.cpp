// Remote client: save, load, import, export, commit and image diff through
// the libpod API. Archives are read and written on this host: the service
// streams what it saves or exports, and receives what is loaded or
// imported as the request body.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"
#include "os/file.hpp"

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
  if (request.format == "oci-dir" || request.format == "docker-dir") {
    unsupported("save --format " + request.format);
  }
  if (request.images.empty()) {
    fail(ErrorCode::kInvalidArgument, "image save: give at least one image name or ID");
  }
  if (!request.multi_image && request.images.size() > 1) {
    unsupported("save of one image with extra names");
  }
  std::string target = libpod("/images/export?format=" + escape(request.format) +
                              "&compress=" + bool_text(request.compress)) +
                       repeated_query("references", request.images);
  if (request.output.empty()) {
    download(client_, target, output_fd);
    return;
  }
  ClientOutputFile file(request.output);
  download(client_, target, file.fd());
  file.commit();
}

std::vector<std::string> RemoteEngine::load(const std::string& input, int input_fd,
                                            PullProgress& progress) {
  os::Fd file;
  if (!input.empty()) {
    struct stat st;
    if (::stat(input.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      unsupported("load of an image directory");
    }
    // The same context as a local load, so a missing file reads the same.
    file = with_context("loading images from \"" + input + "\"",
                        [&] { return os::open_file(input, O_RDONLY); });
    input_fd = file.get();
  }
  std::string local_prefix = input.empty() ? "loading images from stdin: "
                                            : "loading images from \"" + input + "\": ";
  api::HttpReply reply = naming_input("loading images from stdin: ", local_prefix, [&] {
    return client_.send_fd("POST", libpod("/images/load"), input_fd, "application/x-tar");
  });
  json body = reply.body.empty() ? json::object() : json::parse(reply.body, nullptr, false);
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
