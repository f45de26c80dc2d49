#include "engine/registry_endpoints.hpp"

#include <fmt/ranges.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/short_name_alias_cache.hpp"
#include "engine/registry_access.hpp"

namespace berth::engine {

namespace {

// Returns a short name's candidates from the search registries, narrowed
// by short-name-mode.
ResolvedName resolve_by_search(const image::ParsedReference& parsed,
                               const config::RegistriesConfig& registries,
                               const ShortNameChooser& choose) {
  ResolvedName resolved;
  resolved.candidates = image::short_name_candidates(parsed, registries);
  std::string short_name = parsed.ref.str();
  resolved.description =
      fmt::format("Resolving \"{}\" using unqualified-search registries ({})",
                  parsed.ref.repository, registries.search_registries_source);
  config::ShortNameMode mode = registries.effective_short_name_mode();
  if (mode == config::ShortNameMode::kDisabled || resolved.candidates.size() == 1) {
    return resolved;
  }

  std::vector<std::string> names;
  for (const auto& candidate : resolved.candidates) names.push_back(candidate.str());
  std::optional<std::size_t> chosen;
  if (choose) chosen = choose(short_name, names);
  if (chosen && *chosen < resolved.candidates.size()) {
    ResolvedName picked;
    picked.candidates = {resolved.candidates[*chosen]};
    picked.chosen_alias.emplace(parsed.ref.repository, picked.candidates[0].name());
    return picked;
  }
  if (mode == config::ShortNameMode::kEnforcing) {
    fail(ErrorCode::kInvalidArgument,
         "short-name resolution enforced but cannot prompt without a TTY: \"{}\" could be any "
         "of {}; use a fully qualified name, add an alias for it in registries.conf, or set "
         "short-name-mode to permissive",
         short_name, fmt::join(names, ", "));
  }
  return resolved;
}

}  // namespace

ResolvedName resolve_pull_name(const image::ParsedReference& parsed,
                               const config::RegistriesConfig& registries,
                               const ShortNameChooser& choose) {
  if (parsed.qualified) return ResolvedName{{parsed.ref}, "", std::nullopt};
  if (registries.find_alias(parsed.ref.repository)) {
    ResolvedName resolved;
    resolved.candidates = image::short_name_candidates(parsed, registries);
    auto source = registries.alias_sources.find(parsed.ref.repository);
    resolved.description =
        fmt::format("Resolved \"{}\" as an alias ({})", parsed.ref.repository,
                    source == registries.alias_sources.end() ? "" : source->second);
    return resolved;
  }
  return resolve_by_search(parsed, registries, choose);
}

void record_chosen_alias(const ResolvedName& resolved,
                         const config::RegistriesConfig& registries) {
  if (!resolved.chosen_alias || registries.alias_cache_path.empty()) return;
  const auto& [short_name, target] = *resolved.chosen_alias;
  try {
    config::record_short_name_alias(registries.alias_cache_path, short_name, target);
  } catch (const Error& e) {
    spdlog::warn("{}", e.what());
  }
}

void check_not_blocked(const image::Reference& ref, const config::RegistriesConfig& registries) {
  const config::RegistriesConfig::Registry* entry = registries.find(ref.str());
  if (entry == nullptr || !entry->blocked) return;
  fail(ErrorCode::kPermissionDenied,
       "registry \"{}\" is blocked in registries.conf: remove blocked = true from its "
       "[[registry]] entry to use \"{}\"",
       entry->prefix, ref.str());
}

std::vector<PullEndpoint> pull_endpoints(const image::Reference& ref,
                                         const config::RegistriesConfig& registries) {
  check_not_blocked(ref, registries);
  std::vector<PullEndpoint> endpoints;
  for (const auto& source : registries.pull_sources(ref.str())) {
    image::ParsedReference parsed = with_context(
        fmt::format("mapping \"{}\" with registries.conf", ref.str()),
        [&] { return image::parse_reference(source.reference); });
    if (!parsed.qualified) {
      fail(ErrorCode::kInvalidArgument,
           "registries.conf maps \"{}\" to \"{}\", which names no registry; fix the location",
           ref.str(), source.reference);
    }
    endpoints.push_back(PullEndpoint{parsed.ref, source.insecure, source.mirror});
  }
  return endpoints;
}

std::string pull_from_endpoints(const std::vector<PullEndpoint>& endpoints,
                                const std::function<std::string(const PullEndpoint&)>& pull_from) {
  // The registry client's errors name the endpoint's host or reference, so
  // they need no added context.
  std::vector<std::string> mirror_failures;
  for (const PullEndpoint& endpoint : endpoints) {
    try {
      return pull_from(endpoint);
    } catch (const Error& e) {
      if (endpoint.mirror) {
        SPDLOG_DEBUG("pulling from mirror failed, trying the next source: {}", e.what());
        mirror_failures.push_back(e.what());
        continue;
      }
      if (mirror_failures.empty()) throw e;
      throw Error(e.code(),
                  fmt::format("{} (mirrors also failed: {})", e.what(),
                              fmt::join(mirror_failures, "; ")),
                  e.sys_errno());
    }
  }
  // pull_endpoints() always ends with the primary location.
  fail(ErrorCode::kInternal, "no pull endpoint to try");
}

image::RegistryOptions endpoint_options(const RegistryAccess& access,
                                        const PullEndpoint& endpoint,
                                        const config::RegistriesConfig& registries) {
  image::RegistryOptions options = registry_options(access, endpoint.ref.name(), registries);
  if (!options.tls_verify) options.tls_verify = !endpoint.insecure;
  // The blocked and insecure settings were applied to the requested name;
  // looking them up again for the endpoint's host would apply another entry's.
  options.registries = nullptr;
  return options;
}

}  // namespace berth::engine
