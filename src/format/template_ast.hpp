#pragma once

// The parsed form of a Go text/template, shared by the parser
// (template_parse.cpp), the evaluator (template_exec.cpp) and the
// functions (template_funcs.cpp). Not part of the format library's API.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::format::detail {

struct Pipeline;

// One operand of a command: a literal, the dot, a field chain, a variable,
// a function name or a parenthesised pipeline, each optionally followed by
// more field names (`$x.A.B`, `(index . 0).Name`).
struct Operand {
  enum class Kind { kLiteral, kDot, kField, kVariable, kFunction, kPipeline };
  Kind kind = Kind::kLiteral;
  nlohmann::json literal;                  // kLiteral: string, number, bool or null
  std::string name;                        // kVariable: "$x"; kFunction: "printf"
  std::vector<std::string> fields;         // field names that follow, in order
  std::shared_ptr<Pipeline> pipeline;      // kPipeline
  std::size_t offset = 0;                  // byte offset in the template text
  std::string text;                        // source text, for "executing ... at <text>"
};

// A command: a function or method with its arguments, or a single operand.
struct Command {
  std::vector<Operand> operands;
};

// `$a, $b := cmd | cmd`: the variables it declares or assigns, and its
// commands; each command's result is the last argument of the next.
struct Pipeline {
  std::vector<std::string> variables;
  bool is_assign = false;  // "=" rather than ":="
  std::vector<Command> commands;
  std::size_t offset = 0;
};

struct Node;
using NodeList = std::vector<Node>;

// A node of the template tree.
struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kTemplate, kBreak, kContinue };
  Kind kind = Kind::kText;
  std::string text;                   // kText: the literal; kTemplate: the name
  std::shared_ptr<Pipeline> pipeline;  // kAction, kIf, kRange, kWith, kTemplate (may be null)
  NodeList list;                      // body of kIf, kRange, kWith
  NodeList else_list;                 // else branch of kIf, kRange, kWith
  std::size_t offset = 0;
};

// A parsed template: the main tree and the ones `define` names.
struct Tree {
  std::string name;
  std::string source;
  NodeList root;
  std::map<std::string, NodeList> defined;
};

// Parses text as a Go text/template. Throws Error{kInvalidArgument} with
// Go's message ("template: NAME:LINE: ...") when it does not parse.
Tree parse_template(const std::string& name, const std::string& text);

// True when the function name exists (built in or Podman's extras).
bool is_function(const std::string& name);

// A value during evaluation: a JSON value, or nothing (Go's invalid value,
// printed "<no value>") when a map has no such key.
using Value = std::optional<nlohmann::json>;

// Prints value as Go's fmt %v prints the Go value it stands for.
std::string print_value(const Value& value);

// Go's truth: false, 0, "", null, empty arrays and maps are false.
bool is_true(const Value& value);

// A short Go-like type name for messages: "string", "int", "map", ...
std::string type_name(const nlohmann::json& value);

// Calls the function name with evaluated arguments. Throws a plain
// std::runtime_error with Go's text ("error calling index: ..."); the
// evaluator adds the position. and/or/not are handled by the evaluator.
Value call_function(const std::string& name, const std::vector<Value>& args);

}  // namespace berth::format::detail
