#pragma once

// Building images: the request of `build` from a Containerfile. The
// builder reads .containerignore (else .dockerignore) from the context.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::engine {

// The flags of `build`. Relative paths are already resolved by the caller.
struct BuildRequest {
  std::string context_dir;    // the build context, a directory on this host
  // -f: the Containerfile. "" takes Containerfile, then Dockerfile, from
  // context_dir. "-" is not passed here: the caller writes stdin to a file.
  std::string containerfile;
  std::vector<std::string> tags;                  // -t NAME[:TAG]
  std::map<std::string, std::string> build_args;  // --build-arg KEY=VALUE
  std::string target;                             // --target STAGE
  std::vector<std::string> labels;                // --label KEY=VALUE
  std::vector<std::string> annotations;           // --annotation KEY=VALUE
  bool no_cache = false;                          // --no-cache
  bool layers = true;     // --layers: reuse and keep an image per step
  std::string pull_policy = "missing";  // --pull: always, missing, never, newer
  bool quiet = false;                   // -q: only the image ID
  bool remove = true;                   // --rm: remove intermediate containers
  bool force_rm = false;                // --force-rm: also after a failed step
  std::string format = "oci";           // --format oci|docker
  std::string platform;                 // --platform os/arch[/variant]
  std::string network;                  // --network for RUN; "" for the default bridge
  bool squash = false;                  // --squash: one layer on top of the base
  // Registry access of FROM pulls, as for pull: --creds USER[:PASS],
  // --authfile, --tls-verify (nullopt: registries.conf decides), --cert-dir.
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string authfile;
  std::optional<bool> tls_verify;
  std::string cert_dir;
  // When tls_verify is unset and this is set, it decides TLS for each FROM
  // registry; nullopt leaves it to registries.conf. The Docker build route
  // sets it, because Docker pulls from loopback registries without TLS.
  std::function<std::optional<bool>(const std::string& registry)> registry_tls_verify;
  // When set, receives what RUN steps write to stderr, also with quiet, as
  // Podman prints it on its stderr. Unset: stderr joins the build output.
  std::function<void(std::string_view)> run_stderr;
  // When not -1, a descriptor that becomes readable when the build must
  // stop; each byte read from it is a signal number. The REST service
  // writes one when its client has gone. -1 listens to the process's stop
  // signals (see build::StopSignals).
  int stop_fd = -1;
};

}  // namespace berth::engine
