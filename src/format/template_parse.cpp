// Lexer and parser for Go text/template: splits the text into literal text
// and {{actions}}, tokenizes each action and builds the tree that
// template_exec.cpp evaluates. Messages follow Go's ("template: NAME:LINE:
// ..."), because Podman users see Go's.

#include <cctype>
#include <cstdint>
#include <set>

#include "common/error.hpp"
#include "format/template_ast.hpp"

namespace berth::format::detail {

namespace {

enum class TokenKind {
  kField,       // .Name
  kDot,         // .
  kVariable,    // $ or $name
  kIdentifier,  // a function name or keyword
  kString,      // "..." or `...`, already unquoted
  kNumber,
  kChar,        // 'a', as its code point
  kPipe,
  kLeftParen,
  kRightParen,
  kDeclare,  // :=
  kAssign,   // =
  kComma,
  kEnd,  // end of the action
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // source text; the field name without the dot for kField
  nlohmann::json value;  // kString, kNumber, kChar
  std::size_t offset = 0;
  bool space_before = false;
};

// Turns the two-character sequences \n and \t of literal text into a
// newline and a tab: shells pass them through unchanged and Podman users
// write them in --format values.
std::string expand_escapes(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == 'n' || text[i + 1] == 't')) {
      out += text[i + 1] == 'n' ? '\n' : '\t';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

const std::set<std::string> kKeywords = {"if",     "else",     "end",   "range", "with",
                                         "define", "template", "block", "break", "continue"};

class Parser {
 public:
  Parser(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {}

  Tree parse() {
    Tree tree;
    tree.name = name_;
    tree.source = text_;
    defined_ = &tree.defined;
    std::string stop;
    tree.root = parse_list({}, stop);
    return tree;
  }

 private:
  // --- errors -----------------------------------------------------------

  std::size_t line_of(std::size_t offset) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line;
    }
    return line;
  }

  template <typename... Args>
  [[noreturn]] void error_at(std::size_t offset, fmt::format_string<Args...> format,
                             Args&&... args) const {
    fail(ErrorCode::kInvalidArgument, "template: {}:{}: {}", name_, line_of(offset),
         fmt::format(format, std::forward<Args>(args)...));
  }

  // --- splitting text and actions -------------------------------------

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  // Reads literal text up to the next action into out and moves past the
  // action's "{{" (and a "- " trim marker). Returns false at the end.
  bool next_text(std::string& out) {
    auto open = text_.find("{{", pos_);
    if (open == std::string::npos) {
      out = text_.substr(pos_);
      pos_ = text_.size();
      return false;
    }
    out = text_.substr(pos_, open - pos_);
    pos_ = open + 2;
    action_start_ = open;
    if (pos_ + 1 < text_.size() && text_[pos_] == '-' && is_space(text_[pos_ + 1])) {
      while (!out.empty() && is_space(out.back())) out.pop_back();
      pos_ += 2;
    }
    return true;
  }

  // True when pos_ is at the end of the action ("}}" or " -}}").
  bool at_right_delim(std::size_t at, std::size_t& length) const {
    if (text_.compare(at, 2, "}}") == 0) {
      length = 2;
      return true;
    }
    if (at + 3 < text_.size() + 0 && is_space(text_[at]) && text_.compare(at + 1, 3, "-}}") == 0) {
      length = 4;
      return true;
    }
    return false;
  }

  // Moves past the right delimiter; with a trim marker, also past the
  // white space that follows.
  void close_action(std::size_t length) {
    bool trim = length == 4;
    pos_ += length;
    if (trim) {
      while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    }
  }

  // Skips a comment action; returns false when the action is not one.
  bool skip_comment() {
    std::size_t at = pos_;
    if (text_.compare(at, 2, "/*") != 0) return false;
    auto end = text_.find("*/", at + 2);
    if (end == std::string::npos) error_at(at, "unclosed comment");
    std::size_t after = end + 2;
    std::size_t length = 0;
    if (!at_right_delim(after, length)) error_at(at, "comment ends before closing delimiter");
    pos_ = after;
    close_action(length);
    return true;
  }

  // --- tokens ---------------------------------------------------------

  // Tokenizes the current action up to its right delimiter.
  std::vector<Token> lex_action() {
    std::vector<Token> tokens;
    bool space = false;
    for (;;) {
      if (pos_ >= text_.size()) error_at(action_start_, "unclosed action");
      std::size_t length = 0;
      if (at_right_delim(pos_, length)) {
        tokens.push_back({TokenKind::kEnd, "", nullptr, pos_, space});
        close_action(length);
        return tokens;
      }
      char c = text_[pos_];
      if (is_space(c)) {
        if (c == '\n') error_at(pos_, "unclosed action");
        ++pos_;
        space = true;
        continue;
      }
      tokens.push_back(lex_token());
      tokens.back().space_before = space;
      space = false;
    }
  }

  static bool is_ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }

  Token lex_token() {
    std::size_t start = pos_;
    char c = text_[pos_];
    auto make = [&](TokenKind kind, std::size_t length) {
      pos_ = start + length;
      return Token{kind, text_.substr(start, length), nullptr, start, false};
    };
    switch (c) {
      case '|': return make(TokenKind::kPipe, 1);
      case '(': return make(TokenKind::kLeftParen, 1);
      case ')': return make(TokenKind::kRightParen, 1);
      case ',': return make(TokenKind::kComma, 1);
      case '=': return make(TokenKind::kAssign, 1);
      case ':':
        if (text_.compare(start, 2, ":=") == 0) return make(TokenKind::kDeclare, 2);
        error_at(start, "expected :=");
      case '"': return lex_quoted();
      case '`': return lex_raw();
      case '\'': return lex_char();
      default: break;
    }
    if (c == '.') {
      if (pos_ + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_ + 1]))) {
        return lex_number();
      }
      std::size_t end = pos_ + 1;
      while (end < text_.size() && is_ident_char(text_[end])) ++end;
      if (end == pos_ + 1) return make(TokenKind::kDot, 1);
      Token token = make(TokenKind::kField, end - start);
      token.text = token.text.substr(1);
      return token;
    }
    if (c == '$') {
      std::size_t end = pos_ + 1;
      while (end < text_.size() && is_ident_char(text_[end])) ++end;
      return make(TokenKind::kVariable, end - start);
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+') return lex_number();
    if (is_ident_char(c)) {
      std::size_t end = pos_;
      while (end < text_.size() && is_ident_char(text_[end])) ++end;
      return make(TokenKind::kIdentifier, end - start);
    }
    if (c == '}' ) error_at(start, "unexpected \"}}\" in operand");
    error_at(start, "bad character U+{:04X} '{}'", static_cast<unsigned char>(c), c);
  }

  // Decodes one backslash escape of a Go interpreted string at pos_ (just
  // after the backslash) and appends it to out.
  void unescape(std::string& out, char quote) {
    if (pos_ >= text_.size()) error_at(pos_, "unterminated quoted string");
    char c = text_[pos_++];
    switch (c) {
      case 'n': out += '\n'; return;
      case 't': out += '\t'; return;
      case 'r': out += '\r'; return;
      case 'a': out += '\a'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'v': out += '\v'; return;
      case '\\': out += '\\'; return;
      case 'x': {
        if (pos_ + 2 > text_.size()) error_at(pos_, "invalid syntax");
        out += static_cast<char>(std::stoi(text_.substr(pos_, 2), nullptr, 16));
        pos_ += 2;
        return;
      }
      case 'u':
      case 'U': {
        std::size_t digits = c == 'u' ? 4 : 8;
        if (pos_ + digits > text_.size()) error_at(pos_, "invalid syntax");
        append_utf8(out, std::stoul(text_.substr(pos_, digits), nullptr, 16));
        pos_ += digits;
        return;
      }
      default:
        if (c == quote) {
          out += c;
          return;
        }
        error_at(pos_, "invalid syntax");
    }
  }

  static void append_utf8(std::string& out, unsigned long code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xc0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xe0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    }
  }

  Token lex_quoted() {
    std::size_t start = pos_++;
    std::string value;
    for (;;) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') {
        error_at(start, "unterminated quoted string");
      }
      char c = text_[pos_++];
      if (c == '"') break;
      if (c == '\\') {
        unescape(value, '"');
      } else {
        value += c;
      }
    }
    return Token{TokenKind::kString, text_.substr(start, pos_ - start), value, start, false};
  }

  Token lex_raw() {
    std::size_t start = pos_;
    auto end = text_.find('`', start + 1);
    if (end == std::string::npos) error_at(start, "unterminated raw quoted string");
    pos_ = end + 1;
    return Token{TokenKind::kString, text_.substr(start, pos_ - start),
                 text_.substr(start + 1, end - start - 1), start, false};
  }

  Token lex_char() {
    std::size_t start = pos_++;
    std::string value;
    if (pos_ < text_.size() && text_[pos_] == '\\') {
      ++pos_;
      unescape(value, '\'');
    } else {
      while (pos_ < text_.size() && text_[pos_] != '\'') value += text_[pos_++];
    }
    if (pos_ >= text_.size() || text_[pos_] != '\'') error_at(start, "unterminated character constant");
    ++pos_;
    // Decode the UTF-8 of value into one code point.
    std::uint32_t code = 0;
    auto bytes = reinterpret_cast<const unsigned char*>(value.data());
    if (value.size() == 1) {
      code = bytes[0];
    } else if (value.size() == 2) {
      code = ((bytes[0] & 0x1f) << 6) | (bytes[1] & 0x3f);
    } else if (value.size() == 3) {
      code = ((bytes[0] & 0x0f) << 12) | ((bytes[1] & 0x3f) << 6) | (bytes[2] & 0x3f);
    } else if (value.size() == 4) {
      code = ((bytes[0] & 0x07) << 18) | ((bytes[1] & 0x3f) << 12) | ((bytes[2] & 0x3f) << 6) |
             (bytes[3] & 0x3f);
    } else {
      error_at(start, "malformed character constant: {}", text_.substr(start, pos_ - start));
    }
    return Token{TokenKind::kChar, text_.substr(start, pos_ - start), code, start, false};
  }

  Token lex_number() {
    std::size_t start = pos_;
    std::size_t end = pos_;
    if (text_[end] == '+' || text_[end] == '-') ++end;
    while (end < text_.size() && (is_ident_char(text_[end]) || text_[end] == '.' ||
                                  ((text_[end] == '+' || text_[end] == '-') &&
                                   (text_[end - 1] == 'e' || text_[end - 1] == 'E')))) {
      ++end;
    }
    std::string source = text_.substr(start, end - start);
    pos_ = end;
    std::string digits;
    for (char c : source) {
      if (c != '_') digits += c;
    }
    Token token{TokenKind::kNumber, source, nullptr, start, false};
    try {
      std::size_t used = 0;
      bool is_hex = digits.find("0x") != std::string::npos || digits.find("0X") != std::string::npos;
      bool is_float = !is_hex && digits.find_first_of(".eE") != std::string::npos;
      if (is_float) {
        token.value = std::stod(digits, &used);
      } else {
        int base = is_hex ? 16 : 10;
        std::string body = digits;
        bool negative = !body.empty() && body[0] == '-';
        if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.erase(0, 1);
        if (is_hex) body.erase(0, 2);
        if (base == 10 && body.size() > 1 && body[0] == '0') {
          base = 8;
          if (body[1] == 'o' || body[1] == 'O') body.erase(0, 2);
        }
        if (body.size() > 1 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
          base = 2;
          body.erase(0, 2);
        }
        std::int64_t number = std::stoll(body, &used, base);
        if (used != body.size()) error_at(start, "bad number syntax: \"{}\"", source);
        token.value = negative ? -number : number;
        return token;
      }
      if (used != digits.size()) error_at(start, "bad number syntax: \"{}\"", source);
    } catch (const std::logic_error&) {
      error_at(start, "bad number syntax: \"{}\"", source);
    }
    return token;
  }

  // --- the tree -------------------------------------------------------

  const Token& peek() const { return tokens_[index_]; }
  const Token& next() { return tokens_[index_++]; }

  void expect_end(const std::string& context) {
    if (peek().kind != TokenKind::kEnd) {
      error_at(peek().offset, "unexpected \"{}\" in {}", peek().text, context);
    }
  }

  // Parses nodes until an action whose keyword is in stops (which must
  // come), or the end of the text when stops is empty. stop receives the
  // keyword found; the tokens after it stay in tokens_.
  NodeList parse_list(const std::set<std::string>& stops, std::string& stop) {
    NodeList list;
    for (;;) {
      std::string text;
      bool has_action = next_text(text);
      if (!text.empty()) {
        list.push_back(Node{Node::Kind::kText, expand_escapes(text), nullptr, {}, {}, 0});
      }
      if (!has_action) {
        if (!stops.empty()) error_at(text_.size(), "unexpected EOF");
        return list;
      }
      if (skip_comment()) continue;
      std::size_t start = action_start_;
      tokens_ = lex_action();
      index_ = 0;
      if (peek().kind == TokenKind::kIdentifier && kKeywords.contains(peek().text)) {
        std::string keyword = next().text;
        if (stops.contains(keyword)) {
          stop = keyword;
          return list;
        }
        if (keyword == "end" || keyword == "else") error_at(start, "unexpected {{{{{}}}}}", keyword);
        parse_keyword(keyword, start, list);
        continue;
      }
      Node node{Node::Kind::kAction, "", parse_pipeline("command", false), {}, {}, start};
      expect_end("command");
      list.push_back(std::move(node));
    }
  }

  void parse_keyword(const std::string& keyword, std::size_t start, NodeList& list) {
    if (keyword == "if" || keyword == "range" || keyword == "with") {
      list.push_back(parse_control(keyword, start));
      return;
    }
    if (keyword == "break" || keyword == "continue") {
      if (range_depth_ == 0) error_at(start, "{{{{{}}}}} outside {{{{range}}}}", keyword);
      expect_end(keyword);
      list.push_back(Node{keyword == "break" ? Node::Kind::kBreak : Node::Kind::kContinue,
                          "",
                          nullptr,
                          {},
                          {},
                          start});
      return;
    }
    if (keyword == "template" || keyword == "block") {
      if (peek().kind != TokenKind::kString) {
        error_at(start, "unexpected \"{}\" in {} clause", peek().text, keyword);
      }
      std::string name = next().value.get<std::string>();
      std::shared_ptr<Pipeline> pipe;
      if (peek().kind != TokenKind::kEnd) pipe = parse_pipeline(keyword, false);
      expect_end(keyword);
      if (keyword == "block") {
        std::string stop;
        (*defined_)[name] = parse_list({"end"}, stop);
        expect_end("end");
      }
      list.push_back(Node{Node::Kind::kTemplate, name, pipe, {}, {}, start});
      return;
    }
    // define
    if (peek().kind != TokenKind::kString) error_at(start, "define clause: name not a string");
    std::string name = next().value.get<std::string>();
    expect_end("define clause");
    std::string stop;
    (*defined_)[name] = parse_list({"end"}, stop);
    expect_end("end");
  }

  // Parses if/range/with with its body, else branches and end.
  Node parse_control(const std::string& keyword, std::size_t start) {
    Node node;
    node.kind = keyword == "if"      ? Node::Kind::kIf
                : keyword == "range" ? Node::Kind::kRange
                                     : Node::Kind::kWith;
    node.offset = start;
    node.pipeline = parse_pipeline(keyword, keyword == "range");
    expect_end(keyword);
    if (keyword == "range") ++range_depth_;
    std::string stop;
    node.list = parse_list({"else", "end"}, stop);
    if (keyword == "range") --range_depth_;
    if (stop == "end") {
      expect_end("end");
      return node;
    }
    // "else if ..." and "else with ..." chain a nested control as the else
    // branch, which consumes the shared {{end}}.
    if (peek().kind == TokenKind::kIdentifier && (peek().text == "if" || peek().text == "with")) {
      std::string nested = next().text;
      node.else_list.push_back(parse_control(nested, start));
      return node;
    }
    expect_end("else");
    node.else_list = parse_list({"end"}, stop);
    expect_end("end");
    return node;
  }

  // Parses "[$a[, $b] :=|=] command [| command]...".
  std::shared_ptr<Pipeline> parse_pipeline(const std::string& context, bool allow_two_vars) {
    auto pipe = std::make_shared<Pipeline>();
    pipe->offset = peek().offset;
    // Declarations: look ahead for "$x :=" or "$x, $y :=".
    if (peek().kind == TokenKind::kVariable) {
      std::size_t save = index_;
      std::vector<std::string> names = {next().text};
      if (allow_two_vars && peek().kind == TokenKind::kComma) {
        next();
        if (peek().kind == TokenKind::kVariable) names.push_back(next().text);
      }
      if (peek().kind == TokenKind::kDeclare || peek().kind == TokenKind::kAssign) {
        pipe->is_assign = next().kind == TokenKind::kAssign;
        pipe->variables = names;
      } else {
        index_ = save;
      }
    }
    for (;;) {
      pipe->commands.push_back(parse_command(context));
      if (peek().kind != TokenKind::kPipe) break;
      next();
    }
    return pipe;
  }

  Command parse_command(const std::string& context) {
    Command command;
    for (;;) {
      auto kind = peek().kind;
      if (kind == TokenKind::kEnd || kind == TokenKind::kPipe || kind == TokenKind::kRightParen) {
        break;
      }
      if (!command.operands.empty() && !peek().space_before && kind != TokenKind::kLeftParen) {
        error_at(peek().offset, "missing space?");
      }
      command.operands.push_back(parse_operand());
    }
    if (command.operands.empty()) {
      if (peek().kind == TokenKind::kEnd && context != "command") {
        error_at(peek().offset, "missing value for {}", context);
      }
      error_at(peek().offset, "missing value for command");
    }
    return command;
  }

  Operand parse_operand() {
    const Token& token = next();
    Operand operand;
    operand.offset = token.offset;
    switch (token.kind) {
      case TokenKind::kDot: operand.kind = Operand::Kind::kDot; break;
      case TokenKind::kField:
        operand.kind = Operand::Kind::kField;
        operand.fields.push_back(token.text);
        break;
      case TokenKind::kVariable:
        operand.kind = Operand::Kind::kVariable;
        operand.name = token.text;
        break;
      case TokenKind::kString:
      case TokenKind::kNumber:
      case TokenKind::kChar: operand.literal = token.value; break;
      case TokenKind::kIdentifier:
        if (token.text == "true" || token.text == "false") {
          operand.literal = token.text == "true";
        } else if (token.text == "nil") {
          operand.literal = nullptr;
        } else if (kKeywords.contains(token.text)) {
          error_at(token.offset, "unexpected <{}> in command", token.text);
        } else {
          if (!is_function(token.text)) error_at(token.offset, "function \"{}\" not defined", token.text);
          operand.kind = Operand::Kind::kFunction;
          operand.name = token.text;
        }
        break;
      case TokenKind::kLeftParen: {
        operand.kind = Operand::Kind::kPipeline;
        operand.pipeline = parse_pipeline("parenthesized pipeline", false);
        if (peek().kind != TokenKind::kRightParen) {
          error_at(peek().offset, "unclosed left paren");
        }
        next();
        break;
      }
      default: error_at(token.offset, "unexpected \"{}\" in operand", token.text);
    }
    // Field names right after the operand chain onto it: ".A.B", "$x.A".
    while (peek().kind == TokenKind::kField && !peek().space_before) {
      if (operand.kind == Operand::Kind::kLiteral || operand.kind == Operand::Kind::kFunction) {
        error_at(peek().offset, "unexpected . after term \"{}\"", token.text);
      }
      operand.fields.push_back(next().text);
    }
    std::size_t end = index_ < tokens_.size() ? tokens_[index_].offset : text_.size();
    operand.text = text_.substr(operand.offset, end - operand.offset);
    while (!operand.text.empty() && is_space(operand.text.back())) operand.text.pop_back();
    return operand;
  }

  std::string name_;
  std::string text_;
  std::size_t pos_ = 0;
  std::size_t action_start_ = 0;
  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  int range_depth_ = 0;
  std::map<std::string, NodeList>* defined_ = nullptr;
};

}  // namespace

Tree parse_template(const std::string& name, const std::string& text) {
  return Parser(name, text).parse();
}

}  // namespace berth::format::detail
