// Log drivers: the k8s-file log with max-size rotation, and the journal.

#include "log_sink.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "journal_record.hpp"

namespace monitor {

namespace {

constexpr unsigned char kStderrStream = 2;
constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Formats now as RFC 3339 in UTC with nanoseconds: 2024-01-01T00:00:00.123456789Z.
void format_timestamp(char (&text)[64]) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, now.tv_nsec);
}

// Starts the log file again, as conmon does at --log-size-max: a new empty
// file is renamed over the old one, so a reader that follows the old file
// notices its inode change and moves to the new one.
void rotate_file(LogSink& sink) {
  std::string temporary = sink.path + ".rotate";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    debug("rotating the log: creating %s: %s", temporary.c_str(), std::strerror(errno));
    return;
  }
  if (::rename(temporary.c_str(), sink.path.c_str()) != 0) {
    debug("rotating the log: renaming %s: %s", temporary.c_str(), std::strerror(errno));
    ::close(fd);
    ::unlink(temporary.c_str());
    return;
  }
  ::close(sink.fd);
  sink.fd = fd;
  sink.size = 0;
}

void write_file_records(LogSink& sink, const std::string& records) {
  if (!write_all(sink.fd, records.data(), records.size())) {
    debug("writing the log failed: %s", std::strerror(errno));
    return;
  }
  sink.size += static_cast<long long>(records.size());
}

void write_file_log(LogSink& sink, unsigned char stream, const char* data, std::size_t size) {
  char timestamp[64];
  format_timestamp(timestamp);
  const char* stream_name = stream == kStderrStream ? " stderr " : " stdout ";
  std::string records;
  std::string record;
  std::size_t start = 0;
  while (start < size) {
    const char* newline = static_cast<const char*>(std::memchr(data + start, '\n', size - start));
    std::size_t end = newline ? static_cast<std::size_t>(newline - data) : size;
    record = timestamp;
    record += stream_name;
    record += newline ? "F " : "P ";
    record.append(data + start, end - start);
    record += '\n';
    start = newline ? end + 1 : size;
    if (sink.max_size > 0 &&
        sink.size + static_cast<long long>(records.size() + record.size()) > sink.max_size) {
      if (!records.empty()) write_file_records(sink, records);
      records.clear();
      rotate_file(sink);
    }
    records += record;
  }
  write_file_records(sink, records);
}

// Sends a record too large for one datagram as a sealed memfd, which the
// journal reads instead (the native protocol's way for large records).
bool send_journal_memfd(int socket_fd, const std::string& record) {
  int memfd = ::memfd_create("berth-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd < 0) return false;
  bool ok = write_all(memfd, record.data(), record.size()) &&
            ::fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
  if (ok) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr header{};
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&header);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &memfd, sizeof memfd);
    ok = ::sendmsg(socket_fd, &header, MSG_NOSIGNAL) >= 0;
  }
  ::close(memfd);
  return ok;
}

void send_journal_record(LogSink& sink, const std::string& record) {
  for (;;) {
    if (::send(sink.fd, record.data(), record.size(), MSG_NOSIGNAL) >= 0) return;
    if (errno == EINTR) continue;
    if ((errno == EMSGSIZE || errno == ENOBUFS) && send_journal_memfd(sink.fd, record)) return;
    debug("sending a record to the journal failed: %s", std::strerror(errno));
    return;
  }
}

void write_journal_log(LogSink& sink, unsigned char stream, const char* data, std::size_t size) {
  std::size_t start = 0;
  while (start < size) {
    const char* newline = static_cast<const char*>(std::memchr(data + start, '\n', size - start));
    std::size_t end = newline ? static_cast<std::size_t>(newline - data) : size;
    send_journal_record(sink, journal_line_record(sink.journal_fields, stream == kStderrStream,
                                                  std::string_view(data + start, end - start),
                                                  newline == nullptr));
    start = newline ? end + 1 : size;
  }
}

bool open_journal(const Options& options, LogSink& sink, std::string& message) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    message = std::string("creating the journal socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, kJournalSocket, sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    message = std::string("connecting to the journal at ") + kJournalSocket + ": " +
              std::strerror(errno) + " (is systemd-journald running?)";
    ::close(fd);
    return false;
  }
  sink.kind = LogSink::Kind::kJournal;
  sink.fd = fd;
  sink.journal_fields = journal_container_fields(options.id, options.name, options.log_tag);
  return true;
}

}  // namespace

bool open_log(const Options& options, LogSink& sink, std::string& message) {
  if (options.log_driver == "journald") return open_journal(options, sink, message);
  if (options.log_driver != "k8s-file" || options.log_path.empty()) return true;
  int fd = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    message = "opening log file \"" + options.log_path + "\": " + std::strerror(errno);
    return false;
  }
  struct stat info{};
  sink.size = ::fstat(fd, &info) == 0 ? info.st_size : 0;
  sink.kind = LogSink::Kind::kFile;
  sink.fd = fd;
  sink.path = options.log_path;
  sink.max_size = options.log_size_max;
  return true;
}

void write_log(LogSink& sink, unsigned char stream, const char* data, std::size_t size) {
  if (sink.kind == LogSink::Kind::kFile) write_file_log(sink, stream, data, size);
  if (sink.kind == LogSink::Kind::kJournal) write_journal_log(sink, stream, data, size);
}

}  // namespace monitor
