#include "format/template.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::format {
namespace {

const nlohmann::json kValue = {
    {"Name", "web"},
    {"State", {{"Status", "running"}, {"Pid", 42}}},
    {"Ports", nlohmann::json::array({80, 443})},
    {"Empty", nullptr},
};

TEST(RenderTemplate, FieldPaths) {
  EXPECT_EQ(render_template("{{.Name}} {{.State.Status}} {{.State.Pid}}", kValue),
            "web running 42");
}

TEST(RenderTemplate, JsonAction) {
  EXPECT_EQ(render_template("{{json .Ports}}", kValue), "[80,443]");
  EXPECT_EQ(render_template("{{ json .Name }}", kValue), "\"web\"");
}

TEST(RenderTemplate, NullPrintsNoValue) {
  EXPECT_EQ(render_template("{{.Empty}}", kValue), "<no value>");
}

TEST(RenderTemplate, EscapesBecomeNewlines) {
  EXPECT_EQ(render_template("{{.Name}}\\n", kValue), "web\n");
}

TEST(RenderTemplate, UnknownFieldIsAnError) {
  try {
    render_template("{{.Nope}}", kValue);
    FAIL() << "an unknown field rendered";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("Nope"), std::string::npos);
  }
}

TEST(RenderTemplate, UnclosedActionIsAnError) {
  EXPECT_THROW(render_template("{{.Name", kValue), Error);
}

}  // namespace
}  // namespace berth::format
