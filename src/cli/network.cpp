// network ls, inspect and exists.

#include <cstdio>

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
  return {{"Name", net.name},
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

}  // namespace

void add_network_group(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("network", "Manage networks");
  group->require_subcommand(1);
  add_network_ls(*group, cli, "ls");
  add_network_ls(*group, cli, "list");
  add_network_inspect(*group, cli);
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
