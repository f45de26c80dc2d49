#pragma once

// The Engine interface between the command line (and later the REST
// service) and the work. Requests and reports are plain structs; output
// formatting stays with the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "container/config.hpp"
#include "container/exec.hpp"
#include "container/health.hpp"
#include "container/logs.hpp"
#include "container/operations.hpp"
// Lifecycle commands: the counters of `stats`.
#include "container/stats.hpp"
#include "container/wait_condition.hpp"
// The run and create flags of security, resources and /etc files.
#include "engine/host_flags.hpp"
// Volumes: the volume commands' requests and the mount flags.
#include "engine/volume_requests.hpp"
// Secrets: the secret commands' requests and reports.
#include "engine/secret_requests.hpp"
// Networks: the definitions that network ls and inspect show.
#include "network/network_config.hpp"
// Network administration: the network create request.
#include "engine/network_requests.hpp"
// User namespaces: the --userns, --uidmap and --group-add flags.
#include "engine/userns_flags.hpp"
// Events and system commands: their requests and reports, and event entries.
#include <functional>

#include "engine/system_requests.hpp"
// Pods and building images.
#include "engine/build_requests.hpp"
#include "engine/pod_requests.hpp"
#include "state/database.hpp"

namespace berth::engine {

// Receives pull progress; the CLI prints it to stderr like Podman.
class PullProgress {
 public:
  virtual ~PullProgress() = default;
  virtual void trying(const std::string& reference) = 0;
  virtual void copying_blob(const std::string& digest, bool already_exists) = 0;
  virtual void copying_config(const std::string& digest) = 0;
  virtual void writing_manifest() = 0;

  // Short-name resolution with registries.conf.
  // Receives how a short name was resolved, such as
  // `Resolved "app" as an alias (/etc/containers/registries.conf)`.
  virtual void resolved_short_name(const std::string& description) { (void)description; }
  // Asks the user to pick one of the candidates of an ambiguous short name
  // and returns its index, or nullopt when there is no terminal to ask on.
  virtual std::optional<std::size_t> choose_short_name(
      const std::string& short_name, const std::vector<std::string>& candidates) {
    (void)short_name;
    (void)candidates;
    return std::nullopt;
  }

  // Transfers: byte progress of a layer download, called from the thread
  // that downloads it but never from two threads at once. done starts at 0
  // and goes back to 0 when a retry starts the download over; total is the
  // blob's size from the manifest. copying_blob reports the end.
  virtual void blob_progress(const std::string& digest, std::int64_t done, std::int64_t total) {
    (void)digest;
    (void)done;
    (void)total;
  }

  // Trust: push --sign-by creating its signature, then writing it to the
  // lookaside store.
  virtual void signing_manifest() {}
  virtual void storing_signatures() {}
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
  // Transfers: retries of a registry request that failed for a reason that
  // may pass, and the fixed wait between them. Unset takes containers.conf,
  // else 3 retries after 1s, 2s and 4s.
  std::optional<int> retry;
  std::optional<std::int64_t> retry_delay_ms;
  // Trust: the policy.json to enforce (--signature-policy); "" uses the
  // default file (see config::policy_path).
  std::string signature_policy;
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
  // Transfers: as PullRequest::retry and retry_delay_ms.
  std::optional<int> retry;
  std::optional<std::int64_t> retry_delay_ms;
};

struct PushRequest {
  std::string image;        // local name or ID
  std::string destination;  // reference, "docker://" allowed; "" pushes to image's name
  RegistryAccess access;
  std::string format;                   // "oci", "v2s2"; "" keeps the pulled manifest type
  std::string compression_format = "gzip";  // "gzip" or "zstd"
  // --compression-level: gzip 1-9 (zlib's levels), zstd 1-20; unset: the
  // compressor's default (see BlobCompressor).
  std::optional<int> compression_level;
  // Trust: the GnuPG key (fingerprint, key ID or user ID) to sign the pushed
  // manifest with (--sign-by), "" for none; --remove-signatures; and the
  // policy.json the local image is checked against (--signature-policy).
  std::string sign_by;
  bool remove_signatures = false;
  std::string signature_policy;
};

// Trust: one row of `image trust show`.
struct TrustEntry {
  std::string transport;  // "all" for the default, "repository" for docker scopes, else the transport
  std::string name;       // "default", a scope, or "" for a transport's default
  std::string type;       // "accept", "reject", "signed", "sigstoreSigned"
  std::vector<std::string> gpg_ids;  // e-mail addresses of a signedBy requirement's keys
  std::string sigstore;   // the lookaside URL registries.d gives the scope, or ""
};

// Trust: the arguments of `image trust set`.
struct TrustSetRequest {
  std::string policy_path;  // "" for the default policy.json
  std::string scope;        // "default" or REGISTRY[/REPOSITORY]
  std::string type = "signedBy";  // "accept", "reject" or "signedBy"
  std::vector<std::string> pubkeys_files;
};

struct ImageSummary {
  std::string id;
  std::vector<std::string> names;
  std::vector<std::string> repo_digests;
  std::string digest;
  std::int64_t created_ns = 0;
  std::int64_t size = 0;
  // An image without names that another image builds on, such as a build
  // step's image: `images` shows it only with -a, as Podman does.
  bool intermediate = false;
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
  // --init and --init-path ("" finds catatonit, see container::find_init_binary).
  bool init = false;
  std::string init_path;
  std::vector<std::string> security_opts;  // --security-opt values
  // Security, resource, /etc, label and environment flags (host_flags.hpp).
  HostFlags host;
  // Volumes: --mount, --tmpfs, --volumes-from, --read-only.
  MountFlags mount_flags;
  // Restart policy: a --restart value (see container::parse_restart_policy).
  std::string restart;
  // Health check: the --health-* flags (see container::resolve_healthcheck).
  container::HealthFlags health;
  // Secrets: --secret values (see secret::parse_secret_use).
  std::vector<std::string> secrets;
  // Log driver: --log-driver ("" for the containers.conf default) and the
  // --log-opt values (see container::parse_log_config).
  std::string log_driver;
  std::vector<std::string> log_opts;
  // User namespaces and groups: --userns, --uidmap, --gidmap, --subuidname,
  // --subgidname and --group-add (see create_userns.hpp).
  UsernsFlags userns;
  PullRequest pull;  // registry options for an implicit pull
  // Pods: --pod NAME|ID joins the pod's shared namespaces ("" for none).
  std::string pod;
  // Namespaces: --ipc, --uts and --pid, each "" (the default), "host",
  // "private" or "container:NAME|ID".
  std::string ipc;
  std::string uts;
  std::string pid;
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
  // Health check: "starting", "healthy" or "unhealthy" while it runs with a
  // health check, else "".
  std::string health;
  std::int64_t restart_count = 0;  // restarts by the restart policy
  // ps queries: named volumes mounted, for --filter volume=NAME.
  std::vector<std::string> volume_names;
};

// ps --size: the bytes a container wrote (its upper directory) and the
// size of its whole root file system (image plus writes).
struct ContainerSize {
  std::int64_t rw_size = 0;
  std::int64_t rootfs_size = 0;
};

// mount: a container whose root file system is mounted.
struct MountedContainer {
  std::string id;
  std::string name;
  std::string mount_point;
};

// Image queries and prune: reports of history, diff, tree and prune.

// One entry of an image's history, as `image history` lists it.
struct ImageHistoryEntry {
  // The ID of the local image whose top layer this entry made, or
  // "<missing>"; the newest entry always carries the image's own ID.
  std::string id;
  std::int64_t created_ns = 0;  // 0 when the config has no time
  std::string created_by;
  std::vector<std::string> tags;  // names of the image given by id
  std::int64_t size = 0;         // uncompressed tar bytes of its layer, 0 for an empty layer
  std::string comment;
};

// One change of an image's top layer against the layers below it.
struct ImageChange {
  char kind = 'C';  // 'A' added, 'C' changed, 'D' deleted
  std::string path;  // absolute, "/etc/hostname"
};

// A layer in an image tree. id is the layer ID Podman's storage would give
// it (see storage_layer_ids in image_query.hpp).
struct ImageTreeLayer {
  std::string id;
  std::int64_t size = 0;
  std::vector<std::string> top_layer_of;  // names of images whose top layer it is
  std::vector<ImageTreeLayer> children;   // only filled for --whatrequires
};

struct ImageTreeReport {
  std::string id;
  std::vector<std::string> names;
  std::int64_t size = 0;
  // The image's layers, base first; with whatrequires, one entry: the image's
  // top layer with the layers of the images built on it as children.
  std::vector<ImageTreeLayer> layers;
};

struct ImagePruneRequest {
  bool all = false;  // also remove named images no container uses
  std::vector<std::string> filters;  // "until=...", "label=K[=V]", "label!=K[=V]"
};

// save and load: image archives and directories.

struct SaveRequest {
  // Local names or IDs. Without multi_image the first is the image and the
  // others are extra names for it in a docker-archive, as in Podman.
  std::vector<std::string> images;
  std::string format = "docker-archive";  // docker-archive, oci-archive, oci-dir, docker-dir
  std::string output;  // file or directory; "" writes an archive to the output fd
  bool multi_image = false;
  bool compress = false;  // gzip the layers of oci-dir and docker-dir
};

// search: registry search and tag lists.

// The --filter values of search; unset members do not filter.
struct SearchFilter {
  std::optional<std::int64_t> min_stars;  // stars=N keeps results with at least N
  std::optional<bool> official;           // is-official[=BOOL]
  std::optional<bool> automated;          // is-automated[=BOOL]
};

struct SearchRequest {
  // "[REGISTRY/]TERM": a registry (everything before the first "/") limits
  // the search to it; otherwise every unqualified-search registry is
  // searched. With list_tags, a repository name without tag or digest.
  std::string term;
  int limit = 0;  // per registry; 0 means 25
  SearchFilter filter;
  bool no_trunc = false;  // keep descriptions longer than 44 bytes whole
  bool list_tags = false;  // list the repository's tags instead of searching
  RegistryAccess access;
};

// One search result, or with list_tags one tag.
struct SearchResult {
  std::string index;  // the registry searched, "127.0.0.1:5000"
  std::string name;   // "127.0.0.1:5000/busybox", "docker.io/library/alpine"
  std::string description;  // newlines replaced by spaces, maybe truncated
  std::int64_t stars = 0;
  bool official = false;
  bool automated = false;
  std::string tag;  // set only with list_tags
};

// Manifest lists (manifest.cpp).
// Receives the progress of `manifest push`: the list's lines, and through
// the PullProgress calls each instance's blobs.
class ManifestPushProgress : public PullProgress {
 public:
  virtual void copying_instances(std::size_t count) = 0;
  // index counts from 1.
  virtual void copying_instance(const std::string& digest, std::size_t index,
                                std::size_t count) = 0;
  virtual void writing_list() = 0;
};

// The platform fields and annotations `manifest add` and `annotate` set on
// an entry; unset fields keep the values of the image or list.
struct ManifestEntryOptions {
  std::optional<std::string> arch;
  std::optional<std::string> os;
  std::optional<std::string> variant;
  std::optional<std::string> os_version;
  std::optional<std::vector<std::string>> os_features;
  std::optional<std::vector<std::string>> features;
  std::vector<std::string> annotations;  // KEY=VALUE
};

struct ManifestCreateRequest {
  std::string list;                  // name of the new list
  std::vector<std::string> images;   // images to add, as for manifest add
  bool all = false;                  // add every instance of an image that is a list
  bool amend = false;                // reuse an existing list of that name
  std::vector<std::string> annotations;  // KEY=VALUE, on the index itself
  RegistryAccess access;
};

struct ManifestAddRequest {
  std::string list;
  // A local image name or ID, or a registry reference; "docker://" forces
  // the registry and "containers-storage:" local storage.
  std::vector<std::string> images;
  bool all = false;
  ManifestEntryOptions entry;
  RegistryAccess access;
};

struct ManifestAnnotateRequest {
  std::string list;
  std::string instance;  // an entry's digest, or a local image whose manifest is in the list
  bool index = false;    // apply the annotations to the index itself
  ManifestEntryOptions entry;
};

struct ManifestPushRequest {
  std::string list;
  std::string destination;  // reference, "docker://" allowed; "" pushes to the list's name
  bool all = true;          // push every instance's image before the list
  std::string format;       // "oci", "v2s2"; "" keeps the list's own type
  bool remove = false;      // delete the local list after a successful push
  RegistryAccess access;
};

// commit, export and import: requests.

// The options of `commit`.
struct CommitRequest {
  std::string container;
  std::string image;  // name of the new image; "" leaves it without a name
  std::vector<std::string> changes;  // --change instructions (see image::apply_config_change)
  std::string message;  // history comment, and "comment" of a docker-format config
  std::string author;
  std::string format = "oci";  // "oci" or "docker"
  bool squash = false;  // one layer with the whole file system
  bool pause = false;   // freeze the container while its files are read
};

// cp: copies between a path in a container and a host path, or a tar
// stream when host_path is "-".
struct CopyRequest {
  std::string container;       // name or ID
  std::string container_path;  // absolute or relative to "/" in the container
  std::string host_path;       // "-" for a tar stream on the caller's fd
  bool to_container = false;
  // Into a container: give every copied file the container's primary uid
  // and gid (Podman's --archive, on by default); off keeps the source's.
  bool archive = true;
  bool overwrite = false;  // replace a directory with a non-directory and the reverse
};

// The options of `import`. The tar itself comes as a file descriptor.
struct ImportRequest {
  std::string source;     // what the user gave, for messages
  std::string reference;  // name of the new image; "" leaves it without a name
  std::vector<std::string> changes;
  std::string message;  // history comment; "" gives "imported from tarball"
  std::string os;       // "" for linux
  std::string arch;     // "" for the host's
  std::string variant;
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

  // Image queries and prune.
  // Returns the image's history, newest entry first. Throws Error{kNotFound}
  // for an unknown image.
  virtual std::vector<ImageHistoryEntry> image_history(const std::string& name_or_id) = 0;
  // Returns the changes of the image's top layer against the layers below
  // it, sorted by path. An image of one layer lists all its files as added.
  virtual std::vector<ImageChange> image_diff(const std::string& name_or_id) = 0;
  // Returns the changes of the whole file system of image name_or_id
  // against that of image base, sorted by path. A marks a path only in the
  // first image and D one only in base. C marks one whose type, mode,
  // owner, size, modification time or link target differ.
  virtual std::vector<ImageChange> image_diff(const std::string& name_or_id,
                                              const std::string& base) = 0;
  // Returns the image's layers; with whatrequires, the layers of the images
  // built on it instead.
  virtual ImageTreeReport image_tree(const std::string& name_or_id, bool whatrequires) = 0;
  // Removes the images without a name that no container uses (with
  // request.all, named ones too) and that match every filter, then the layers
  // no image uses. Returns the removed image IDs. Throws
  // Error{kInvalidArgument} for an invalid filter, before any change.
  virtual std::vector<std::string> prune_images(const ImagePruneRequest& request) = 0;

  // save and load.
  // Writes the images in request.format to request.output, or to output_fd
  // when it is "". Files and directories appear complete or not at all.
  // Throws Error{kInvalidArgument} for a flag combination Podman rejects and
  // Error{kConflict} for a layer stored without its tar layout, before
  // anything is written. progress receives copying_blob, copying_config and
  // writing_manifest.
  virtual void save(const SaveRequest& request, int output_fd, PullProgress& progress) = 0;
  // Loads every image of a docker-archive, oci-archive, oci-dir or
  // docker-dir at input (a file or directory), or of the archive read from
  // input_fd when input is "". Returns one name per loaded image name, and
  // "sha256:<id>" for an image without one. Every blob and layer is checked
  // against its digest; any failure throws Error (kInvalidArgument for
  // malformed input, kDigestMismatch for a wrong layer) and leaves the
  // images unchanged.
  virtual std::vector<std::string> load(const std::string& input, int input_fd,
                                        PullProgress& progress) = 0;

  // search.
  // Searches the registries (see SearchRequest::term) and returns the
  // results of each, in registry order, each registry's cut to the limit
  // before the filter applies, as Podman does. A registry that fails is
  // skipped while another returns results; when none returns any, its error
  // (or every registry's, joined) is thrown. Throws Error{kInvalidArgument}
  // for a negative limit, a filter with list_tags, or a list_tags term with a
  // tag or digest.
  virtual std::vector<SearchResult> search(const SearchRequest& request) = 0;

  // Manifest lists.
  // Creates a list, adds request.images to it and returns its ID. Throws
  // Error{kAlreadyExists} when the name is taken, unless amend is set and
  // the name is a list, which is then reused.
  virtual std::string manifest_create(const ManifestCreateRequest& request) = 0;
  // Adds images to a local list and returns the list's ID. Only manifests
  // and configs are read from a registry, never layers. Throws
  // Error{kNotFound} for an unknown list or image and
  // Error{kInvalidArgument} when the list name is an image; the list is
  // unchanged on any error.
  virtual std::string manifest_add(const ManifestAddRequest& request) = 0;
  // Changes one entry's platform and annotations (or the index's
  // annotations) and returns the list's ID. Throws Error{kNotFound} when
  // the instance is not in the list.
  virtual std::string manifest_annotate(const ManifestAnnotateRequest& request) = 0;
  // Removes the entry with digest and returns the list's ID.
  virtual std::string manifest_remove(const std::string& list, const std::string& digest) = 0;
  // Returns a local list, else the list or manifest a registry has under the
  // reference, as `manifest inspect` prints it.
  virtual nlohmann::ordered_json manifest_inspect(const std::string& list,
                                                  const RegistryAccess& access) = 0;
  virtual bool manifest_exists(const std::string& list) = 0;
  // Removes a local list; throws Error{kInvalidArgument} for an image
  // that is not a list.
  virtual ImageRemoveReport manifest_rm(const std::string& list) = 0;
  // Pushes a list (with --all first each instance's image, from local
  // storage or from the registry it was added from) and returns the pushed
  // list's digest.
  virtual std::string manifest_push(const ManifestPushRequest& request,
                                    ManifestPushProgress& progress) = 0;

  // commit, export and import.
  // Makes an image of the container's file system and settings and returns
  // its ID. The container's changes become one new layer on top of its
  // image's layers (with squash, the whole file system becomes the only
  // layer). Throws Error{kNotFound} for an unknown container and
  // Error{kInvalidArgument} for an invalid change, format or name, before
  // anything is stored. progress receives copying_blob, copying_config and
  // writing_manifest.
  virtual std::string commit(const CommitRequest& request, PullProgress& progress) = 0;
  // Writes a tar of the container's whole file system to output_fd,
  // mounting it for the time of the export when the container is not
  // running. Symlinks are stored, never followed. After an error output_fd
  // has received part of the tar.
  virtual void export_container(const std::string& name_or_id, int output_fd) = 0;
  // Makes a one-layer image of the tar read from input_fd (plain, gzip, xz,
  // bzip2 or zstd) and returns its ID. Throws Error{kInvalidArgument} for an
  // invalid change, platform, name or tar, and the store is unchanged then.
  virtual std::string import_image(const ImportRequest& request, int input_fd,
                                   PullProgress& progress) = 0;

  // cp (copy.cpp): copies as the request describes, for a running or stopped
  // container; stream_fd is read (into a container) or written (out of one)
  // when host_path is "-". Paths in the container are resolved inside its
  // root file system, so no symlink leads out of it. Throws
  // Error{kNotFound} naming a missing source or destination parent, and
  // Error{kInvalidArgument} or Error{kConflict} for a copy the Docker rules
  // reject. After an error part of the files may have been written.
  virtual void copy(const CopyRequest& request, int stream_fd) = 0;
  // diff (container_diff.cpp): returns the container's changes against its
  // image, sorted by path, without the empty stubs the runtime creates for
  // its mount points. Throws Error{kNotFound} for an unknown container.
  virtual std::vector<ImageChange> container_diff(const std::string& name_or_id) = 0;

  // Containers. name_or_id accepts a full ID, a unique ID prefix or a name.
  // Trust (trust.cpp): the policy file used ("" for the default), its text,
  // its rows for `image trust show`, and `image trust set`, which rewrites
  // the file atomically. Missing or invalid files throw as Policy::load.
  virtual std::string trust_policy_path(const std::string& policy_path) = 0;
  virtual std::string trust_policy_text(const std::string& policy_path) = 0;
  virtual std::vector<TrustEntry> show_trust(const std::string& policy_path) = 0;
  virtual void set_trust(const TrustSetRequest& request) = 0;

  virtual std::string create(const CreateRequest& request, PullProgress& progress) = 0;
  // Starts a container. options.attach_fd, when not -1, is a connected
  // socket that receives the container's output frames from its first byte.
  virtual void start(const std::string& name_or_id, const container::StartOptions& options) = 0;
  virtual void stop(const std::string& name_or_id, std::optional<int> timeout) = 0;
  virtual void kill(const std::string& name_or_id, const std::string& signal) = 0;
  virtual void remove(const std::string& name_or_id, bool force) = 0;
  virtual int wait(const std::string& name_or_id) = 0;
  // REST service: waits for condition (see container::wait_for) and
  // returns the container's exit code. keep_going, when given, is called
  // between polls, and the wait throws Error{kUnavailable} once it returns false.
  virtual int wait_for(const std::string& name_or_id, container::WaitCondition condition,
                       const std::function<bool()>& keep_going = {}) = 0;
  virtual std::vector<ContainerSummary> list_containers(bool all) = 0;
  virtual nlohmann::json inspect_container(const std::string& name_or_id) = 0;
  // Writes the logs of one or more containers (see container::write_logs);
  // every name is resolved before anything is written.
  virtual void logs(const std::vector<std::string>& names_or_ids,
                    const container::LogOptions& options, int stdout_fd, int stderr_fd) = 0;
  virtual std::vector<std::vector<std::string>> top(const std::string& name_or_id,
                                                    const std::vector<std::string>& descriptors) = 0;
  // Returns the full ID of the latest container (-l).
  virtual std::string latest_container() = 0;
  // Resolves a name or ID prefix to the full ID.
  virtual std::string container_id(const std::string& name_or_id) = 0;
  // Returns the attach socket of a running container.
  virtual std::string attach_socket(const std::string& name_or_id) = 0;
  // ps queries (container_size.cpp): the sizes `ps --size` prints.
  virtual ContainerSize container_size(const std::string& name_or_id) = 0;

  // Exec sessions (exec.cpp): starts options.command in the running
  // container and returns the session's ID (see container::exec).
  virtual std::string exec(const std::string& name_or_id,
                           const container::ExecOptions& options) = 0;
  // Returns the exit code a finished session recorded, nullopt while it runs.
  virtual std::optional<int> exec_exit_code(const std::string& name_or_id,
                                            const std::string& session) = 0;
  // Ends a foreground exec session whose client has the exit code: records
  // exec_died and removes the session, as Podman does. Detached sessions
  // stay in ExecIDs until the container stops.
  virtual void exec_finished(const std::string& name_or_id, const std::string& session,
                             int exit_code) = 0;
  // Detached exec sessions (exec_cleanup.cpp): records exec_died for a
  // session whose process ended. The monitor runs it through `container
  // cleanup --exec`. The session stays in ExecIDs for 5 minutes, as Podman's.
  virtual void exec_cleanup(const std::string& name_or_id, const std::string& session,
                            int exit_code) = 0;
  // Health checks (health.cpp): runs the container's check once and returns
  // the status after it (see container::run_healthcheck).
  virtual std::string healthcheck_run(const std::string& name_or_id) = 0;
  // Volumes (volumes.cpp). volume_create returns the name; with ignore an
  // existing volume of that name is returned unchanged, otherwise it throws
  // Error{kAlreadyExists}. Filters are KEY=VALUE: name, label, label!,
  // driver, dangling, until. volume_remove throws Error{kNotFound} for an
  // unknown volume and Error{kConflict} for one in use, unless force, which
  // removes the containers that use it first. volume_prune removes the
  // volumes no container uses that match every filter and returns their
  // names.
  virtual std::string volume_create(const VolumeCreateRequest& request) = 0;
  virtual std::vector<VolumeReport> list_volumes(const std::vector<std::string>& filters) = 0;
  virtual VolumeReport inspect_volume(const std::string& name) = 0;
  virtual void volume_remove(const std::string& name, bool force, std::optional<int> timeout) = 0;
  virtual std::vector<std::string> volume_prune(const std::vector<std::string>& filters) = 0;
  virtual bool volume_exists(const std::string& name) = 0;
  // Returns the names of the anonymous volumes container name_or_id mounts
  // (for rm -v).
  virtual std::vector<std::string> anonymous_volumes(const std::string& name_or_id) = 0;

  // Secrets (secrets.cpp). secret_create returns the new secret's ID.
  // Filters are KEY=VALUE: name and id (regular expressions matched
  // anywhere, as Podman), label. inspect_secret and secret_remove take a
  // name, an ID or a unique ID prefix and throw Error{kNotFound} for an
  // unknown secret; secret_remove returns the ID.
  virtual std::string secret_create(const SecretCreateRequest& request) = 0;
  virtual std::vector<SecretReport> list_secrets(const std::vector<std::string>& filters) = 0;
  virtual SecretReport inspect_secret(const std::string& name_or_id, bool with_data) = 0;
  virtual std::string secret_remove(const std::string& name_or_id) = 0;
  virtual bool secret_exists(const std::string& name_or_id) = 0;

  // Networks (networks.cpp). Filters are KEY=VALUE: name and id (regular
  // expressions matched anywhere), driver, label and label!.
  // inspect_network takes a name, an ID or a unique ID prefix and throws
  // Error{kNotFound} for an unknown network.
  virtual std::vector<network::Network> list_networks(const std::vector<std::string>& filters) = 0;
  virtual network::Network inspect_network(const std::string& name_or_id) = 0;

  // Network administration (network_admin.cpp). network_create stores a new
  // bridge network and returns it; it throws Error{kAlreadyExists} for a
  // name in use (unless request.ignore), Error{kConflict} for a subnet or
  // bridge another network or a host interface uses, and
  // Error{kInvalidArgument} for bad flags. network_remove throws
  // Error{kNotFound} for an unknown network and Error{kConflict} while
  // containers use it, unless force, which removes them first (stopping
  // running ones with timeout). network_prune removes the networks no
  // container uses that match every filter (label, label!, until) and
  // returns their names; the default network is never removed. These
  // default to Error{kUnavailable} for engines that lack them.
  virtual network::Network network_create(const NetworkCreateRequest& request);
  virtual void network_remove(const std::string& name_or_id, bool force,
                              std::optional<int> timeout);
  virtual std::vector<std::string> network_prune(const std::vector<std::string>& filters);

  // Network membership (network_connect.cpp). network_connect attaches a
  // container to one more network, at once when it runs and from its next
  // start otherwise; it throws Error{kNotFound} for an unknown network or
  // container, Error{kAlreadyExists} when the container is already on the
  // network and Error{kInvalidArgument} for a bad address or a container
  // whose network mode is host, none or container:NAME.
  // network_disconnect detaches it; Error{kNotFound} when the container is
  // not on the network. force is Docker's flag and changes nothing here.
  // Both default to Error{kUnavailable}.
  virtual void network_connect(const NetworkConnectRequest& request);
  virtual void network_disconnect(const std::string& network, const std::string& container,
                                  bool force);

  // Lifecycle commands (container_state.cpp): port, rename, pause, unpause,
  // restart, init, stats, mount and unmount. Each throws Error{kNotFound}
  // for an unknown container and Error{kConflict} for one in the wrong state.
  // container_ports returns the published ports of a running container
  // (none for any other state, as Podman's port prints).
  virtual std::vector<container::PublishedPort> container_ports(const std::string& name_or_id) = 0;
  virtual void rename_container(const std::string& name_or_id, const std::string& new_name) = 0;
  virtual void pause(const std::string& name_or_id) = 0;
  virtual void unpause(const std::string& name_or_id) = 0;
  // Stops a running or paused container (timeout as for stop) and starts it
  // again; a container that is not running is only started.
  virtual void restart(const std::string& name_or_id, std::optional<int> timeout) = 0;
  // Creates the container in the runtime without starting its process.
  virtual void init(const std::string& name_or_id) = 0;
  virtual container::ContainerStats stats(const std::string& name_or_id) = 0;
  // Mounts the container's root file system and returns the mount point.
  virtual std::string mount_container(const std::string& name_or_id) = 0;
  virtual void unmount_container(const std::string& name_or_id, bool force) = 0;
  // Returns the containers whose root file system is mounted.
  virtual std::vector<MountedContainer> mounted_containers() = 0;

  // Events and system commands (events.cpp, system.cpp, system_info.cpp).
  // read_events calls sink with each entry of the event log, oldest first,
  // until sink returns false or (unless streaming) the log ends.
  virtual void read_events(const EventsRequest& request,
                           const std::function<bool(const state::EventRecord&)>& sink) = 0;
  // Returns Podman's info structure (host, store, registries, version) with
  // its JSON key names.
  virtual nlohmann::ordered_json system_info() = 0;
  virtual DiskUsageReport disk_usage() = 0;
  // Removes every container, image and volume, then the storage and run
  // roots.
  virtual void system_reset() = 0;
  // Applies the state database's pending schema migrations and, when
  // new_runtime is set, records it as the runtime of every container.
  // Returns the number of containers changed.
  virtual int system_migrate(const std::string& new_runtime) = 0;

  // Pods (pods.cpp). pod_create stores a pod and, unless request.infra is
  // false, its infra container, and returns the pod ID; it throws
  // Error{kAlreadyExists} for a name in use and Error{kInvalidArgument} for
  // bad flags. The others take a name, an ID or a unique ID prefix and
  // throw Error{kNotFound} for an unknown pod. pod_start starts the infra
  // container, then the members; pod_stop stops the members, then the
  // infra container (timeout as for stop); each returns the pod ID and
  // throws naming the first container that failed after trying them all.
  // pod_remove throws Error{kConflict} for a pod with running members
  // unless force, and removes the members with it. list_pods filters are
  // KEY=VALUE: id, name, label, status, ctr-names, ctr-ids, ctr-status,
  // network. pod_prune removes the pods with no running member and returns
  // their IDs. All default to Error{kUnavailable}.
  virtual std::string pod_create(const PodCreateRequest& request, PullProgress& progress);
  virtual std::vector<PodReport> list_pods(const std::vector<std::string>& filters);
  virtual PodReport inspect_pod(const std::string& name_or_id);
  virtual bool pod_exists(const std::string& name_or_id);
  virtual std::string pod_start(const std::string& name_or_id);
  virtual std::string pod_stop(const std::string& name_or_id, std::optional<int> timeout);
  virtual std::string pod_restart(const std::string& name_or_id);
  virtual std::string pod_kill(const std::string& name_or_id, const std::string& signal);
  virtual std::string pod_pause(const std::string& name_or_id);
  virtual std::string pod_unpause(const std::string& name_or_id);
  virtual std::string pod_remove(const std::string& name_or_id, bool force,
                                 std::optional<int> timeout);
  virtual std::vector<std::string> pod_prune();

  // Building images (build.cpp). Runs the Containerfile's instructions and
  // returns the new image's ID. output receives what Podman prints on
  // stdout: the "STEP N/M: ..." lines, the output of RUN, "COMMIT" and
  // "--> ID" lines (only the ID with request.quiet); progress receives the
  // pulls of FROM images. Throws Error{kInvalidArgument} for a bad
  // Containerfile or flag (naming the file and line), Error{kNotFound} for a
  // missing context, file or stage, and an Error naming the step and its
  // exit status for a RUN that fails. Nothing is tagged after a failure.
  // Defaults to Error{kUnavailable}.
  virtual std::string build(const BuildRequest& request,
                            const std::function<void(std::string_view)>& output,
                            PullProgress& progress);

  // The hidden step berth-monitor runs after the container exits, also run
  // by a foreground `run` as soon as it has the exit code. by_monitor
  // leaves deleting the directories to the start's monitor, after the
  // caller has exited (see container::FileRemoval).
  virtual void cleanup(const std::string& id, std::optional<int> exit_code,
                       const std::string& start_token, bool by_monitor = false) = 0;
};

}  // namespace berth::engine
