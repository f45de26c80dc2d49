#include "container/context.hpp"

#include "common/error.hpp"
#include "network/network_manager.hpp"
#include "os/file.hpp"
#include "os/process.hpp"
#include "runtime/oci_runtime.hpp"
#include "storage/layer_store.hpp"

namespace berth::container {

namespace {
Paths prepare(Paths paths) {
  os::make_dirs(paths.root, 0700);
  os::make_dirs(paths.run_root, 0700);
  return paths;
}
}  // namespace

Context::Context(Paths paths, std::optional<std::string> runtime_name)
    : paths_(prepare(std::move(paths))),
      db_(paths_.database()),
      runtime_name_(std::move(runtime_name)) {
  // The monitor calls back the CLI that started it for cleanup, so a CLI
  // installed under another name (podman, docker) finds itself. The
  // monitor's own Context, and test programs, fall back to the berth beside
  // them.
  std::string self = os::self_path();
  std::string dir = self.substr(0, self.rfind('/'));
  std::string name = self.substr(self.rfind('/') + 1);
  bool cli = name != "berth-monitor" && !name.ends_with("_test");
  berth_binary_ = cli ? self : dir + "/berth";
  monitor_binary_ = dir + "/berth-monitor";
}

Context::~Context() = default;

storage::LayerStore& Context::layers() {
  if (!layers_) layers_ = std::make_unique<storage::LayerStore>(paths_.storage());
  return *layers_;
}

const runtime::OciRuntime& Context::runtime() {
  if (!runtime_) {
    runtime_ = std::make_unique<runtime::OciRuntime>(
        runtime::OciRuntime::detect(runtime_name_, paths_.run_root));
  }
  return *runtime_;
}

network::NetworkManager& Context::network() {
  if (!network_) {
    // The bridge and the firewall table are shared by the whole host, so the
    // address allocations and namespaces that go with them are too, whatever
    // --runroot says; otherwise two stores would hand out the same address.
    network_ = std::make_unique<network::NetworkManager>(paths_.networks(), kHostNetworkRunDir);
  }
  return *network_;
}

}  // namespace berth::container
