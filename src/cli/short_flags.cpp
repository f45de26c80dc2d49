// pflag, and so Podman, accepts "-q=true", "-a=false", "-n=3" and
// "-an=3"; CLI11 reads "-q=true" as the flags q, =, t, r, u and e. This
// rewrites those forms before CLI11 parses the command line.

#include <optional>

#include "cli/cli.hpp"

namespace berth::cli {

namespace {

// Finds option (with its dashes) in app or the apps above it, as CLI11's
// fallthrough does.
const CLI::Option* find_option(const CLI::App* app, const std::string& option) {
  for (; app != nullptr; app = app->get_parent()) {
    if (const auto* found = app->get_option_no_throw(option)) return found;
  }
  return nullptr;
}

const CLI::App* find_subcommand(const CLI::App* app, const std::string& name) {
  try {
    return app->get_subcommand(name);
  } catch (const CLI::OptionNotFound&) {
    return nullptr;
  }
}

bool is_flag(const CLI::Option& option) { return option.get_expected_min() == 0; }

// Rewrites one "-X=VALUE" argument into what CLI11 takes.
std::vector<std::string> rewrite(const CLI::Option& option, const std::string& flag,
                                 const std::string& value) {
  if (!is_flag(option)) return {flag, value};
  // CLI11 takes "--long=false" for a flag; without a long name only a
  // true value can be written, as the bare flag.
  if (!option.get_lnames().empty()) return {"--" + option.get_lnames().front() + "=" + value};
  if (value == "true" || value == "1") return {flag};
  return {flag + "=" + value};
}

}  // namespace

std::vector<std::string> expand_short_flags(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> out;
  if (argc > 0) out.emplace_back(argv[0]);
  const CLI::App* current = &app;
  bool verbatim = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (verbatim || arg == "--") {
      verbatim = true;
      out.push_back(arg);
      continue;
    }
    if (!arg.starts_with("-") || arg == "-") {
      if (const auto* sub = find_subcommand(current, arg)) {
        current = sub;
      } else {
        // The first positional argument: what follows may be a container's
        // command line (run IMAGE CMD -x=y), which must stay as it is.
        verbatim = true;
      }
      out.push_back(arg);
      continue;
    }
    // "-X=V", or "-abX=V" where a and b are flags.
    auto equals = arg.find('=');
    if (arg[1] != '-' && equals != std::string::npos && equals >= 2 && equals + 1 < arg.size()) {
      std::vector<std::string> parts;
      for (std::size_t k = 1; k + 1 < equals; ++k) {
        std::string flag = std::string("-") + arg[k];
        const auto* option = find_option(current, flag);
        if (option == nullptr || !is_flag(*option)) break;
        parts.push_back(flag);
      }
      std::string flag = std::string("-") + arg[equals - 1];
      const auto* option = find_option(current, flag);
      if (parts.size() == equals - 2 && option != nullptr) {
        for (auto& part : rewrite(*option, flag, arg.substr(equals + 1))) {
          parts.push_back(std::move(part));
        }
        for (auto& part : parts) out.push_back(std::move(part));
        continue;
      }
    }
    out.push_back(arg);
    // An option's separate value is not a command word.
    if (arg.find('=') == std::string::npos) {
      std::string name = arg.starts_with("--") ? arg : arg.substr(0, 2);
      const auto* option = arg.starts_with("--") || arg.size() == 2 ? find_option(current, name)
                                                                     : nullptr;
      if (option != nullptr && !is_flag(*option) && i + 1 < argc) out.emplace_back(argv[++i]);
    }
  }
  return out;
}

}  // namespace berth::cli
