#include "journal_record.hpp"

#include <cstdint>

namespace monitor {

void append_journal_field(std::string& record, std::string_view name, std::string_view value) {
  record.append(name);
  if (value.find('\n') == std::string_view::npos) {
    record += '=';
    record.append(value);
    record += '\n';
    return;
  }
  record += '\n';
  std::uint64_t size = value.size();
  for (int i = 0; i < 8; ++i) record += static_cast<char>((size >> (8 * i)) & 0xff);
  record.append(value);
  record += '\n';
}

std::string journal_container_fields(std::string_view id, std::string_view name,
                                     std::string_view tag) {
  std::string fields;
  append_journal_field(fields, "CONTAINER_ID", id.substr(0, 12));
  append_journal_field(fields, "CONTAINER_ID_FULL", id);
  append_journal_field(fields, "CONTAINER_NAME", name);
  if (tag.empty()) {
    append_journal_field(fields, "SYSLOG_IDENTIFIER", id.substr(0, 12));
  } else {
    append_journal_field(fields, "CONTAINER_TAG", tag);
    append_journal_field(fields, "SYSLOG_IDENTIFIER", tag);
  }
  return fields;
}

std::string journal_line_record(std::string_view container_fields, bool is_stderr,
                                std::string_view text, bool partial) {
  std::string record;
  record.reserve(text.size() + container_fields.size() + 64);
  append_journal_field(record, "MESSAGE", text);
  append_journal_field(record, "PRIORITY", is_stderr ? "3" : "6");
  if (partial) append_journal_field(record, "CONTAINER_PARTIAL_MESSAGE", "true");
  record.append(container_fields);
  return record;
}

}  // namespace monitor
