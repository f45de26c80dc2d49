// Remote client: top, rename, pause, unpause, init and diff of containers
// through the libpod API.

#include "common/error.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

std::vector<std::string> row_strings(const json& row) {
  std::vector<std::string> out;
  if (!row.is_array()) return out;
  for (const auto& cell : row) out.push_back(cell.is_string() ? cell.get<std::string>() : "");
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> RemoteEngine::top(
    const std::string& name_or_id, const std::vector<std::string>& descriptors) {
  std::string target = container_path(name_or_id, "top");
  char separator = '?';
  // One ps_args per descriptor, as Podman's client sends them.
  for (const auto& descriptor : descriptors) {
    target += separator + std::string("ps_args=") + escape(descriptor);
    separator = '&';
  }
  json reply = client_.send_json("GET", target);
  std::vector<std::vector<std::string>> rows;
  if (!reply.is_object() || !reply.contains("Titles")) return rows;
  rows.push_back(row_strings(reply["Titles"]));
  if (reply.contains("Processes") && reply["Processes"].is_array()) {
    for (const auto& process : reply["Processes"]) rows.push_back(row_strings(process));
  }
  return rows;
}

void RemoteEngine::rename_container(const std::string& name_or_id, const std::string& new_name) {
  client_.send("POST", container_path(name_or_id, "rename") + "?name=" + escape(new_name));
}

void RemoteEngine::pause(const std::string& name_or_id) {
  client_.send("POST", container_path(name_or_id, "pause"));
}

void RemoteEngine::unpause(const std::string& name_or_id) {
  client_.send("POST", container_path(name_or_id, "unpause"));
}

void RemoteEngine::init(const std::string& name_or_id) {
  api::HttpReply reply = client_.send("POST", container_path(name_or_id, "init"));
  if (reply.status == 304) {
    // The service replies 304 for a container that already has its runtime
    // state; the error is the one LocalEngine throws.
    json inspect = inspect_container(name_or_id);
    std::string status = inspect.contains("State") ? string_or_empty(inspect["State"], "Status") : "";
    fail(ErrorCode::kConflict, "container {} has already been created in the runtime: it is {}",
         string_or_empty(inspect, "Name"), status);
  }
}

std::vector<ImageChange> RemoteEngine::container_diff(const std::string& name_or_id) {
  return changes_from_reply(client_.send_json("GET", container_path(name_or_id, "changes")));
}

}  // namespace berth::engine
