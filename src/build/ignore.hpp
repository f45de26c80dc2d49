#pragma once

// The .containerignore (or .dockerignore) file of a build context: which
// context paths COPY and ADD leave out.

#include <string>
#include <string_view>
#include <vector>

namespace berth::build {

class IgnoreRules {
 public:
  IgnoreRules() = default;
  // Parses the file's text: one pattern a line, "#" comments, "!" for an
  // exception, "**" for any number of directories, as Docker reads it.
  explicit IgnoreRules(std::string_view text);

  // Reads <context>/.containerignore, else <context>/.dockerignore; no
  // rules when neither exists.
  static IgnoreRules load(const std::string& context_dir);

  // Whether path (relative to the context, "/"-separated) is left out: the
  // last pattern that matches it or one of its parent directories decides.
  bool excluded(std::string_view path) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::vector<std::string> segments;
    bool exception = false;
  };
  std::vector<Rule> rules_;
};

// Whether the "/"-separated pattern (fnmatch segments and "**") matches
// path exactly.
bool match_path_pattern(std::string_view pattern, std::string_view path);

}  // namespace berth::build
