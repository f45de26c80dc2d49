#include "image/reference.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::image {
namespace {

const std::string kDigest =
    "sha256:a516a02af1bc66773af3964028a505b10d5ebb072cf8c1dfd769f5ed9b0a9d5f";

struct ParseCase {
  std::string text;
  std::string registry;
  std::string repository;
  std::string tag;
  std::string digest;
  bool qualified;
};

TEST(ParseReference, AcceptsValidReferences) {
  const std::vector<ParseCase> cases = {
      {"busybox", "", "busybox", "latest", "", false},
      {"busybox:1.36", "", "busybox", "1.36", "", false},
      {"library/busybox", "", "library/busybox", "latest", "", false},
      {"docker.io/busybox", "docker.io", "library/busybox", "latest", "", true},
      {"index.docker.io/busybox", "docker.io", "library/busybox", "latest", "", true},
      {"docker.io/team/app:v1", "docker.io", "team/app", "v1", "", true},
      {"127.0.0.1:5000/busybox", "127.0.0.1:5000", "busybox", "latest", "", true},
      {"127.0.0.1:5000/busybox:oci", "127.0.0.1:5000", "busybox", "oci", "", true},
      {"localhost/app", "localhost", "app", "latest", "", true},
      {"localhost:5000/a/b/c:t_1", "localhost:5000", "a/b/c", "t_1", "", true},
      {"quay.io/my-org/my__app.x", "quay.io", "my-org/my__app.x", "latest", "", true},
      {"[::1]:5000/busybox", "[::1]:5000", "busybox", "latest", "", true},
      {"Registry/app", "Registry", "app", "latest", "", true},
      {"busybox@" + kDigest, "", "busybox", "", kDigest, false},
      {"example.com/app:v2@" + kDigest, "example.com", "app", "v2", kDigest, true},
  };
  for (const ParseCase& c : cases) {
    SCOPED_TRACE(c.text);
    ParsedReference parsed = parse_reference(c.text);
    EXPECT_EQ(parsed.ref.registry, c.registry);
    EXPECT_EQ(parsed.ref.repository, c.repository);
    EXPECT_EQ(parsed.ref.tag, c.tag);
    EXPECT_EQ(parsed.ref.digest, c.digest);
    EXPECT_EQ(parsed.qualified, c.qualified);
  }
}

TEST(ParseReference, RejectsInvalidReferences) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"Busybox", "must be lowercase"},
      {"example.com/Team/app", "must be lowercase"},
      {"busybox:", "invalid tag \"\""},
      {"busybox:-bad", "invalid tag \"-bad\""},
      {"busybox:" + std::string(129, 'a'), "invalid tag"},
      {"busybox@sha256:1234", "invalid digest \"sha256:1234\""},
      {"busybox@md5:abcd", "invalid digest \"md5:abcd\""},
      {"example.com/app/", "invalid repository name"},
      {"example.com//app", "invalid repository name"},
      {"example.com/-app", "invalid repository name"},
      {"example.com/a...b", "invalid repository name"},
      {"exa_mple.com/app", "invalid registry \"exa_mple.com\""},
      {"example.com:port/app", "invalid registry"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    try {
      parse_reference(text);
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      std::string message = e.what();
      EXPECT_NE(message.find(expected), std::string::npos) << message;
      EXPECT_NE(message.find("\"" + text + "\""), std::string::npos) << message;
    }
  }
}

TEST(ReferenceFormat, StrShowsTagAndDigest) {
  Reference ref{"127.0.0.1:5000", "busybox", "latest", ""};
  EXPECT_EQ(ref.name(), "127.0.0.1:5000/busybox");
  EXPECT_EQ(ref.str(), "127.0.0.1:5000/busybox:latest");
  EXPECT_EQ(ref.tag_or_digest(), "latest");

  ref.tag = "";
  ref.digest = kDigest;
  EXPECT_EQ(ref.str(), "127.0.0.1:5000/busybox@" + kDigest);
  EXPECT_EQ(ref.tag_or_digest(), kDigest);

  ref.tag = "v1";
  EXPECT_EQ(ref.str(), "127.0.0.1:5000/busybox:v1@" + kDigest);
  EXPECT_EQ(ref.tag_or_digest(), kDigest);
}

TEST(ReferenceFormat, UnqualifiedNameIsRepository) {
  Reference ref = parse_reference("busybox").ref;
  EXPECT_EQ(ref.name(), "busybox");
  EXPECT_EQ(ref.str(), "busybox:latest");
}

TEST(ShortNameCandidates, QualifiedGivesItself) {
  config::RegistriesConfig registries;
  registries.unqualified_search_registries = {"quay.io"};
  auto candidates = short_name_candidates(parse_reference("docker.io/busybox:1"), registries);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].str(), "docker.io/library/busybox:1");
}

TEST(ShortNameCandidates, FollowsSearchOrder) {
  config::RegistriesConfig registries;
  registries.unqualified_search_registries = {"127.0.0.1:5000", "docker.io", "quay.io"};
  auto candidates = short_name_candidates(parse_reference("busybox:v2s2"), registries);
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].str(), "127.0.0.1:5000/busybox:v2s2");
  EXPECT_EQ(candidates[1].str(), "docker.io/library/busybox:v2s2");
  EXPECT_EQ(candidates[2].str(), "quay.io/busybox:v2s2");
}

TEST(ShortNameCandidates, KeepsNamespaceOnDockerHub) {
  config::RegistriesConfig registries;
  registries.unqualified_search_registries = {"docker.io"};
  auto candidates = short_name_candidates(parse_reference("team/app@" + kDigest), registries);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].str(), "docker.io/team/app@" + kDigest);
}

TEST(ShortNameCandidates, AliasReplacesSearch) {
  config::RegistriesConfig registries;
  registries.unqualified_search_registries = {"127.0.0.1:5000"};
  registries.aliases["busybox"] = "quay.io/prometheus/busybox";
  auto candidates = short_name_candidates(parse_reference("busybox:glibc"), registries);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].str(), "quay.io/prometheus/busybox:glibc");
}

TEST(ShortNameCandidates, UnqualifiedAliasRejected) {
  config::RegistriesConfig registries;
  registries.aliases["app"] = "team/app";
  try {
    short_name_candidates(parse_reference("app"), registries);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("team/app"), std::string::npos) << e.what();
  }
}

TEST(ShortNameCandidates, NoSearchRegistriesFails) {
  config::RegistriesConfig registries;
  try {
    short_name_candidates(parse_reference("busybox"), registries);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("busybox"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace berth::image
