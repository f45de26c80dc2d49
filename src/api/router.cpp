// The REST service's route table.

#include "api/router.hpp"

#include "api/query.hpp"
#include "common/error.hpp"

namespace berth::api {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return segments;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string param_name(const std::string& segment) {
  std::string name = segment.substr(1, segment.size() - 2);
  if (name.ends_with("...")) name.resize(name.size() - 3);
  return name;
}

}  // namespace

std::string_view strip_version(std::string_view path) {
  if (path.size() < 3 || path[0] != '/' || path[1] != 'v') return path;
  std::size_t i = 2;
  bool digit = false;
  while (i < path.size() && ((path[i] >= '0' && path[i] <= '9') || path[i] == '.')) {
    digit = digit || path[i] != '.';
    ++i;
  }
  if (!digit || (i < path.size() && path[i] != '/')) return path;
  return i == path.size() ? std::string_view("/") : path.substr(i);
}

void Router::add(boost::beast::http::verb method, const std::string& pattern, Handler handler) {
  Route route{method, {}, -1, std::move(handler)};
  for (auto segment : split_path(pattern)) route.segments.emplace_back(segment);
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    if (route.segments[i].ends_with("...}")) route.greedy = static_cast<int>(i);
  }
  routes_.push_back(std::move(route));
}

void Router::add_quick(boost::beast::http::verb method, const std::string& pattern,
                       Handler handler) {
  add(method, pattern, std::move(handler));
  routes_.back().quick = true;
}

bool Router::match(const Route& route, const std::vector<std::string_view>& path,
                   std::map<std::string, std::string>& params) {
  const auto& pattern = route.segments;
  auto segment_matches = [&](const std::string& want, std::string_view got) {
    if (is_param(want)) {
      params[param_name(want)] = percent_decode(got, false);
      return true;
    }
    return want == got;
  };
  if (route.greedy < 0) {
    if (pattern.size() != path.size()) return false;
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (!segment_matches(pattern[i], path[i])) return false;
    }
    return true;
  }
  std::size_t before = static_cast<std::size_t>(route.greedy);
  std::size_t after = pattern.size() - before - 1;
  if (path.size() < before + after + 1) return false;
  for (std::size_t i = 0; i < before; ++i) {
    if (!segment_matches(pattern[i], path[i])) return false;
  }
  for (std::size_t i = 0; i < after; ++i) {
    if (!segment_matches(pattern[before + 1 + i], path[path.size() - after + i])) return false;
  }
  std::string joined;
  for (std::size_t i = before; i < path.size() - after; ++i) {
    if (!joined.empty()) joined += '/';
    joined += percent_decode(path[i], false);
  }
  params[param_name(pattern[before])] = joined;
  return true;
}

Router::Match Router::find(boost::beast::http::verb method, std::string_view path) const {
  using boost::beast::http::verb;
  auto segments = split_path(path);
  Match result;
  const Route* get_route = nullptr;
  std::map<std::string, std::string> get_params;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!match(route, segments, params)) continue;
    if (route.method == method) {
      result.handler = &route.handler;
      result.params = std::move(params);
      result.method_not_allowed = false;
      result.quick = route.quick;
      return result;
    }
    if (method == verb::head && route.method == verb::get && !get_route) {
      get_route = &route;
      get_params = std::move(params);
    }
    result.method_not_allowed = true;
  }
  if (get_route) {
    result.handler = &get_route->handler;
    result.params = std::move(get_params);
    result.method_not_allowed = false;
    result.quick = get_route->quick;
  }
  return result;
}

}  // namespace berth::api
