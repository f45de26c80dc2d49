// Typed readers of request body fields.

#include "api/body_fields.hpp"

#include "common/error.hpp"

namespace berth::api::body_fields {

using nlohmann::json;

const json* field(const json& body, const char* key) {
  if (!body.is_object()) return nullptr;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_field(const json& body, const char* key) {
  const json* value = field(body, key);
  if (!value) return "";
  if (!value->is_string()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want a string", key);
  }
  return value->get<std::string>();
}

bool bool_field(const json& body, const char* key) {
  const json* value = field(body, key);
  if (!value) return false;
  if (!value->is_boolean()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want true or false", key);
  }
  return value->get<bool>();
}

std::int64_t int_field(const json& body, const char* key) {
  const json* value = field(body, key);
  if (!value) return 0;
  if (!value->is_number_integer()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want an integer", key);
  }
  return value->get<std::int64_t>();
}

std::vector<std::string> strings_field(const json& body, const char* key) {
  const json* value = field(body, key);
  if (value && value->is_string()) return {value->get<std::string>()};
  return string_list_field(body, key);
}

std::vector<std::string> string_list_field(const json& body, const char* key) {
  const json* value = field(body, key);
  std::vector<std::string> out;
  if (!value) return out;
  if (!value->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want a list of strings",
         key);
  }
  for (const auto& item : *value) {
    if (!item.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want a list of strings",
           key);
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::string> map_field(const json& body, const char* key) {
  const json* value = field(body, key);
  std::vector<std::string> out;
  if (!value) return out;
  if (!value->is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want an object of strings",
         key);
  }
  for (const auto& [k, v] : value->items()) {
    if (!v.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid {}.{} in the request body: want a string", key,
           k);
    }
    out.push_back(k + "=" + v.get<std::string>());
  }
  return out;
}

}  // namespace berth::api::body_fields
