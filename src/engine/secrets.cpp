// Secrets: the secret commands of LocalEngine.

#include "common/error.hpp"
#include "engine/list_filters.hpp"
#include "engine/local_engine.hpp"
#include "secret/secret_store.hpp"
#include "secret/secret_use.hpp"

namespace berth::engine {

namespace {

SecretReport make_report(const state::SecretRecord& record) {
  SecretReport report;
  report.id = record.id;
  report.name = record.name;
  report.driver = record.driver;
  report.driver_options = nlohmann::json::parse(record.driver_options);
  report.labels = nlohmann::json::parse(record.labels);
  report.created_ns = record.created_ns;
  report.updated_ns = record.updated_ns;
  return report;
}

// Keeps the reports that pass filters: name and id are regular
// expressions matched anywhere (as in Podman), label is KEY or KEY=VALUE.
std::vector<SecretReport> apply_filters(std::vector<SecretReport> reports,
                                        const std::vector<std::string>& filters) {
  auto groups = group_filters(filters, {"name", "id", "label"}, "secret");
  std::vector<SecretReport> result;
  for (auto& report : reports) {
    bool keep = filters_match(groups, [&](const std::string& key, const std::string& value) {
      if (key == "name") return filter_regex_matches(key, value, report.name);
      if (key == "id") return filter_regex_matches(key, value, report.id);
      return filter_labels_match(report.labels, value);
    });
    if (keep) result.push_back(std::move(report));
  }
  return result;
}

}  // namespace

std::string LocalEngine::secret_create(const SecretCreateRequest& request) {
  secret::CreateOptions options;
  options.name = request.name;
  options.data = request.data;
  options.driver = request.driver;
  options.driver_options = request.driver_options;
  options.labels = request.labels;
  options.replace = request.replace;
  return secret::SecretStore(ctx_.db(), ctx_.paths().root).create(options).id;
}

std::vector<SecretReport> LocalEngine::list_secrets(const std::vector<std::string>& filters) {
  std::vector<SecretReport> reports;
  for (const auto& record : ctx_.db().list_secrets()) reports.push_back(make_report(record));
  return apply_filters(std::move(reports), filters);
}

SecretReport LocalEngine::inspect_secret(const std::string& name_or_id, bool with_data) {
  secret::SecretStore store(ctx_.db(), ctx_.paths().root);
  auto record = store.require(name_or_id);
  auto report = make_report(record);
  if (with_data) report.data = store.data(record);
  return report;
}

std::string LocalEngine::secret_remove(const std::string& name_or_id) {
  secret::SecretStore store(ctx_.db(), ctx_.paths().root);
  auto record = store.require(name_or_id);
  store.remove(record);
  return record.id;
}

std::vector<secret::SecretUse> LocalEngine::resolve_secrets(
    const std::vector<std::string>& values) {
  secret::SecretStore store(ctx_.db(), ctx_.paths().root);
  std::vector<secret::SecretUse> uses;
  for (const auto& value : values) {
    auto use = secret::parse_secret_use(value);
    use.id = store.require(use.name).id;
    for (const auto& other : uses) {
      if (other.type == use.type && other.target == use.target) {
        fail(ErrorCode::kInvalidArgument,
             "--secret \"{}\" and --secret \"{}\" have the same target {}: give one of them "
             "another target=",
             other.name, use.name, use.target);
      }
    }
    uses.push_back(std::move(use));
  }
  return uses;
}

bool LocalEngine::secret_exists(const std::string& name_or_id) {
  return secret::SecretStore(ctx_.db(), ctx_.paths().root).find(name_or_id).has_value();
}

}  // namespace berth::engine
