// The events command (also `system events`): prints the event log as
// Podman does, and with --stream keeps printing what other berth processes
// record.

#include <cstdio>

#include "cli/cli.hpp"
#include "events/events.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

struct EventsOptions {
  std::vector<std::string> filters;
  std::string since;
  std::string until;
  std::string format;
  bool stream = true;
  bool no_trunc = true;
};

// Prints one event per line in the chosen format; returns false once stdout
// is gone (a closed pipe), which ends a stream.
class EventPrinter {
 public:
  explicit EventPrinter(const EventsOptions& options) : options_(options) {
    bool json = options.format == "json" || options.format == "{{json .}}" ||
                options.format == "{{ json . }}";
    if (!options.format.empty() && !json) {
      template_.emplace(options.format, format::RenderOptions{"events", "events.Event", false});
    }
    json_ = json;
  }

  bool print(const state::EventRecord& event) {
    std::string line;
    if (json_) {
      line = events::to_json(event).dump();
    } else if (template_) {
      line = template_->render(events::template_value(event));
    } else {
      line = events::human_readable(event, !options_.no_trunc);
    }
    if (!line.ends_with('\n')) line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) return false;
    // A stream is read as it comes: flush every line.
    return std::fflush(stdout) == 0;
  }

 private:
  const EventsOptions& options_;
  std::optional<format::Template> template_;
  bool json_ = false;
};

int run_events(Cli& cli, const EventsOptions& options) {
  events::Filter filter(options.filters, options.since, options.until);
  EventPrinter printer(options);
  engine::EventsRequest request;
  request.stream = options.stream;
  // Podman shows past events only when asked for a time range or a
  // finished list; a plain stream starts with the next event.
  request.history = !options.stream || filter.since_ns() || filter.until_ns();
  request.until_ns = filter.until_ns();
  cli.engine().read_events(request, [&](const state::EventRecord& event) {
    if (!filter.matches(event)) return true;
    return printer.print(event);
  });
  return 0;
}

}  // namespace

void add_events(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<EventsOptions>();
  auto* cmd = parent.add_subcommand("events", "Show berth events");
  cmd->add_option("-f,--filter", o->filters,
                  "Show only events that match KEY=VALUE: container, event, image, label, pod, "
                  "type, volume, since, until")
      ->allow_extra_args(false);
  cmd->add_option("--since", o->since, "Show events since this time or duration (10m, RFC 3339)");
  cmd->add_option("--until", o->until, "Show events until this time or duration");
  cmd->add_option("--format", o->format, "Print each event with a Go template, or json");
  cmd->add_flag("--stream", o->stream,
                "Keep printing new events (--stream=false prints the past ones and exits)");
  cmd->add_flag("--no-trunc", o->no_trunc, "Print full IDs (--no-trunc=false cuts them to 12)");
  cmd->callback([&cli, o] { cli.action = [&cli, o] { return run_events(cli, *o); }; });
}

}  // namespace berth::cli
