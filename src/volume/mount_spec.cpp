#include "volume/mount_spec.hpp"

#include <algorithm>
#include <array>

#include "common/error.hpp"
#include "common/ids.hpp"

namespace berth::volume {

namespace {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Pairs of options of which a mount may carry only one.
constexpr std::array<std::array<std::string_view, 2>, 4> kExclusivePairs = {{
    {"suid", "nosuid"},
    {"dev", "nodev"},
    {"exec", "noexec"},
    {"bind", "rbind"},
}};

constexpr std::array<std::string_view, 8> kPropagations = {
    "shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable"};

bool is_propagation(std::string_view option) {
  return std::find(kPropagations.begin(), kPropagations.end(), option) != kPropagations.end();
}

// Adds a plain mount option, and rejects it when the mount already has
// another member of its pair (nosuid and suid) or a second propagation.
void add_plain_option(MountSpec& mount, const std::string& option, std::string_view value) {
  for (const auto& pair : kExclusivePairs) {
    if (option != pair[0] && option != pair[1]) continue;
    for (const auto& member : pair) {
      if (mount.has_option(member)) {
        fail(ErrorCode::kInvalidArgument,
             "invalid volume \"{}\": options \"{}\" and \"{}\" conflict: give only one", value,
             member, option);
      }
    }
    mount.options.push_back(option);
    return;
  }
  if (is_propagation(option)) {
    for (const auto& other : kPropagations) {
      if (mount.has_option(other)) {
        fail(ErrorCode::kInvalidArgument,
             "invalid volume \"{}\": propagation options \"{}\" and \"{}\" conflict: give only one",
             value, other, option);
      }
    }
    mount.options.push_back(option);
    return;
  }
  fail(ErrorCode::kInvalidArgument,
       "invalid volume \"{}\": unknown option \"{}\": use ro, rw, z, Z, O, U, nocopy, [no]suid, "
       "[no]dev, [no]exec, [r]bind or a propagation such as rprivate",
       value, option);
}

void check_destination(const std::string& destination, std::string_view value) {
  if (destination.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid volume \"{}\": the container path is empty", value);
  }
  if (destination.front() != '/') {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": container path \"{}\" must be absolute", value, destination);
  }
  if (clean_path(destination) == "/") {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": mounting over the container's root \"/\" is not allowed", value);
  }
}

// Turns a source that starts with "/" or "." into an absolute host path.
std::string host_path(const std::string& source, const std::string& cwd) {
  if (source.front() == '/') return clean_path(source);
  return clean_path(cwd + "/" + source);
}

bool is_host_path(std::string_view source) {
  return !source.empty() && (source.front() == '/' || source.front() == '.');
}

void check_volume_name(const std::string& name, std::string_view value) {
  if (!is_valid_name(name)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": \"{}\" is neither a path (start it with \"/\" or \".\") nor a "
         "valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)",
         value, name);
  }
}

// Whether text is a list of -v options rather than a container path, for
// the two-part form CONTAINER-DIR:OPTIONS.
bool looks_like_options(const std::string& text) {
  static constexpr std::array<std::string_view, 14> kWords = {
      "ro",     "rw",  "z",     "Z",   "O",    "U",    "copy",
      "nocopy", "suid", "nosuid", "dev", "nodev", "exec", "idmap"};
  if (text.empty()) return false;
  for (const auto& option : split(text, ',')) {
    bool known = std::find(kWords.begin(), kWords.end(), option) != kWords.end() ||
                 option == "noexec" || option == "bind" || option == "rbind" ||
                 is_propagation(option);
    if (!known) return false;
  }
  return true;
}

// Applies the default options of the mount's type where the user gave
// none: rbind and rprivate for binds and volumes, and nosuid and nodev for
// volumes, as Podman does.
void add_defaults(MountSpec& mount) {
  if (mount.type == MountType::kVolume || mount.type == MountType::kTmpfs) {
    if (!mount.has_option("suid") && !mount.has_option("nosuid")) mount.options.push_back("nosuid");
    if (!mount.has_option("dev") && !mount.has_option("nodev")) mount.options.push_back("nodev");
  }
  if (mount.type == MountType::kBind || mount.type == MountType::kVolume) {
    if (!mount.has_option("bind") && !mount.has_option("rbind")) mount.options.push_back("rbind");
  }
  bool has_propagation = std::any_of(mount.options.begin(), mount.options.end(),
                                     [](const std::string& o) { return is_propagation(o); });
  if (!has_propagation && mount.type != MountType::kTmpfs) mount.options.push_back("rprivate");
}

void set_read_only(MountSpec& mount, bool read_only, bool& seen, std::string_view value) {
  if (seen) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": give only one of ro and rw", value);
  }
  seen = true;
  mount.read_only = read_only;
}

// Rejects idmap=uids=...;gids=..., Podman's form with a mapping of its own.
// flag is "volume" for -v and "--mount".
void reject_custom_idmap(std::string_view flag, std::string_view option, std::string_view value) {
  if (option == "idmap") return;
  fail(ErrorCode::kInvalidArgument,
       "invalid {} \"{}\": \"{}\" is not supported: use idmap without a value to map the "
       "source with the container's user namespace",
       flag, value, option);
}

// Parses the OPTIONS part of a -v value.
void parse_volume_options(MountSpec& mount, const std::string& options, std::string_view value) {
  bool read_only_seen = false;
  bool relabel_seen = false;
  bool copy_seen = false;
  for (const auto& option : split(options, ',')) {
    if (option.empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid volume \"{}\": empty option", value);
    }
    if (option == "ro" || option == "rw") {
      set_read_only(mount, option == "ro", read_only_seen, value);
    } else if (option == "z" || option == "Z") {
      if (relabel_seen) {
        fail(ErrorCode::kInvalidArgument, "invalid volume \"{}\": give only one of z and Z",
             value);
      }
      relabel_seen = true;
      mount.relabel = true;
    } else if (option == "O") {
      mount.overlay = true;
    } else if (option == "U") {
      mount.chown = true;
    } else if (option == "idmap" || option.starts_with("idmap=")) {
      reject_custom_idmap("volume", option, value);
      mount.idmap = true;
    } else if (option == "copy" || option == "nocopy") {
      if (copy_seen) {
        fail(ErrorCode::kInvalidArgument, "invalid volume \"{}\": give only one of copy and nocopy",
             value);
      }
      copy_seen = true;
      mount.copy_up = option == "copy";
    } else {
      add_plain_option(mount, option, value);
    }
  }
  if (mount.overlay && (read_only_seen || mount.type != MountType::kBind)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": the O (overlay) option needs a host directory and cannot be "
         "combined with ro or rw",
         value);
  }
}

bool parse_bool(const std::string& key, const std::string& text, std::string_view value) {
  if (text.empty() || text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": {}=\"{}\" is not true or false",
       value, key, text);
}

MountType parse_mount_type(const std::string& text, std::string_view value) {
  if (text == "bind") return MountType::kBind;
  if (text == "volume") return MountType::kVolume;
  if (text == "tmpfs") return MountType::kTmpfs;
  if (text == "image") return MountType::kImage;
  fail(ErrorCode::kInvalidArgument,
       "invalid --mount \"{}\": unknown type \"{}\": use bind, volume, tmpfs or image", value, text);
}

// Checks that a --mount key is valid for the mount's type.
void check_key_for_type(const MountSpec& mount, const std::string& key, std::string_view value) {
  bool bind_only = key == "bind-propagation" || key == "bind-nonrecursive" || key == "relabel";
  bool tmpfs_only = key == "tmpfs-size" || key == "tmpfs-mode" || key == "tmpcopyup" ||
                    key == "notmpcopyup";
  bool volume_only = key == "volume-opt" || key == "volume-nocopy" || key == "nocopy";
  if ((bind_only && mount.type != MountType::kBind) ||
      (tmpfs_only && mount.type != MountType::kTmpfs) ||
      (volume_only && mount.type != MountType::kVolume)) {
    fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": \"{}\" does not apply to type {}",
         value, key, mount_type_name(mount.type));
  }
}

// Applies one KEY[=VALUE] field of --mount other than type.
void apply_mount_field(MountSpec& mount, const std::string& key, const std::string& text,
                       bool has_value, std::string_view value, bool& read_only_seen) {
  check_key_for_type(mount, key, value);
  if (key == "src" || key == "source") {
    mount.source = text;
  } else if (key == "dst" || key == "destination" || key == "target") {
    mount.destination = text;
  } else if (key == "ro" || key == "readonly") {
    set_read_only(mount, parse_bool(key, text, value), read_only_seen, value);
  } else if (key == "rw") {
    set_read_only(mount, !parse_bool(key, text, value), read_only_seen, value);
  } else if (key == "bind-propagation") {
    if (!is_propagation(text)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --mount \"{}\": unknown bind-propagation \"{}\"", value, text);
    }
    add_plain_option(mount, text, value);
  } else if (key == "bind-nonrecursive") {
    if (parse_bool(key, text, value)) add_plain_option(mount, "bind", value);
  } else if (key == "relabel") {
    if (text != "shared" && text != "private") {
      fail(ErrorCode::kInvalidArgument,
           "invalid --mount \"{}\": relabel=\"{}\": use shared or private", value, text);
    }
    mount.relabel = true;
  } else if (key == "z" || key == "Z") {
    mount.relabel = true;
  } else if (key == "chown" || key == "U") {
    mount.chown = parse_bool(key, text, value);
  } else if (key == "idmap") {
    if (has_value) reject_custom_idmap("--mount", key + "=" + text, value);
    mount.idmap = true;
  } else if (key == "tmpfs-size") {
    if (text.empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": empty tmpfs-size", value);
    }
    mount.options.push_back("size=" + text);
  } else if (key == "tmpfs-mode") {
    if (text.empty() || text.find_first_not_of("01234567") != std::string::npos) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --mount \"{}\": tmpfs-mode \"{}\" is not an octal mode", value, text);
    }
    mount.options.push_back("mode=" + text);
  } else if (key == "tmpcopyup" || key == "notmpcopyup") {
    // berth mounts every tmpfs empty.
  } else if (key == "volume-opt") {
    if (!has_value || text.find('=') == std::string::npos) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --mount \"{}\": volume-opt needs KEY=VALUE", value);
    }
    mount.volume_options.push_back(text);
  } else if (key == "volume-nocopy" || key == "nocopy") {
    mount.copy_up = !parse_bool(key, text, value);
  } else if (key == "consistency") {
    // Docker's file-sharing hint for macOS hosts: accepted and ignored.
  } else if (!has_value && key != "O" && key != "idmap" && key != "copy") {
    add_plain_option(mount, key, value);
  } else {
    fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": unknown field \"{}\"", value, key);
  }
}

}  // namespace

std::string_view mount_type_name(MountType type) {
  switch (type) {
    case MountType::kBind: return "bind";
    case MountType::kVolume: return "volume";
    case MountType::kTmpfs: return "tmpfs";
    case MountType::kImage: return "image";
  }
  return "bind";
}

bool MountSpec::has_option(std::string_view option) const {
  return std::find(options.begin(), options.end(), option) != options.end();
}

std::string clean_path(std::string_view path) {
  std::vector<std::string> parts;
  for (const auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string result;
  for (const auto& part : parts) result += "/" + part;
  return result.empty() ? "/" : result;
}

MountSpec parse_volume_flag(std::string_view value, const std::string& cwd) {
  auto parts = split(value, ':');
  if (parts.size() > 3) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume \"{}\": too many \":\": use [SOURCE:]CONTAINER-DIR[:OPTIONS]", value);
  }
  MountSpec mount;
  std::string options;
  if (parts.size() == 1) {
    mount.destination = parts[0];
  } else if (parts.size() == 2 && parts[0].starts_with("/") && looks_like_options(parts[1])) {
    // CONTAINER-DIR:OPTIONS, an anonymous volume with options.
    mount.destination = parts[0];
    options = parts[1];
  } else {
    if (parts[0].empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid volume \"{}\": the source is empty", value);
    }
    mount.source = parts[0];
    mount.destination = parts[1];
    if (parts.size() == 3) {
      if (parts[2].empty()) {
        fail(ErrorCode::kInvalidArgument, "invalid volume \"{}\": the options are empty", value);
      }
      options = parts[2];
    }
  }
  check_destination(mount.destination, value);
  mount.destination = clean_path(mount.destination);
  if (mount.source.empty()) {
    mount.type = MountType::kVolume;
    mount.anonymous = true;
  } else if (is_host_path(mount.source)) {
    mount.type = MountType::kBind;
    mount.source = host_path(mount.source, cwd);
  } else {
    mount.type = MountType::kVolume;
    check_volume_name(mount.source, value);
  }
  if (!options.empty()) parse_volume_options(mount, options, value);
  add_defaults(mount);
  return mount;
}

MountSpec parse_mount_flag(std::string_view value, const std::string& cwd) {
  MountSpec mount;
  mount.type = MountType::kVolume;  // Docker's default when type is missing
  auto fields = split(value, ',');
  // The type decides which keys are valid, so it is read first.
  for (const auto& field : fields) {
    if (field.starts_with("type=")) mount.type = parse_mount_type(field.substr(5), value);
  }
  bool read_only_seen = false;
  for (const auto& field : fields) {
    if (field.empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": empty field", value);
    }
    auto equals = field.find('=');
    std::string key = field.substr(0, equals);
    std::string text = equals == std::string::npos ? "" : field.substr(equals + 1);
    if (key == "type") continue;
    apply_mount_field(mount, key, text, equals != std::string::npos, value, read_only_seen);
  }
  if (mount.destination.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --mount \"{}\": no destination: add dst=CONTAINER-DIR", value);
  }
  check_destination(mount.destination, value);
  mount.destination = clean_path(mount.destination);
  switch (mount.type) {
    case MountType::kBind:
      if (mount.source.empty()) {
        fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": no source: add src=HOST-DIR",
             value);
      }
      if (mount.source.front() != '/' && mount.source.front() != '.') {
        fail(ErrorCode::kInvalidArgument,
             "invalid --mount \"{}\": bind source \"{}\" must be a path starting with \"/\" or "
             "\".\"",
             value, mount.source);
      }
      mount.source = host_path(mount.source, cwd);
      break;
    case MountType::kVolume:
      mount.anonymous = mount.source.empty();
      if (!mount.anonymous) check_volume_name(mount.source, value);
      break;
    case MountType::kTmpfs:
      if (!mount.source.empty()) {
        fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": a tmpfs mount takes no source",
             value);
      }
      break;
    case MountType::kImage:
      if (mount.source.empty()) {
        fail(ErrorCode::kInvalidArgument, "invalid --mount \"{}\": no image: add src=IMAGE", value);
      }
      // An image mount is read-only unless rw=true was given.
      if (!read_only_seen) mount.read_only = true;
      break;
  }
  add_defaults(mount);
  return mount;
}

MountSpec parse_tmpfs_flag(std::string_view value) {
  auto colon = value.find(':');
  MountSpec mount;
  mount.type = MountType::kTmpfs;
  mount.destination = std::string(value.substr(0, colon));
  check_destination(mount.destination, value);
  mount.destination = clean_path(mount.destination);
  if (colon != std::string_view::npos) {
    bool read_only_seen = false;
    for (const auto& option : split(value.substr(colon + 1), ',')) {
      if (option.empty()) {
        fail(ErrorCode::kInvalidArgument, "invalid --tmpfs \"{}\": empty option", value);
      }
      if (option == "ro" || option == "rw") {
        set_read_only(mount, option == "ro", read_only_seen, value);
      } else if (option == "tmpcopyup" || option == "notmpcopyup") {
        // berth mounts every tmpfs empty.
      } else if (option.find('=') != std::string::npos) {
        mount.options.push_back(option);  // size=, mode=, uid=, gid=, nr_inodes=
      } else {
        add_plain_option(mount, option, value);
      }
    }
  }
  add_defaults(mount);
  return mount;
}

void to_json(nlohmann::json& j, const MountSpec& m) {
  j = {{"type", mount_type_name(m.type)},
       {"source", m.source},
       {"destination", m.destination},
       {"read_only", m.read_only},
       {"options", m.options},
       {"chown", m.chown},
       {"overlay", m.overlay},
       {"copy_up", m.copy_up},
       {"relabel", m.relabel},
       {"anonymous", m.anonymous},
       {"idmap", m.idmap},
       {"volume_options", m.volume_options},
       {"image_id", m.image_id}};
}

void from_json(const nlohmann::json& j, MountSpec& m) {
  std::string type = j.value("type", "bind");
  m.type = type == "volume"  ? MountType::kVolume
           : type == "tmpfs" ? MountType::kTmpfs
           : type == "image" ? MountType::kImage
                             : MountType::kBind;
  m.source = j.value("source", "");
  m.destination = j.value("destination", "");
  m.read_only = j.value("read_only", false);
  // Records written before options were stored get the old behaviour.
  m.options = j.value("options", std::vector<std::string>{"rbind", "rprivate"});
  m.chown = j.value("chown", false);
  m.overlay = j.value("overlay", false);
  m.copy_up = j.value("copy_up", true);
  m.relabel = j.value("relabel", false);
  m.anonymous = j.value("anonymous", false);
  m.idmap = j.value("idmap", false);
  m.volume_options = j.value("volume_options", std::vector<std::string>{});
  m.image_id = j.value("image_id", "");
}

}  // namespace berth::volume
