// The image builder: each Containerfile instruction becomes an image (a
// layer for RUN, COPY and ADD, a config change for the others), cached by
// its parent image, its text and the content it copies.

#include "engine/build_steps.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "build/containerfile.hpp"
#include "build/expand.hpp"
#include "build/ignore.hpp"
#include "build/interrupt.hpp"
#include "build/step_error.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/attach.hpp"
#include "container/copy.hpp"
#include "container/operations.hpp"
#include "engine/build_builder.hpp"
#include "engine/local_image.hpp"
#include "engine/scratch_dir.hpp"
#include "engine/tag.hpp"
#include "image/manifest.hpp"
#include "image/reference.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "runtime/spec.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine::builder {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<image::Descriptor> layer_blobs_of(const state::ImageRecord& record) {
  std::vector<image::Descriptor> blobs(record.layers.size());
  if (record.manifest.empty()) return blobs;
  try {
    auto manifest = image::parse_manifest(record.manifest, record.manifest_type);
    if (manifest.layers.size() == record.layers.size()) return manifest.layers;
  } catch (const Error& e) {
    spdlog::debug("ignoring the stored manifest of image {}: {}", record.id, e.what());
  }
  return blobs;
}

namespace {

// Passes a FROM pull's progress on, and stops the pull at its next chunk
// once a stop request has arrived: the throw aborts the download as a
// failed transfer does, and Builder::run turns the failure back into
// BuildInterrupted.
class StoppablePullProgress : public PullProgress {
 public:
  StoppablePullProgress(PullProgress& inner, build::StopListener& stop)
      : inner_(inner), stop_(stop) {}

  void trying(const std::string& reference) override { inner_.trying(reference); }
  void copying_blob(const std::string& digest, bool already_exists) override {
    inner_.copying_blob(digest, already_exists);
  }
  void copying_config(const std::string& digest) override { inner_.copying_config(digest); }
  void writing_manifest() override { inner_.writing_manifest(); }
  void resolved_short_name(const std::string& description) override {
    inner_.resolved_short_name(description);
  }
  std::optional<std::size_t> choose_short_name(
      const std::string& short_name, const std::vector<std::string>& candidates) override {
    return inner_.choose_short_name(short_name, candidates);
  }
  void blob_progress(const std::string& digest, std::int64_t done, std::int64_t total) override {
    stop_.throw_if_stopped();
    inner_.blob_progress(digest, done, total);
  }

 private:
  PullProgress& inner_;
  build::StopListener& stop_;
};

}  // namespace

StageImage stage_image_of(const state::ImageRecord& record) {
  return StageImage{record.id, json::parse(record.config), record.layers, layer_blobs_of(record)};
}

std::string file_sha256(const std::string& path) {
  auto fd = os::open_file(path, O_RDONLY);
  Sha256 hash;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "reading \"" + path + "\"");
    if (n == 0) break;
    hash.update(buffer, static_cast<std::size_t>(n));
  }
  return hash.hex_final();
}

std::string clean_path(const std::string& path) {
  std::string out = fs::path(path).lexically_normal().generic_string();
  if (out.size() > 1 && out.ends_with("/")) out.pop_back();
  return out.empty() ? "/" : out;
}

// Parses a Go duration such as "30s", "1m30s" or "500ms" into nanoseconds.
std::int64_t parse_duration(const std::string& text) {
  std::int64_t total = 0;
  std::size_t i = 0;
  if (text.empty()) fail(ErrorCode::kInvalidArgument, "invalid duration \"\"");
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (start == i) fail(ErrorCode::kInvalidArgument, "invalid duration \"{}\"", text);
    double number = std::stod(text.substr(start, i - start));
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      fail(ErrorCode::kInvalidArgument, "invalid duration \"{}\": use units such as 30s", text);
    total += static_cast<std::int64_t>(number * scale);
  }
  return total;
}

std::vector<build::Instruction> Builder::onbuild_triggers(StageImage& image,
                                                          const std::string& file_name) {
  std::vector<build::Instruction> triggers;
  if (!image.config.is_object() || !image.config.contains("config")) return triggers;
  json& settings = image.config["config"];
  if (!settings.is_object() || !settings.contains("OnBuild")) return triggers;
  json onbuild = settings["OnBuild"];
  settings.erase("OnBuild");
  if (!onbuild.is_array()) return triggers;
  for (const auto& entry : onbuild) {
    if (!entry.is_string()) continue;
    std::string trigger = entry.get<std::string>();
    auto parsed = build::parse_containerfile("FROM scratch\n" + trigger + "\n",
                                             file_name + " (ONBUILD of its base image)");
    for (const auto& instruction : parsed.stages.front().instructions) {
      if (instruction.keyword == "ONBUILD" || instruction.keyword == "FROM" ||
          instruction.keyword == "MAINTAINER") {
        fail(ErrorCode::kInvalidArgument, "the base image's ONBUILD trigger \"{}\" is not allowed",
             trigger);
      }
      triggers.push_back(instruction);
    }
  }
  return triggers;
}

build::Lookup Builder::lookup_for(const StageState& state) const {
  return [&state](const std::string& name) -> std::optional<std::string> {
    json env = json::array();
    const auto& config = state.image.config;
    if (config.is_object() && config.contains("config") && config["config"].is_object()) {
      env = config["config"].value("Env", json::array());
    }
    for (const auto& entry : env) {
      std::string text = entry.get<std::string>();
      if (text.starts_with(name + "=")) return text.substr(name.size() + 1);
    }
    auto arg = state.args.find(name);
    if (arg != state.args.end()) return arg->second;
    return std::nullopt;
  };
}

StageImage Builder::resolve_base(const build::Stage& stage, std::size_t index) {
  StageState globals;
  globals.args = global_args_;
  std::string base = expand(globals, stage.base);
  std::string lowered = base;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), ::tolower);
  if (auto found = stage_names_.find(lowered); found != stage_names_.end()) {
    return stage_results_[found->second];
  }
  if (!base.empty() && std::all_of(base.begin(), base.end(), ::isdigit)) {
    std::size_t number = std::stoul(base);
    if (number < index) return stage_results_[number];
  }

  if (base == "scratch") {
    StageImage image;
    image.config = {{"architecture", "amd64"},
                    {"os", "linux"},
                    {"config", json::object()},
                    {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}};
    return image;
  }
  const auto& policy = request_.pull_policy;
  std::optional<state::ImageRecord> record;
  if (policy != "always" && policy != "newer") record = hooks_.find_image(base);
  if (!record) {
    if (policy == "never") {
      fail(ErrorCode::kNotFound, "{}: image not known, and --pull=never forbids pulling it", base);
    }
    PullRequest pull;
    pull.reference = base;
    pull.username = request_.username;
    pull.password = request_.password;
    pull.authfile = request_.authfile;
    pull.tls_verify = request_.tls_verify;
    if (!pull.tls_verify && request_.registry_tls_verify) {
      auto parsed = image::parse_reference(base);
      pull.tls_verify =
          request_.registry_tls_verify(parsed.qualified ? parsed.ref.registry : "docker.io");
    }
    pull.cert_dir = request_.cert_dir;
    pull.platform = stage.platform.empty() ? request_.platform : expand(globals, stage.platform);
    StoppablePullProgress progress(progress_, stop_);
    record = hooks_.ctx.db().get_image(hooks_.engine.pull(pull, progress));
  }
  return stage_image_of(*record);
}

std::string Builder::cache_key(const StageState& state, const build::Instruction& instruction,
                               const std::string& extra) const {
  // The format decides which config fields a step keeps (HEALTHCHECK, ONBUILD).
  std::string text =
      state.image.id + "\n" + request_.format + "\n" + instruction.text + "\n" + extra + "\n";
  for (const auto& [name, value] : state.args) text += name + "=" + value + "\n";
  return sha256_digest(text).substr(7);
}

std::optional<StageImage> Builder::cached(const std::string& key) {
  if (!request_.layers || request_.no_cache) return std::nullopt;
  auto id = os::read_file_if_exists(hooks_.ctx.paths().root + "/build-cache/" + key);
  if (!id) return std::nullopt;
  auto record = hooks_.ctx.db().get_image(*id);
  if (!record) return std::nullopt;
  return stage_image_of(*record);
}

void Builder::remember(const std::string& key, const std::string& id) {
  if (!request_.layers) return;
  std::string dir = hooks_.ctx.paths().root + "/build-cache";
  os::make_dirs(dir, 0700);
  os::write_file_atomic(dir + "/" + key, id, 0600);
}

std::optional<StepLayer> Builder::run_command(StageState& state,
                                              const build::Instruction& instruction,
                                              std::string& created_by) {
  std::vector<std::string> argv;
  if (instruction.json) {
    argv = instruction.json_args;
  } else {
    argv = state.shell;
    argv.push_back(instruction.args);
  }
  std::vector<std::string> env;
  for (const auto& [name, value] : state.args) env.push_back(name + "=" + value);
  std::string prefix;
  if (!state.args.empty()) {
    prefix = "|" + std::to_string(state.args.size());
    for (const auto& [name, value] : state.args) prefix += " " + name + "=" + value;
    prefix += " ";
  }
  std::string joined;
  for (const auto& word : argv) joined += (joined.empty() ? "" : " ") + word;
  created_by = prefix + joined;
  if (state.image.id.empty()) {
    fail(ErrorCode::kInvalidArgument, "RUN needs a base image with a shell, not scratch");
  }
  CreateRequest create;
  create.image = state.image.id;
  create.command = argv;
  create.entrypoint = "";
  create.env = env;
  create.network = request_.network.empty() ? "bridge" : request_.network;
  create.pull_policy = "never";
  StepContainer container(hooks_.engine, hooks_.engine.create(create, progress_));

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    fail_errno(errno, "creating the attach socket pair");
  }
  os::Fd ours(pair[0]), theirs(pair[1]);
  container::StartOptions options;
  options.attach_fd = theirs.get();
  try {
    hooks_.engine.start(container.id(), options);
  } catch (const Error& e) {
    // As in Podman, a command that the runtime cannot exec fails the build
    // with the runtime's exit status, 1; any other failure to start (an
    // unknown USER, say) fails it with 125.
    bool exec_failed = std::string_view(e.what()).starts_with("exec: ");
    if (exec_failed &&
        (e.code() == ErrorCode::kCommandNotFound || e.code() == ErrorCode::kCommandNotExecutable)) {
      throw build::RunStepFailed(
          fmt::format("building at STEP \"{}\": {}", instruction.text, e.what()), 1);
    }
    if (e.code() == ErrorCode::kCommandNotFound || e.code() == ErrorCode::kCommandNotExecutable) {
      throw Error(ErrorCode::kInvalidArgument, e.what());
    }
    throw;
  }
  theirs.reset();
  container::AttachIo io;
  io.stdin_fd = -1;
  io.close_stdin = true;
  io.on_output = [this](unsigned char stream, std::string_view payload) {
    if (stream == container::kStreamStderr && request_.run_stderr) {
      request_.run_stderr(payload);
    } else {
      print(payload);
    }
  };
  // A stop signal kills the step's process at once; the container goes when
  // BuildInterrupted unwinds past it.
  io.signal_fd = stop_.fd();
  io.on_signal = [this, &container](int signal_number) {
    stop_.received(signal_number);
    try {
      hooks_.engine.kill(container.id(), "KILL");
    } catch (const Error& e) {
      spdlog::debug("killing build container {}: {}", container.id().substr(0, 12), e.what());
    }
  };
  auto result = container::attach_stream(ours.get(), io);
  stop_.throw_if_stopped();
  int code = result.exit_code ? *result.exit_code : hooks_.engine.wait(container.id());
  hooks_.engine.cleanup(container.id(), code, "", false);
  if (code != 0) {
    throw build::RunStepFailed(fmt::format("building at STEP \"{}\": while running runtime: "
                                           "exit status {}",
                                           instruction.text, code),
                               code);
  }
  std::string tar = scratch_.path() + "/layer-" + std::to_string(++scratch_count_) + ".tar";
  ContainerFileSystem files(hooks_.ctx, container.id(), false);
  return StepLayer{tar, write_layer_tar(files.path(), tar, kRuntimeMountPoints)};
}

void Builder::apply_config(StageState& state, const build::Instruction& instruction, json& config,
                           std::string& created_by) {
  const auto& keyword = instruction.keyword;
  json& settings = config["config"];
  if (!settings.is_object()) settings = json::object();
  created_by = "/bin/sh -c #(nop) " + instruction.text;
  auto lookup = lookup_for(state);
  auto command_of = [&] {
    if (instruction.json) return instruction.json_args;
    auto argv = state.shell;
    argv.push_back(instruction.args);
    return argv;
  };
  bool docker_format = request_.format == "docker";
  if (keyword == "ENV") {
    auto pairs = build::parse_key_values(instruction.args, lookup, file_.escape);
    json env = settings.value("Env", json::array());
    for (const auto& [key, value] : pairs) {
      json others = json::array();
      for (const auto& entry : env) {
        if (!entry.get<std::string>().starts_with(key + "=")) others.push_back(entry);
      }
      others.push_back(key + "=" + value);
      env = others;
    }
    settings["Env"] = env;
  } else if (keyword == "LABEL") {
    for (const auto& [key, value] :
         build::parse_key_values(instruction.args, lookup, file_.escape)) {
      settings["Labels"][key] = value;
    }
  } else if (keyword == "WORKDIR") {
    std::string dir = expand(state, instruction.args);
    if (!dir.starts_with("/")) dir = settings.value("WorkingDir", "/") + "/" + dir;
    settings["WorkingDir"] = clean_path(dir);
  } else if (keyword == "USER") {
    settings["User"] = expand(state, instruction.args);
  } else if (keyword == "CMD") {
    settings["Cmd"] = command_of();
    state.cmd_set = true;
  } else if (keyword == "ENTRYPOINT") {
    settings["Entrypoint"] = command_of();
    if (!state.cmd_set) settings.erase("Cmd");
  } else if (keyword == "EXPOSE") {
    for (auto port : build::expand_words(instruction.args, lookup, file_.escape)) {
      if (port.find('/') == std::string::npos) port += "/tcp";
      settings["ExposedPorts"][port] = json::object();
    }
  } else if (keyword == "VOLUME") {
    std::vector<std::string> paths =
        instruction.json ? instruction.json_args
                         : build::expand_words(instruction.args, lookup, file_.escape);
    for (const auto& path : paths) settings["Volumes"][path] = json::object();
  } else if (keyword == "STOPSIGNAL") {
    settings["StopSignal"] = expand(state, instruction.args);
    check_stop_signal(settings);
  } else if (keyword == "SHELL") {
    if (!instruction.json || instruction.json_args.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "SHELL requires a JSON array such as [\"/bin/sh\", \"-c\"]");
    }
    state.shell = instruction.json_args;
    if (docker_format) settings["Shell"] = state.shell;
  } else if (keyword == "MAINTAINER") {
    config["author"] = expand(state, instruction.args);
  } else if (keyword == "ONBUILD") {
    if (docker_format) {
      settings["OnBuild"].push_back(instruction.args);
    } else {
      spdlog::warn(
          "ONBUILD is not supported for the OCI image format, {} will be ignored: use "
          "--format docker",
          instruction.text);
    }
  } else if (keyword == "HEALTHCHECK") {
    json check = json::object();
    std::string rest = instruction.args;
    while (rest.starts_with("--")) {
      auto end = rest.find_first_of(" \t");
      std::string flag = rest.substr(0, end);
      rest = end == std::string::npos ? "" : rest.substr(rest.find_first_not_of(" \t", end));
      auto equals = flag.find('=');
      std::string name = flag.substr(2, equals == std::string::npos ? flag.npos : equals - 2);
      std::string value = equals == std::string::npos ? "" : flag.substr(equals + 1);
      if (name == "interval")
        check["Interval"] = parse_duration(value);
      else if (name == "timeout")
        check["Timeout"] = parse_duration(value);
      else if (name == "start-period")
        check["StartPeriod"] = parse_duration(value);
      else if (name == "retries")
        check["Retries"] = std::stoi(value);
      else
        fail(ErrorCode::kInvalidArgument, "unknown HEALTHCHECK flag \"--{}\"", name);
    }
    std::string upper_rest = rest.substr(0, 4);
    std::transform(upper_rest.begin(), upper_rest.end(), upper_rest.begin(), ::toupper);
    if (upper_rest == "NONE") {
      check["Test"] = {"NONE"};
    } else if (upper_rest == "CMD" || upper_rest.starts_with("CMD")) {
      std::string command = rest.size() > 3 ? rest.substr(rest.find_first_not_of(" \t", 3)) : "";
      std::vector<std::string> argv;
      if (build::parse_json_array(command, argv)) {
        argv.insert(argv.begin(), "CMD");
        check["Test"] = argv;
      } else {
        check["Test"] = {"CMD-SHELL", command};
      }
    } else {
      fail(ErrorCode::kInvalidArgument, "HEALTHCHECK requires NONE or CMD COMMAND");
    }
    if (docker_format) {
      settings["Healthcheck"] = check;
    } else {
      spdlog::warn(
          "HEALTHCHECK is not supported for the OCI image format and is ignored: use "
          "--format docker");
    }
  }
}

std::string Builder::record(StageState& state, json config, const std::string& created_by,
                            const std::optional<StepLayer>& layer, bool last) {
  std::string created = format_rfc3339_nano(now_ns());
  config["created"] = created;
  json entry = {{"created", created}, {"created_by", created_by}};
  if (!state.image.id.empty()) entry["comment"] = "FROM " + state.image.id.substr(0, 12);
  if (!layer) entry["empty_layer"] = true;
  json history = config.value("history", json::array());
  history.push_back(entry);
  config["history"] = history;
  if (last) {
    for (const auto& label : request_.labels) {
      auto equals = label.find('=');
      config["config"]["Labels"][label.substr(0, equals)] =
          equals == std::string::npos ? "" : label.substr(equals + 1);
    }
  }
  os::FileLock store_lock(hooks_.ctx.paths().root + "/layers.lock", true);
  LocalImage image;
  image.docker_format = request_.format == "docker";
  image.diff_ids = state.image.diff_ids;
  image.layer_blobs = state.image.blobs;
  if (layer) {
    hooks_.ctx.layers().add_from_blob(layer->tar.diff_id, layer->path);
    image.diff_ids.push_back(layer->tar.diff_id);
    image::Descriptor blob;
    blob.digest = layer->tar.diff_id;
    blob.size = layer->tar.size;
    blob.media_type = std::string(image::media_type::kOciLayer);
    image.layer_blobs.push_back(blob);
  }
  image.config = config;
  QuietProgress quiet;
  std::string id = record_local_image(hooks_.ctx, image, layer ? 1 : 0, quiet);
  state.image = StageImage{id, image.config, image.diff_ids, image.layer_blobs};
  intermediates_.push_back(id);
  return id;
}

void Builder::run_step(StageState& state, const build::Instruction& instruction, bool last) {
  const auto& keyword = instruction.keyword;
  if (keyword == "ARG") {
    for (const auto& word :
         build::expand_words(instruction.args, lookup_for(state), file_.escape)) {
      auto equals = word.find('=');
      std::string name = word.substr(0, equals);
      used_build_args_.insert(name);
      if (auto given = request_.build_args.find(name); given != request_.build_args.end()) {
        state.args[name] = given->second;
      } else if (equals != std::string::npos) {
        state.args[name] = word.substr(equals + 1);
      } else if (auto global = global_args_.find(name); global != global_args_.end()) {
        state.args[name] = global->second;
      }
    }
  }

  bool changes_files = keyword == "RUN" || keyword == "COPY" || keyword == "ADD";
  std::string key_extra;
  std::string created_by;
  if (keyword == "COPY" || keyword == "ADD")
    copy_files(state, instruction, created_by, key_extra, true);
  if (last) {
    for (const auto& label : request_.labels) key_extra += "label " + label + "\n";
  }
  std::string key = cache_key(state, instruction, key_extra);
  auto hit = cached(key);
  if (hit) {
    state.image = *hit;
    if (keyword == "CMD") state.cmd_set = true;
    if (keyword == "SHELL" && instruction.json) state.shell = instruction.json_args;
    print(fmt::format("--> Using cache {}\n", hit->id));
  } else {
    json config = state.image.config;
    std::optional<StepLayer> layer;
    if (keyword == "RUN") {
      layer = run_command(state, instruction, created_by);
    } else if (changes_files) {
      layer = copy_files(state, instruction, created_by, key_extra, false);
    } else if (keyword == "ARG") {
      created_by = "/bin/sh -c #(nop) ARG " + instruction.args;
    } else {
      apply_config(state, instruction, config, created_by);
      // WORKDIR creates its directory, so that COPY and RUN find it.
      if (keyword == "WORKDIR") layer = make_workdir(state, config["config"]["WorkingDir"]);
    }
    record(state, config, created_by, layer, last);
    remember(key, state.image.id);
  }
  if (last) print_commit();
  print(fmt::format("--> {}\n", state.image.id.substr(0, 11)));
}

std::string Builder::run() {
  context_ = request_.context_dir.empty() ? "." : request_.context_dir;
  std::error_code ec;
  if (fs::exists(context_, ec) && !fs::is_directory(context_, ec)) {
    fail(ErrorCode::kInvalidArgument,
         "context \"{}\" is not a directory: give the directory that contains the files to copy",
         context_);
  }
  if (!fs::is_directory(context_, ec)) {
    fail(ErrorCode::kNotFound,
         "context directory \"{}\" does not exist: give an existing directory", context_);
  }
  context_ = fs::canonical(context_).string();
  std::string path = request_.containerfile;
  if (path.empty()) {
    for (const char* name : {"/Containerfile", "/Dockerfile"}) {
      if (os::path_exists(context_ + name)) {
        path = context_ + name;
        break;
      }
    }
    if (path.empty()) {
      fail(ErrorCode::kNotFound,
           "no Containerfile or Dockerfile in \"{}\": add one or name it with -f", context_);
    }
  }
  auto text = os::read_file_if_exists(path);
  if (!text) fail(ErrorCode::kNotFound, "the Containerfile \"{}\" does not exist", path);
  file_ = build::parse_containerfile(*text, path);
  ignore_ = build::IgnoreRules::load(context_);
  if (request_.format != "oci" && request_.format != "docker") {
    fail(ErrorCode::kInvalidArgument, "invalid --format \"{}\": use oci or docker",
         request_.format);
  }
  for (const auto& tag : request_.tags) normalize_tag_name(tag);

  StageState globals;
  for (const auto& instruction : file_.global_args) {
    for (const auto& word :
         build::expand_words(instruction.args, lookup_for(globals), file_.escape)) {
      auto equals = word.find('=');
      std::string name = word.substr(0, equals);
      used_build_args_.insert(name);
      if (auto given = request_.build_args.find(name); given != request_.build_args.end()) {
        globals.args[name] = given->second;
      } else if (equals != std::string::npos) {
        globals.args[name] = word.substr(equals + 1);
      }
    }
  }
  global_args_ = globals.args;

  std::size_t last_stage = file_.stages.size() - 1;
  if (!request_.target.empty()) {
    std::string target = request_.target;
    std::transform(target.begin(), target.end(), target.begin(), ::tolower);
    auto found = std::find_if(file_.stages.begin(), file_.stages.end(),
                              [&](const build::Stage& s) { return s.name == target; });
    if (found == file_.stages.end()) {
      fail(ErrorCode::kNotFound, "the target stage \"{}\" is not in {}: name one of its AS stages",
           request_.target, path);
    }
    last_stage = static_cast<std::size_t>(found - file_.stages.begin());
  }

  for (std::size_t index = 0; index <= last_stage; ++index) {
    const auto& stage = file_.stages[index];
    bool final_stage = index == last_stage;
    std::string prefix = last_stage > 0 ? fmt::format("[{}/{}] ", index + 1, last_stage + 1) : "";
    stage_prefix_ = prefix;
    std::size_t steps = stage.instructions.size() + 1;
    StageState state;
    std::string from_text = expand(globals, stage.base);
    if (!stage.name.empty()) from_text += " AS " + stage.name;
    print(fmt::format("{}STEP 1/{}: FROM {}\n", prefix, steps, from_text));
    try {
      state.image = with_context(fmt::format("building at STEP \"FROM {}\"", from_text),
                                 [&] { return resolve_base(stage, index); });
    } catch (const Error&) {
      // A pull stopped by a stop request fails as a transfer.
      stop_.throw_if_stopped();
      throw;
    }
    // The base image's ONBUILD triggers run first and the new image does not
    // carry them on. As in Podman 4.3, the STEP lines count the triggers only
    // from the step after FROM on.
    std::vector<build::Instruction> instructions = onbuild_triggers(state.image, path);
    instructions.insert(instructions.end(), stage.instructions.begin(), stage.instructions.end());
    steps = instructions.size() + 1;
    for (std::size_t i = 0; i < instructions.size(); ++i) {
      const auto& instruction = instructions[i];
      bool last = final_stage && i + 1 == instructions.size();
      stop_.throw_if_stopped();
      print(fmt::format("{}STEP {}/{}: {}\n", prefix, i + 2, steps, instruction.text));
      try {
        run_step(state, instruction, last);
      } catch (const build::BuildInterrupted&) {
        throw;
      } catch (const build::RunStepFailed&) {
        throw;
      } catch (const Error& e) {
        throw e.with_context(fmt::format("building at STEP \"{}\"", instruction.text));
      }
    }
    if (final_stage && instructions.empty()) {
      if (state.image.id.empty()) {
        fail(ErrorCode::kInvalidArgument, "FROM scratch without instructions makes no image");
      }
      print_commit();
      print(fmt::format("--> {}\n", state.image.id.substr(0, 11)));
    }
    stage_results_.push_back(state.image);
    if (!stage.name.empty()) stage_names_[stage.name] = index;
  }

  std::string id = stage_results_.back().id;
  std::vector<std::string> unused;
  for (const auto& [name, value] : request_.build_args) {
    if (!used_build_args_.contains(name)) unused.push_back(name);
  }
  if (!unused.empty()) {
    std::string list;
    for (const auto& name : unused) list += (list.empty() ? "" : " ") + name;
    print(fmt::format("[Warning] one or more build args were not consumed: [{}]\n", list));
  }
  stop_.throw_if_stopped();
  if (!request_.tags.empty()) {
    hooks_.engine.tag_image(id, request_.tags);
    for (const auto& tag : request_.tags) {
      print(fmt::format("Successfully tagged {}\n", normalize_tag_name(tag)));
    }
  }
  if (!request_.layers) {
    for (const auto& intermediate : intermediates_) {
      if (intermediate == id) continue;
      try {
        hooks_.engine.remove_image(intermediate, false);
      } catch (const Error& e) {
        spdlog::debug("keeping intermediate image {}: {}", intermediate.substr(0, 12), e.what());
      }
    }
  }
  output_(id + "\n");
  return id;
}

}  // namespace berth::engine::builder

namespace berth::engine {

std::string run_build(BuildHooks& hooks, const BuildRequest& request,
                      const std::function<void(std::string_view)>& output, PullProgress& progress) {
  builder::Builder builder(hooks, request, output, progress);
  return builder.run();
}

}  // namespace berth::engine
