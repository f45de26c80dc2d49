#include "container/top.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "os/file.hpp"
#include "os/process.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {

namespace {

// The fields of one process of the container, read from /proc.
struct ProcessInfo {
  int host_pid = 0;
  int pid = 0;  // inside the container
  int pgid = 0;
  int host_ppid = 0;
  unsigned uid = 0;  // effective
  unsigned ruid = 0;
  unsigned gid = 0;  // effective
  unsigned rgid = 0;
  double cpu_seconds = 0;
  double elapsed_seconds = 0;
  int tty_nr = 0;
  long nice = 0;
  long long vsz_kib = 0;
  std::string state;
  std::string command;  // the whole argv, joined by spaces
  std::string comm;     // the executable's name
  std::string label;
  std::string seccomp;
  std::map<std::string, std::uint64_t> caps;  // "Eff", "Bnd", ... to the set's bits
};

std::string field_after(const std::string& status, const std::string& key) {
  auto pos = status.find("\n" + key + ":");
  if (pos == std::string::npos) return {};
  pos += key.size() + 2;
  auto end = status.find('\n', pos);
  std::string value = status.substr(pos, end - pos);
  value.erase(0, value.find_first_not_of(" \t"));
  return value;
}

// Returns the last number of a namespace list such as NSpid's "123 1".
int innermost(const std::string& list, int fallback) {
  std::istringstream in(list);
  int value = fallback;
  while (in >> value) {
  }
  return value;
}

double uptime_seconds() {
  std::istringstream in(os::read_file("/proc/uptime"));
  double up = 0;
  in >> up;
  return up;
}

ProcessInfo read_process(int host_pid) {
  ProcessInfo info;
  info.host_pid = host_pid;
  std::string base = "/proc/" + std::to_string(host_pid);
  std::string status = "\n" + os::read_file(base + "/status");
  info.pid = innermost(field_after(status, "NSpid"), host_pid);
  info.pgid = innermost(field_after(status, "NSpgid"), 0);
  info.host_ppid = std::stoi(field_after(status, "PPid"));
  // Uid and Gid: real, effective, saved, file system.
  std::istringstream uid(field_after(status, "Uid"));
  uid >> info.ruid >> info.uid;
  std::istringstream gid(field_after(status, "Gid"));
  gid >> info.rgid >> info.gid;
  for (const char* set : {"Inh", "Prm", "Eff", "Bnd", "Amb"}) {
    std::string hex = field_after(status, std::string("Cap") + set);
    info.caps[set] = hex.empty() ? 0 : std::stoull(hex, nullptr, 16);
  }
  std::string seccomp = field_after(status, "Seccomp");
  if (seccomp == "2") {
    info.seccomp = "filter";
  } else if (seccomp == "1") {
    info.seccomp = "strict";
  } else {
    info.seccomp = "disabled";
  }

  // Fields after the command name in /proc/PID/stat, which may contain spaces.
  std::string stat = os::read_file(base + "/stat");
  auto open = stat.find('(');
  auto close = stat.rfind(')');
  info.comm = stat.substr(open + 1, close - open - 1);
  std::istringstream rest(stat.substr(close + 2));
  std::vector<std::string> fields;
  std::string f;
  while (rest >> f) fields.push_back(f);
  long ticks = ::sysconf(_SC_CLK_TCK);
  // After ')': state(0) ppid(1) pgrp(2) ... tty_nr(4) ... utime(11) stime(12)
  // ... nice(16) ... starttime(19) vsize(20), as in proc(5).
  info.state = fields.at(0);
  info.tty_nr = std::stoi(fields.at(4));
  info.cpu_seconds = static_cast<double>(std::stoll(fields.at(11)) + std::stoll(fields.at(12))) /
                     static_cast<double>(ticks);
  info.nice = std::stol(fields.at(16));
  double started = static_cast<double>(std::stoll(fields.at(19))) / static_cast<double>(ticks);
  info.elapsed_seconds = uptime_seconds() - started;
  info.vsz_kib = std::stoll(fields.at(20)) / 1024;

  std::string cmdline = os::read_file_if_exists(base + "/cmdline").value_or("");
  for (char& c : cmdline) {
    if (c == '\0') c = ' ';
  }
  while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
  info.command = cmdline.empty() ? "[" + info.comm + "]" : cmdline;
  // Without an LSM that names processes (SELinux), the file is unreadable.
  std::optional<std::string> label;
  try {
    label = os::read_file_if_exists(base + "/attr/current");
  } catch (const Error&) {
  }
  info.label = label && !label->empty() ? label->substr(0, label->find_last_not_of("\n") + 1) : "?";
  return info;
}

// Returns the id-to-name map of a passwd or group file (name:x:id:...).
std::map<unsigned, std::string> names_by_id(const std::string& path) {
  std::map<unsigned, std::string> names;
  std::optional<std::string> text;
  try {
    text = os::read_file_if_exists(path);
  } catch (const Error&) {
    return names;
  }
  if (!text) return names;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts;
    std::istringstream fields(line);
    std::string part;
    while (std::getline(fields, part, ':')) parts.push_back(part);
    if (parts.size() < 3) continue;
    try {
      names.emplace(static_cast<unsigned>(std::stoul(parts[2])), parts[0]);
    } catch (const std::exception&) {
      // A line without a numeric ID is skipped.
    }
  }
  return names;
}

std::string name_of(const std::map<unsigned, std::string>& names, unsigned id) {
  auto it = names.find(id);
  return it == names.end() ? std::to_string(id) : it->second;
}

// Formats seconds as Go's time.Duration String does ("1m2.5s", "3.25s").
std::string go_duration(double seconds) {
  long whole_minutes = static_cast<long>(seconds / 60);
  double rest = seconds - static_cast<double>(whole_minutes) * 60;
  std::string out;
  if (whole_minutes >= 60) out += std::to_string(whole_minutes / 60) + "h";
  if (whole_minutes > 0) out += std::to_string(whole_minutes % 60) + "m";
  out += fmt::format("{:.9g}s", rest);
  return out;
}

std::string tty_name(int tty_nr) {
  if (tty_nr == 0) return "?";
  int major = (tty_nr >> 8) & 0xfff;
  int minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
  if (major == 136) return "pts/" + std::to_string(minor);
  return "?";
}

// Capability names by bit number, as in capability(7) without "CAP_".
constexpr const char* kCapabilities[] = {
    "CHOWN",          "DAC_OVERRIDE",  "DAC_READ_SEARCH", "FOWNER",       "FSETID",
    "KILL",           "SETGID",        "SETUID",          "SETPCAP",      "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",     "NET_RAW",      "IPC_LOCK",
    "IPC_OWNER",      "SYS_MODULE",    "SYS_RAWIO",       "SYS_CHROOT",   "SYS_PTRACE",
    "SYS_PACCT",      "SYS_ADMIN",     "SYS_BOOT",        "SYS_NICE",     "SYS_RESOURCE",
    "SYS_TIME",       "SYS_TTY_CONFIG", "MKNOD",          "LEASE",        "AUDIT_WRITE",
    "AUDIT_CONTROL",  "SETFCAP",       "MAC_OVERRIDE",    "MAC_ADMIN",    "SYSLOG",
    "WAKE_ALARM",     "BLOCK_SUSPEND", "AUDIT_READ",      "PERFMON",      "BPF",
    "CHECKPOINT_RESTORE",
};

// Formats a capability set as Podman's top does: "none", "full" when it
// contains every capability up to the kernel's cap_last_cap, else the
// names sorted and comma-separated.
std::string capability_list(std::uint64_t bits) {
  if (bits == 0) return "none";
  int last = 40;
  try {
    last = std::stoi(os::read_file("/proc/sys/kernel/cap_last_cap"));
  } catch (const std::exception&) {
    // Without the file, kCapabilities gives the last capability.
  }
  std::uint64_t all = last >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (last + 1)) - 1;
  if ((bits & all) == all) return "full";
  std::vector<std::string> names;
  for (std::size_t bit = 0; bit < std::size(kCapabilities); ++bit) {
    if (bits & (std::uint64_t{1} << bit)) names.emplace_back(kCapabilities[bit]);
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

struct Column {
  const char* descriptor;
  const char* aix;  // the AIX format code, "%p"
  const char* header;
};

// Podman's top descriptors, their AIX format codes and their headers.
constexpr Column kColumns[] = {
    {"args", "%a", "COMMAND"},        {"capamb", "", "AMBIENT CAPS"},
    {"capbnd", "", "BOUNDING CAPS"},  {"capeff", "", "EFFECTIVE CAPS"},
    {"capinh", "", "INHERITED CAPS"}, {"capprm", "", "PERMITTED CAPS"},
    {"comm", "%c", "COMMAND"},        {"etime", "%t", "ELAPSED"},
    {"group", "%G", "GROUP"},         {"hgroup", "", "HGROUP"},
    {"hpid", "", "HPID"},             {"huser", "", "HUSER"},
    {"label", "", "LABEL"},           {"nice", "%n", "NI"},
    {"pcpu", "%C", "%CPU"},           {"pgid", "%r", "PGID"},
    {"pid", "%p", "PID"},             {"ppid", "%P", "PPID"},
    {"rgroup", "%g", "RGROUP"},       {"ruser", "%u", "RUSER"},
    {"seccomp", "", "SECCOMP"},       {"state", "", "STATE"},
    {"stime", "", "STIME"},
    {"time", "%x", "TIME"},           {"tty", "%y", "TTY"},
    {"uid", "", "UID"},               {"user", "%U", "USER"},
    {"vsz", "%z", "VSZ"},
};

// Returns the column of a descriptor or AIX code, or nullptr.
const Column* find_column(const std::string& descriptor) {
  for (const auto& column : kColumns) {
    if (descriptor == column.descriptor || (*column.aix && descriptor == column.aix)) {
      return &column;
    }
  }
  return nullptr;
}

// The name maps the columns need: the container's users and groups, and
// the host's for huser and hgroup.
struct Names {
  std::map<unsigned, std::string> users;
  std::map<unsigned, std::string> groups;
  std::map<unsigned, std::string> host_users;
  std::map<unsigned, std::string> host_groups;
};

std::string cell(const std::string& descriptor, const ProcessInfo& p, int ppid,
                 const Names& names) {
  if (descriptor == "args") return p.command;
  if (descriptor == "comm") return p.comm;
  if (descriptor == "pid") return std::to_string(p.pid);
  if (descriptor == "ppid") return std::to_string(ppid);
  if (descriptor == "pgid") return std::to_string(p.pgid);
  if (descriptor == "user") return name_of(names.users, p.uid);
  if (descriptor == "ruser") return name_of(names.users, p.ruid);
  if (descriptor == "group") return name_of(names.groups, p.gid);
  if (descriptor == "rgroup") return name_of(names.groups, p.rgid);
  if (descriptor == "uid") return std::to_string(p.uid);
  if (descriptor == "huser") return name_of(names.host_users, p.uid);
  if (descriptor == "hgroup") return name_of(names.host_groups, p.gid);
  if (descriptor == "hpid") return std::to_string(p.host_pid);
  if (descriptor == "pcpu") {
    double cpu = p.elapsed_seconds > 0 ? 100.0 * p.cpu_seconds / p.elapsed_seconds : 0;
    return fmt::format("{:.3f}", cpu);
  }
  if (descriptor == "etime") return go_duration(p.elapsed_seconds);
  if (descriptor == "time") return go_duration(p.cpu_seconds);
  if (descriptor == "tty") return tty_name(p.tty_nr);
  if (descriptor == "nice") return std::to_string(p.nice);
  if (descriptor == "vsz") return std::to_string(p.vsz_kib);
  if (descriptor == "state") return p.state;
  if (descriptor == "stime") {
    // The start time to the second, as Podman prints it.
    auto seconds = static_cast<std::int64_t>(static_cast<double>(now_ns() / 1'000'000'000) -
                                             p.elapsed_seconds);
    return go_time_string(seconds * 1'000'000'000);
  }
  if (descriptor == "label") return p.label;
  if (descriptor == "seccomp") return p.seccomp;
  if (descriptor == "capamb") return capability_list(p.caps.at("Amb"));
  if (descriptor == "capbnd") return capability_list(p.caps.at("Bnd"));
  if (descriptor == "capeff") return capability_list(p.caps.at("Eff"));
  if (descriptor == "capinh") return capability_list(p.caps.at("Inh"));
  if (descriptor == "capprm") return capability_list(p.caps.at("Prm"));
  return "?";
}

// Splits the output of ps(1) into rows of whitespace-separated cells. The
// last column keeps its spaces (a command line); the header's word count
// gives the number of columns.
std::vector<std::vector<std::string>> ps_rows(const std::string& output) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(output);
  std::string line;
  std::size_t columns = 0;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    std::istringstream words(line);
    std::vector<std::string> row;
    std::string word;
    while (words >> word) {
      if (columns > 0 && row.size() == columns - 1) {
        std::string tail;
        std::getline(words, tail);
        row.push_back(word + tail);
        break;
      }
      row.push_back(word);
    }
    if (columns == 0) columns = row.size();
    rows.push_back(std::move(row));
  }
  return rows;
}

// Runs ps(1) with descriptors as its arguments inside the container, as
// Podman does for descriptors it does not know itself.
std::vector<std::vector<std::string>> run_ps_in_container(Context& ctx,
                                                          const state::ContainerRecord& record,
                                                          const std::vector<std::string>& args) {
  auto argv = ctx.runtime().base_argv();
  argv.insert(argv.end(), {"exec", record.id, "ps"});
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = os::run_process(argv);
  if (result.exit_code != 0) {
    std::string message = result.err.substr(0, result.err.find_last_not_of("\n") + 1);
    fail(ErrorCode::kInvalidArgument,
         "unknown top descriptor in \"{}\", and running ps(1) in container {} failed (exit code "
         "{}): {}",
         fmt::join(args, " "), record.name, result.exit_code, message);
  }
  auto rows = ps_rows(result.out);
  // ps(1) lists itself too. Podman drops that row by its command line, as
  // no PID column may be there to compare.
  std::string own_command = fmt::format("ps {}", fmt::join(args, " "));
  if (rows.empty()) return rows;
  auto is_own_row = [&](const std::vector<std::string>& row) {
    return fmt::format("{}", fmt::join(row, " ")).find(own_command) != std::string::npos;
  };
  rows.erase(std::remove_if(rows.begin() + 1, rows.end(), is_own_row), rows.end());
  return rows;
}

}  // namespace

std::vector<std::vector<std::string>> top(Context& ctx, const state::ContainerRecord& record,
                                          const std::vector<std::string>& descriptors) {
  if (record.status != "running") {
    fail(ErrorCode::kConflict, "top can only be used on running containers: {} is {}",
         record.name, record.status);
  }
  std::vector<std::string> wanted = descriptors;
  if (wanted.empty()) wanted = {"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"};
  // "-eo pid,args" style lists are split on commas, as ps(1) does.
  std::vector<std::string> split;
  for (const auto& d : wanted) {
    std::size_t start = 0;
    while (start <= d.size()) {
      auto comma = d.find(',', start);
      std::string part = d.substr(start, comma - start);
      if (!part.empty()) split.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  std::vector<std::string> columns;
  for (const auto& d : split) {
    const Column* column = find_column(d);
    if (!column) return run_ps_in_container(ctx, record, descriptors);
    columns.push_back(column->descriptor);
  }
  std::vector<std::vector<std::string>> rows(1);
  for (const auto& d : columns) rows[0].push_back(find_column(d)->header);
  std::string root = "/proc/" + std::to_string(record.pid) + "/root";
  Names names{names_by_id(root + "/etc/passwd"), names_by_id(root + "/etc/group"),
              names_by_id("/etc/passwd"), names_by_id("/etc/group")};
  std::vector<ProcessInfo> processes;
  for (int pid : ctx.runtime().pids(record.id)) {
    try {
      processes.push_back(read_process(pid));
    } catch (const std::exception&) {
      // The process exited between listing and reading it.
    }
  }
  std::map<int, int> host_to_container;
  for (const auto& p : processes) host_to_container[p.host_pid] = p.pid;
  for (const auto& p : processes) {
    int ppid = host_to_container.count(p.host_ppid) ? host_to_container[p.host_ppid] : 0;
    std::vector<std::string> row;
    for (const auto& d : columns) row.push_back(cell(d, p, ppid, names));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace berth::container
