#include "container/secret_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "os/file.hpp"
#include "secret/secret_store.hpp"

namespace berth::container {

namespace {

std::string secrets_dir(Context& ctx, const std::string& id) {
  return ctx.paths().run_dir(id) + "/secrets";
}

// Sets KEY=VALUE in env, replacing an entry of the same key.
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  std::string prefix = key + "=";
  for (auto& entry : env) {
    if (entry.starts_with(prefix)) {
      entry = prefix + value;
      return;
    }
  }
  env.push_back(prefix + value);
}

}  // namespace

void add_secrets(Context& ctx, const state::ContainerRecord& record, const ContainerConfig& config,
                 runtime::SpecInput& input) {
  if (config.secrets.empty()) return;
  secret::SecretStore store(ctx.db(), ctx.paths().root);
  std::string dir = secrets_dir(ctx, record.id);
  bool made_dir = false;
  for (std::size_t i = 0; i < config.secrets.size(); ++i) {
    const auto& use = config.secrets[i];
    auto secret = store.find(use.id);
    if (!secret) {
      fail(ErrorCode::kNotFound,
           "secret \"{}\" of container {} no longer exists: create it again, or recreate the "
           "container without it",
           use.name, record.name);
    }
    std::string data = store.data(*secret);
    if (use.type == "env") {
      set_env(input.env, use.target, data);
      continue;
    }
    if (!made_dir) {
      os::make_dirs(dir, 0700);
      made_dir = true;
    }
    // Numbered, so that one secret can go to several targets.
    std::string path = dir + "/" + std::to_string(i) + "-" + secret->id;
    os::write_file_atomic(path, data, 0600, os::Durability::kVolatile);
    if (::chown(path.c_str(), use.uid, use.gid) != 0 || ::chmod(path.c_str(), use.mode) != 0) {
      fail_errno(errno, "setting the owner and mode of secret \"" + use.name + "\"");
    }
    input.mounts.push_back({use.target, path, "bind", {"rbind", "ro", "rprivate"}});
  }
}

void remove_secret_files(Context& ctx, const std::string& id) {
  os::remove_all(secrets_dir(ctx, id));
}

}  // namespace berth::container
