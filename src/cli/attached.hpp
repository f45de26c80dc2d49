#pragma once

// The foreground side of run, start --attach, attach and exec: the local
// terminal in raw mode, signals forwarded to the container, detach keys.

#include <string>

#include <CLI/CLI.hpp>

#include "container/attach.hpp"
#include "engine/engine.hpp"

namespace berth::cli {

struct AttachSettings {
  bool interactive = false;  // copy stdin to the container
  bool tty = false;          // raw local terminal, sizes sent on SIGWINCH
  // Forward SIGINT, SIGTERM, ... that this process receives to the
  // container's init (--sig-proxy).
  bool sig_proxy = true;
  // --detach-keys as given. Without the flag, containers.conf's [engine]
  // detach_keys applies, then ctrl-p,ctrl-q (see detach_key_bytes).
  std::string detach_keys = std::string(container::kDefaultDetachKeys);
  bool detach_keys_given = false;
  // Closes the container's stdin at once: `start -a` without -i gives a
  // container made with -i end-of-file, as Podman does.
  bool close_stdin = false;
};

// Adds --detach-keys to cmd, bound to settings.detach_keys.
void add_detach_keys_flag(CLI::App& cmd, AttachSettings& settings);

// Returns the bytes of the detach sequence: --detach-keys when given, else
// containers.conf's [engine] detach_keys, else ctrl-p,ctrl-q. Throws
// Error{kInvalidArgument} naming the bad value and where it came from.
std::string detach_key_bytes(const AttachSettings& settings);

// Serves an attach connection to the monitor of container id until the
// process exits or the user detaches. Throws Error{kInvalidArgument} for
// bad detach keys before anything is read.
container::AttachResult attach_foreground(engine::Engine& engine, const std::string& id,
                                          int socket_fd, const AttachSettings& settings);

}  // namespace berth::cli
