#pragma once

// Log drivers on the monitor's side: where the container's output goes.

#include <string>

#include "monitor.hpp"

namespace monitor {

struct LogSink {
  enum class Kind { kNone, kFile, kJournal };
  Kind kind = Kind::kNone;
  int fd = -1;  // the log file (O_APPEND), or the journal's datagram socket
  std::string path;
  // k8s-file: the file is started again when a record would take it past
  // max_size bytes; -1 for no limit. size is its current length.
  long long max_size = -1;
  long long size = 0;
  std::string journal_fields;  // see journal_container_fields
};

// Opens the sink that options.log_driver names: the k8s-file log at
// options.log_path, a socket connected to the journal, or nothing for
// none and passthrough. Returns false with message on failure.
bool open_log(const Options& options, LogSink& sink, std::string& message);

// Writes one read of output (stream 1 stdout, 2 stderr): one record per
// line, "P" records for a trailing piece without its newline. Failures are
// logged to the debug log and dropped, so the container never blocks on
// its log.
void write_log(LogSink& sink, unsigned char stream, const char* data, std::size_t size);

}  // namespace monitor
