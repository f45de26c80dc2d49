// Remote client: logs of several containers, read one stream per container
// from the service and merged here.

#include "engine/remote_logs.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/remote_json.hpp"

namespace berth::engine::remote {

namespace {

using nlohmann::json;

// One container whose logs are read.
struct LogSource {
  std::string id;
  std::string prefix;  // short ID or name, and a space
  bool tty = false;
};

// One output line of a container, with its timestamp.
struct LogLine {
  std::int64_t time_ns = 0;
  std::string timestamp;
  std::string text;  // without the timestamp, with its "\n" unless it is the last, open line
  bool is_stderr = false;
};

// The logs route of one container, always with timestamps, which order
// the merged lines.
std::string logs_target(const std::string& id, const container::LogOptions& options) {
  std::string target = container_path(id, "logs") + "?stdout=true&stderr=true&timestamps=true";
  if (options.follow) target += "&follow=true";
  if (options.since_ns) target += "&since=" + seconds_text(*options.since_ns);
  if (options.until_ns) target += "&until=" + seconds_text(*options.until_ns);
  if (options.tail) target += "&tail=" + std::to_string(*options.tail);
  return target;
}

// Splits one container's log stream (Docker's 8-byte frames without a TTY,
// raw bytes with one) into lines and passes each complete line to on_line.
// finish() passes the last line when it has no newline.
class LineSplitter {
 public:
  LineSplitter(bool tty, std::function<bool(LogLine)> on_line)
      : tty_(tty), on_line_(std::move(on_line)) {}

  bool feed(std::string_view data) {
    if (tty_) return add(data, false);
    frames_.append(data);
    // A frame is a stream byte, three zero bytes, a 32-bit big-endian
    // length and the payload.
    while (frames_.size() >= 8) {
      std::uint32_t length = 0;
      for (int i = 4; i < 8; ++i) length = (length << 8) | static_cast<unsigned char>(frames_[i]);
      if (frames_.size() < 8 + length) break;
      bool is_stderr = frames_[0] == 2;
      if (!add(std::string_view(frames_).substr(8, length), is_stderr)) return false;
      frames_.erase(0, 8 + length);
    }
    return true;
  }

  bool finish() {
    for (int stream = 0; stream < 2; ++stream) {
      if (pending_[stream].empty()) continue;
      if (!emit(std::move(pending_[stream]), stream == 1)) return false;
      pending_[stream].clear();
    }
    return true;
  }

 private:
  bool add(std::string_view data, bool is_stderr) {
    std::string& pending = pending_[is_stderr ? 1 : 0];
    pending.append(data);
    std::size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, newline + 1);
      pending.erase(0, newline + 1);
      if (!emit(std::move(line), is_stderr)) return false;
    }
    return true;
  }

  // Splits "TIMESTAMP TEXT" as the service writes it with timestamps=true.
  bool emit(std::string line, bool is_stderr) {
    LogLine out;
    out.is_stderr = is_stderr;
    auto space = line.find(' ');
    out.text = line;
    if (space != std::string::npos) {
      try {
        out.time_ns = parse_rfc3339(line.substr(0, space));
        out.timestamp = line.substr(0, space);
        out.text = line.substr(space + 1);
      } catch (const Error&) {
        // No timestamp: the line keeps its text and sorts with time 0.
      }
    }
    return on_line_(std::move(out));
  }

  bool tty_;
  std::function<bool(LogLine)> on_line_;
  std::string frames_;
  std::string pending_[2];
};

// Writes one line with the container's prefix, and the timestamp when
// the user asked for timestamps.
bool write_line(const LogSource& source, const LogLine& line,
                const container::LogOptions& options, int stdout_fd, int stderr_fd) {
  std::string text = source.prefix;
  if (options.timestamps && !line.timestamp.empty()) text += line.timestamp + " ";
  text += line.text;
  // The last output of a container may lack its newline. The next line
  // starts with its own prefix, so this one is ended here.
  if (!text.ends_with('\n')) text += '\n';
  return write_output(line.is_stderr ? stderr_fd : stdout_fd, text);
}

void read_lines(api::Client& client, const LogSource& source,
                const container::LogOptions& options,
                const std::function<bool(LogLine)>& on_line) {
  LineSplitter splitter(source.tty, on_line);
  bool open = true;
  client.stream("GET", logs_target(source.id, options), "", [&](std::string_view data) {
    open = splitter.feed(data);
    return open;
  });
  if (open) splitter.finish();
}

}  // namespace

void write_several_logs(api::Client& client, const std::vector<std::string>& names_or_ids,
                        const container::LogOptions& options, int stdout_fd, int stderr_fd) {
  std::vector<LogSource> sources;
  for (const auto& name : names_or_ids) {
    json inspect = client.send_json("GET", container_path(name, "json"));
    LogSource source;
    source.id = string_or_empty(inspect, "Id");
    std::string label = options.names ? string_or_empty(inspect, "Name") : short_id(source.id);
    source.prefix = label + " ";
    source.tty = inspect.contains("Config") && inspect["Config"].is_object() &&
                 inspect["Config"].value("Tty", false);
    sources.push_back(std::move(source));
  }

  if (!options.follow) {
    // Each container's lines come in time order; a stable sort by time
    // merges them and keeps the container order for equal times.
    std::vector<std::pair<std::size_t, LogLine>> lines;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      read_lines(client, sources[i], options, [&](LogLine line) {
        lines.emplace_back(i, std::move(line));
        return true;
      });
    }
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
      return a.second.time_ns < b.second.time_ns;
    });
    for (const auto& [index, line] : lines) {
      if (!write_line(sources[index], line, options, stdout_fd, stderr_fd)) return;
    }
    return;
  }

  // Following: one reader per container, each line written as it arrives.
  std::mutex output_mutex;
  std::vector<std::thread> readers;
  for (const auto& source : sources) {
    readers.emplace_back([&, source] {
      try {
        read_lines(client, source, options, [&](LogLine line) {
          std::lock_guard lock(output_mutex);
          return write_line(source, line, options, stdout_fd, stderr_fd);
        });
      } catch (const Error& e) {
        // The container was removed while it was followed.
        spdlog::debug("remote logs of {}: {}", source.id, e.what());
      }
    });
  }
  for (auto& reader : readers) reader.join();
}

}  // namespace berth::engine::remote
