// `berth login` and `berth logout`: credentials in the containers auth file,
// checked against the registry before they are stored.

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "config/auth_file.hpp"
#include "config/registries.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"
#include "os/file.hpp"

namespace berth::cli {

namespace {

struct LoginOptions {
  std::string registry;  // the REGISTRY argument, "" when none
  std::string username;
  std::string password;
  bool password_stdin = false;
  std::string authfile;
  bool get_login = false;
  std::string tls_verify;
  CLI::Option* tls_verify_option = nullptr;
  std::string cert_dir;
  bool verbose = false;
};

struct LogoutOptions {
  std::string registry;
  bool all = false;
  std::string authfile;
};

// The auth file key and the registry to contact for a REGISTRY argument.
struct LoginTarget {
  std::string key;       // "host[:port]" or "host[:port]/namespace/repo"
  std::string registry;  // "host[:port]"
};

// Resolves the REGISTRY argument as Podman does: a URL gives its host[:port],
// "host/namespace/repo" is a repository scope (without tag or digest), and
// no argument means the first unqualified-search registry.
LoginTarget login_target(std::string argument, const config::RegistriesConfig& registries) {
  if (argument.empty()) {
    if (registries.unqualified_search_registries.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "no registry given and registries.conf lists no unqualified-search-registries: "
           "name the registry, as in `berth login quay.io` or `berth logout quay.io`");
    }
    argument = registries.unqualified_search_registries.front();
  }
  for (std::string_view scheme : {"https://", "http://"}) {
    if (argument.starts_with(scheme)) {
      argument = argument.substr(scheme.size());
      argument = argument.substr(0, argument.find('/'));
    }
  }
  std::string::size_type slash = argument.find('/');
  if (argument.empty() || slash == 0) {
    fail(ErrorCode::kInvalidArgument, "invalid registry \"{}\": use host[:port] or host/repository",
         argument);
  }
  if (slash == std::string::npos) return {argument, argument};

  std::string registry = argument.substr(0, slash);
  std::string last = argument.substr(argument.rfind('/') + 1);
  if (argument.find('@') != std::string::npos || last.find(':') != std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "invalid registry \"{}\": a repository scope cannot have a tag or digest", argument);
  }
  auto parsed = with_context(fmt::format("invalid registry \"{}\"", argument),
                             [&] { return image::parse_reference(argument); });
  if (!parsed.qualified) {
    fail(ErrorCode::kInvalidArgument,
         "invalid registry \"{}\": \"{}\" is not a registry host; use host[:port]/repository",
         argument, registry);
  }
  return {argument, registry};
}

std::optional<bool> parse_tls_verify(const LoginOptions& options) {
  if (options.tls_verify_option == nullptr || options.tls_verify_option->count() == 0) {
    return std::nullopt;
  }
  const std::string& value = options.tls_verify;
  if (value.empty() || value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  fail(ErrorCode::kInvalidArgument, "invalid --tls-verify value \"{}\": use true or false", value);
}

// Reads one line from standard input without its line ending. With echo
// false the terminal does not show what is typed.
std::string read_terminal_line(bool echo) {
  termios original{};
  bool restore = false;
  if (!echo && ::tcgetattr(STDIN_FILENO, &original) == 0) {
    termios silent = original;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(STDIN_FILENO, TCSANOW, &silent) == 0;
  }
  std::string line;
  char c;
  while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &original);
    std::printf("\n");
  }
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

// Asks on the terminal for whatever of username and password is missing.
// Throws Error{kInvalidArgument} when standard input is not a terminal.
void prompt_credentials(config::Credentials& credentials, const std::string& stored_username) {
  if (!::isatty(STDIN_FILENO)) {
    fail(ErrorCode::kInvalidArgument,
         "the {} is missing and standard input is not a terminal to ask for it: pass "
         "--username, and --password or --password-stdin",
         credentials.username.empty() ? "username" : "password");
  }
  if (credentials.username.empty()) {
    if (stored_username.empty()) {
      std::printf("Username: ");
    } else {
      std::printf("Username (%s): ", stored_username.c_str());
    }
    std::fflush(stdout);
    credentials.username = read_terminal_line(true);
    if (credentials.username.empty()) credentials.username = stored_username;
    if (credentials.username.empty()) {
      fail(ErrorCode::kInvalidArgument, "the username is empty: type one or pass --username");
    }
  }
  if (credentials.password.empty()) {
    std::printf("Password: ");
    std::fflush(stdout);
    credentials.password = read_terminal_line(false);
    if (credentials.password.empty()) {
      fail(ErrorCode::kInvalidArgument, "the password is empty: type one or pass --password");
    }
  }
}

// Returns all of standard input with one trailing line ending removed.
std::string read_password_from_stdin() {
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "reading the password from standard input");
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  // Podman drops every trailing line break, not only the last one.
  while (text.ends_with('\n') || text.ends_with('\r')) text.pop_back();
  return text;
}

// Checks credentials against the target's registry and throws Error when they fail.
void verify(const LoginTarget& target, const LoginOptions& options,
            const config::RegistriesConfig& registries, const config::Credentials& credentials) {
  image::RegistryOptions registry_options;
  registry_options.tls_verify = parse_tls_verify(options);
  registry_options.cert_dir = options.cert_dir;
  registry_options.registries = &registries;
  registry_options.username = credentials.username;
  registry_options.password = credentials.password;
  with_context(fmt::format("logging into \"{}\"", target.key), [&] {
    image::RegistryClient client(target.registry, registry_options);
    client.verify_credentials();
  });
}

// Returns 0 after printing the stored username, as --get-login does.
int print_login(const LoginTarget& target, const LoginOptions& options,
                const config::AuthEnvironment& env) {
  auto found = config::find_credentials(config::auth_read_sources(options.authfile, env),
                                        target.key);
  if (!found || found->credentials.username.empty()) {
    fail(ErrorCode::kNotFound, "not logged into {}", target.key);
  }
  std::printf("%s\n", found->credentials.username.c_str());
  return 0;
}

// Returns true when the stored credentials for the target are still
// accepted, printing Podman's messages either way.
bool existing_login_valid(const LoginTarget& target, const LoginOptions& options,
                          const config::RegistriesConfig& registries,
                          const config::Credentials& stored) {
  std::printf("Authenticating with existing credentials for %s\n", target.key.c_str());
  try {
    verify(target, options, registries, stored);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kUnauthorized) throw;
    std::printf("Existing credentials are invalid, please enter valid username and password\n");
    return false;
  }
  std::printf("Existing credentials are valid. Already logged in to %s\n",
              target.registry.c_str());
  return true;
}

int run_login(const LoginOptions& options) {
  auto registries = config::RegistriesConfig::load();
  LoginTarget target = login_target(options.registry, registries);
  auto env = config::AuthEnvironment::from_process();
  if (options.get_login) return print_login(target, options, env);

  if (!options.cert_dir.empty() && !os::path_exists(options.cert_dir)) {
    fail(ErrorCode::kNotFound, "certificate directory \"{}\" given with --cert-dir not found",
         options.cert_dir);
  }
  config::Credentials credentials{options.username, options.password};
  if (options.password_stdin) {
    if (!options.password.empty()) {
      fail(ErrorCode::kInvalidArgument, "--password and --password-stdin cannot be used together");
    }
    if (options.username.empty()) {
      fail(ErrorCode::kInvalidArgument, "--password-stdin requires --username");
    }
    credentials.password = read_password_from_stdin();
  }

  std::string path = config::auth_file_path(options.authfile, env);
  std::string stored_username;
  if (credentials.username.empty()) {
    auto found = config::find_credentials(config::auth_read_sources(options.authfile, env),
                                          target.key);
    if (found) stored_username = found->credentials.username;
    if (found && credentials.password.empty() &&
        existing_login_valid(target, options, registries, found->credentials)) {
      return 0;
    }
  }
  if (credentials.username.empty() || credentials.password.empty()) {
    prompt_credentials(credentials, stored_username);
  }

  verify(target, options, registries, credentials);
  auto file = config::AuthFile::load(path);
  file.set(target.key, credentials);
  file.save();
  if (options.verbose) std::printf("Used: %s\n", path.c_str());
  std::printf("Login Succeeded!\n");
  return 0;
}

int run_logout(const LogoutOptions& options) {
  auto env = config::AuthEnvironment::from_process();
  std::string path = config::auth_file_path(options.authfile, env);
  // A file the user named (flag or REGISTRY_AUTH_FILE) must exist, as in
  // Podman: logging out of a misspelt path must not look like success.
  bool named = !options.authfile.empty() || !env.registry_auth_file.empty();
  if (named && !os::path_exists(path)) {
    fail(ErrorCode::kNotFound, "checking auth file \"{}\": no such file: check the path given "
         "with --authfile or REGISTRY_AUTH_FILE", path);
  }
  if (options.all) {
    if (!options.registry.empty()) {
      fail(ErrorCode::kInvalidArgument, "--all takes no registry argument, but \"{}\" was given",
           options.registry);
    }
    auto file = config::AuthFile::load(path);
    file.remove_all();
    if (os::path_exists(path)) file.save();
    std::printf("Removed login credentials for all registries\n");
    return 0;
  }

  auto registries = config::RegistriesConfig::load();
  LoginTarget target = login_target(options.registry, registries);
  auto file = config::AuthFile::load(path);
  if (file.remove(target.key)) {
    file.save();
    std::printf("Removed login credentials for %s\n", target.key.c_str());
    return 0;
  }
  // Credentials in Docker's files are Docker's to remove.
  // NOTE: Podman prints this only after checking them against the registry,
  // and fails with "not logged into" when they are rejected; berth does not
  // check them.
  auto sources = config::auth_read_sources(options.authfile, env);
  sources.erase(sources.begin());
  if (config::find_credentials(sources, target.key)) {
    std::printf(
        "Not logged into %s with current tool. Existing credentials were established via "
        "docker login. Please use docker logout instead.\n",
        target.key.c_str());
    return 0;
  }
  fail(ErrorCode::kNotFound, "not logged into {}", target.key);
}

}  // namespace

void add_login(CLI::App& parent, Cli& cli) {
  auto options = std::make_shared<LoginOptions>();
  auto* cmd = parent.add_subcommand("login", "Log in to a container registry");
  cmd->add_option("registry", options->registry,
                  "Registry host[:port] or host/repository; default: the first search registry");
  cmd->add_option("-u,--username", options->username, "Username for the registry");
  cmd->add_option("-p,--password", options->password, "Password for the registry");
  cmd->add_flag("--password-stdin", options->password_stdin,
                "Read the password from standard input");
  cmd->add_option("--authfile", options->authfile,
                  "Path of the auth file (default ${XDG_RUNTIME_DIR}/containers/auth.json)");
  cmd->add_flag("--get-login", options->get_login,
                "Print the username stored for the registry");
  options->tls_verify_option =
      cmd->add_option("--tls-verify", options->tls_verify,
                      "Require HTTPS and verify certificates (true or false)")
          ->expected(0, 1)
          ->default_str("true");
  cmd->add_option("--cert-dir", options->cert_dir,
                  "Directory with certificates (*.crt) for the registry");
  cmd->add_flag("-v,--verbose", options->verbose, "Print the path of the auth file used");
  cmd->callback([&cli, options] { cli.action = [options] { return run_login(*options); }; });
}

void add_logout(CLI::App& parent, Cli& cli) {
  auto options = std::make_shared<LogoutOptions>();
  auto* cmd = parent.add_subcommand("logout", "Log out of a container registry");
  cmd->add_option("registry", options->registry,
                  "Registry host[:port] or host/repository; default: the first search registry");
  cmd->add_flag("-a,--all", options->all, "Remove the credentials of every registry");
  cmd->add_option("--authfile", options->authfile,
                  "Path of the auth file (default ${XDG_RUNTIME_DIR}/containers/auth.json)");
  cmd->callback([&cli, options] { cli.action = [options] { return run_logout(*options); }; });
}

}  // namespace berth::cli
