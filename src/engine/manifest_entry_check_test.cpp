#include "engine/manifest_entry_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace berth::engine {
namespace {

// Returns the message of the Error that check_entry_platform throws.
std::string rejection(const ManifestEntryOptions& options) {
  try {
    check_entry_platform(options);
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::kInvalidArgument, e.code());
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(CheckEntryPlatform, AcceptsUnsetAndUsualValues) {
  EXPECT_NO_THROW(check_entry_platform({}));
  ManifestEntryOptions options;
  options.arch = "amd64";
  options.os = "linux";
  options.variant = "v8";
  options.os_version = "10.0.17763.1879";
  EXPECT_NO_THROW(check_entry_platform(options));
  options.arch = "x86_64";
  options.os = "Windows";
  options.os_version = "5.11+build:1";
  EXPECT_NO_THROW(check_entry_platform(options));
}

TEST(CheckEntryPlatform, RejectsEmptyValues) {
  ManifestEntryOptions arch;
  arch.arch = "";
  EXPECT_EQ("invalid --arch value \"\": the value is empty (such as amd64)", rejection(arch));
  ManifestEntryOptions os;
  os.os = "";
  EXPECT_EQ("invalid --os value \"\": the value is empty (such as linux)", rejection(os));
  ManifestEntryOptions variant;
  variant.variant = "";
  EXPECT_EQ("invalid --variant value \"\": the value is empty (such as v8)", rejection(variant));
  ManifestEntryOptions os_version;
  os_version.os_version = "";
  EXPECT_NE(rejection(os_version).find("invalid --os-version value \"\": the value is empty"),
            std::string::npos);
}

TEST(CheckEntryPlatform, RejectsNameCharacters) {
  for (const std::string value : {"a b", "a/b", "arm!", " amd64", "é"}) {
    ManifestEntryOptions options;
    options.arch = value;
    EXPECT_EQ("invalid --arch value \"" + value +
                  "\": use only letters, digits, '.', '_' and '-' (such as amd64)",
              rejection(options));
  }
  ManifestEntryOptions os;
  os.os = "linux/amd64";
  EXPECT_NE(rejection(os).find("invalid --os value \"linux/amd64\""), std::string::npos);
  ManifestEntryOptions tab;
  tab.arch = "amd64\t";
  EXPECT_NE(rejection(tab).find("invalid --arch value \"amd64\\t\""), std::string::npos);
  ManifestEntryOptions variant;
  variant.variant = "v 8";
  EXPECT_NE(rejection(variant).find("invalid --variant value \"v 8\""), std::string::npos);
}

TEST(CheckEntryPlatform, RejectsOsVersionSeparators) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"10 0", "10 0"}, {"10/0", "10/0"}, {"10.0\n", "10.0\\n"}, {"a\tb", "a\\tb"},
      {std::string("1\0", 2), "1\\x00"}, {"\x1b[31m", "\\x1b[31m"}};
  for (const auto& [value, shown] : cases) {
    ManifestEntryOptions options;
    options.os_version = value;
    EXPECT_EQ("invalid --os-version value \"" + shown +
                  "\": whitespace, control characters and '/' are not allowed",
              rejection(options));
  }
}

TEST(CheckEntryPlatform, ChecksArchBeforeOthers) {
  ManifestEntryOptions options;
  options.arch = "bad arch";
  options.os = "bad os";
  EXPECT_NE(rejection(options).find("--arch"), std::string::npos);
}

}  // namespace
}  // namespace berth::engine
