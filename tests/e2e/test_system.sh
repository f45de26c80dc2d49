# system info, df, prune, reset, migrate and renumber, checked against the
# host and the store on disk.

sys_busybox() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# berth on a store of its own, for tests that wipe everything.
sys_reset_root=$E2E_ROOT/system-reset
sys_reset_runroot=$E2E_RUNROOT-system-reset
br() { "$BERTH_BIN" --root "$sys_reset_root" --runroot "$sys_reset_runroot" "$@"; }

test_system_info_fields() {
  local cgroup
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then cgroup=v2; else cgroup=v1; fi
  capture b info --format '{{.Host.CgroupVersion}}'
  assert_rc 0
  assert_eq "$cgroup" "$out"
  capture b system info --format json
  assert_rc 0
  assert_eq "$(uname -r)" "$(echo "$out" | jq -r .host.kernel)"
  assert_eq "$(nproc)" "$(echo "$out" | jq -r .host.cpus)"
  assert_eq "$E2E_ROOT/root" "$(echo "$out" | jq -r .store.graphRoot)"
  assert_eq "$E2E_RUNROOT" "$(echo "$out" | jq -r .store.runRoot)"
  assert_eq "$E2E_ROOT/root/volumes" "$(echo "$out" | jq -r .store.volumePath)"
  local runtime_path
  runtime_path=$(echo "$out" | jq -r .host.ociRuntime.path)
  assert_eq "$(command -v "$(echo "$out" | jq -r .host.ociRuntime.name)")" "$runtime_path"
  assert_contains "$(echo "$out" | jq -r .host.ociRuntime.version)" "$("$runtime_path" --version | head -1)"
  local mem_kb
  mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)
  assert_eq "$((mem_kb * 1024))" "$(echo "$out" | jq -r .host.memTotal)"
  capture b info
  assert_rc 0
  assert_contains "$out" "  cgroupVersion: $cgroup"
  assert_contains "$out" "  graphRoot: $E2E_ROOT/root"
  capture b info --format '{{.Nope}}'
  assert_rc 125
}

test_system_info_counts() {
  sys_busybox
  b create --name sys-count "$REG/busybox:latest" true >/dev/null
  capture b info --format '{{.Store.ContainerStore.Number}} {{.Store.ContainerStore.Stopped}}'
  local images
  # info counts every image in the store, build steps included.
  images=$(b images -aq | sort -u | wc -l)
  assert_eq "$(b ps -aq | wc -l) $(b ps -aq | wc -l)" "$out"
  capture b info --format '{{.Store.ImageStore.Number}}'
  assert_eq "$images" "$out"
  b rm sys-count >/dev/null
}

test_system_df_sizes() {
  sys_busybox
  b volume create sys-df-vol >/dev/null
  local data
  data=$(b volume inspect sys-df-vol --format '{{.Mountpoint}}')
  head -c 300000 /dev/urandom >"$data/blob"
  capture b system df --format '{{.Type}}|{{.RawSize}}'
  assert_rc 0
  local volume_bytes
  volume_bytes=$(echo "$out" | awk -F'|' '$1 == "Local Volumes" {print $2}')
  [ "$volume_bytes" -ge 300000 ] || fail "volume size $volume_bytes below the 300000 bytes written"
  capture b system df -v
  assert_rc 0
  assert_contains "$out" "Images space usage:"
  assert_contains "$out" "Local Volumes space usage:"
  assert_contains "$out" "sys-df-vol"
  capture b system df
  assert_contains "$out" "TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE"
  capture b system df -v --format json
  assert_rc 125
  b volume rm sys-df-vol >/dev/null
}

test_system_prune_removes_stopped() {
  sys_busybox
  b create --name sys-prune-c "$REG/busybox:latest" true >/dev/null
  b volume create sys-prune-v >/dev/null
  local id dir
  id=$(b inspect sys-prune-c --format '{{.Id}}')
  dir=$E2E_ROOT/root/containers/$id
  [ -d "$dir" ] || fail "container directory $dir missing before prune"
  capture sh -c "echo n | $(printf '%q ' "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT") system prune --volumes"
  assert_rc 0
  assert_contains "$out" "Are you sure you want to continue? [y/N]"
  [ -d "$dir" ] || fail "answering n removed the container"
  capture b system prune --volumes </dev/null
  assert_rc 125 "no answer on stdin, as Podman's EOF error"
  assert_contains "$err" "--force"
  [ -d "$dir" ] || fail "a prune without an answer removed the container"
  capture b system prune -f --volumes
  assert_rc 0
  assert_contains "$out" "Deleted Containers"
  assert_contains "$out" "$id"
  assert_contains "$out" "sys-prune-v"
  assert_contains "$out" "Total reclaimed space:"
  [ ! -d "$dir" ] || fail "container directory $dir left after prune"
  capture b volume exists sys-prune-v
  assert_rc 1
}

test_system_reset_wipes_roots() {
  br pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  br create --name sys-reset "$REG/busybox:latest" true >/dev/null
  br volume create sys-reset-v >/dev/null
  capture sh -c "echo n | $(printf '%q ' "$BERTH_BIN" --root "$sys_reset_root" --runroot "$sys_reset_runroot") system reset"
  assert_rc 0
  assert_contains "$out" "the graphRoot directory: \"$sys_reset_root\""
  [ -d "$sys_reset_root/storage" ] || fail "answering n removed the storage"
  capture br system reset --force
  assert_rc 0
  [ ! -e "$sys_reset_root" ] || fail "$sys_reset_root left after reset"
  [ ! -e "$sys_reset_runroot" ] || fail "$sys_reset_runroot left after reset"
  capture br ps -aq
  assert_eq "" "$out"
  rm -rf "$sys_reset_root" "$sys_reset_runroot"
}

test_system_migrate_and_renumber() {
  sys_busybox
  b create --name sys-migrate "$REG/busybox:latest" true >/dev/null
  capture b system migrate
  assert_rc 0
  capture b system migrate --new-runtime crun
  assert_rc 0
  capture b system renumber
  assert_rc 0
  assert_eq "" "$out"
  capture b ps -a --filter name=sys-migrate --format '{{.Names}}'
  assert_eq sys-migrate "$out" "containers survive a migration"
  b rm sys-migrate >/dev/null
}
