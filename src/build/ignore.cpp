// The build context's ignore file.

#include "build/ignore.hpp"

#include <fnmatch.h>

#include "os/file.hpp"

namespace berth::build {

namespace {

// Splits a path at "/", dropping empty and "." segments and resolving "..".
std::vector<std::string> segments_of(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string segment(path.substr(start, end - start));
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!segment.empty() && segment != ".") {
      out.push_back(std::move(segment));
    }
    start = end + 1;
  }
  return out;
}

bool match_segments(const std::vector<std::string>& pattern, std::size_t p,
                    const std::vector<std::string>& path, std::size_t i) {
  if (p == pattern.size()) return i == path.size();
  if (pattern[p] == "**") {
    for (std::size_t skip = i; skip <= path.size(); ++skip) {
      if (match_segments(pattern, p + 1, path, skip)) return true;
    }
    return false;
  }
  if (i == path.size()) return false;
  if (::fnmatch(pattern[p].c_str(), path[i].c_str(), 0) != 0) return false;
  return match_segments(pattern, p + 1, path, i + 1);
}

}  // namespace

bool match_path_pattern(std::string_view pattern, std::string_view path) {
  return match_segments(segments_of(pattern), 0, segments_of(path), 0);
}

IgnoreRules::IgnoreRules(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.starts_with("#")) continue;
    Rule rule;
    if (line.starts_with("!")) {
      rule.exception = true;
      line.remove_prefix(1);
    }
    rule.segments = segments_of(line);
    if (rule.segments.empty()) continue;
    rules_.push_back(std::move(rule));
  }
}

IgnoreRules IgnoreRules::load(const std::string& context_dir) {
  for (const char* name : {"/.containerignore", "/.dockerignore"}) {
    if (auto text = os::read_file_if_exists(context_dir + name)) return IgnoreRules(*text);
  }
  return {};
}

bool IgnoreRules::excluded(std::string_view path) const {
  auto segments = segments_of(path);
  bool result = false;
  for (const auto& rule : rules_) {
    // A pattern that matches a parent directory matches everything below it.
    bool matched = false;
    for (std::size_t length = 1; length <= segments.size() && !matched; ++length) {
      std::vector<std::string> prefix(segments.begin(), segments.begin() + length);
      matched = match_segments(rule.segments, 0, prefix, 0);
    }
    if (matched) result = !rule.exception;
  }
  return result;
}

}  // namespace berth::build
