#pragma once

// Typed readers of the fields of a JSON request body, shared by the create
// parsers of both APIs. An absent or null field reads as empty; a field of
// the wrong type throws Error{kInvalidArgument} naming the field, so the
// client gets a 400.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::api::body_fields {

// Returns body[key], or null when body has no such field or it is null.
const nlohmann::json* field(const nlohmann::json& body, const char* key);

std::string string_field(const nlohmann::json& body, const char* key);
bool bool_field(const nlohmann::json& body, const char* key);
std::int64_t int_field(const nlohmann::json& body, const char* key);

// A list of strings; a single string reads as a list of one (Docker's
// StrSlice fields: Cmd, Entrypoint, CapAdd, CapDrop).
std::vector<std::string> strings_field(const nlohmann::json& body, const char* key);

// A list of strings and nothing else, as Go decodes a []string field.
std::vector<std::string> string_list_field(const nlohmann::json& body, const char* key);

// A {"KEY": "VALUE"} object as KEY=VALUE strings.
std::vector<std::string> map_field(const nlohmann::json& body, const char* key);

}  // namespace berth::api::body_fields
