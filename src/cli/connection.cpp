// Remote client: choosing the service (--remote, --url, --connection and
// their environment variables) and `system connection`.

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "api/client.hpp"
#include "cli/cli.hpp"
#include "common/error.hpp"
#include "config/service_socket.hpp"
#include "engine/remote_connections.hpp"
#include "engine/remote_engine.hpp"
#include "format/template.hpp"
#include "os/process.hpp"

namespace berth::cli {

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The service a remote engine talks to when no URL or connection is given.
std::string default_service_url() { return "unix://" + config::default_service_socket(); }

engine::RemoteConnection named_connection(const std::string& name) {
  auto file = engine::ConnectionsFile::load(engine::ConnectionsFile::default_path());
  auto it = file.connections.find(name);
  if (it == file.connections.end()) {
    fail(ErrorCode::kInvalidArgument,
         "failed to resolve active destination: \"{}\" service destination not found: list "
         "them with `berth system connection list`", name);
  }
  return it->second;
}

// Picks the service as Podman does: --connection, then --url, then
// CONTAINER_HOST (with CONTAINER_SSHKEY), then CONTAINER_CONNECTION, then
// the default connection, then the default socket. --identity wins over
// any identity found on the way.
engine::RemoteConnection chosen_service(const GlobalOptions& global) {
  engine::RemoteConnection chosen;
  if (!global.connection.empty()) {
    chosen = named_connection(global.connection);
  } else if (!global.url.empty()) {
    chosen.uri = global.url;
  } else if (auto host = env_or_empty("CONTAINER_HOST"); !host.empty()) {
    chosen.uri = host;
    chosen.identity = env_or_empty("CONTAINER_SSHKEY");
  } else if (auto name = env_or_empty("CONTAINER_CONNECTION"); !name.empty()) {
    chosen = named_connection(name);
  } else {
    auto file = engine::ConnectionsFile::load(engine::ConnectionsFile::default_path());
    auto it = file.connections.find(file.default_name);
    if (it != file.connections.end()) {
      chosen = it->second;
    } else {
      chosen.uri = default_service_url();
    }
  }
  if (!global.identity.empty()) chosen.identity = global.identity;
  return chosen;
}

std::string current_user() {
  if (const passwd* entry = ::getpwuid(::geteuid())) return entry->pw_name;
  return "root";
}

struct AddOptions {
  std::string name;
  std::string destination;
  std::string identity;
  int port = 22;
  bool port_given = false;  // -p was given: it replaces a port in the URL
  std::string socket_path;
  bool make_default = false;
};

// A connection name is what --connection and CONTAINER_CONNECTION take, so
// it must be a word that can be typed.
void require_valid_name(const std::string& name) {
  bool printable = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return c > ' ' && c != 0x7f;
  });
  if (name.empty() || !printable) {
    fail(ErrorCode::kInvalidArgument,
         "invalid connection name \"{}\": give a non-empty name without spaces or control "
         "characters", name);
  }
}

// Asks the host at the other end of an ssh URL for the socket its service
// listens on, as Podman's `system connection add` does: runs `berth info`
// there through the OpenSSH client. Throws Error{kUnavailable} with ssh's
// message when the login or the command fails.
std::string remote_socket_path(const api::ServiceUrl& url, const std::string& identity) {
  auto ssh = os::find_in_path("ssh");
  if (!ssh) {
    fail(ErrorCode::kUnavailable,
         "cannot ask {} for its socket: the OpenSSH client `ssh` is not in PATH: install "
         "openssh-client, or give the path with --socket-path", url.host);
  }
  // ConnectTimeout also bounds the wait for the server's SSH greeting.
  std::vector<std::string> args = {*ssh, "-o", "BatchMode=yes", "-o", "ControlMaster=no",
                                   "-o", "ConnectTimeout=30"};
  if (!identity.empty()) args.insert(args.end(), {"-i", identity, "-o", "IdentitiesOnly=yes"});
  if (url.port) args.insert(args.end(), {"-p", std::to_string(url.port)});
  args.insert(args.end(), {"--", url.user.empty() ? url.host : url.user + "@" + url.host,
                           "berth info --format '{{.Host.RemoteSocket.Path}}'"});
  auto result = os::run_process(args);
  std::string path = result.out;
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  auto one_line = [](std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '.')) {
      text.pop_back();
    }
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
  };
  if (result.exit_code != 0) {
    std::string message = one_line(result.err.empty() ? result.out : result.err);
    fail(ErrorCode::kUnavailable,
         "cannot ask {} for its socket: `berth info` over ssh exited with status {}: {}. Give "
         "the path with --socket-path",
         url.host, result.exit_code, message.empty() ? "no message" : message);
  }
  if (!path.starts_with("/")) {
    fail(ErrorCode::kUnavailable,
         "cannot ask {} for its socket: `berth info` over ssh printed \"{}\", not a socket path. "
         "Give the path with --socket-path",
         url.host, one_line(path));
  }
  return path;
}

// Returns the URI to store for `system connection add`: a destination
// without a scheme is an ssh login ("user@host"), and an ssh URL gets the
// port and socket path filled in, as Podman writes them: --port when
// given, else the URL's port, else 22. An ssh URL without a path takes
// --socket-path, else the path that the host names.
std::string connection_uri(const AddOptions& o) {
  std::string destination = o.destination;
  if (destination.find("://") == std::string::npos) destination = "ssh://" + destination;
  std::string checked = destination;
  auto parsed = [&] {
    // An ssh destination may lack its path here; give parse_service_url one.
    if (destination.starts_with("ssh://")) {
      std::string rest = destination.substr(6);
      if (rest.find('/') == std::string::npos) checked = destination + "/x";
    }
    return api::parse_service_url(checked);
  }();
  if (parsed.scheme != api::ServiceUrl::Scheme::kSsh) {
    // As Podman 5: an identity is for ssh, and a unix path that exists
    // must be a socket.
    if (!o.identity.empty()) {
      fail(ErrorCode::kInvalidArgument, "--identity is only for ssh destinations, not \"{}\"",
           o.destination);
    }
    struct stat st;
    if (parsed.scheme == api::ServiceUrl::Scheme::kUnix && ::stat(parsed.path.c_str(), &st) == 0 &&
        !S_ISSOCK(st.st_mode)) {
      fail(ErrorCode::kInvalidArgument,
           "\"{}\" exists and is not a socket: name the service's socket", parsed.path);
    }
    return parsed.text();
  }
  if (parsed.user.empty()) parsed.user = current_user();
  if (!parsed.port || o.port_given) parsed.port = o.port;
  if (checked != destination) {
    parsed.path = o.socket_path.empty() ? remote_socket_path(parsed, o.identity) : o.socket_path;
  } else if (!o.socket_path.empty()) {
    parsed.path = o.socket_path;
  }
  return parsed.text();
}

void add_connection_add(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<AddOptions>();
  auto* cmd = parent.add_subcommand("add", "Record destination for the berth service");
  cmd->add_option("name", o->name, "Name of the connection")->required();
  cmd->add_option("destination", o->destination,
                  "ssh://[USER@]HOST[:PORT][/PATH], USER@HOST, unix:///PATH or tcp://HOST:PORT")
      ->required();
  cmd->add_option("--identity", o->identity, "Path to the ssh private key");
  cmd->add_option("-p,--port", o->port, "SSH port of the destination (default 22)")
      ->check(CLI::Range(1, 65535))
      ->each([o](const std::string&) { o->port_given = true; });
  cmd->add_option("--socket-path", o->socket_path, "Path of the service's socket on the host");
  cmd->add_flag("-d,--default", o->make_default, "Make this the default connection");
  cmd->callback([&cli, o] {
    // The action runs no engine: connections are the client's own files.
    cli.action = [o] {
      require_valid_name(o->name);
      std::string path = engine::ConnectionsFile::default_path();
      auto file = engine::ConnectionsFile::load(path);
      // As Podman 5 does, a name in use is refused rather than replaced.
      if (file.connections.contains(o->name)) {
        fail(ErrorCode::kAlreadyExists,
             "cannot overwrite connection \"{}\": remove it first with `system connection rm {}`",
             o->name, o->name);
      }
      std::string uri = connection_uri(*o);
      engine::RemoteConnection connection;
      connection.uri = uri;
      if (!o->identity.empty()) {
        connection.identity = std::filesystem::absolute(o->identity).string();
      }
      file.connections[o->name] = connection;
      if (o->make_default || file.default_name.empty() ||
          !file.connections.contains(file.default_name)) {
        file.default_name = o->name;
      }
      file.save(path);
      return 0;
    };
  });
}

void add_connection_list(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::string format;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "List destination for the berth service(s)");
  cmd->add_option("-f,--format", o->format, "Print with a Go template, or json");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the names");
  cmd->callback([&cli, o] {
    cli.action = [o] {
      auto file = engine::ConnectionsFile::load(engine::ConnectionsFile::default_path());
      if (o->quiet) {
        for (const auto& [entry_name, connection] : file.connections) {
          std::printf("%s\n", entry_name.c_str());
        }
        return 0;
      }
      nlohmann::ordered_json items = nlohmann::ordered_json::array();
      for (const auto& [entry_name, connection] : file.connections) {
        items.push_back({{"Name", entry_name},
                         {"URI", connection.uri},
                         {"Identity", connection.identity},
                         {"IsMachine", connection.is_machine},
                         {"Default", entry_name == file.default_name},
                         {"ReadWrite", true}});
      }
      if (format::is_json_format(o->format)) {
        std::printf("%s\n", items.dump(4).c_str());
        return 0;
      }
      format::FormatOptions options = {
          "connection", "config.Connection",
          {{"Name", "Name"}, {"URI", "URI"}, {"Identity", "Identity"}, {"Default", "Default"},
           {"ReadWrite", "ReadWrite"}},
          "{{.Name}}\t{{.URI}}\t{{.Identity}}\t{{.Default}}\t{{.ReadWrite}}"};
      std::string format = o->format.empty() ? "table " + options.default_table : o->format;
      format::print_formatted(format, nlohmann::json::parse(items.dump()), options);
      return 0;
    };
  });
}

void add_connection_rm(CLI::App& parent, Cli& cli) {
  auto name = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("rm", "Delete named destination");
  cmd->alias("remove");
  cmd->add_option("name", *name, "Name of the connection");
  cmd->add_flag("-a,--all", *all, "Remove all connections");
  cmd->callback([&cli, name, all] {
    cli.action = [name, all] {
      if (!*all && name->empty()) {
        fail(ErrorCode::kInvalidArgument, "accepts 1 arg(s), received 0: name a connection or "
             "give --all");
      }
      std::string path = engine::ConnectionsFile::default_path();
      auto file = engine::ConnectionsFile::load(path);
      if (*all) {
        file.connections.clear();
        file.default_name.clear();
      } else {
        file.connections.erase(*name);
        if (file.default_name == *name) file.default_name.clear();
      }
      file.save(path);
      return 0;
    };
  });
}

// Throws the error of a connection name that is not in the file.
void require_connection(const engine::ConnectionsFile& file, const std::string& name) {
  if (!file.connections.contains(name)) {
    fail(ErrorCode::kInvalidArgument, "\"{}\" service destination not found: list them with "
         "`berth system connection list`", name);
  }
}

void add_connection_rename(CLI::App& parent, Cli& cli) {
  auto names = std::make_shared<std::pair<std::string, std::string>>();
  auto* cmd = parent.add_subcommand("rename", "Rename the destination for the berth service");
  cmd->alias("mv");
  cmd->add_option("old", names->first, "Current name")->required();
  cmd->add_option("new", names->second, "New name")->required();
  cmd->callback([&cli, names] {
    cli.action = [names] {
      require_valid_name(names->second);
      std::string path = engine::ConnectionsFile::default_path();
      auto file = engine::ConnectionsFile::load(path);
      require_connection(file, names->first);
      auto connection = file.connections[names->first];
      file.connections.erase(names->first);
      file.connections[names->second] = connection;
      if (file.default_name == names->first) file.default_name = names->second;
      file.save(path);
      return 0;
    };
  });
}

void add_connection_default(CLI::App& parent, Cli& cli) {
  auto name = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("default", "Set named destination as default");
  cmd->add_option("name", *name, "Name of the connection")->required();
  cmd->callback([&cli, name] {
    cli.action = [name] {
      std::string path = engine::ConnectionsFile::default_path();
      auto file = engine::ConnectionsFile::load(path);
      require_connection(file, *name);
      file.default_name = *name;
      file.save(path);
      return 0;
    };
  });
}

}  // namespace

bool Cli::remote() const {
  return global.remote || !global.url.empty() || !global.connection.empty() ||
         !env_or_empty("CONTAINER_HOST").empty() || !env_or_empty("CONTAINER_CONNECTION").empty();
}

std::unique_ptr<engine::Engine> Cli::make_remote_engine() {
  if (!global.root.empty()) {
    fail(ErrorCode::kInvalidArgument, "unknown flag: --root (it is not available with --remote)");
  }
  if (!global.run_root.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "unknown flag: --runroot (it is not available with --remote)");
  }
  auto service = chosen_service(global);
  auto url = api::parse_service_url(service.uri);
  return std::make_unique<engine::RemoteEngine>(api::make_transport(url, service.identity),
                                                url.text());
}

void add_system_connection(CLI::App& system, Cli& cli) {
  auto* connection = system.add_subcommand("connection", "Manage remote berth destinations");
  connection->require_subcommand(1);
  add_connection_add(*connection, cli);
  add_connection_list(*connection, cli, "list");
  add_connection_list(*connection, cli, "ls");
  add_connection_rm(*connection, cli);
  add_connection_rename(*connection, cli);
  add_connection_default(*connection, cli);
}

}  // namespace berth::cli
