#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace berth::format {

// Renders the subset of Go text/template that inspect --format uses most:
// literal text, "{{.Field.Sub}}" paths into value and "{{json .Field}}".
// Strings print raw, other values as compact JSON. Throws
// Error{kInvalidArgument} naming the template for any other action.
// NOTE: ranges, conditionals and functions other than json are not
// implemented yet.
std::string render_template(const std::string& text, const nlohmann::json& value);

// Prints items (a JSON array) for a --format value: "json" prints the
// array, "table TEMPLATE" prints a header of the field names and a row per
// item, any other value prints TEMPLATE once per item.
void print_formatted(const std::string& format, const nlohmann::json& items);

}  // namespace berth::format
