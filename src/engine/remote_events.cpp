// Remote client: the event log through the libpod events route, read as a
// stream of JSON lines.

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

// Rebuilds the log entry from the libpod event. The attributes carry the
// name, the image, the exit code and a member's pod ID (podId), which the
// record keeps in fields of its own.
state::EventRecord record_from_event(const json& event, std::int64_t sequence) {
  state::EventRecord record;
  record.id = sequence;
  record.time_ns = int_or_zero(event, "timeNano");
  record.type = string_or_empty(event, "Type");
  record.status = string_or_empty(event, "status");
  record.image = string_or_empty(event, "from");
  json attributes = json::object();
  if (event.contains("Actor") && event["Actor"].is_object()) {
    const json& actor = event["Actor"];
    record.object_id = string_or_empty(actor, "ID");
    if (actor.contains("Attributes") && actor["Attributes"].is_object()) {
      attributes = actor["Attributes"];
    }
  }
  record.name = string_or_empty(attributes, "name");
  attributes.erase("name");
  attributes.erase("image");
  // The service sends an exit code with every event; only these two have one.
  bool has_exit_code = record.status == "died" || record.status == "exec_died";
  if (std::string code = string_or_empty(attributes, "containerExitCode");
      has_exit_code && !code.empty()) {
    try {
      record.exit_code = std::stoi(code);
    } catch (const std::exception&) {
      // An exit code that is not a number is left out, as an absent one.
    }
  }
  attributes.erase("containerExitCode");
  record.pod_id = string_or_empty(attributes, "podId");
  attributes.erase("podId");
  // Volume events carry the name as their ID and no object ID of their own.
  if (record.type == "volume" && record.object_id == record.name) record.object_id.clear();
  record.attributes = attributes.dump();
  return record;
}

}  // namespace

void RemoteEngine::read_events(const EventsRequest& request,
                               const std::function<bool(const state::EventRecord&)>& sink) {
  std::string target = libpod(std::string("/events?stream=") + (request.stream ? "true" : "false"));
  // The route reads the past entries when not streaming or when given a
  // time range; the caller filters by time itself, so the earliest time
  // only switches the history on.
  if (request.stream && request.history) {
    target += "&since=" + escape(format_rfc3339_nano(1'000'000'000));
  }
  if (request.until_ns) target += "&until=" + escape(format_rfc3339_nano(*request.until_ns));

  std::int64_t sequence = 0;
  JsonLines lines([&](const json& event) { return sink(record_from_event(event, ++sequence)); });
  client_.stream("GET", target, "", [&](std::string_view data) { return lines.feed(data); });
}

}  // namespace berth::engine
