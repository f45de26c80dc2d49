#include "image/registry_auth.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base64.hpp"
#include "common/error.hpp"

namespace berth::image {

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

std::string lowercase(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A small cursor over the header text.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip_spaces() {
    while (!done() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }
  void skip_spaces_and_commas() {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == ',')) ++pos_;
  }
  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string_view token() {
    std::size_t start = pos_;
    while (!done() && is_token_char(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  std::string quoted_string() {
    std::string out;
    ++pos_;  // opening quote
    while (!done() && peek() != '"') {
      if (peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    ++pos_;  // closing quote
    return out;
  }
  std::size_t position() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Reads "name=value" into params. Returns false, leaving the cursor alone,
// when the next item is not a parameter (it starts the next challenge).
bool read_param(Scanner& scanner, std::map<std::string, std::string>& params) {
  std::size_t start = scanner.position();
  std::string_view name = scanner.token();
  scanner.skip_spaces();
  if (name.empty() || !scanner.consume('=')) {
    scanner.seek(start);
    return false;
  }
  scanner.skip_spaces();
  std::string value =
      scanner.peek() == '"' ? scanner.quoted_string() : std::string(scanner.token());
  params[lowercase(name)] = value;
  return true;
}

}  // namespace

std::string AuthChallenge::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::vector<AuthChallenge> parse_www_authenticate(std::string_view header) {
  std::vector<AuthChallenge> challenges;
  Scanner scanner(header);
  while (true) {
    scanner.skip_spaces_and_commas();
    if (scanner.done()) break;
    std::string_view scheme = scanner.token();
    if (scheme.empty()) {
      scanner.seek(scanner.position() + 1);  // skip a stray character
      continue;
    }
    AuthChallenge challenge{lowercase(scheme), {}};
    scanner.skip_spaces();
    while (read_param(scanner, challenge.params)) scanner.skip_spaces_and_commas();
    challenges.push_back(std::move(challenge));
  }
  return challenges;
}

std::optional<AuthChallenge> choose_challenge(const std::vector<std::string>& header_values) {
  std::optional<AuthChallenge> basic;
  for (const std::string& value : header_values) {
    for (AuthChallenge& challenge : parse_www_authenticate(value)) {
      if (challenge.scheme == "bearer" && !challenge.param("realm").empty()) return challenge;
      if (challenge.scheme == "basic" && !basic) basic = std::move(challenge);
    }
  }
  return basic;
}

std::string parse_token_response(std::string_view body) {
  auto document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      auto it = document.find(key);
      if (it != document.end() && it->is_string() && !it->get<std::string>().empty()) {
        return it->get<std::string>();
      }
    }
  }
  fail(ErrorCode::kUnavailable, "the token server's response has no token");
}

std::string basic_authorization(std::string_view username, std::string_view password) {
  return "Basic " + base64_encode(std::string(username) + ":" + std::string(password));
}

namespace {

// Returns the "type:name:action" entries of a space-separated scope list.
std::set<std::string> scope_actions(std::string_view scopes) {
  std::set<std::string> actions;
  std::size_t start = 0;
  while (start < scopes.size()) {
    std::size_t end = std::min(scopes.find(' ', start), scopes.size());
    std::string_view scope = scopes.substr(start, end - start);
    start = end + 1;
    std::size_t colon = scope.rfind(':');
    if (scope.empty() || colon == std::string_view::npos) continue;
    std::string_view resource = scope.substr(0, colon + 1);
    std::string_view list = scope.substr(colon + 1);
    std::size_t from = 0;
    while (from <= list.size()) {
      std::size_t comma = std::min(list.find(',', from), list.size());
      actions.insert(std::string(resource) + std::string(list.substr(from, comma - from)));
      from = comma + 1;
    }
  }
  return actions;
}

}  // namespace

bool scope_covers(std::string_view granted, std::string_view requested) {
  std::set<std::string> allowed = scope_actions(granted);
  for (const std::string& action : scope_actions(requested)) {
    if (!allowed.contains(action)) return false;
  }
  return true;
}

std::string query_escape(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string token_url(std::string_view realm, std::string_view service, std::string_view scope) {
  std::string url(realm);
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  auto add = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    url += separator;
    url += std::string(name) + "=" + query_escape(value);
    separator = '&';
  };
  add("service", service);
  // Token servers take one scope parameter per scope.
  std::size_t start = 0;
  while (start < scope.size()) {
    std::size_t end = std::min(scope.find(' ', start), scope.size());
    add("scope", scope.substr(start, end - start));
    start = end + 1;
  }
  return url;
}

}  // namespace berth::image
