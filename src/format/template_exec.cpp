// Evaluates a parsed Go text/template against a JSON value, with Go's
// rules for fields, variables, pipelines, control structures and errors.

#include <stdexcept>

#include "common/error.hpp"
#include "format/template.hpp"
#include "format/template_ast.hpp"

namespace berth::format {

namespace detail {
namespace {

// Thrown by {{break}} and {{continue}} up to the enclosing range.
struct BreakSignal {};
struct ContinueSignal {};

// Go structs reject unknown field names, maps return "no value". JSON does
// not say which one an object stands for, so an object whose keys all look
// like exported Go field names is taken for a struct.
bool looks_like_struct(const nlohmann::json& value) {
  if (!value.is_object() || value.empty()) return false;
  for (const auto& [key, item] : value.items()) {
    if (key.empty() || key[0] < 'A' || key[0] > 'Z') return false;
    for (char c : key) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    }
  }
  return true;
}

class Executor {
 public:
  Executor(const Tree& tree, const RenderOptions& options, const nlohmann::json& root)
      : tree_(tree), options_(options), root_(root) {}

  std::string run() {
    variables_.push_back({"$", nullptr});
    walk(tree_.root, root_);
    return std::move(out_);
  }

 private:
  // --- errors -----------------------------------------------------------

  // Go's "NAME:LINE:COL" for a byte offset, COL counted from 0.
  std::string position(std::size_t offset) const {
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < tree_.source.size(); ++i) {
      if (tree_.source[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return fmt::format("{}:{}:{}", tree_.name, line, offset - line_start);
  }

  template <typename... Args>
  [[noreturn]] void error_at(std::size_t offset, const std::string& at,
                             fmt::format_string<Args...> format, Args&&... args) const {
    fail(ErrorCode::kInvalidArgument, "template: {}: executing \"{}\" at <{}>: {}",
         position(offset), tree_.name, at, fmt::format(format, std::forward<Args>(args)...));
  }

  // The type Go would name for value in "can't evaluate field X in type T".
  std::string struct_type(const nlohmann::json& value) const {
    if (&value == &root_ && !options_.type_name.empty()) return options_.type_name;
    if (looks_like_struct(value)) return "struct";
    return type_name(value);
  }

  // --- nodes ----------------------------------------------------------

  void walk(const NodeList& list, const nlohmann::json& dot) {
    for (const auto& node : list) walk_node(node, dot);
  }

  void walk_node(const Node& node, const nlohmann::json& dot) {
    switch (node.kind) {
      case Node::Kind::kText: out_ += node.text; return;
      case Node::Kind::kAction: {
        Value value = eval_pipeline(*node.pipeline, dot);
        if (node.pipeline->variables.empty()) out_ += print_value(value);
        return;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: walk_conditional(node, dot); return;
      case Node::Kind::kRange: walk_range(node, dot); return;
      case Node::Kind::kTemplate: walk_template(node, dot); return;
      case Node::Kind::kBreak: throw BreakSignal{};
      case Node::Kind::kContinue: throw ContinueSignal{};
    }
  }

  // Runs body with a variable scope that ends with it.
  template <typename Body>
  void scoped(Body&& body) {
    std::size_t mark = variables_.size();
    try {
      body();
    } catch (...) {
      variables_.resize(mark);
      throw;
    }
    variables_.resize(mark);
  }

  void walk_conditional(const Node& node, const nlohmann::json& dot) {
    scoped([&] {
      Value value = eval_pipeline(*node.pipeline, dot);
      if (is_true(value)) {
        const nlohmann::json next_dot = node.kind == Node::Kind::kWith ? value.value_or(nullptr) : dot;
        walk(node.list, next_dot);
      } else {
        walk(node.else_list, dot);
      }
    });
  }

  void walk_range(const Node& node, const nlohmann::json& dot) {
    scoped([&] {
      // The variables a range declares are set per element, not from the
      // pipeline's value.
      Pipeline pipe = *node.pipeline;
      auto names = pipe.variables;
      pipe.variables.clear();
      Value value = eval_pipeline(pipe, dot);
      if (!value || value->is_null() || value->empty() || !value->is_structured()) {
        if (value && !value->is_null() && !value->is_structured()) {
          error_at(node.offset, "range", "range can't iterate over {}", print_value(value));
        }
        walk(node.else_list, dot);
        return;
      }
      std::size_t mark = variables_.size();
      std::size_t index = 0;
      for (auto it = value->begin(); it != value->end(); ++it, ++index) {
        variables_.resize(mark);
        nlohmann::json key = value->is_array() ? nlohmann::json(index) : nlohmann::json(it.key());
        if (names.size() == 1) variables_.push_back({names[0], it.value()});
        if (names.size() == 2) {
          variables_.push_back({names[0], key});
          variables_.push_back({names[1], it.value()});
        }
        try {
          walk(node.list, it.value());
        } catch (const ContinueSignal&) {
          continue;
        } catch (const BreakSignal&) {
          break;
        }
      }
    });
  }

  void walk_template(const Node& node, const nlohmann::json& dot) {
    auto found = tree_.defined.find(node.text);
    if (found == tree_.defined.end()) {
      error_at(node.offset, "template " + node.text, "template: no such template \"{}\"",
               node.text);
    }
    if (++depth_ > 100) error_at(node.offset, "template", "exceeded maximum template depth (100)");
    nlohmann::json next_dot = nullptr;
    if (node.pipeline) next_dot = eval_pipeline(*node.pipeline, dot).value_or(nullptr);
    // A template call starts with only $ defined, bound to its dot.
    auto saved = std::move(variables_);
    variables_ = {{"$", next_dot}};
    try {
      walk(found->second, next_dot);
    } catch (...) {
      variables_ = std::move(saved);
      --depth_;
      throw;
    }
    variables_ = std::move(saved);
    --depth_;
  }

  // --- pipelines ------------------------------------------------------

  Value eval_pipeline(const Pipeline& pipe, const nlohmann::json& dot) {
    Value value;
    bool has_value = false;
    for (const auto& command : pipe.commands) {
      value = eval_command(command, dot, has_value ? &value : nullptr);
      has_value = true;
    }
    for (const auto& name : pipe.variables) {
      if (pipe.is_assign) {
        set_variable(name, value.value_or(nullptr), pipe.offset);
      } else {
        variables_.push_back({name, value.value_or(nullptr)});
      }
    }
    return value;
  }

  // Evaluates one command; final is the previous command's result, passed
  // as the last argument.
  Value eval_command(const Command& command, const nlohmann::json& dot, const Value* final) {
    const Operand& first = command.operands.front();
    if (first.kind == Operand::Kind::kFunction) return call(command, dot, final);
    if (command.operands.size() > 1 || final != nullptr) {
      if (first.kind == Operand::Kind::kField || first.kind == Operand::Kind::kVariable) {
        error_at(first.offset, first.text, "{} has arguments but cannot be invoked as function",
                 first.fields.empty() ? first.name : first.fields.back());
      }
      error_at(first.offset, first.text, "can't give argument to non-function {}", first.text);
    }
    return eval_operand(first, dot);
  }

  Value call(const Command& command, const nlohmann::json& dot, const Value* final) {
    const Operand& function = command.operands.front();
    const std::string& name = function.name;
    std::size_t count = command.operands.size() - 1 + (final ? 1 : 0);
    auto argument = [&](std::size_t i) -> Value {
      if (i + 1 < command.operands.size()) return eval_operand(command.operands[i + 1], dot);
      return *final;
    };
    // and/or stop at the first argument that decides, as in Go 1.18+.
    if (name == "and" || name == "or") {
      if (count == 0) {
        error_at(function.offset, name, "wrong number of args for {}: want at least 1 got 0", name);
      }
      Value value;
      for (std::size_t i = 0; i < count; ++i) {
        value = argument(i);
        if (is_true(value) == (name == "or")) break;
      }
      return value;
    }
    if (name == "not") {
      if (count != 1) {
        error_at(function.offset, name, "wrong number of args for not: want 1 got {}", count);
      }
      return nlohmann::json(!is_true(argument(0)));
    }
    std::vector<Value> args;
    for (std::size_t i = 0; i < count; ++i) args.push_back(argument(i));
    try {
      return call_function(name, args);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      error_at(function.offset, name, "{}", e.what());
    }
  }

  Value eval_operand(const Operand& operand, const nlohmann::json& dot) {
    switch (operand.kind) {
      case Operand::Kind::kLiteral: return operand.literal;
      case Operand::Kind::kDot: return dot;
      case Operand::Kind::kField: return walk_fields(dot, operand);
      case Operand::Kind::kVariable: return walk_fields(variable(operand), operand);
      case Operand::Kind::kPipeline: {
        Value value = eval_pipeline(*operand.pipeline, dot);
        if (operand.fields.empty()) return value;
        return walk_fields(value, operand);
      }
      case Operand::Kind::kFunction: break;
    }
    error_at(operand.offset, operand.text, "unexpected function {}", operand.name);
  }

  // Follows operand's field names from start, copying only the result.
  Value walk_fields(const Value& start, const Operand& operand) {
    if (!start) return operand.fields.empty() ? start : std::nullopt;
    return walk_fields(*start, operand);
  }

  Value walk_fields(const nlohmann::json& start, const Operand& operand) {
    const nlohmann::json* current = &start;
    for (const auto& name : operand.fields) {
      // A missing map entry or nil: Go stops with "no value" for maps.
      if (current->is_null()) return std::nullopt;
      if (!current->is_object()) {
        if (options_.header_mode) return *current;
        error_at(operand.offset, operand.text, "can't evaluate field {} in type {}", name,
                 type_name(*current));
      }
      auto found = current->find(name);
      if (found != current->end()) {
        current = &*found;
        continue;
      }
      bool is_root = current == &root_;
      if (options_.header_mode && is_root) return nlohmann::json(header_name(name));
      if (looks_like_struct(*current) || (is_root && !options_.type_name.empty())) {
        error_at(operand.offset, operand.text, "can't evaluate field {} in type {}", name,
                 struct_type(*current));
      }
      return std::nullopt;
    }
    return *current;
  }

  const nlohmann::json& variable(const Operand& operand) {
    for (auto it = variables_.rbegin(); it != variables_.rend(); ++it) {
      if (it->first != operand.name) continue;
      // $ outside a template call is the root itself, so that messages can
      // name the root's type.
      if (it + 1 == variables_.rend() && depth_ == 0) return root_;
      return it->second;
    }
    error_at(operand.offset, operand.text, "undefined variable: {}", operand.name);
  }

  void set_variable(const std::string& name, const nlohmann::json& value, std::size_t offset) {
    for (auto it = variables_.rbegin(); it != variables_.rend(); ++it) {
      if (it->first == name) {
        it->second = value;
        return;
      }
    }
    error_at(offset, name, "undefined variable: {}", name);
  }

  const Tree& tree_;
  const RenderOptions& options_;
  const nlohmann::json& root_;
  std::vector<std::pair<std::string, nlohmann::json>> variables_;
  std::string out_;
  int depth_ = 0;
};

}  // namespace
}  // namespace detail

std::string header_name(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
    // A new word starts at an upper-case letter after a lower-case one, or
    // at the last capital of an acronym followed by a lower-case letter
    // ("ImageID" -> "IMAGE ID", "IDName" -> "ID NAME").
    if (i > 0 && upper) {
      bool after_lower = std::islower(static_cast<unsigned char>(field[i - 1])) != 0;
      bool acronym_end = std::isupper(static_cast<unsigned char>(field[i - 1])) != 0 &&
                         i + 1 < field.size() &&
                         std::islower(static_cast<unsigned char>(field[i + 1])) != 0;
      if (after_lower || acronym_end) out += ' ';
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

Template::Template(const std::string& text, RenderOptions options)
    : options_(std::move(options)) {
  if (options_.name.empty()) options_.name = "format";
  tree_ = std::make_shared<const detail::Tree>(detail::parse_template(options_.name, text));
}

std::string Template::render(const nlohmann::json& value) const {
  return detail::Executor(*tree_, options_, value).run();
}

std::string render_template(const std::string& text, const nlohmann::json& value,
                            const RenderOptions& options) {
  return Template(text, options).render(value);
}

}  // namespace berth::format
