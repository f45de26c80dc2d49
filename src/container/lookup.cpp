#include "container/operations.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::container {

bool process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  // A zombie has exited; it lingers when its new parent (after the monitor
  // died) does not reap it.
  std::optional<std::string> stat;
  try {
    stat = os::read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return false;  // ESRCH: it exited while being read
  }
  if (!stat) return false;
  auto close = stat->rfind(')');
  return close == std::string::npos || close + 2 >= stat->size() || (*stat)[close + 2] != 'Z';
}

void refresh(Context& ctx, state::ContainerRecord& record) {
  if (!has_process(record.status) || process_alive(record.pid)) return;
  // The monitor runs cleanup right after the process exits, so a short gap
  // is normal: give it up to half a second before doing the work here,
  // looking often at first, because it usually needs a few milliseconds.
  // Without an exit file after 25 ms, the monitor is taken to be gone.
  useconds_t pause = 1'000;
  useconds_t waited = 0;
  while (waited < 500'000) {
    auto fresh = ctx.db().get_container(record.id);
    if (!fresh || !has_process(fresh->status)) {
      if (fresh) record = *fresh;
      return;
    }
    if (waited >= 25'000 && !os::path_exists(ctx.paths().exit_file(record.id))) break;
    ::usleep(pause);
    waited += pause;
    pause = std::min<useconds_t>(pause * 2, 25'000);
  }
  spdlog::debug("container {} is recorded as running but pid {} is gone: cleaning up",
                record.id, record.pid);
  cleanup(ctx, record.id, std::nullopt);
  if (auto fresh = ctx.db().get_container(record.id)) record = *fresh;
}

std::vector<state::ContainerRecord> list(Context& ctx) {
  auto records = ctx.db().list_containers();
  for (auto& record : records) refresh(ctx, record);
  return records;
}

void fail_no_such_container(const std::string& name_or_id) {
  fail(ErrorCode::kNotFound, "no container with name or ID \"{}\" found: no such container",
       name_or_id);
}

state::ContainerRecord find(Context& ctx, std::string_view name_or_id) {
  std::string key(name_or_id);
  if (key.empty()) fail(ErrorCode::kInvalidArgument, "container name or ID is empty");
  auto record = ctx.db().get_container(key);
  if (!record) record = ctx.db().container_by_name(key);
  if (!record) {
    std::vector<state::ContainerRecord> matches;
    for (auto& c : ctx.db().list_containers()) {
      if (c.id.starts_with(key)) matches.push_back(c);
    }
    if (matches.size() > 1) {
      fail(ErrorCode::kInvalidArgument,
           "more than one container matches the ID prefix \"{}\": give more characters", key);
    }
    if (matches.size() == 1) record = matches.front();
  }
  if (!record) fail_no_such_container(key);
  refresh(ctx, *record);
  return *record;
}

state::ContainerRecord latest(Context& ctx) {
  auto records = ctx.db().list_containers();
  if (records.empty()) fail(ErrorCode::kNotFound, "no containers to act on with --latest");
  refresh(ctx, records.front());
  return records.front();
}

}  // namespace berth::container
