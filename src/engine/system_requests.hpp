#pragma once

// Requests and reports of the events and system commands.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace berth::engine {

// The query of `events`: which events of the log it prints.
struct EventsRequest {
  // Include the entries already in the log; without it only entries
  // written from now on are read.
  bool history = true;
  // Keep waiting for new entries once the log is read to its end.
  bool stream = false;
  // Stop streaming once the clock passes this time.
  std::optional<std::int64_t> until_ns;
  // When set, asked at least every 2 s while streaming waits for an entry;
  // returning false ends the read (the REST service's client has gone).
  std::function<bool()> keep_going;
};

// system df: one image, container or volume with the bytes it takes.
struct DiskUsageImage {
  std::string id;
  std::string repository;  // "<none>" when the image has no name
  std::string tag;
  std::int64_t created_ns = 0;
  std::int64_t size = 0;         // all its layers
  std::int64_t shared_size = 0;  // layers that other images also use
  std::int64_t containers = 0;   // containers created from it
};

struct DiskUsageContainer {
  std::string id;
  std::string image;
  std::string command;
  std::int64_t local_volumes = 0;
  std::int64_t size = 0;  // bytes the container wrote (its upper directory)
  std::int64_t created_ns = 0;
  std::string status;
  std::string name;
};

struct DiskUsageVolume {
  std::string name;
  std::int64_t links = 0;  // containers that mount it
  std::int64_t size = 0;
};

struct DiskUsageReport {
  std::vector<DiskUsageImage> images;
  std::vector<DiskUsageContainer> containers;
  std::vector<DiskUsageVolume> volumes;
};

}  // namespace berth::engine
