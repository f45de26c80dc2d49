// Variable expansion in Containerfile arguments.

#include "build/expand.hpp"

#include <cctype>

#include "common/error.hpp"

namespace berth::build {

namespace {

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Walks text once, appending expanded characters to the current word. With
// split, unquoted whitespace ends a word.
class Expander {
 public:
  Expander(std::string_view text, const Lookup& lookup, char escape)
      : text_(text), lookup_(lookup), escape_(escape) {}

  std::vector<std::string> run(bool split) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (split && is_space(c)) {
        if (in_word) words.push_back(std::move(word));
        word.clear();
        in_word = false;
        ++pos_;
        continue;
      }
      in_word = true;
      if (c == '\'') {
        single_quoted(word);
      } else if (c == '"') {
        double_quoted(word);
      } else if (c == escape_) {
        ++pos_;
        if (pos_ < text_.size()) {
          word += text_[pos_++];
        } else {
          word += escape_;
        }
      } else if (c == '$') {
        word += dollar();
      } else {
        word += c;
        ++pos_;
      }
    }
    if (in_word || !split) words.push_back(std::move(word));
    return words;
  }

 private:
  void single_quoted(std::string& word) {
    std::size_t end = text_.find('\'', pos_ + 1);
    if (end == std::string_view::npos) {
      fail(ErrorCode::kInvalidArgument, "unexpected end of text in \"{}\": close the ' quote",
           text_);
    }
    word.append(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
  }

  void double_quoted(std::string& word) {
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_];
      if (c == escape_ && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        if (next == '"' || next == '$' || next == escape_) {
          word += next;
        } else {
          word += c;
          word += next;
        }
        pos_ += 2;
      } else if (c == '$') {
        word += dollar();
      } else {
        word += c;
        ++pos_;
      }
    }
    if (pos_ >= text_.size()) {
      fail(ErrorCode::kInvalidArgument, "unexpected end of text in \"{}\": close the \" quote",
           text_);
    }
    ++pos_;
  }

  // At a '$': returns the expansion and moves past the reference.
  std::string dollar() {
    ++pos_;
    if (pos_ >= text_.size()) return "$";
    if (text_[pos_] != '{') {
      std::size_t start = pos_;
      while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
      if (pos_ == start) return "$";
      return lookup_(std::string(text_.substr(start, pos_ - start))).value_or("");
    }
    ++pos_;
    std::size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    std::string name(text_.substr(start, pos_ - start));
    if (name.empty() || pos_ >= text_.size()) {
      fail(ErrorCode::kInvalidArgument, "bad substitution in \"{}\": use ${{NAME}}", text_);
    }
    auto value = lookup_(name);
    if (text_[pos_] == '}') {
      ++pos_;
      return value.value_or("");
    }
    bool colon = text_[pos_] == ':';
    if (colon) ++pos_;
    if (pos_ >= text_.size() || (text_[pos_] != '-' && text_[pos_] != '+')) {
      fail(ErrorCode::kInvalidArgument,
           "unsupported modifier in \"{}\": use ${{NAME:-word}} or ${{NAME:+word}}", text_);
    }
    char op = text_[pos_++];
    std::string word = modifier_word();
    bool set = value && (!colon || !value->empty());
    if (op == '-') return set ? *value : word;
    return set ? word : "";
  }

  // The word of ${NAME:-word} up to the closing brace, itself expanded.
  std::string modifier_word() {
    std::string word;
    while (pos_ < text_.size() && text_[pos_] != '}') {
      char c = text_[pos_];
      if (c == '$') {
        word += dollar();
      } else if (c == '\'') {
        single_quoted(word);
      } else if (c == '"') {
        double_quoted(word);
      } else if (c == escape_ && pos_ + 1 < text_.size()) {
        word += text_[pos_ + 1];
        pos_ += 2;
      } else {
        word += c;
        ++pos_;
      }
    }
    if (pos_ >= text_.size()) {
      fail(ErrorCode::kInvalidArgument, "missing '}}' in \"{}\"", text_);
    }
    ++pos_;
    return word;
  }

  std::string_view text_;
  const Lookup& lookup_;
  char escape_;
  std::size_t pos_ = 0;
};

// Splits text into raw words at unquoted whitespace, keeping quotes and
// escapes, so that each can be expanded on its own.
std::vector<std::string> raw_words(std::string_view text, char escape) {
  std::vector<std::string> words;
  std::string word;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == 0 && is_space(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
      continue;
    }
    word += c;
    if (c == escape && quote != '\'' && i + 1 < text.size()) {
      word += text[++i];
    } else if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
    } else if (c == quote) {
      quote = 0;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

}  // namespace

std::string expand_word(std::string_view text, const Lookup& lookup, char escape) {
  return Expander(text, lookup, escape).run(false).front();
}

std::vector<std::string> expand_words(std::string_view text, const Lookup& lookup, char escape) {
  return Expander(text, lookup, escape).run(true);
}

std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text,
                                                                  const Lookup& lookup,
                                                                  char escape) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto words = raw_words(text, escape);
  if (words.empty()) return pairs;
  if (words.front().find('=') == std::string::npos) {
    // Legacy form: the first word is the key, the rest of the text the value.
    std::string_view rest = text;
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    rest.remove_prefix(std::min(rest.size(), words.front().size()));
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    pairs.emplace_back(expand_word(words.front(), lookup, escape),
                       expand_word(rest, lookup, escape));
    return pairs;
  }
  for (const auto& word : words) {
    auto equals = word.find('=');
    if (equals == std::string::npos || equals == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid key-value pair \"{}\": use KEY=VALUE", word);
    }
    pairs.emplace_back(expand_word(std::string_view(word).substr(0, equals), lookup, escape),
                       expand_word(std::string_view(word).substr(equals + 1), lookup, escape));
  }
  return pairs;
}

}  // namespace berth::build
