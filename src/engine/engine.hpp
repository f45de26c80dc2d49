#pragma once

// The Engine interface between the command line (and later the REST
// service) and the work. Requests and reports are plain structs; output
// formatting stays with the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "container/config.hpp"
#include "container/logs.hpp"
#include "container/operations.hpp"

namespace berth::engine {

// Receives pull progress; the CLI prints it to stderr like Podman.
class PullProgress {
 public:
  virtual ~PullProgress() = default;
  virtual void trying(const std::string& reference) = 0;
  virtual void copying_blob(const std::string& digest, bool already_exists) = 0;
  virtual void copying_config(const std::string& digest) = 0;
  virtual void writing_manifest() = 0;
};

struct PullRequest {
  std::string reference;
  std::optional<bool> tls_verify;  // nullopt: registries.conf decides
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string cert_dir;
  std::string platform;  // "os/arch[/variant]"; "" for the host's
  // Auth file to read credentials from when username is unset; "" reads
  // the default files (see config::auth_read_sources).
  std::string authfile;
};

// How to reach a registry: TLS, certificates and credentials.
struct RegistryAccess {
  std::optional<bool> tls_verify;  // nullopt: registries.conf decides
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string cert_dir;
  // Auth file to read credentials from when username is unset; "" reads
  // the default files (see config::auth_read_sources).
  std::string authfile;
};

struct PushRequest {
  std::string image;        // local name or ID
  std::string destination;  // reference, "docker://" allowed; "" pushes to image's name
  RegistryAccess access;
  std::string format;                   // "oci", "v2s2"; "" keeps the pulled manifest type
  std::string compression_format = "gzip";  // "gzip" or "zstd"
};

struct ImageSummary {
  std::string id;
  std::vector<std::string> names;
  std::vector<std::string> repo_digests;
  std::string digest;
  std::int64_t created_ns = 0;
  std::int64_t size = 0;
};

struct ImageRemoveReport {
  std::vector<std::string> untagged;
  std::vector<std::string> deleted;
};

// The options of `create` and `run`. Unset optionals keep the image's
// values.
struct CreateRequest {
  std::string image;
  std::string name;
  std::vector<std::string> command;  // overrides the image's Cmd
  std::optional<std::string> entrypoint;  // a command, or a JSON array
  std::vector<std::string> env;       // KEY=VALUE, or KEY to copy from the caller
  std::vector<std::string> env_files;
  std::optional<std::string> working_dir;
  std::optional<std::string> user;
  std::string hostname;
  bool tty = false;
  bool interactive = false;
  bool remove = false;
  std::string network = "bridge";
  std::vector<std::string> publish;  // -p values
  std::vector<std::string> volumes;  // -v values
  std::string pull_policy = "missing";
  std::optional<std::string> stop_signal;
  std::optional<int> stop_timeout;
  std::vector<std::string> security_opts;  // --security-opt values
  PullRequest pull;  // registry options for an implicit pull
};

struct ContainerSummary {
  std::string id;
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::int64_t created_ns = 0;
  std::string status;
  std::int64_t exit_code = 0;
  std::int64_t started_ns = 0;
  std::int64_t finished_ns = 0;
  std::vector<container::PublishedPort> ports;
  std::int64_t pid = 0;
  std::string image_id;
  bool auto_remove = false;                  // --rm
  nlohmann::json labels = nlohmann::json::object();
  std::vector<std::string> mounts;    // volume destinations
  std::vector<std::string> networks;  // network names; empty for host and none
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Images.
  // Pulls an image and returns its ID.
  virtual std::string pull(const PullRequest& request, PullProgress& progress) = 0;
  // Pushes a local image to a registry and returns the pushed manifest's
  // digest. progress receives the same calls as for a pull, except trying().
  virtual std::string push(const PushRequest& request, PullProgress& progress) = 0;
  virtual std::vector<ImageSummary> list_images() = 0;
  virtual nlohmann::json inspect_image(const std::string& name_or_id) = 0;
  virtual ImageRemoveReport remove_image(const std::string& name_or_id, bool force) = 0;
  virtual bool image_exists(const std::string& name_or_id) = 0;
  // Adds names to a local image. Each name is normalized (see
  // normalize_tag_name); a name another image has moves to this one. Throws
  // Error{kInvalidArgument} for an invalid name, before any change.
  virtual void tag_image(const std::string& name_or_id, const std::vector<std::string>& names) = 0;
  // Removes names from a local image, every name when names is empty, and
  // returns the names removed. The image stays even without names. Throws
  // Error{kNotFound} when the image lacks one of the names, before any change.
  virtual std::vector<std::string> untag_image(const std::string& name_or_id,
                                               const std::vector<std::string>& names) = 0;

  // Containers. name_or_id accepts a full ID, a unique ID prefix or a name.
  virtual std::string create(const CreateRequest& request, PullProgress& progress) = 0;
  // Starts a container. options.attach_fd, when not -1, is a connected
  // socket that receives the container's output frames from its first byte.
  virtual void start(const std::string& name_or_id, const container::StartOptions& options) = 0;
  virtual void stop(const std::string& name_or_id, std::optional<int> timeout) = 0;
  virtual void kill(const std::string& name_or_id, const std::string& signal) = 0;
  virtual void remove(const std::string& name_or_id, bool force) = 0;
  virtual int wait(const std::string& name_or_id) = 0;
  virtual std::vector<ContainerSummary> list_containers(bool all) = 0;
  virtual nlohmann::json inspect_container(const std::string& name_or_id) = 0;
  virtual void logs(const std::string& name_or_id, const container::LogOptions& options,
                    int stdout_fd, int stderr_fd) = 0;
  virtual std::vector<std::vector<std::string>> top(const std::string& name_or_id,
                                                    const std::vector<std::string>& descriptors) = 0;
  // Returns the full ID of the latest container (-l).
  virtual std::string latest_container() = 0;
  // Resolves a name or ID prefix to the full ID.
  virtual std::string container_id(const std::string& name_or_id) = 0;
  // Returns the attach socket of a running container.
  virtual std::string attach_socket(const std::string& name_or_id) = 0;
  // The hidden step berth-monitor runs after the container exits, also run
  // by a foreground `run` as soon as it has the exit code. by_monitor
  // leaves deleting the directories to the start's monitor, after the
  // caller has exited (see container::FileRemoval).
  virtual void cleanup(const std::string& id, std::optional<int> exit_code,
                       const std::string& start_token, bool by_monitor = false) = 0;
};

}  // namespace berth::engine
