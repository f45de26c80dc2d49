// --format output built on render_template: json, table and per-item
// templates, as Podman's report package lays them out.

#include "format/template.hpp"

#include <cstdio>

#include "format/table.hpp"

namespace berth::format {

namespace {

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\n"));
  s.erase(s.find_last_not_of(" \t\n") + 1);
  return s;
}

// Splits rendered table text into lines of tab-separated cells and aligns
// them.
std::string align(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> cells;
    std::size_t cell = start;
    for (;;) {
      auto tab = text.find('\t', cell);
      if (tab == std::string::npos || tab > end) {
        cells.push_back(text.substr(cell, end - cell));
        break;
      }
      cells.push_back(text.substr(cell, tab - cell));
      cell = tab + 1;
    }
    rows.push_back(std::move(cells));
    start = end + 1;
  }
  return render_table(rows);
}

std::string with_newline(std::string text) {
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

}  // namespace

std::string format_items(const std::string& format, const nlohmann::json& items,
                         const FormatOptions& options) {
  if (is_json_format(format)) return items.dump(4) + "\n";
  RenderOptions render{options.name, options.type_name, false};
  if (format.starts_with("table")) {
    std::string text = trim(format.substr(5));
    if (text.empty()) text = options.default_table;
    // Podman separates a table's columns at spaces as well as at tabs.
    for (char& c : text) {
      if (c == ' ') c = '\t';
    }
    nlohmann::json header = nlohmann::json::object();
    for (const auto& [field, name] : options.headers) header[field] = name;
    RenderOptions header_render = render;
    header_render.header_mode = true;
    std::string out;
    if (options.header) out = with_newline(Template(text, header_render).render(header));
    Template row(text, render);
    for (const auto& item : items) out += with_newline(row.render(item));
    return align(out);
  }
  Template all(format, render);
  if (format.starts_with("{{range .}}")) return with_newline(all.render(items));
  std::string out;
  for (const auto& item : items) out += with_newline(all.render(item));
  return out;
}

void print_formatted(const std::string& format, const nlohmann::json& items,
                     const FormatOptions& options) {
  std::string out = format_items(format, items, options);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace berth::format
