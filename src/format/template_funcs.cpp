// The functions a --format template can call. Go text/template's built-ins
// are index, len, slice, print, printf, println, eq, ne, lt, le, gt, ge,
// html, js and urlquery. Podman adds json, join, split, lower, upper,
// title, truncate and pad. Values print by Go's fmt rules.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "format/template_ast.hpp"

namespace berth::format::detail {

namespace {

using nlohmann::json;

[[noreturn]] void raise(const std::string& message) { throw std::runtime_error(message); }

// Go's %v for a float64: the shortest representation that reads back to
// the same value, in exponent form when the decimal exponent is below -4
// or at least 6 (Go's strconv 'g' with the shortest precision).
std::string print_float(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return std::signbit(value) ? "-0" : "0";
  char buffer[64];
  int precision = 1;
  for (; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, value);
  int exponent = std::atoi(std::strchr(buffer, 'e') + 1);
  if (exponent < -4 || exponent >= 6) {
    // Go writes at least two exponent digits: 1e+06, 1e-05.
    std::string text = buffer;
    auto e = text.find('e');
    std::string mantissa = text.substr(0, e);
    if (mantissa.find('.') != std::string::npos) {
      while (mantissa.back() == '0') mantissa.pop_back();
      if (mantissa.back() == '.') mantissa.pop_back();
    }
    return fmt::format("{}e{}{:02}", mantissa, exponent < 0 ? '-' : '+', std::abs(exponent));
  }
  int decimals = std::max(0, precision - 1 - exponent);
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string print_json(const json& value, bool top) {
  switch (value.type()) {
    case json::value_t::null: return top ? "<no value>" : "<nil>";
    case json::value_t::string: return value.get_ref<const std::string&>();
    case json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned: return std::to_string(value.get<std::uint64_t>());
    case json::value_t::number_float: return print_float(value.get<double>());
    case json::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ' ';
        out += print_json(value[i], false);
      }
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out += ' ';
        first = false;
        out += key + ":" + print_json(item, false);
      }
      return out + "]";
    }
    default: return value.dump();
  }
}

// Prints a function argument as fmt.Sprint prints it: nil is "<nil>".
std::string print_argument(const Value& value) {
  return value ? print_json(*value, false) : "<no value>";
}

const json& need(const Value& value) {
  static const json kNull = nullptr;
  return value ? *value : kNull;
}

std::string need_string(const Value& value, const char* function) {
  const json& v = need(value);
  if (!v.is_string()) {
    raise(fmt::format("error calling {}: expected string; found {}", function, print_value(value)));
  }
  return v.get<std::string>();
}

std::int64_t need_int(const Value& value, const char* function) {
  const json& v = need(value);
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<std::int64_t>();
  if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
    return static_cast<std::int64_t>(v.get<double>());
  }
  raise(fmt::format("error calling {}: expected integer; found {}", function, print_value(value)));
}

void want_args(const char* function, const std::vector<Value>& args, std::size_t count) {
  if (args.size() != count) {
    raise(fmt::format("wrong number of args for {}: want {} got {}", function, count, args.size()));
  }
}

// --- comparison ------------------------------------------------------

enum class Kind { kBool, kNumber, kString, kNil, kOther };

Kind kind_of(const json& value) {
  if (value.is_boolean()) return Kind::kBool;
  if (value.is_number()) return Kind::kNumber;
  if (value.is_string()) return Kind::kString;
  if (value.is_null()) return Kind::kNil;
  return Kind::kOther;
}

bool equal(const json& a, const json& b, const char* function) {
  Kind ka = kind_of(a);
  Kind kb = kind_of(b);
  if (ka == Kind::kOther || kb == Kind::kOther) {
    raise(fmt::format("error calling {}: non-comparable type {}", function,
                      ka == Kind::kOther ? type_name(a) : type_name(b)));
  }
  if (ka != kb) raise(fmt::format("error calling {}: incompatible types for comparison", function));
  if (ka == Kind::kNumber) return a.get<double>() == b.get<double>();
  return a == b;
}

bool less(const json& a, const json& b, const char* function) {
  Kind ka = kind_of(a);
  if (ka != kind_of(b)) raise(fmt::format("error calling {}: incompatible types for comparison", function));
  if (ka == Kind::kNumber) return a.get<double>() < b.get<double>();
  if (ka == Kind::kString) return a.get<std::string>() < b.get<std::string>();
  raise(fmt::format("error calling {}: invalid type for comparison", function));
}

Value compare(const std::string& name, const std::vector<Value>& args) {
  const char* function = name.c_str();
  if (name == "eq") {
    if (args.size() < 2) raise("missing argument for comparison");
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (equal(need(args[0]), need(args[i]), function)) return json(true);
    }
    return json(false);
  }
  want_args(function, args, 2);
  const json& a = need(args[0]);
  const json& b = need(args[1]);
  if (name == "ne") return json(!equal(a, b, function));
  if (name == "lt") return json(less(a, b, function));
  if (name == "le") return json(less(a, b, function) || equal(a, b, function));
  if (name == "gt") return json(!less(a, b, function) && !equal(a, b, function));
  return json(!less(a, b, function));  // ge
}

// --- collections -----------------------------------------------------

// The zero value Go returns for a missing map key: "" when the map's
// values are strings (map[string]string, like labels), otherwise nil.
json zero_of_map(const json& map) {
  for (const auto& item : map) {
    if (!item.is_string()) return nullptr;
  }
  return map.empty() ? json(nullptr) : json("");
}

Value index(const std::vector<Value>& args) {
  if (args.empty()) raise("wrong number of args for index: want at least 1 got 0");
  json current = need(args[0]);
  for (std::size_t i = 1; i < args.size(); ++i) {
    const json& key = need(args[i]);
    if (current.is_array() || current.is_string()) {
      std::int64_t n = need_int(args[i], "index");
      std::int64_t size = static_cast<std::int64_t>(current.size());
      if (current.is_string()) size = static_cast<std::int64_t>(current.get<std::string>().size());
      if (n < 0 || n >= size) raise(fmt::format("error calling index: index out of range: {}", n));
      if (current.is_string()) {
        current = static_cast<unsigned char>(current.get<std::string>()[n]);
      } else {
        current = json(current[n]);
      }
    } else if (current.is_object()) {
      if (!key.is_string()) {
        raise(fmt::format("error calling index: value has type {}; should be string", type_name(key)));
      }
      auto found = current.find(key.get<std::string>());
      current = found == current.end() ? zero_of_map(current) : json(*found);
    } else if (current.is_null()) {
      raise("error calling index: index of untyped nil");
    } else {
      raise(fmt::format("error calling index: can't index item of type {}", type_name(current)));
    }
  }
  return current;
}

Value slice(const std::vector<Value>& args) {
  if (args.empty()) raise("wrong number of args for slice: want at least 1 got 0");
  const json& value = need(args[0]);
  if (!value.is_array() && !value.is_string()) {
    raise(fmt::format("error calling slice: can't slice item of type {}", type_name(value)));
  }
  if (args.size() > 3) raise("error calling slice: too many slice indexes: " + std::to_string(args.size() - 1));
  std::int64_t size = value.is_string() ? static_cast<std::int64_t>(value.get<std::string>().size())
                                        : static_cast<std::int64_t>(value.size());
  std::int64_t from = args.size() > 1 ? need_int(args[1], "slice") : 0;
  std::int64_t to = args.size() > 2 ? need_int(args[2], "slice") : size;
  if (from < 0 || to > size || from > to) {
    raise(fmt::format("error calling slice: invalid slice index: {} > {}", from > to ? from : to,
                      from > to ? to : size));
  }
  if (value.is_string()) return json(value.get<std::string>().substr(from, to - from));
  return json(json::array_t(value.begin() + from, value.begin() + to));
}

Value length(const std::vector<Value>& args) {
  want_args("len", args, 1);
  const json& value = need(args[0]);
  if (value.is_string()) return json(value.get<std::string>().size());
  if (value.is_structured()) return json(value.size());
  raise(fmt::format("error calling len: len of type {}", type_name(value)));
}

// --- printing --------------------------------------------------------

// Go's fmt.Sprint: a space between operands when neither is a string.
std::string sprint(const std::vector<Value>& args, std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < args.size(); ++i) {
    bool is_string = args[i] && args[i]->is_string();
    bool previous_string = i > from && args[i - 1] && args[i - 1]->is_string();
    if (i > from && !is_string && !previous_string) out += ' ';
    out += print_argument(args[i]);
  }
  return out;
}

std::string sprintln(const std::vector<Value>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    out += print_argument(args[i]);
  }
  return out + "\n";
}

// Go's %q: a double-quoted string with Go escapes.
std::string quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

struct Spec {
  std::string flags;
  int width = -1;
  int precision = -1;
  char verb = 'v';

  bool has(char flag) const { return flags.find(flag) != std::string::npos; }
};

std::string pad(const std::string& text, const Spec& spec, bool zero_ok) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xc0) != 0x80) ++width;
  }
  if (spec.width < 0 || width >= static_cast<std::size_t>(spec.width)) return text;
  std::size_t fill = spec.width - width;
  if (spec.has('-')) return text + std::string(fill, ' ');
  if (zero_ok && spec.has('0')) {
    std::size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    return text.substr(0, sign) + std::string(fill, '0') + text.substr(sign);
  }
  return std::string(fill, ' ') + text;
}

std::string bad_verb(const Spec& spec, const json& value) {
  return fmt::format("%!{}({}={})", spec.verb, type_name(value), print_json(value, false));
}

std::string format_integer(std::int64_t n, const Spec& spec) {
  std::string digits;
  std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  switch (spec.verb) {
    case 'x': digits = fmt::format("{:x}", magnitude); break;
    case 'X': digits = fmt::format("{:X}", magnitude); break;
    case 'o': digits = fmt::format("{:o}", magnitude); break;
    case 'b': digits = fmt::format("{:b}", magnitude); break;
    default: digits = std::to_string(magnitude);
  }
  if (spec.precision >= 0 && digits.size() < static_cast<std::size_t>(spec.precision)) {
    digits.insert(0, spec.precision - digits.size(), '0');
  }
  if (spec.has('#')) {
    if (spec.verb == 'x') digits.insert(0, "0x");
    if (spec.verb == 'X') digits.insert(0, "0X");
    if (spec.verb == 'o') digits.insert(0, "0");
  }
  if (n < 0) {
    digits.insert(0, "-");
  } else if (spec.has('+')) {
    digits.insert(0, "+");
  } else if (spec.has(' ')) {
    digits.insert(0, " ");
  }
  return pad(digits, spec, spec.precision < 0);
}

std::string format_one(const Spec& spec, const Value& arg) {
  const json& value = need(arg);
  switch (spec.verb) {
    case 'v':
      if (spec.has('#') && value.is_string()) return pad(quote(value.get<std::string>()), spec, false);
      return pad(print_argument(arg), spec, false);
    case 's': {
      if (value.is_number() || value.is_boolean()) return bad_verb(spec, value);
      std::string text = print_argument(arg);
      if (spec.precision >= 0 && text.size() > static_cast<std::size_t>(spec.precision)) {
        text.resize(spec.precision);
      }
      return pad(text, spec, false);
    }
    case 'q':
      if (!value.is_string()) return bad_verb(spec, value);
      return pad(quote(value.get<std::string>()), spec, false);
    case 't':
      if (!value.is_boolean()) return bad_verb(spec, value);
      return pad(value.get<bool>() ? "true" : "false", spec, false);
    case 'c':
      if (!value.is_number_integer() && !value.is_number_unsigned()) return bad_verb(spec, value);
      return pad(std::string(1, static_cast<char>(value.get<std::int64_t>())), spec, false);
    case 'd':
    case 'o':
    case 'b':
    case 'x':
    case 'X':
      if (value.is_number_integer() || value.is_number_unsigned()) {
        return format_integer(value.get<std::int64_t>(), spec);
      }
      if ((spec.verb == 'x' || spec.verb == 'X') && value.is_string()) {
        std::string hex;
        for (unsigned char c : value.get<std::string>()) {
          hex += spec.verb == 'x' ? fmt::format("{:02x}", c) : fmt::format("{:02X}", c);
        }
        return pad(hex, spec, false);
      }
      return bad_verb(spec, value);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (!value.is_number()) return bad_verb(spec, value);
      double number = value.get<double>();
      if (spec.verb == 'g' && spec.precision < 0) return pad(print_float(number), spec, true);
      std::string format = "%";
      if (spec.has('+')) format += '+';
      if (spec.has(' ')) format += ' ';
      format += "." + std::to_string(spec.precision < 0 ? 6 : spec.precision) +
                static_cast<char>(spec.verb == 'F' ? 'f' : spec.verb);
      char buffer[512];
      std::snprintf(buffer, sizeof buffer, format.c_str(), number);
      return pad(buffer, spec, true);
    }
    default: return bad_verb(spec, value);
  }
}

// Go's fmt.Sprintf for the verbs templates use; an unknown verb, a missing
// or an extra argument are written into the output as Go writes them.
std::string sprintf(const std::vector<Value>& args) {
  if (args.empty()) raise("wrong number of args for printf: want at least 1 got 0");
  std::string format = need_string(args[0], "printf");
  std::string out;
  std::size_t next = 1;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    Spec spec;
    ++i;
    while (i < format.size() && std::string("-+# 0").find(format[i]) != std::string::npos) {
      spec.flags += format[i++];
    }
    auto read_number = [&](int& target) {
      if (i < format.size() && format[i] == '*') {
        target = next < args.size() ? static_cast<int>(need_int(args[next++], "printf")) : 0;
        ++i;
        return;
      }
      if (i >= format.size() || !std::isdigit(static_cast<unsigned char>(format[i]))) return;
      target = 0;
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
        target = target * 10 + (format[i++] - '0');
      }
    };
    read_number(spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      read_number(spec.precision);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      out += fmt::format("%!{}(MISSING)", spec.verb);
      continue;
    }
    out += format_one(spec, args[next++]);
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t i = next; i < args.size(); ++i) {
      if (i > next) out += ", ";
      out += type_name(need(args[i])) + "=" + print_value(args[i]);
    }
    out += ")";
  }
  return out;
}

// --- strings ---------------------------------------------------------

std::string to_case(std::string text, int (*convert)(int)) {
  for (char& c : text) c = static_cast<char>(convert(static_cast<unsigned char>(c)));
  return text;
}

// Go's strings.Title: the first letter of each word in upper case.
std::string title(std::string text) {
  bool word_start = true;
  for (char& c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (word_start && std::isalpha(u)) c = static_cast<char>(std::toupper(u));
    word_start = !(std::isalnum(u) || c == '_' || c == '\'' || u >= 0x80);
  }
  return text;
}

Value split(const std::vector<Value>& args) {
  want_args("split", args, 2);
  std::string text = need_string(args[0], "split");
  std::string separator = need_string(args[1], "split");
  json parts = json::array();
  if (separator.empty()) {
    for (char c : text) parts.push_back(std::string(1, c));
    return parts;
  }
  std::size_t start = 0;
  for (;;) {
    auto found = text.find(separator, start);
    if (found == std::string::npos) break;
    parts.push_back(text.substr(start, found - start));
    start = found + separator.size();
  }
  parts.push_back(text.substr(start));
  return parts;
}

Value join(const std::vector<Value>& args) {
  want_args("join", args, 2);
  const json& list = need(args[0]);
  std::string separator = need_string(args[1], "join");
  if (list.is_null()) return json("");
  if (!list.is_array()) {
    raise(fmt::format("error calling join: expected []string; found {}", print_value(args[0])));
  }
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += separator;
    out += print_json(list[i], false);
  }
  return json(out);
}

// json as Podman's templates print it: compact, without HTML escaping.
Value to_json(const std::vector<Value>& args) {
  want_args("json", args, 1);
  return json(need(args[0]).dump(-1, ' ', false, json::error_handler_t::replace));
}

Value escape(const std::string& name, const std::vector<Value>& args) {
  std::string text = sprint(args);
  std::string out;
  for (unsigned char c : text) {
    if (name == "html") {
      switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '\'': out += "&#39;"; break;
        case '"': out += "&#34;"; break;
        default: out += static_cast<char>(c);
      }
    } else if (name == "js") {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\'': out += "\\'"; break;
        case '"': out += "\\\""; break;
        case '<': out += "\\u003C"; break;
        case '>': out += "\\u003E"; break;
        case '&': out += "\\u0026"; break;
        case '=': out += "\\u003D"; break;
        default: out += static_cast<char>(c);
      }
    } else if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return json(out);
}

const std::set<std::string> kFunctions = {
    "and",   "or",     "not",    "len",      "index", "slice", "print", "printf", "println",
    "eq",    "ne",     "lt",     "le",       "gt",    "ge",    "html",  "js",     "urlquery",
    "json",  "join",   "split",  "lower",    "upper", "title", "truncate", "pad", "call"};

}  // namespace

bool is_function(const std::string& name) { return kFunctions.contains(name); }

std::string print_value(const Value& value) {
  if (!value) return "<no value>";
  return print_json(*value, true);
}

bool is_true(const Value& value) {
  if (!value) return false;
  const json& v = *value;
  switch (v.type()) {
    case json::value_t::null: return false;
    case json::value_t::boolean: return v.get<bool>();
    case json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case json::value_t::number_integer: return v.get<std::int64_t>() != 0;
    case json::value_t::number_unsigned: return v.get<std::uint64_t>() != 0;
    case json::value_t::number_float: return v.get<double>() != 0;
    default: return !v.empty();
  }
}

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "<nil>";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "bool";
    case json::value_t::number_integer: return "int";
    case json::value_t::number_unsigned: return "uint64";
    case json::value_t::number_float: return "float64";
    case json::value_t::array: return "[]interface {}";
    case json::value_t::object: return "map[string]interface {}";
    default: return "interface {}";
  }
}

Value call_function(const std::string& name, const std::vector<Value>& args) {
  if (name == "index") return index(args);
  if (name == "slice") return slice(args);
  if (name == "len") return length(args);
  if (name == "print") return json(sprint(args));
  if (name == "println") return json(sprintln(args));
  if (name == "printf") return json(sprintf(args));
  if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
    return compare(name, args);
  }
  if (name == "html" || name == "js" || name == "urlquery") return escape(name, args);
  if (name == "json") return to_json(args);
  if (name == "join") return join(args);
  if (name == "split") return split(args);
  if (name == "lower" || name == "upper" || name == "title") {
    want_args(name.c_str(), args, 1);
    std::string text = need_string(args[0], name.c_str());
    if (name == "title") return json(title(text));
    return json(to_case(text, name == "lower" ? ::tolower : ::toupper));
  }
  if (name == "truncate") {
    want_args("truncate", args, 2);
    std::string text = need_string(args[0], "truncate");
    std::int64_t size = need_int(args[1], "truncate");
    if (size >= 0 && static_cast<std::size_t>(size) < text.size()) text.resize(size);
    return json(text);
  }
  if (name == "pad") {
    want_args("pad", args, 3);
    std::string text = need_string(args[0], "pad");
    std::int64_t before = need_int(args[1], "pad");
    std::int64_t after = need_int(args[2], "pad");
    return json(std::string(std::max<std::int64_t>(before, 0), ' ') + text +
                std::string(std::max<std::int64_t>(after, 0), ' '));
  }
  raise(fmt::format("error calling {}: function is not supported", name));
}

}  // namespace berth::format::detail
