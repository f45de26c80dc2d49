#include "format/template.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::format {
namespace {

const nlohmann::json kValue = {
    {"Name", "web"},
    {"State", {{"Status", "running"}, {"Pid", 42}, {"Running", true}}},
    {"Ports", nlohmann::json::array({80, 443})},
    {"Names", nlohmann::json::array({"web", "front"})},
    {"Labels", {{"app", "shop"}, {"tier", "edge"}}},
    {"Empty", nullptr},
    {"EmptyList", nlohmann::json::array()},
    {"Ratio", 0.5},
    {"Zero", 0},
    {"Mixed", "Hello World"},
};

std::string render(const std::string& text, const nlohmann::json& value = kValue) {
  return render_template(text, value, {"test", "", false});
}

// Returns the message of the Error that rendering text throws.
std::string render_error(const std::string& text, const nlohmann::json& value = kValue,
                         const RenderOptions& options = {"test", "", false}) {
  try {
    render_template(text, value, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  ADD_FAILURE() << "template rendered: " << text;
  return "";
}

TEST(RenderTemplate, FieldPaths) {
  EXPECT_EQ(render("{{.Name}} {{.State.Status}} {{.State.Pid}}"), "web running 42");
}

TEST(RenderTemplate, DotAndRootVariable) {
  EXPECT_EQ(render("{{with .State}}{{.Status}} {{$.Name}}{{end}}"), "running web");
  EXPECT_EQ(render("{{.}}", "plain"), "plain");
}

TEST(RenderTemplate, PrintsValuesAsGo) {
  EXPECT_EQ(render("{{.Ports}}"), "[80 443]");
  EXPECT_EQ(render("{{.Labels}}"), "map[app:shop tier:edge]");
  EXPECT_EQ(render("{{.State.Running}}"), "true");
  EXPECT_EQ(render("{{.Ratio}}"), "0.5");
  EXPECT_EQ(render("{{.}}", 1e6), "1e+06");
  EXPECT_EQ(render("{{.}}", 1234567), "1234567");
  EXPECT_EQ(render("{{.Empty}}"), "<no value>");
}

TEST(RenderTemplate, MissingMapKeyPrintsNoValue) {
  EXPECT_EQ(render("{{.Labels.nope}}"), "<no value>");
}

TEST(RenderTemplate, JsonFunction) {
  EXPECT_EQ(render("{{json .Ports}}"), "[80,443]");
  EXPECT_EQ(render("{{ json .Name }}"), "\"web\"");
  EXPECT_EQ(render("{{json .Labels}}"), R"({"app":"shop","tier":"edge"})");
  EXPECT_EQ(render("{{json .}}", "<a&b>"), "\"<a&b>\"");
}

TEST(RenderTemplate, EscapesBecomeNewlinesAndTabs) {
  EXPECT_EQ(render("{{.Name}}\\n"), "web\n");
  EXPECT_EQ(render("{{.Name}}\\t|"), "web\t|");
  EXPECT_EQ(render(R"({{printf "a\tb"}})"), "a\tb");
}

TEST(RenderTemplate, Comments) {
  EXPECT_EQ(render("a{{/* note */}}b"), "ab");
  EXPECT_EQ(render("a {{- /* note */ -}} b"), "ab");
}

TEST(RenderTemplate, TrimMarkers) {
  EXPECT_EQ(render("a  {{- .Name -}}  \n b"), "awebb");
  EXPECT_EQ(render("{{-3}}"), "-3");
}

TEST(RenderTemplate, Literals) {
  EXPECT_EQ(render(R"({{"quoted"}} {{`raw\n`}} {{42}} {{1.5}} {{true}} {{0x10}} {{'a'}})"),
            "quoted raw\\n 42 1.5 true 16 97");
  EXPECT_EQ(render("{{print nil}}"), "<nil>");
}

TEST(RenderTemplate, Variables) {
  EXPECT_EQ(render("{{$x := .Name}}{{$x}}"), "web");
  EXPECT_EQ(render("{{$x := 1}}{{$x = 2}}{{$x}}"), "2");
  EXPECT_EQ(render("{{$s := .State}}{{$s.Status}}"), "running");
}

TEST(RenderTemplate, VariableScopeEndsWithBlock) {
  EXPECT_EQ(render("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}"), "21");
  EXPECT_EQ(render("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}"), "2");
}

TEST(RenderTemplate, Pipelines) {
  EXPECT_EQ(render("{{.Name | upper}}"), "WEB");
  EXPECT_EQ(render("{{.Name | printf \"%s!\" | upper}}"), "WEB!");
  EXPECT_EQ(render("{{(index .Names 1) | upper}}"), "FRONT");
  EXPECT_EQ(render("{{(.State).Status}}"), "running");
}

TEST(RenderTemplate, IfElse) {
  EXPECT_EQ(render("{{if .State.Running}}up{{else}}down{{end}}"), "up");
  EXPECT_EQ(render("{{if .Zero}}a{{else if .EmptyList}}b{{else if .Name}}c{{else}}d{{end}}"), "c");
  EXPECT_EQ(render("{{if .Empty}}a{{else}}b{{end}}"), "b");
  EXPECT_EQ(render("{{if .Labels.nope}}a{{else}}b{{end}}"), "b");
}

TEST(RenderTemplate, RangeArrays) {
  EXPECT_EQ(render("{{range .Names}}[{{.}}]{{end}}"), "[web][front]");
  EXPECT_EQ(render("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}"), "0=web 1=front ");
  EXPECT_EQ(render("{{range $n := .Names}}{{$n}}{{end}}"), "webfront");
  EXPECT_EQ(render("{{range .EmptyList}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(render("{{range .Empty}}x{{else}}none{{end}}"), "none");
}

TEST(RenderTemplate, RangeMapsInKeyOrder) {
  EXPECT_EQ(render("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}"), "app=shop;tier=edge;");
}

TEST(RenderTemplate, BreakAndContinue) {
  nlohmann::json list = {1, 2, 3, 4};
  EXPECT_EQ(render("{{range .}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", list), "12");
  EXPECT_EQ(render("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", list), "134");
}

TEST(RenderTemplate, With) {
  EXPECT_EQ(render("{{with .State}}{{.Pid}}{{end}}"), "42");
  EXPECT_EQ(render("{{with .Empty}}x{{else}}empty{{end}}"), "empty");
  EXPECT_EQ(render("{{with $x := .Name}}{{$x}}{{end}}"), "web");
}

TEST(RenderTemplate, DefineAndTemplate) {
  EXPECT_EQ(render(R"({{define "n"}}<{{.}}>{{end}}{{template "n" .Name}})"), "<web>");
  EXPECT_EQ(render(R"({{block "b" .State}}{{.Pid}}{{end}})"), "42");
}

TEST(RenderTemplate, Comparisons) {
  EXPECT_EQ(render("{{eq .Name \"web\"}} {{eq .Name \"a\" \"web\"}} {{ne .State.Pid 42}}"),
            "true true false");
  EXPECT_EQ(render("{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 2.5 2}} {{lt \"a\" \"b\"}}"),
            "true true false true true");
}

TEST(RenderTemplate, LogicFunctions) {
  EXPECT_EQ(render("{{and .Name .Zero}} {{or .Zero .Name}} {{not .Zero}}"), "0 web true");
  // and stops before an argument that would fail.
  EXPECT_EQ(render("{{and .Zero (index .Names 9)}}"), "0");
}

TEST(RenderTemplate, IndexLenSlice) {
  EXPECT_EQ(render("{{index .Names 1}} {{index .Labels \"app\"}}"), "front shop");
  EXPECT_EQ(render("[{{index .Labels \"nope\"}}]"), "[]");
  EXPECT_EQ(render("{{len .Names}} {{len .Labels}} {{len .Name}}"), "2 2 3");
  EXPECT_EQ(render("{{slice .Name 1}} {{slice .Name 0 2}} {{slice .Names 1}}"), "eb we [front]");
}

TEST(RenderTemplate, Printf) {
  EXPECT_EQ(render(R"({{printf "%s|%5s|%-5s|%q" .Name .Name .Name .Name}})"),
            "web|  web|web  |\"web\"");
  EXPECT_EQ(render(R"({{printf "%d|%05d|%x|%X|%t|%v" 42 42 255 255 true .Ports}})"),
            "42|00042|ff|FF|true|[80 443]");
  EXPECT_EQ(render(R"({{printf "%.2f|%8.3f|%f" 3.14159 2.5 1.0}})"), "3.14|   2.500|1.000000");
  EXPECT_EQ(render(R"({{printf "%.2s|%%" "abc"}})"), "ab|%");
  EXPECT_EQ(render(R"({{printf "%d" "x"}})"), "%!d(string=x)");
  EXPECT_EQ(render(R"({{printf "%s %s" "x"}})"), "x %!s(MISSING)");
}

TEST(RenderTemplate, PrintAndPrintln) {
  EXPECT_EQ(render(R"({{print "a" 1 2 "b"}})"), "a1 2b");
  EXPECT_EQ(render(R"({{println "a" 1}})"), "a 1\n");
}

TEST(RenderTemplate, StringFunctions) {
  EXPECT_EQ(render("{{lower .Mixed}} {{upper .Mixed}} {{title \"hello world\"}}"),
            "hello world HELLO WORLD Hello World");
  EXPECT_EQ(render("{{join .Names \",\"}}"), "web,front");
  EXPECT_EQ(render("{{split \"a:b:c\" \":\"}}"), "[a b c]");
  EXPECT_EQ(render("{{truncate .Mixed 5}}|{{truncate .Name 10}}"), "Hello|web");
  EXPECT_EQ(render("[{{pad .Name 2 1}}]"), "[  web ]");
}

TEST(RenderTemplate, UnknownFieldOfStructFails) {
  std::string message = render_error("{{.Nope}}");
  EXPECT_EQ(message,
            "template: test:1:2: executing \"test\" at <.Nope>: can't evaluate field Nope in "
            "type struct");
}

TEST(RenderTemplate, UnknownFieldNamesType) {
  std::string message = render_error("x {{.State.Foo}}", kValue, {"ps", "container", false});
  EXPECT_EQ(message,
            "template: ps:1:4: executing \"ps\" at <.State.Foo>: can't evaluate field Foo in "
            "type struct");
  message = render_error("{{.Foo}}", nlohmann::json::object(), {"ps", "container", false});
  EXPECT_NE(message.find("can't evaluate field Foo in type container"), std::string::npos);
}

TEST(RenderTemplate, FieldOfStringFails) {
  EXPECT_NE(render_error("{{.Name.Sub}}").find("can't evaluate field Sub in type string"),
            std::string::npos);
}

TEST(RenderTemplate, ParseErrors) {
  EXPECT_EQ(render_error("{{.Name"), "template: test:1: unclosed action");
  EXPECT_EQ(render_error("{{if}}x{{end}}"), "template: test:1: missing value for if");
  EXPECT_EQ(render_error("{{if .Name}}x"), "template: test:1: unexpected EOF");
  EXPECT_EQ(render_error("{{.Name | foo}}"), "template: test:1: function \"foo\" not defined");
  EXPECT_EQ(render_error("{{end}}"), "template: test:1: unexpected {{end}}");
  EXPECT_EQ(render_error("{{break}}"), "template: test:1: {{break}} outside {{range}}");
  EXPECT_EQ(render_error("{{\"abc}}"), "template: test:1: unterminated quoted string");
  EXPECT_EQ(render_error("{{(.Name}}"), "template: test:1: unclosed left paren");
  EXPECT_EQ(render_error("\n{{ # }}"), "template: test:2: bad character U+0023 '#'");
}

TEST(RenderTemplate, ExecutionErrors) {
  EXPECT_NE(render_error("{{index .Names 5}}").find("error calling index: index out of range: 5"),
            std::string::npos);
  EXPECT_NE(render_error("{{$y}}").find("undefined variable: $y"), std::string::npos);
  EXPECT_NE(render_error("{{lower .Ports}}").find("error calling lower: expected string"),
            std::string::npos);
  EXPECT_NE(render_error("{{eq .Name 1}}").find("incompatible types for comparison"),
            std::string::npos);
  EXPECT_NE(render_error("{{len .Zero}}").find("len of type int"), std::string::npos);
  EXPECT_NE(render_error("{{range .Name}}{{end}}").find("range can't iterate over web"),
            std::string::npos);
  EXPECT_NE(render_error("{{template \"nope\"}}").find("no such template \"nope\""),
            std::string::npos);
  EXPECT_NE(render_error("{{.Name 1}}").find("Name has arguments but cannot be invoked"),
            std::string::npos);
}

TEST(HeaderName, SplitsCamelCase) {
  EXPECT_EQ(header_name("CreatedAt"), "CREATED AT");
  EXPECT_EQ(header_name("ImageID"), "IMAGE ID");
  EXPECT_EQ(header_name("ID"), "ID");
  EXPECT_EQ(header_name("RunningFor"), "RUNNING FOR");
  EXPECT_EQ(header_name("Names"), "NAMES");
}

const nlohmann::json kItems = {
    {{"ID", "aaaaaaaaaaaa"}, {"Names", "web"}, {"Image", "busybox:latest"}},
    {{"ID", "bbbbbbbbbbbb"}, {"Names", "database-primary"}, {"Image", "x"}},
};

const FormatOptions kPsOptions = {"ps", "container", {{"ID", "CONTAINER ID"}}, "{{.ID}}"};

TEST(FormatItems, PlainTemplateOneLinePerItem) {
  EXPECT_EQ(format_items("{{.Names}}", kItems, kPsOptions), "web\ndatabase-primary\n");
  EXPECT_EQ(format_items("{{.Names}}\\n", kItems, kPsOptions), "web\ndatabase-primary\n");
}

TEST(FormatItems, RangeOverAllItems) {
  EXPECT_EQ(format_items("{{range .}}{{.Names}},{{end}}", kItems, kPsOptions),
            "web,database-primary,\n");
}

TEST(FormatItems, TableAlignsColumns) {
  EXPECT_EQ(format_items("table {{.ID}}\\t{{.Names}}\\t{{.Image}}", kItems, kPsOptions),
            "CONTAINER ID  NAMES             IMAGE\n"
            "aaaaaaaaaaaa  web               busybox:latest\n"
            "bbbbbbbbbbbb  database-primary  x\n");
}

TEST(FormatItems, TableWithoutHeaderStillAligns) {
  auto options = kPsOptions;
  options.header = false;
  EXPECT_EQ(format_items("table {{.ID}}\t{{.Names}}", kItems, options),
            "aaaaaaaaaaaa  web\n"
            "bbbbbbbbbbbb  database-primary\n");
}

TEST(FormatItems, TableSplitsAtSpaces) {
  EXPECT_EQ(format_items("table {{.Names}} {{.Image}}", kItems, kPsOptions),
            "NAMES             IMAGE\n"
            "web               busybox:latest\n"
            "database-primary  x\n");
}

TEST(FormatItems, TableHeaderWithFunctions) {
  EXPECT_EQ(format_items("table {{upper .Names}}|{{.CreatedAt}}", nlohmann::json::array(),
                         kPsOptions),
            "NAMES|CREATED AT\n");
}

TEST(FormatItems, BareTableUsesDefault) {
  EXPECT_EQ(format_items("table", kItems, kPsOptions),
            "CONTAINER ID\naaaaaaaaaaaa\nbbbbbbbbbbbb\n");
}

TEST(FormatItems, Json) {
  EXPECT_EQ(format_items("json", nlohmann::json::array({1}), kPsOptions), "[\n    1\n]\n");
}

TEST(FormatItems, ErrorLeavesNoOutput) {
  EXPECT_THROW(format_items("{{.Names}} {{.Foo}}", kItems, kPsOptions), Error);
}

}  // namespace
}  // namespace berth::format
