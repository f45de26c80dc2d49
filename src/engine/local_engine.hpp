#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/registries.hpp"
#include "container/context.hpp"
#include "engine/engine.hpp"
#include "state/database.hpp"

namespace berth::engine {

// The Engine that does the work in this process: storage, state, runtime
// and network on this host.
class LocalEngine : public Engine {
 public:
  LocalEngine(container::Paths paths, std::optional<std::string> runtime_name);
  ~LocalEngine() override;

  std::string pull(const PullRequest& request, PullProgress& progress) override;
  std::string push(const PushRequest& request, PullProgress& progress) override;
  std::vector<ImageSummary> list_images() override;
  nlohmann::json inspect_image(const std::string& name_or_id) override;
  ImageRemoveReport remove_image(const std::string& name_or_id, bool force) override;
  bool image_exists(const std::string& name_or_id) override;
  void tag_image(const std::string& name_or_id, const std::vector<std::string>& names) override;
  std::vector<std::string> untag_image(const std::string& name_or_id,
                                       const std::vector<std::string>& names) override;

  std::string create(const CreateRequest& request, PullProgress& progress) override;
  void start(const std::string& name_or_id, const container::StartOptions& options) override;
  void stop(const std::string& name_or_id, std::optional<int> timeout) override;
  void kill(const std::string& name_or_id, const std::string& signal) override;
  void remove(const std::string& name_or_id, bool force) override;
  int wait(const std::string& name_or_id) override;
  std::vector<ContainerSummary> list_containers(bool all) override;
  nlohmann::json inspect_container(const std::string& name_or_id) override;
  void logs(const std::string& name_or_id, const container::LogOptions& options, int stdout_fd,
            int stderr_fd) override;
  std::vector<std::vector<std::string>> top(const std::string& name_or_id,
                                            const std::vector<std::string>& descriptors) override;
  std::string latest_container() override;
  std::string container_id(const std::string& name_or_id) override;
  std::string attach_socket(const std::string& name_or_id) override;
  void cleanup(const std::string& id, std::optional<int> exit_code,
               const std::string& start_token, bool by_monitor = false) override;

 private:
  const config::RegistriesConfig& registries();
  // Finds a local image by ID, ID prefix, full name or short name.
  std::optional<state::ImageRecord> find_image(const std::string& name_or_id);
  state::ImageRecord require_image(const std::string& name_or_id);
  std::string pull_one(const struct PullTarget& target, const PullRequest& request,
                       PullProgress& progress);
  void remove_unused_layers();
  // Uploads the plan's layers, config and manifest; returns the manifest digest.
  std::string push_to(const struct PushPlan& plan, const RegistryAccess& access,
                      PullProgress& progress);
  // Removes names (all when empty) from image id in one transaction and
  // returns them; name_or_id is what the user typed, for messages.
  std::vector<std::string> remove_image_names(const std::string& id, const std::string& name_or_id,
                                              const std::vector<std::string>& names);

  container::Context ctx_;
  std::optional<config::RegistriesConfig> registries_;
};

}  // namespace berth::engine
