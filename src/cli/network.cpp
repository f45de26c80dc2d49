// network create, ls, inspect, rm, prune, exists, connect and disconnect.

#include <cstdio>
#include <iostream>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

// A network in netavark's JSON form, the form Podman prints.
nlohmann::ordered_json network_json(const network::Network& net) {
  return nlohmann::ordered_json::parse(network::network_to_json(net));
}

// The creation time as Go prints a time, or as written when it does not
// parse (a file from another tool).
std::string created_text(const std::string& created) {
  try {
    return go_time_string(parse_rfc3339(created));
  } catch (const Error&) {
    return created;
  }
}

// The "containers" object of network inspect under the Go names of
// Podman's NetworkContainerInfo, for --format.
nlohmann::json containers_fields(const nlohmann::json& containers) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [id, info] : containers.items()) {
    nlohmann::json interfaces = nlohmann::json::object();
    auto listed = info.value("interfaces", nlohmann::json::object());
    for (const auto& [name, interface] : listed.items()) {
      nlohmann::json addresses = nlohmann::json::array();
      for (const auto& address : interface.value("subnets", nlohmann::json::array())) {
        addresses.push_back(
            {{"IPNet", address.value("ipnet", "")}, {"Gateway", address.value("gateway", "")}});
      }
      interfaces[name] = {{"Subnets", addresses},
                          {"MacAddress", interface.value("mac_address", "")}};
    }
    out[id] = {{"Name", info.value("name", "")}, {"Interfaces", interfaces}};
  }
  return out;
}

// The fields a --format template can use, under the Go names of Podman's
// network type. Created prints as Go prints a time.
nlohmann::json template_fields(const network::Network& net, bool truncate_id) {
  nlohmann::json subnets = nlohmann::json::array();
  for (const auto& subnet : net.subnets) {
    nlohmann::json item = {{"Subnet", subnet.subnet}, {"Gateway", subnet.gateway}};
    if (subnet.lease_range) {
      item["LeaseRange"] = {{"StartIP", subnet.lease_range->start_ip},
                            {"EndIP", subnet.lease_range->end_ip}};
    } else {
      item["LeaseRange"] = nullptr;
    }
    subnets.push_back(item);
  }
  nlohmann::json fields = {{"Name", net.name},
                           {"ID", truncate_id ? net.id.substr(0, 12) : net.id},
                           {"Driver", net.driver},
                           {"NetworkInterface", net.network_interface},
                           {"Created", created_text(net.created)},
                           {"Subnets", subnets},
                           {"IPv6Enabled", net.ipv6_enabled},
                           {"Internal", net.internal},
                           {"DNSEnabled", net.dns_enabled},
                           {"Labels", net.labels},
                           {"Options", net.options},
                           {"IPAMOptions", net.ipam_options}};
  // network inspect only: the running containers.
  if (auto it = net.extra.find("containers"); it != net.extra.end() && it->is_object()) {
    fields["Containers"] = containers_fields(*it);
  }
  return fields;
}

const format::FormatOptions& network_format_options() {
  static const format::FormatOptions options = {
      "network", "types.Network", {{"ID", "NETWORK ID"}}, "{{.ID}}\t{{.Name}}\t{{.Driver}}"};
  return options;
}

void add_network_ls(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> filters;
    std::string format;
    bool quiet = false;
    bool noheading = false;
    bool no_trunc = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "List networks");
  cmd->add_option("-f,--filter", o->filters,
                  "Filter KEY=VALUE: name, id, driver, label, label!, until, dangling")
      ->allow_extra_args(false);
  cmd->add_option("--format", o->format, "Print with a Go template, or json");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only network names");
  cmd->add_flag("-n,--noheading", o->noheading, "Do not print the header");
  cmd->add_flag("--no-trunc", o->no_trunc, "Print whole network IDs");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto networks = cli.engine().list_networks(o->filters);
      if (o->quiet) {
        for (const auto& net : networks) std::printf("%s\n", net.name.c_str());
        return 0;
      }
      if (format::is_json_format(o->format)) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& net : networks) items.push_back(network_json(net));
        std::printf("%s\n", items.dump(2).c_str());
        return 0;
      }
      std::string format = o->format.empty()
                               ? "table " + network_format_options().default_table
                               : o->format;
      auto options = network_format_options();
      options.header = !o->noheading;
      nlohmann::json items = nlohmann::json::array();
      for (const auto& net : networks) items.push_back(template_fields(net, !o->no_trunc));
      format::print_formatted(format, items, options);
      return 0;
    };
  });
}

void add_network_inspect(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> names;
    std::string format;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("inspect", "Show the details of networks");
  cmd->add_option("names", o->names, "Networks to inspect (names or IDs)")->required();
  cmd->add_option("-f,--format", o->format, "Print with a Go template, or json");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      std::vector<network::Network> networks;
      std::optional<Error> missing;
      for (const auto& name : o->names) {
        try {
          networks.push_back(cli.engine().inspect_network(name));
        } catch (const Error& e) {
          if (e.code() != ErrorCode::kNotFound) throw;
          // Podman prints the networks it found, then fails for the rest.
          missing = Error(ErrorCode::kNotFound,
                          "inspecting object: network " + name + ": " + e.what());
        }
      }
      if (o->format.empty() || format::is_json_format(o->format)) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& net : networks) items.push_back(network_json(net));
        std::printf("%s\n", items.dump(5).c_str());
      } else {
        format::Template tmpl(o->format, {"inspect", "types.Network", false});
        std::string out;
        for (const auto& net : networks) {
          std::string text = tmpl.render(template_fields(net, false));
          out += text.ends_with('\n') ? text : text + "\n";
        }
        std::fputs(out.c_str(), stdout);
      }
      if (missing) throw *missing;
      return 0;
    };
  });
}

// Prompts "[y/N]" on stderr and reads the reply from stdin.
bool confirm(const std::string& question) {
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string reply;
  if (!std::getline(std::cin, reply)) return false;
  return reply == "y" || reply == "Y" || reply == "yes";
}

// KEY=VALUE values of a repeated flag as a map; a bare KEY maps to "".
std::map<std::string, std::string> key_values(const std::vector<std::string>& values,
                                              const char* flag) {
  std::map<std::string, std::string> out;
  for (const auto& value : values) {
    auto equals = value.find('=');
    std::string key = value.substr(0, equals);
    if (key.empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": expected KEY=VALUE", flag, value);
    }
    out[key] = equals == std::string::npos ? "" : value.substr(equals + 1);
  }
  return out;
}

void add_network_create(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::NetworkCreateRequest request;
    std::vector<std::string> labels;
    std::vector<std::string> options;
  };
  auto o = std::make_shared<Options>();
  auto& r = o->request;
  auto* cmd = parent.add_subcommand("create", "Create a network");
  cmd->add_option("name", r.name, "Name of the network (berthN when not given)");
  cmd->add_option("-d,--driver", r.driver, "Network driver (only bridge)");
  cmd->add_option("--subnet", r.subnet, "IPv4 subnet in CIDR form (next free 10.89.N.0/24)");
  cmd->add_option("--gateway", r.gateway, "Gateway address in the subnet (its first address)");
  cmd->add_option("--ip-range", r.ip_range,
                  "Addresses in the subnet to hand out: a CIDR range or START-END");
  cmd->add_option("--interface-name", r.interface, "Name of the bridge (next free berthN)");
  cmd->add_option("--label", o->labels, "Label KEY=VALUE of the network")
      ->allow_extra_args(false);
  cmd->add_option("-o,--opt", o->options, "Driver option KEY=VALUE: mtu, vlan, isolate, metric")
      ->allow_extra_args(false);
  cmd->add_flag("--internal", r.internal, "Keep the network off the outside world");
  cmd->add_flag("--disable-dns", r.disable_dns, "Disable DNS on the network");
  cmd->add_flag("--ignore", r.ignore, "Do not fail when the network exists");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      o->request.labels = key_values(o->labels, "--label");
      o->request.options = key_values(o->options, "--opt");
      auto net = cli.engine().network_create(o->request);
      std::printf("%s\n", net.name.c_str());
      return 0;
    };
  });
}

void add_network_rm(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> names;
    bool force = false;
    int timeout = -1;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "Remove networks");
  cmd->add_option("names", o->names, "Networks to remove (names or IDs)")->required();
  cmd->add_flag("-f,--force", o->force, "Remove the containers on the network first");
  cmd->add_option("-t,--time", o->timeout,
                  "With --force: seconds to wait for a running container to stop");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      std::optional<int> timeout;
      if (o->timeout >= 0) timeout = o->timeout;
      // Podman: 1 when a network does not exist, 2 when one is in use.
      int exit_code = 0;
      for (const auto& network : o->names) {
        try {
          cli.engine().network_remove(network, o->force, timeout);
          std::printf("%s\n", network.c_str());
        } catch (const Error& e) {
          print_error(e);
          exit_code = e.code() == ErrorCode::kNotFound   ? 1
                      : e.code() == ErrorCode::kConflict ? 2
                                                         : 125;
        }
      }
      return exit_code;
    };
  });
}

void add_network_prune(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> filters;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("prune", "Remove every network no container uses");
  cmd->add_option("--filter", o->filters, "Filter KEY=VALUE: label, label!, until")
      ->allow_extra_args(false);
  cmd->add_flag("-f,--force", o->force, "Do not ask for confirmation");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      if (!o->force &&
          !confirm("WARNING: this removes every network that no container uses.\nContinue?")) {
        return 0;
      }
      for (const auto& name : cli.engine().network_prune(o->filters)) {
        std::printf("%s\n", name.c_str());
      }
      return 0;
    };
  });
}

void add_network_connect(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::NetworkConnectRequest request;
    std::string ipv6;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("connect", "Connect a container to a network");
  cmd->add_option("network", o->request.network, "Network name or ID")->required();
  cmd->add_option("container", o->request.container, "Container name or ID")->required();
  cmd->add_option("--alias", o->request.aliases, "Network-scoped alias of the container")
      ->allow_extra_args(false);
  cmd->add_option("--ip", o->request.ipv4, "Static IPv4 address on the network");
  cmd->add_option("--ip6", o->ipv6, "Static IPv6 address on the network (not supported)");
  cmd->add_option("--mac-address", o->request.mac, "Static MAC address of the new interface");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      if (!o->ipv6.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "--ip6 \"{}\" is not supported: berth networks are IPv4 only", o->ipv6);
      }
      cli.engine().network_connect(o->request);
      return 0;
    };
  });
}

void add_network_disconnect(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string network;
    std::string container;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("disconnect", "Disconnect a container from a network");
  cmd->add_option("network", o->network, "Network name or ID")->required();
  cmd->add_option("container", o->container, "Container name or ID")->required();
  cmd->add_flag("-f,--force", o->force, "Accepted for Docker compatibility; changes nothing");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      cli.engine().network_disconnect(o->network, o->container, o->force);
      return 0;
    };
  });
}

}  // namespace

void add_network_group(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("network", "Manage networks");
  group->require_subcommand(1);
  add_network_ls(*group, cli, "ls");
  add_network_ls(*group, cli, "list");
  add_network_inspect(*group, cli);
  add_network_create(*group, cli);
  add_network_rm(*group, cli, "rm");
  add_network_rm(*group, cli, "remove");
  add_network_prune(*group, cli);
  add_network_connect(*group, cli);
  add_network_disconnect(*group, cli);
  add_exists_command(*group, cli, "Exit 0 when a network exists, 1 when not",
                     "Network name or ID", [](engine::Engine& engine, const std::string& name) {
                       try {
                         engine.inspect_network(name);
                         return true;
                       } catch (const Error& e) {
                         if (e.code() != ErrorCode::kNotFound) throw;
                         return false;
                       }
                     });
}

}  // namespace berth::cli
