#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace berth::state {

// An image in the local store. The ID is the hex of the config digest, as
// Podman reports it.
struct ImageRecord {
  std::string id;
  std::vector<std::string> names;         // "registry/repository:tag"
  std::string digest;                     // manifest digest "sha256:..."
  std::vector<std::string> repo_digests;  // "registry/repository@sha256:..."
  std::string manifest;                   // manifest JSON as pulled
  std::string manifest_type;              // its media type
  std::string config;                     // image config JSON
  // A manifest list (manifest_type an index type) has no image config.
  // Its config is JSON of the registry reference each instance was added
  // from (see engine/manifest.cpp), and its layers are empty.
  std::vector<std::string> layers;        // diff IDs, base layer first
  std::int64_t created_ns = 0;            // from the config's "created"
  std::int64_t size = 0;                  // bytes of all layers, uncompressed
};

// A container. `config` is the JSON of its creation options, owned by the
// container domain; the state fields change over its life.
struct ContainerRecord {
  std::string id;
  std::string name;
  std::string image_id;
  std::string image_name;
  std::int64_t created_ns = 0;
  std::string config;
  std::string status = "created";  // created, running, stopped, exited
  std::int64_t pid = 0;
  std::int64_t exit_code = 0;
  std::int64_t started_ns = 0;
  std::int64_t finished_ns = 0;
  std::string network;  // JSON of the network attachment, "" when none
  // Restart policies: restarts done since the last start by a user, and
  // whether `stop` (not the process itself) ended the last run.
  std::int64_t restart_count = 0;
  bool stopped_by_user = false;
};

// Volumes: a named volume. Its data lives under ROOT/volumes/NAME/_data.
struct VolumeRecord {
  std::string name;
  std::string driver = "local";
  std::int64_t created_ns = 0;
  std::string labels = "{}";   // JSON object
  std::string options = "{}";  // JSON object of driver options (type, device, o)
  bool anonymous = false;      // made for one container by -v CONTAINER-DIR
  bool needs_copy_up = true;   // the first mount copies the image's content in
  bool needs_chown = true;     // the first mount chowns it to the container's user
};

// Secrets: a secret's record. Its data is kept by the driver (the file
// driver's files under ROOT/secrets/filedriver), never in the database.
struct SecretRecord {
  std::string id;  // 25 hex digits, as Podman's
  std::string name;
  std::string driver = "file";
  std::string driver_options = "{}";  // JSON object
  std::string labels = "{}";          // JSON object
  std::int64_t created_ns = 0;
  std::int64_t updated_ns = 0;
};

// Pods: a pod's record. `config` is the JSON of its creation options,
// owned by the pod domain (src/pod); members point at it by pod ID in
// their container config.
struct PodRecord {
  std::string id;  // 64 hex digits
  std::string name;
  std::int64_t created_ns = 0;
  std::string infra_id;  // "" for a pod without infra container
  std::string config = "{}";
};

// Events: one entry of the event log, as Podman's events report it.
struct EventRecord {
  std::int64_t id = 0;       // row ID, increasing in the order of writing
  std::int64_t time_ns = 0;  // nanoseconds since the Unix epoch
  std::string type;          // container, image, volume, pod, system
  std::string status;        // create, start, died, pull, ...
  std::string object_id;     // container, image or pod ID; "" for volumes
  std::string name;          // container name, image reference or volume name
  std::string image;         // a container's image name
  std::string pod_id;
  std::optional<int> exit_code;  // set for died and exec_died
  std::string attributes = "{}";  // JSON object of strings (labels and more)
};

// The SQLite state database (WAL mode). Safe for many processes at once:
// every write runs in a BEGIN IMMEDIATE transaction and waits on a busy
// database for up to about 60 s.
class Database {
 public:
  // Opens (creating when missing) the database at path and its schema.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs body inside one write transaction; an exception rolls it back.
  void write(const std::function<void()>& body);

  // Images. put_image inserts or replaces by ID and moves each of its names
  // away from any other image that had it.
  void put_image(const ImageRecord& image);
  std::optional<ImageRecord> get_image(const std::string& id);
  std::vector<ImageRecord> list_images();
  void remove_image(const std::string& id);
  // Returns the image ID that carries name, if any.
  std::optional<std::string> image_by_name(const std::string& name);

  // Containers. insert_container throws Error{kAlreadyExists} when the name
  // is taken.
  void insert_container(const ContainerRecord& container);
  void update_container(const ContainerRecord& container);
  // Sets only stopped_by_user, so that a concurrent cleanup's update of the
  // other fields is not overwritten.
  void set_stopped_by_user(const std::string& id, bool stopped);
  std::optional<ContainerRecord> get_container(const std::string& id);
  std::optional<ContainerRecord> container_by_name(const std::string& name);
  std::vector<ContainerRecord> list_containers();
  void remove_container(const std::string& id);
  // rename (database_rename.cpp): gives container id the name new_name.
  // Throws Error{kAlreadyExists} when another container has that name.
  void rename_container(const std::string& id, const std::string& new_name);

  // Volumes. insert_volume throws Error{kAlreadyExists} when the name is
  // taken; list_volumes returns them sorted by name.
  void insert_volume(const VolumeRecord& volume);
  void update_volume(const VolumeRecord& volume);
  std::optional<VolumeRecord> get_volume(const std::string& name);
  std::vector<VolumeRecord> list_volumes();
  void remove_volume(const std::string& name);

  // Secrets (database_secrets.cpp). insert_secret throws
  // Error{kAlreadyExists} when the name is taken; list_secrets returns them
  // sorted by name.
  void insert_secret(const SecretRecord& secret);
  void update_secret(const SecretRecord& secret);
  std::optional<SecretRecord> get_secret(const std::string& id);
  std::optional<SecretRecord> secret_by_name(const std::string& name);
  std::vector<SecretRecord> list_secrets();
  void remove_secret(const std::string& id);

  // Pods (database_pods.cpp). insert_pod throws Error{kAlreadyExists}
  // when the name is taken; list_pods returns them by creation time.
  void insert_pod(const PodRecord& pod);
  void update_pod(const PodRecord& pod);
  std::optional<PodRecord> get_pod(const std::string& id);
  std::optional<PodRecord> pod_by_name(const std::string& name);
  std::vector<PodRecord> list_pods();
  void remove_pod(const std::string& id);

  // Events (database_events.cpp). insert_event appends event and deletes
  // the oldest entries beyond the newest `keep`; it returns the new row ID.
  // list_events returns the entries with a row ID above after_id, oldest
  // first. last_event_id returns 0 when the log is empty.
  std::int64_t insert_event(const EventRecord& event, std::int64_t keep);
  std::vector<EventRecord> list_events(std::int64_t after_id);
  std::int64_t last_event_id();

 private:
  void exec(const char* sql);
  int schema_version();
  static int on_busy(void* unused, int attempts);
  sqlite3* db_ = nullptr;
  int depth_ = 0;  // nesting of write(): inner calls join the outer transaction
};

}  // namespace berth::state
