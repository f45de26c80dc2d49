#pragma once

// Registry options shared by the commands that talk to a registry (pull,
// push): TLS, certificates and credentials from flags or the auth files.

#include <string>

#include "config/registries.hpp"
#include "engine/engine.hpp"
#include "image/registry_client.hpp"

namespace berth::engine {

// Throws Error{kNotFound} when --cert-dir or --authfile names a path that
// does not exist.
void check_registry_access(const RegistryAccess& access);

// Returns the client options for the registry of image_name
// ("registry/repository"). Without a username in access, credentials come
// from the auth files (access.authfile, else the default ones) for the
// longest matching key of image_name.
image::RegistryOptions registry_options(const RegistryAccess& access,
                                        const std::string& image_name,
                                        const config::RegistriesConfig& registries);

// Returns the retry policy of access: its retry and retry_delay_ms, else
// the [engine] retry and retry_delay of containers.conf, else 3 retries with
// a doubling delay. Retries are reported as warnings in Podman's wording.
// Throws Error{kInvalidArgument} for an invalid containers.conf.
image::RetryPolicy retry_policy(const RegistryAccess& access);

}  // namespace berth::engine
