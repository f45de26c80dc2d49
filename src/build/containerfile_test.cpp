#include "build/containerfile.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::build {
namespace {

TEST(ContainerfileTest, ParsesStagesArgsAndForms) {
  auto file = parse_containerfile(
      "# syntax=docker/dockerfile:1\n"
      "ARG BASE=alpine\n"
      "FROM $BASE AS Builder\n"
      "# a comment\n"
      "RUN echo one \\\n"
      "  # inside\n"
      "    two\n"
      "CMD [\"sh\", \"-c\", \"true\"]\n"
      "FROM scratch\n"
      "COPY --from=builder --chown=1:2 /a /b\n",
      "Containerfile");
  ASSERT_EQ(file.global_args.size(), 1u);
  EXPECT_EQ(file.global_args[0].args, "BASE=alpine");
  ASSERT_EQ(file.stages.size(), 2u);
  EXPECT_EQ(file.stages[0].base, "$BASE");
  EXPECT_EQ(file.stages[0].name, "builder");
  ASSERT_EQ(file.stages[0].instructions.size(), 2u);
  EXPECT_EQ(file.stages[0].instructions[0].args, "echo one two");
  EXPECT_EQ(file.stages[0].instructions[0].line, 5);
  EXPECT_FALSE(file.stages[0].instructions[0].json);
  EXPECT_TRUE(file.stages[0].instructions[1].json);
  EXPECT_EQ(file.stages[0].instructions[1].json_args,
            (std::vector<std::string>{"sh", "-c", "true"}));
  const auto& copy = file.stages[1].instructions[0];
  EXPECT_EQ(copy.flags, (std::vector<std::string>{"--from=builder", "--chown=1:2"}));
  EXPECT_EQ(copy.args, "/a /b");
  EXPECT_EQ(copy.text, "COPY --from=builder --chown=1:2 /a /b");
}

TEST(ContainerfileTest, EscapeDirective) {
  auto file = parse_containerfile("# escape=`\nFROM x\nRUN a `\n b\n", "f");
  EXPECT_EQ(file.escape, '`');
  EXPECT_EQ(file.stages[0].instructions[0].args, "a b");
}

TEST(ContainerfileTest, UnknownInstructionNamesFileAndLine) {
  try {
    parse_containerfile("FROM x\n\nFOO bar\n", "/ctx/Containerfile");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(), "parsing \"/ctx/Containerfile\" line 3: unknown instruction \"FOO\"");
  }
}

TEST(ContainerfileTest, RejectsMissingFromAndBadFlags) {
  EXPECT_THROW(parse_containerfile("RUN true\n", "f"), Error);
  EXPECT_THROW(parse_containerfile("# only a comment\n", "f"), Error);
  EXPECT_THROW(parse_containerfile("FROM x\nRUN --mount=type=cache true\n", "f"), Error);
}

}  // namespace
}  // namespace berth::build
