#pragma once

// What the image routes of both APIs share: registry access from a
// request's headers and query, request bodies as file descriptors, and
// files streamed back as the response.

#include <optional>
#include <string>
#include <string_view>

#include "engine/engine.hpp"
#include "os/fd.hpp"

namespace berth::api {

class Exchange;

// The registry part of reference ("127.0.0.1:5000"), "docker.io" for a
// short name. Throws Error{kInvalidArgument} for an invalid reference.
std::string reference_registry(const std::string& reference);

// Whether host ("host[:port]") is a loopback address: localhost, 127.0.0.0/8
// or [::1].
bool is_loopback_registry(std::string_view registry);

// Returns Docker's TLS setting for registry. A loopback registry that
// registries.conf does not list gets false, because the Docker daemon
// treats 127.0.0.0/8 as insecure by default. Other registries get nullopt,
// so that registries.conf decides.
std::optional<bool> docker_tls_verify(const std::string& registry);

// The TLS setting for a request to registry. A tlsVerify query parameter
// decides when given. Otherwise the compat API gives false for a loopback
// registry that registries.conf does not list, because the Docker daemon
// treats 127.0.0.0/8 as insecure by default and Docker clients send no TLS
// setting. Everything else gives nullopt, so that registries.conf decides.
std::optional<bool> request_tls_verify(Exchange& x, const std::string& registry);

// Registry access for reference: credentials from X-Registry-Auth or
// X-Registry-Config and the TLS setting of request_tls_verify.
engine::RegistryAccess request_registry_access(Exchange& x, const std::string& reference);

// The request body in an anonymous temporary file (see anonymous_temp_file),
// positioned at its start. The body has no size limit.
os::Fd body_file(Exchange& x);

// An anonymous temporary file under /var/tmp, removed when closed.
os::Fd anonymous_temp_file();

// Replies 201 with an empty body and "Content-Length: 0": without a
// length a keep-alive client waits for a body that never comes.
void reply_created(Exchange& x);

// Streams the file's content from its start as a 200 response.
void stream_file(Exchange& x, int fd, std::string_view content_type);

}  // namespace berth::api
