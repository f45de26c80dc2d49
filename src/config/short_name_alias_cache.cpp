#include "config/short_name_alias_cache.hpp"

#include <fcntl.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <sstream>

#include <toml++/toml.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/registries.hpp"
#include "os/file.hpp"

namespace berth::config {

namespace {

// Takes an exclusive open file description lock on the whole lock file and
// returns the fd that holds it. Unlike flock(2), such a lock conflicts with
// the fcntl(2) record locks that Podman 4.3 takes on the same lock file, so
// berth and Podman recording aliases at the same time wait for each other.
// Threads of one process wait too, because each call opens the file anew.
os::Fd lock_alias_cache(const std::string& lock_path) {
  os::Fd fd = os::open_file(lock_path, O_RDWR | O_CREAT, 0644);
  struct flock whole_file {};
  whole_file.l_type = F_WRLCK;
  whole_file.l_whence = SEEK_SET;
  while (::fcntl(fd.get(), F_OFD_SETLKW, &whole_file) != 0) {
    if (errno != EINTR) fail_errno(errno, "locking \"" + lock_path + "\"");
  }
  return fd;
}

}  // namespace

std::string set_alias_in_cache_text(std::string_view existing_text, std::string_view source,
                                    const std::string& name, const std::string& target) {
  toml::table root;
  try {
    root = toml::parse(existing_text, source);
  } catch (const toml::parse_error& e) {
    fail(ErrorCode::kInvalidArgument, "parsing {}: line {}: {}", source, e.source().begin.line,
         e.description());
  }
  if (!root.contains("aliases")) root.insert("aliases", toml::table{});
  toml::table* aliases = root["aliases"].as_table();
  if (aliases == nullptr) {
    fail(ErrorCode::kInvalidArgument, "parsing {}: field \"aliases\" must be a table", source);
  }
  aliases->insert_or_assign(name, target);

  std::ostringstream text;
  // These flags give basic (double-quoted) strings, as Podman 4.3 writes
  // this file, because toml++ would otherwise prefer literal ones.
  text << toml::toml_formatter(root, toml::format_flags::indentation) << '\n';
  // The next load must accept what is written, so the result goes through
  // the same checks as every registries.conf file.
  RegistriesConfig::parse(text.str(), source);
  return text.str();
}

void record_short_name_alias(const std::string& path, const std::string& name,
                             const std::string& target) {
  with_context(fmt::format("recording short-name alias \"{}\" in {}", name, path), [&] {
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (!dir.empty()) os::make_dirs(dir, 0700);
    os::Fd lock = lock_alias_cache(path + ".lock");
    std::optional<std::string> existing = os::read_file_if_exists(path);
    std::string text = set_alias_in_cache_text(existing.value_or(""), path, name, target);
    os::write_file_atomic(path, text, 0600);
    SPDLOG_DEBUG("recorded short-name alias {} = {} in {}", name, target, path);
  });
}

}  // namespace berth::config
