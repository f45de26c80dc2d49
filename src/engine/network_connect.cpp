// Network membership: network connect and disconnect.

#include "common/error.hpp"
#include "container/network_join.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "events/events.hpp"

namespace berth::engine {
namespace {

// Podman's network event: the network's name, and the container's ID.
void write_membership_event(state::Database& db, std::string_view status,
                            const network::Network& net, const state::ContainerRecord& record) {
  state::EventRecord event;
  event.type = "network";
  event.status = status;
  event.name = net.name;
  event.object_id = record.id;
  event.attributes = nlohmann::json{{"container", record.id}, {"network", net.name}}.dump();
  events::write(db, std::move(event));
}

}  // namespace

void Engine::network_connect(const NetworkConnectRequest&) {
  fail(ErrorCode::kUnavailable, "network connect is not supported by this engine");
}

void Engine::network_disconnect(const std::string&, const std::string&, bool) {
  fail(ErrorCode::kUnavailable, "network disconnect is not supported by this engine");
}

void LocalEngine::network_connect(const NetworkConnectRequest& request) {
  network::Network net = inspect_network(request.network);
  auto record = container::find(ctx_, request.container);
  container::ConnectedNetwork join;
  join.name = net.name;
  join.aliases = request.aliases;
  join.static_ip = request.ipv4;
  join.static_mac = request.mac;
  container::join_network(ctx_, record.id, join);
  write_membership_event(ctx_.db(), "connect", net, record);
}

void LocalEngine::network_disconnect(const std::string& network, const std::string& container,
                                     bool) {
  network::Network net = inspect_network(network);
  auto record = container::find(ctx_, container);
  container::leave_network(ctx_, record.id, net.name);
  write_membership_event(ctx_.db(), "disconnect", net, record);
}

}  // namespace berth::engine
