#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace berth::format {

namespace detail {
struct Tree;
}  // namespace detail

// Settings of one template rendering.
struct RenderOptions {
  // The template's name in error messages: "template: ps:1:2: ...".
  std::string name;
  // The Go type an unknown field of the value is reported against
  // ("can't evaluate field Foo in type TYPE"). When set, the value is
  // treated as a struct even if its keys do not look like Go fields.
  std::string type_name;
  // Renders a table header: fields missing from the value print as their
  // header name (see header_name) instead of failing.
  bool header_mode = false;
};

// Renders text, a Go text/template, against value. Supports Go's actions
// (fields, variables, pipelines, if/else, range with break and continue,
// with, define/template/block, comments, trim markers), its built-in
// functions and Podman's json, join, split, lower, upper, title, truncate
// and pad. The two-character sequences \n and \t in literal text become a
// newline and a tab, as Podman's --format does. Throws
// Error{kInvalidArgument} with Go's message when text does not parse or
// names a field a struct-like object does not have; a missing key of a
// map prints "<no value>". Objects count as structs when all their keys
// look like exported Go field names ("Names", "ExitCode").
std::string render_template(const std::string& text, const nlohmann::json& value,
                            const RenderOptions& options = {});

// A parsed template, for rendering many values without parsing again.
// Rendering does not change it, so one Template may render from several
// threads.
class Template {
 public:
  // Parses text; throws like render_template.
  Template(const std::string& text, RenderOptions options = {});

  // Renders the template against value; throws like render_template.
  std::string render(const nlohmann::json& value) const;

 private:
  std::shared_ptr<const detail::Tree> tree_;
  RenderOptions options_;
};

// Converts a Go field name to Podman's column header: "CreatedAt" becomes
// "CREATED AT", "ImageID" becomes "IMAGE ID".
std::string header_name(const std::string& field);

// Settings of print_formatted and format_items for one command.
struct FormatOptions {
  std::string name;       // template name in messages, as RenderOptions::name
  std::string type_name;  // as RenderOptions::type_name
  // Headers that differ from header_name(field): {"ID", "CONTAINER ID"}.
  std::map<std::string, std::string> headers;
  // The row template used by a bare "table" format.
  std::string default_table;
  // Whether a table starts with its header row (false for --noheading).
  bool header = true;
};

// Formats items (a JSON array) for a --format value and returns the text:
//  - "json": the array, indented by four spaces;
//  - "table TEMPLATE": a header row (TEMPLATE rendered with each field
//    replaced by its header) and one row per item; tabs in the output and
//    spaces in TEMPLATE separate columns, aligned as Go's tabwriter does
//    with a minimum cell width of 12 and a padding of 2;
//  - a template starting with "{{range .}}": rendered once over the array;
//  - any other template: rendered once per item, each ending in a newline.
// Throws like render_template; nothing is returned half-done.
std::string format_items(const std::string& format, const nlohmann::json& items,
                         const FormatOptions& options = {});

// Writes format_items(format, items, options) to stdout.
void print_formatted(const std::string& format, const nlohmann::json& items,
                     const FormatOptions& options = {});

// Returns whether a --format value selects Podman's JSON output.
inline bool is_json_format(const std::string& format) { return format == "json"; }

}  // namespace berth::format
