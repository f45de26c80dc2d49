#pragma once

// Remote client: helpers that build libpod request paths and read fields
// of the service's JSON replies, shared by the RemoteEngine source files.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace berth::engine::remote {

// Percent-encodes text for a path segment or a query value.
std::string escape(std::string_view text);

// Returns suffix under the libpod path prefix (kLibpodPrefix).
std::string libpod(const std::string& suffix);

// Returns the libpod path of a container, with "/action" when action is set.
std::string container_path(const std::string& name, const std::string& action = "");

// Field readers: the member's value, or "", 0 or an empty list when the
// member is absent or of another type.
std::string string_or_empty(const nlohmann::json& object, const char* key);
std::int64_t int_or_zero(const nlohmann::json& object, const char* key);
std::vector<std::string> strings_or_empty(const nlohmann::json& object, const char* key);

// The published ports of a libpod container list entry, one per port: an
// entry with a range stands for that many consecutive ports.
std::vector<container::PublishedPort> published_ports(const nlohmann::json& entry);

// A time field in Unix seconds or RFC 3339, as nanoseconds; 0 for the
// zero time and for absent fields.
std::int64_t time_field_ns(const nlohmann::json& object, const char* key);

// Returns id without a leading "sha256:".
std::string strip_sha256(std::string id);

// Registry credentials: the X-Registry-Auth value that carries --creds (a
// base64 AuthConfig of username and password), or "" without a username.
std::string registry_auth_value(const std::optional<std::string>& username,
                                const std::optional<std::string>& password);

// Returns the CLI's "NAME=VALUE" filters as the JSON text of the service's
// filters parameter ({"NAME": ["VALUE", ...]}), percent-encoded; "" for
// no filters. A filter without "=" keeps an empty value.
std::string filters_query(const std::vector<std::string>& filters);

// Returns "KEY=VALUE" (or "KEY") items as a JSON object of strings, as the
// libpod create bodies take labels and options.
nlohmann::json key_values_object(const std::vector<std::string>& items);

// Returns ns as the service's "SECONDS.NANOSECONDS" time parameter.
std::string seconds_text(std::int64_t ns);

// Reads a changes reply ([{"Path", "Kind"}], Kind 0 a change, 1 an
// addition and 2 a deletion, as Docker numbers them).
std::vector<ImageChange> changes_from_reply(const nlohmann::json& reply);

// Writes all of data to fd; returns false once the reader has gone.
bool write_output(int fd, std::string_view data);

// Splits a streamed reply into lines of JSON: feed() takes each piece as
// it arrives and calls on_line with every complete line that parses as an
// object. Returns false as soon as on_line does.
class JsonLines {
 public:
  explicit JsonLines(std::function<bool(const nlohmann::json&)> on_line)
      : on_line_(std::move(on_line)) {}
  bool feed(std::string_view data);

 private:
  std::function<bool(const nlohmann::json&)> on_line_;
  std::string pending_;
};

// Passes one "stream" line of a libpod pull or push progress stream
// ("Copying blob sha256:...") to progress; other lines are ignored.
void report_progress_line(const std::string& stream, PullProgress& progress);

}  // namespace berth::engine::remote
