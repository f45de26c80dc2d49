#pragma once

// Variable expansion in Containerfile arguments, as Docker does it: $NAME,
// ${NAME}, ${NAME:-word}, ${NAME:+word}, ${NAME-word} and ${NAME+word};
// single quotes keep their text unexpanded, the escape character keeps the
// next character as it is, and quotes are removed from the result.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::build {

// Returns the value of a variable, or nullopt when it is not set.
using Lookup = std::function<std::optional<std::string>(const std::string&)>;

// Expands text as one word: quotes are removed, whitespace is kept.
// Throws Error{kInvalidArgument} for an unterminated ${ or quote.
std::string expand_word(std::string_view text, const Lookup& lookup, char escape = '\\');

// Expands text and splits it into words at unquoted whitespace.
std::vector<std::string> expand_words(std::string_view text, const Lookup& lookup,
                                      char escape = '\\');

// Splits `K=V K2="a b"` into pairs, each key and value expanded; text
// whose first word has no "=" is the legacy form "K the value". Used by
// ENV and LABEL. Throws Error{kInvalidArgument} for an empty key.
std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text,
                                                                  const Lookup& lookup,
                                                                  char escape = '\\');

}  // namespace berth::build
