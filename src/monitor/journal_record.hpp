#pragma once

// Log driver journald: records in systemd's native journal protocol, the
// datagrams sd_journal_send(3) writes to /run/systemd/journal/socket.
// Each field is "NAME=value\n", or, for a value holding a newline,
// "NAME\n", the value's length as 64-bit little-endian and the value,
// then "\n" (systemd's JOURNAL_NATIVE_PROTOCOL document).

#include <string>
#include <string_view>

namespace monitor {

// Appends one field to a record in the native protocol.
void append_journal_field(std::string& record, std::string_view name, std::string_view value);

// Returns the fields every record of a container carries: CONTAINER_ID (the
// first 12 characters of id), CONTAINER_ID_FULL, CONTAINER_NAME, and
// SYSLOG_IDENTIFIER plus CONTAINER_TAG set to tag, or SYSLOG_IDENTIFIER set
// to the short ID when tag is empty.
std::string journal_container_fields(std::string_view id, std::string_view name,
                                     std::string_view tag);

// Returns the record of one line of output: MESSAGE with the text (no
// newline), PRIORITY 6 for stdout and 3 for stderr as conmon sends them,
// CONTAINER_PARTIAL_MESSAGE=true for a piece without its newline, then the
// container fields.
std::string journal_line_record(std::string_view container_fields, bool is_stderr,
                                std::string_view text, bool partial);

}  // namespace monitor
