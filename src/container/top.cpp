#include "container/top.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "common/error.hpp"
#include "common/time.hpp"
#include "os/file.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {

namespace {

struct ProcessInfo {
  int host_pid = 0;
  int pid = 0;   // inside the container
  int host_ppid = 0;
  unsigned uid = 0;
  double cpu_seconds = 0;
  double elapsed_seconds = 0;
  int tty_nr = 0;
  std::string command;
};

std::string field_after(const std::string& status, const std::string& key) {
  auto pos = status.find("\n" + key + ":");
  if (pos == std::string::npos) return {};
  pos += key.size() + 2;
  auto end = status.find('\n', pos);
  return status.substr(pos, end - pos);
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
  std::istringstream nspid(field_after(status, "NSpid"));
  int value = host_pid;
  while (nspid >> value) info.pid = value;
  info.host_ppid = std::stoi(field_after(status, "PPid"));
  std::istringstream uid(field_after(status, "Uid"));
  uid >> info.uid;

  // Fields after the command name in /proc/PID/stat, which may contain spaces.
  std::string stat = os::read_file(base + "/stat");
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields;
  std::string f;
  while (rest >> f) fields.push_back(f);
  long ticks = ::sysconf(_SC_CLK_TCK);
  // After ')': state(0) ppid(1) ... tty_nr(4) ... utime(11) stime(12) ... starttime(19).
  info.tty_nr = std::stoi(fields.at(4));
  info.cpu_seconds = static_cast<double>(std::stoll(fields.at(11)) + std::stoll(fields.at(12))) /
                     static_cast<double>(ticks);
  double started = static_cast<double>(std::stoll(fields.at(19))) / static_cast<double>(ticks);
  info.elapsed_seconds = uptime_seconds() - started;

  std::string cmdline = os::read_file_if_exists(base + "/cmdline").value_or("");
  for (char& c : cmdline) {
    if (c == '\0') c = ' ';
  }
  while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
  info.command = cmdline;
  return info;
}

// User names from the container's own /etc/passwd.
std::map<unsigned, std::string> container_users(int host_pid) {
  std::map<unsigned, std::string> users;
  auto passwd = os::read_file_if_exists("/proc/" + std::to_string(host_pid) + "/root/etc/passwd");
  if (!passwd) return users;
  std::istringstream in(*passwd);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts;
    std::istringstream fields(line);
    std::string part;
    while (std::getline(fields, part, ':')) parts.push_back(part);
    if (parts.size() >= 3) {
      try {
        users.emplace(static_cast<unsigned>(std::stoul(parts[2])), parts[0]);
      } catch (const std::exception&) {
      }
    }
  }
  return users;
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

}  // namespace

namespace {

struct Column {
  const char* descriptor;
  const char* header;
};

// Podman's top descriptors (AIX format names) and their headers.
constexpr Column kColumns[] = {
    {"user", "USER"},   {"pid", "PID"},       {"ppid", "PPID"}, {"pcpu", "%CPU"},
    {"etime", "ELAPSED"}, {"tty", "TTY"},     {"time", "TIME"}, {"args", "COMMAND"},
    {"comm", "COMMAND"}, {"uid", "UID"},      {"huser", "HUSER"}, {"hpid", "HPID"},
};

const Column& column_for(const std::string& descriptor) {
  for (const auto& column : kColumns) {
    if (descriptor == column.descriptor) return column;
  }
  std::string known;
  for (const auto& column : kColumns) known += std::string(known.empty() ? "" : ", ") + column.descriptor;
  fail(ErrorCode::kInvalidArgument, "unknown top descriptor \"{}\": use one of {}", descriptor,
       known);
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
  std::vector<std::vector<std::string>> rows(1);
  for (const auto& d : wanted) rows[0].push_back(column_for(d).header);
  auto users = container_users(static_cast<int>(record.pid));
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
    auto user = users.count(p.uid) ? users[p.uid] : std::to_string(p.uid);
    int ppid = host_to_container.count(p.host_ppid) ? host_to_container[p.host_ppid] : 0;
    double cpu = p.elapsed_seconds > 0 ? 100.0 * p.cpu_seconds / p.elapsed_seconds : 0;
    std::string comm = p.command.substr(0, p.command.find(' '));
    comm = comm.substr(comm.rfind('/') + 1);
    std::vector<std::string> row;
    for (const auto& d : wanted) {
      if (d == "user") row.push_back(user);
      else if (d == "pid") row.push_back(std::to_string(p.pid));
      else if (d == "ppid") row.push_back(std::to_string(ppid));
      else if (d == "pcpu") row.push_back(fmt::format("{:.3f}", cpu));
      else if (d == "etime") row.push_back(go_duration(p.elapsed_seconds));
      else if (d == "tty") row.push_back(tty_name(p.tty_nr));
      else if (d == "time") row.push_back(go_duration(p.cpu_seconds));
      else if (d == "args") row.push_back(p.command);
      else if (d == "comm") row.push_back(comm);
      else if (d == "uid") row.push_back(std::to_string(p.uid));
      else if (d == "huser") row.push_back(std::to_string(p.uid));
      else if (d == "hpid") row.push_back(std::to_string(p.host_pid));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace berth::container
