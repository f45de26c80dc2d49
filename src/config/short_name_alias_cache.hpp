#pragma once

// Writing the short-name alias cache: the machine-written file, in
// registries.conf form, where an interactive short-name choice is recorded
// as an [aliases] entry, apart from the registries.conf files people edit.
// RegistriesConfig::load() reads it (see RegistriesPaths::alias_cache).

#include <string>
#include <string_view>

namespace berth::config {

// Returns existing_text with the alias `name = target` set in its [aliases]
// table, replacing an alias of the same name. Other aliases, keys and tables
// are kept, but comments are not. Throws Error{kInvalidArgument} naming
// source when existing_text is not valid TOML, when its "aliases" is not a
// table, or when name or target is not a valid alias (see
// RegistriesConfig::parse).
std::string set_alias_in_cache_text(std::string_view existing_text, std::string_view source,
                                    const std::string& name, const std::string& target);

// Records the alias `name = target` in the cache file at path, keeping the
// aliases already there. Holds a write lock on path + ".lock" (the lock
// file Podman uses) from the read to the write, creates missing
// directories (mode 0700) and replaces the file atomically with mode 0600. Throws Error naming path when the file
// cannot be read, parsed or written.
void record_short_name_alias(const std::string& path, const std::string& name,
                             const std::string& target);

}  // namespace berth::config
