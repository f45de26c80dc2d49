#pragma once

// Internal to logs.cpp and log_sources.cpp: reading k8s-file records and
// journal entries back.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "container/context.hpp"

namespace berth::container::log_reader {

// One k8s-file record, pointing into the read buffer.
struct Record {
  std::string_view timestamp;
  bool is_stderr = false;
  bool partial = false;
  std::string_view text;
};

// Parses "TIMESTAMP STREAM TAG TEXT". Returns false for a malformed line.
// Inline, because `logs` calls it for every line of a log.
inline bool parse_record(std::string_view line, Record& record) {
  auto first = line.find(' ');
  if (first == std::string_view::npos) return false;
  auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return false;
  auto third = line.find(' ', second + 1);
  record.timestamp = line.substr(0, first);
  record.is_stderr = line.substr(first + 1, second - first - 1) == "stderr";
  std::string_view tag = line.substr(
      second + 1, third == std::string_view::npos ? std::string_view::npos : third - second - 1);
  record.partial = tag == "P";
  record.text = third == std::string_view::npos ? std::string_view() : line.substr(third + 1);
  return true;
}

// One line of output with its parts joined, as the merged reader prints it.
struct Entry {
  std::int64_t time_ns = 0;  // of its first part
  std::string timestamp;     // RFC 3339, as -t prints it
  bool is_stderr = false;
  bool ends_line = true;  // false for a trailing piece that has no newline yet
  std::string text;
};

// A container's log as a sequence of entries.
class Source {
 public:
  virtual ~Source() = default;
  // Appends the entries that are complete now. With final (the container
  // will write no more), a trailing partial line is appended too, with
  // ends_line false.
  virtual void read_available(std::vector<Entry>& out, bool final) = 0;
};

// Reads a k8s-file log from its start. Follows a rotation by max-size: when
// the path names a new file, the rest of the old one is read first.
std::unique_ptr<Source> open_file_source(const std::string& path);

// Reads the journal entries of a container through journalctl
// (CONTAINER_ID_FULL=id), keeping journalctl running with follow.
std::unique_ptr<Source> open_journal_source(const std::string& id, bool follow);

// Returns whether a follower should wait for more output of the container:
// it is running or paused, or it exited and its restart policy starts it
// again, in which case the wait lasts at most a grace period after the exit.
// False when it was removed.
bool may_write_more(Context& ctx, const std::string& id);

}  // namespace berth::container::log_reader
