// Events of LocalEngine: reading the event log, and waiting for other berth
// processes to add to it.

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/local_engine.hpp"
#include "os/fd.hpp"

namespace berth::engine {

namespace {

// Maximum wait between two reads of the log while streaming. inotify wakes
// the reader at once when the database changes; this only bounds the delay
// when a change goes unnoticed (a database on a file system without
// inotify events, for example).
constexpr int kMaxWaitMs = 2000;

// Watches the database's directory for writes to the database or its WAL.
os::Fd watch_database(const std::string& root) {
  os::Fd fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!fd) fail_errno(errno, "watching the event log: inotify_init1");
  if (::inotify_add_watch(fd.get(), root.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
    fail_errno(errno, "watching the event log in \"" + root + "\"");
  }
  return fd;
}

// Waits up to timeout_ms for a change to a file whose name starts with
// "berth.db"; returns early on one and drains what inotify queued.
void wait_for_change(int fd, int timeout_ms) {
  alignas(inotify_event) char buffer[4096];
  std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_ms) * 1'000'000;
  for (;;) {
    int remaining = static_cast<int>((deadline - now_ns()) / 1'000'000);
    if (remaining <= 0) return;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, remaining);
    if (ready < 0 && errno != EINTR) fail_errno(errno, "waiting for events");
    if (ready <= 0) continue;
    bool database_changed = false;
    for (;;) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      for (char* at = buffer; at < buffer + n;) {
        auto* event = reinterpret_cast<inotify_event*>(at);
        if (event->len > 0 && std::strncmp(event->name, "berth.db", 8) == 0) {
          database_changed = true;
        }
        at += sizeof(inotify_event) + event->len;
      }
    }
    if (database_changed) return;
  }
}

}  // namespace

void LocalEngine::read_events(const EventsRequest& request,
                              const std::function<bool(const state::EventRecord&)>& sink) {
  auto& db = ctx_.db();
  // The watch starts before the first read, so no write falls between them.
  os::Fd watch;
  if (request.stream) watch = watch_database(ctx_.paths().root);
  std::int64_t after = request.history ? 0 : db.last_event_id();
  for (;;) {
    for (const auto& event : db.list_events(after)) {
      after = event.id;
      if (!sink(event)) return;
    }
    if (!request.stream) return;
    int timeout = kMaxWaitMs;
    if (request.until_ns) {
      std::int64_t left_ms = (*request.until_ns - now_ns()) / 1'000'000;
      if (left_ms < 0) return;
      timeout = static_cast<int>(std::min<std::int64_t>(left_ms + 1, timeout));
    }
    wait_for_change(watch.get(), timeout);
    if (request.keep_going && !request.keep_going()) return;
  }
}

}  // namespace berth::engine
