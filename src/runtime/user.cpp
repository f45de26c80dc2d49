// resolve_user: the image's /etc/passwd and /etc/group, read inside the root.

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>

#include "common/error.hpp"
#include "os/fd.hpp"
#include "runtime/spec.hpp"

namespace berth::runtime {

namespace {

// Opens ROOTFS/relative with every path component resolved as if rootfs
// were "/". Returns an invalid Fd with errno set when that fails.
os::Fd open_in_root(const std::string& rootfs, const char* relative, std::uint64_t flags) {
  os::Fd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno(errno, "opening root file system \"" + rootfs + "\"");
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return os::Fd(static_cast<int>(::syscall(SYS_openat2, root.get(), relative, &how, sizeof how)));
}

// Reads ROOTFS/relative with every path component resolved as if rootfs were
// "/", so an absolute symlink or ".." in the image stays inside it. Returns
// nullopt when the file does not exist.
std::optional<std::string> read_in_root(const std::string& rootfs, const char* relative) {
  os::Fd file = open_in_root(rootfs, relative, O_RDONLY);
  if (!file) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail_errno(errno, "opening \"" + std::string(relative) + "\" in \"" + rootfs + "\"");
  }
  std::string data;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "reading \"" + std::string(relative) + "\" in \"" + rootfs + "\"");
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::optional<std::uint32_t> parse_id(std::string_view text) {
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// One line of /etc/passwd ("name:x:uid:gid:gecos:home:shell") or /etc/group
// ("name:x:gid:member,member").
struct DatabaseEntry {
  std::string name;
  std::uint32_t id = 0;
  std::uint32_t gid = 0;  // passwd only
  std::string home;       // passwd only
  std::vector<std::string> members;  // group only
};

std::vector<DatabaseEntry> parse_database(const std::optional<std::string>& text, bool passwd) {
  std::vector<DatabaseEntry> entries;
  if (!text) return entries;
  for (std::string_view line : split(*text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() < (passwd ? 6u : 3u)) continue;
    auto id = parse_id(fields[2]);
    if (!id) continue;
    DatabaseEntry entry;
    entry.name = std::string(fields[0]);
    entry.id = *id;
    if (passwd) {
      entry.gid = parse_id(fields[3]).value_or(0);
      entry.home = std::string(fields[5]);
    } else if (fields.size() > 3 && !fields[3].empty()) {
      for (auto member : split(fields[3], ',')) entry.members.emplace_back(member);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

UserSpec resolve_user(const std::string& rootfs, std::string_view user) {
  std::string_view user_part = user;
  std::optional<std::string_view> group_part;
  if (auto colon = user.find(':'); colon != std::string_view::npos) {
    user_part = user.substr(0, colon);
    group_part = user.substr(colon + 1);
  }
  if (user_part.empty()) user_part = "0";

  auto passwd = parse_database(read_in_root(rootfs, "/etc/passwd"), true);
  UserSpec spec;
  const DatabaseEntry* account = nullptr;
  if (auto uid = parse_id(user_part)) {
    spec.uid = *uid;
    for (const auto& entry : passwd) {
      if (entry.id == *uid) {
        account = &entry;
        break;
      }
    }
  } else {
    for (const auto& entry : passwd) {
      if (entry.name == user_part) {
        account = &entry;
        break;
      }
    }
    if (!account) {
      fail(ErrorCode::kNotFound, "unable to find user {}: no matching entries in passwd file",
           user_part);
    }
    spec.uid = account->id;
  }
  if (account) {
    spec.gid = account->gid;
    if (!account->home.empty()) spec.home = account->home;
  }

  auto groups = parse_database(read_in_root(rootfs, "/etc/group"), false);
  if (group_part && !group_part->empty()) {
    if (auto gid = parse_id(*group_part)) {
      spec.gid = *gid;
    } else {
      auto found = std::find_if(groups.begin(), groups.end(),
                                [&](const DatabaseEntry& g) { return g.name == *group_part; });
      if (found == groups.end()) {
        fail(ErrorCode::kNotFound, "unable to find group {}: no matching entries in group file",
             *group_part);
      }
      spec.gid = found->id;
    }
  }

  if (account) {
    for (const auto& group : groups) {
      bool member = std::find(group.members.begin(), group.members.end(), account->name) !=
                    group.members.end();
      bool known = group.id == spec.gid ||
                   std::find(spec.additional_gids.begin(), spec.additional_gids.end(),
                             group.id) != spec.additional_gids.end();
      if (member && !known) spec.additional_gids.push_back(group.id);
    }
  }
  return spec;
}

MissingIdEntries missing_id_entries(const std::string& rootfs, std::string_view user,
                                    const std::string& home) {
  MissingIdEntries result;
  std::string_view user_part = user;
  std::optional<std::string_view> group_part;
  if (auto colon = user.find(':'); colon != std::string_view::npos) {
    user_part = user.substr(0, colon);
    group_part = user.substr(colon + 1);
  }
  result.passwd_text = read_in_root(rootfs, "/etc/passwd").value_or("");
  result.group_text = read_in_root(rootfs, "/etc/group").value_or("");
  auto passwd = parse_database(result.passwd_text, true);
  auto groups = parse_database(result.group_text, false);

  if (auto uid = parse_id(user_part)) {
    bool known = std::any_of(passwd.begin(), passwd.end(),
                             [&](const DatabaseEntry& e) { return e.id == *uid; });
    if (!known) {
      // The primary group is the --user group when given, else 0.
      std::uint32_t gid = 0;
      if (group_part && !group_part->empty()) {
        if (auto number = parse_id(*group_part)) {
          gid = *number;
        } else {
          auto found = std::find_if(groups.begin(), groups.end(),
                                    [&](const DatabaseEntry& g) { return g.name == *group_part; });
          if (found != groups.end()) gid = found->id;
        }
      }
      result.passwd_line =
          fmt::format("{}:*:{}:{}:container user:{}:/bin/sh\n", *uid, *uid, gid, home);
    }
  }

  // Without a group in --user, the user part names the group too.
  std::string_view group_name = group_part ? *group_part : user_part;
  if (auto gid = parse_id(group_name)) {
    bool known = std::any_of(groups.begin(), groups.end(),
                             [&](const DatabaseEntry& g) { return g.id == *gid; });
    if (!known) result.group_line = fmt::format("{}:x:{}:{}\n", *gid, *gid, user_part);
  }
  return result;
}

std::vector<std::uint32_t> resolve_groups(const std::string& rootfs,
                                          const std::vector<std::string>& groups) {
  std::vector<std::uint32_t> gids;
  if (groups.empty()) return gids;
  auto entries = parse_database(read_in_root(rootfs, "/etc/group"), false);
  for (const auto& group : groups) {
    std::optional<std::uint32_t> gid = parse_id(group);
    if (!gid) {
      auto found = std::find_if(entries.begin(), entries.end(),
                                [&](const DatabaseEntry& g) { return g.name == group; });
      if (found == entries.end()) {
        fail(ErrorCode::kNotFound, "Unable to find group {}: no matching entries in group file",
             group);
      }
      gid = found->id;
    }
    if (std::find(gids.begin(), gids.end(), *gid) == gids.end()) gids.push_back(*gid);
  }
  return gids;
}

bool directory_in_root(const std::string& rootfs, const std::string& path) {
  std::string relative = path;
  while (relative.starts_with('/')) relative.erase(0, 1);
  if (relative.empty()) return true;
  return static_cast<bool>(open_in_root(rootfs, relative.c_str(), O_PATH | O_DIRECTORY));
}

bool exists_in_root(const std::string& rootfs, const std::string& path) {
  std::string relative = path;
  while (relative.starts_with('/')) relative.erase(0, 1);
  if (relative.empty()) return true;
  return static_cast<bool>(open_in_root(rootfs, relative.c_str(), O_PATH));
}

}  // namespace berth::runtime
