# Pulling from the fixture registries: every manifest kind, layer format
# and registry flavour, and the failures that must leave the store as it was.

pull() { b pull --tls-verify=false "$@"; }

test_pull_v2s2_prints_progress_and_id() {
  b rmi -f "$REG/busybox:v2s2" >/dev/null 2>&1 || true
  capture pull "$REG/busybox:v2s2"
  assert_rc 0
  [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not an image ID: $out"
  assert_contains "$err" "Trying to pull $REG/busybox:v2s2..."
  assert_contains "$err" "Copying blob"
  assert_contains "$err" "Copying config ${out:0:12}"
  assert_contains "$err" "Writing manifest to image destination"
  capture b images
  assert_contains "$out" "$REG/busybox"
  assert_contains "$out" "v2s2"
}

test_pull_quiet_prints_only_id() {
  capture pull -q "$REG/busybox:latest"
  assert_rc 0
  assert_eq "" "$err" "stderr with -q"
  [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not an image ID: $out"
}

test_pull_oci_and_zstd_run() {
  for tag in oci zstd; do
    capture pull "$REG/busybox:$tag"
    assert_rc 0 "pull $tag"
    capture b run --rm "$REG/busybox:$tag" cat /etc/passwd
    assert_rc 0 "run $tag"
    assert_contains "$out" "root:x:0:0"
  done
}

test_pull_same_layer_is_shared() {
  pull -q "$REG/busybox:v2s2" >/dev/null
  capture pull "$REG/httpd:latest"
  assert_rc 0
  assert_contains "$err" "skipped: already exists" "the busybox base layer is reused"
}

test_layered_image_contents() {
  pull -q "$REG/layered:latest" >/dev/null
  capture b run --rm "$REG/layered:latest" sh -c '
    test ! -e /etc/fixture/old.txt && echo old-deleted
    ls /opt/data | tr "\n" " "; echo
    readlink /etc/fixture/symlink
    cat /etc/fixture/symlink
    [ "$(stat -c %i /etc/fixture/target.txt)" = "$(stat -c %i /etc/fixture/hardlink)" ] && echo hardlinked
    stat -c %a /usr/local/bin/suid-tool
    stat -c %u:%g /etc/fixture/owned
    cat /etc/fixture/layer3.txt
    test -d /var/empty-dir && echo empty-dir'
  assert_rc 0
  assert_contains "$out" "old-deleted"
  assert_contains "$out" $'new.txt \n' "the replaced directory shows only new content"
  assert_contains "$out" $'target.txt\nlayer1 target'
  assert_contains "$out" "hardlinked"
  assert_contains "$out" "4755"
  assert_contains "$out" "1000:1000"
  assert_contains "$out" "layer3"
  assert_contains "$out" "empty-dir"
}

test_layered_image_keeps_xattr() {
  pull -q "$REG/layered:oci" >/dev/null
  local id diff
  id=$(b image inspect "$REG/layered:oci" --format '{{.Id}}')
  [ -n "$id" ] || fail "no image ID"
  # The xattr is on the layer's file in the store.
  diff=$(grep -rl "has xattr" "$E2E_ROOT/root/storage/overlay"/*/diff/etc/fixture/xattr.txt | head -1)
  [ -n "$diff" ] || fail "xattr.txt not found in the layer store"
  assert_eq "layered" "$(getfattr --only-values -n user.berth.fixture "$diff")" "user xattr"
}

test_multi_arch_index_picks_platform() {
  b rmi -f "$REG/multi:latest" >/dev/null 2>&1 || true
  pull -q "$REG/multi:latest" >/dev/null
  assert_eq "amd64" "$(b image inspect "$REG/multi:latest" --format '{{.Architecture}}')"
  pull -q --platform linux/arm64 "$REG/multi:latest" >/dev/null
  assert_eq "arm64" "$(b image inspect "$REG/multi:latest" --format '{{.Architecture}}')"
  capture pull -q "$REG/multi:v2s2"
  assert_rc 0 "docker manifest list"
  assert_eq "amd64" "$(b image inspect "$REG/multi:v2s2" --format '{{.Architecture}}')"
}

test_multi_arch_missing_platform_fails() {
  local before; before=$(store_snapshot)
  capture pull --platform linux/s390x "$REG/multi:latest"
  assert_rc 125
  assert_contains "$err" "linux/s390x"
  assert_contains "$err" "linux/amd64" "the error lists what is available"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_tls_registry_with_creds_and_ca() {
  source "$FIXTURES_DIR/env"
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null 2>&1 || true
  capture b pull --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" \
    --cert-dir "$BERTH_REGISTRY_CERT_DIR" "$REG_TLS/busybox:latest"
  assert_rc 0 "pull with the CA in --cert-dir"
  capture b rmi "$REG_TLS/busybox:latest"
  assert_rc 0
  capture b pull --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" --tls-verify=false \
    "$REG_TLS/busybox:latest"
  assert_rc 0 "pull with --tls-verify=false"
  capture b run --rm "$REG_TLS/busybox:latest" echo tls-ok
  assert_eq "tls-ok" "$out"
}

test_tls_registry_ca_in_certs_d() {
  source "$FIXTURES_DIR/env"
  local dir=/etc/containers/certs.d/$REG_TLS
  local had=0; [ -e "$dir/ca.crt" ] && had=1
  mkdir -p "$dir" && cp "$BERTH_REGISTRY_CA" "$dir/berth-e2e-ca.crt"
  capture b pull -q --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" "$REG_TLS/busybox:oci"
  rm -f "$dir/berth-e2e-ca.crt"
  [ "$had" = 1 ] || rmdir "$dir" 2>/dev/null || true
  assert_rc 0 "pull with the CA in /etc/containers/certs.d"
}

test_tls_registry_without_ca_fails() {
  capture b pull --creds tester:tester-pass "$REG_TLS/busybox:latest"
  assert_rc 125
  assert_contains "$err" "certificate"
}

test_wrong_credentials_rejected() {
  local before; before=$(store_snapshot)
  capture b pull --tls-verify=false --creds tester:wrong "$REG_TLS/layered:latest"
  assert_rc 125
  assert_contains "$err" "invalid username or password"
  assert_eq 1 "$(grep -c '^Error: ' <<<"$err")" "one error line"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_unknown_repository_and_tag() {
  local before; before=$(store_snapshot)
  capture pull "$REG/nosuch:latest"
  assert_rc 125
  assert_contains "$err" "nosuch"
  capture pull "$REG/busybox:nosuchtag"
  assert_rc 125
  assert_contains "$err" "nosuchtag"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_registry_not_listening() {
  local before; before=$(store_snapshot)
  capture pull 127.0.0.1:5999/busybox:latest
  assert_rc 125
  assert_contains "$err" "127.0.0.1:5999"
  assert_contains "$err" "refused"
  assert_eq 1 "$(grep -c '^Error: ' <<<"$err")" "one error line"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_invalid_reference() {
  capture pull "$REG/BusyBox:latest"
  assert_rc 125
  assert_contains "$err" "BusyBox"
}

# The fake registry serves deliberately broken images.
start_fake_registry() {
  local name
  for name in $(b images | awk '$1 ~ /^127.0.0.1:5099\// {print $1 ":" $2}'); do
    b rmi -f "$name" >/dev/null 2>&1 || true
  done
  python3 tests/e2e/fake_registry.py 5099 &
  fake_pid=$!
  trap 'kill $fake_pid 2>/dev/null' EXIT
  for _ in $(seq 50); do curl -fs http://127.0.0.1:5099/v2/ >/dev/null && return; sleep 0.1; done
  fail "fake registry did not start"
}

leftovers() {
  find "$E2E_ROOT/root/storage/overlay" -mindepth 1 -maxdepth 1 -name '*tmp*' 2>/dev/null
  find "$E2E_ROOT/root/tmp" -mindepth 1 2>/dev/null
}

test_blob_digest_mismatch_rejected() {
  start_fake_registry
  local before; before=$(store_snapshot)
  capture pull 127.0.0.1:5099/baddigest:latest
  assert_rc 125
  assert_contains "$err" "digest"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
  assert_eq "" "$(leftovers)" "no partial files"
  capture pull 127.0.0.1:5099/baddiffid:latest
  assert_rc 125
  assert_contains "$err" "sha256:0000000000"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
  capture pull 127.0.0.1:5099/good:latest
  assert_rc 0 "the control image pulls"
  b rmi 127.0.0.1:5099/good:latest >/dev/null
}

test_layer_escapes_rejected() {
  start_fake_registry
  rm -f /var/tmp/escaped /tmp/escaped /etc/escaped
  local before; before=$(store_snapshot)
  for repo in escape-dotdot escape-symlink escape-hardlink; do
    capture pull 127.0.0.1:5099/$repo:latest
    assert_rc 125 "$repo"
    assert_contains "$err" "escape" "$repo"
  done
  [ ! -e /tmp/escaped ] || fail "a layer wrote /tmp/escaped"
  [ ! -e "$E2E_ROOT/root/storage/escaped" ] || fail "a layer wrote outside its directory"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
  assert_eq "" "$(leftovers)" "no partial layers"
}

test_killed_pull_leaves_nothing() {
  b rmi -f "$REG/big:latest" >/dev/null 2>&1 || true
  local before; before=$(store_snapshot)
  # Started directly, not through b(), so that $! is berth itself.
  "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    pull -q --tls-verify=false "$REG/big:latest" >/dev/null 2>&1 &
  local pid=$!
  # Kill it once some of the big layers are on disk.
  for _ in $(seq 100); do
    [ "$(du -s "$E2E_ROOT/root/tmp" 2>/dev/null | cut -f1)" -gt 2048 ] 2>/dev/null && break
    sleep 0.05
  done
  kill -9 $pid; wait $pid 2>/dev/null || true
  assert_eq "$before" "$(store_snapshot)" "the killed pull recorded nothing"
  capture pull "$REG/big:latest"
  assert_rc 0 "the next pull succeeds"
  assert_eq "" "$(leftovers)" "no leftovers after the next pull"
  capture b run --rm "$REG/big:latest" sh -c 'ls /data | wc -l'
  assert_eq "5" "$(echo $out)"
}

# Every command with a scratch directory (pull, push, save, load, commit,
# import) locks it, so the next such command can remove the ones of killed
# commands.
test_killed_push_scratch_removed_by_next_pull() {
  pull -q "$REG/big:latest" >/dev/null
  local dest
  dest="$REG/berth-test-killed-push-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    push -q --tls-verify=false "$REG/big:latest" "$dest:1" >/dev/null 2>&1 &
  local pid=$! seen=""
  for _ in $(seq 200); do
    seen=$(find "$E2E_ROOT/root/tmp" -maxdepth 1 -name 'push-*' 2>/dev/null)
    [ -n "$seen" ] && break
    sleep 0.01
  done
  kill -9 $pid; wait $pid 2>/dev/null || true
  [ -n "$seen" ] || fail "the push never made a scratch directory"
  [ -n "$(leftovers)" ] || fail "the killed push left nothing to clean up; the test proves nothing"
  capture pull "$REG/busybox:latest"
  assert_rc 0
  assert_eq "" "$(leftovers)" "the next pull removed the killed push's scratch directory"
}

test_rmi_removes_unreferenced_layers() {
  pull -q "$REG/busybox:latest" >/dev/null
  pull -q "$REG/big:latest" >/dev/null
  local top base
  top=$(b image inspect "$REG/big:latest" --format '{{json .RootFS.Layers}}' | tr -d '[]"' | awk -F, '{print $NF}')
  base=$(b image inspect "$REG/big:latest" --format '{{json .RootFS.Layers}}' | tr -d '[]"' | awk -F, '{print $1}')
  [ -d "$E2E_ROOT/root/storage/overlay/${top#sha256:}/diff" ] || fail "top layer not in the store"
  capture b rmi "$REG/big:latest"
  assert_rc 0
  [ ! -e "$E2E_ROOT/root/storage/overlay/${top#sha256:}" ] || fail "an unreferenced layer was kept"
  # The busybox base layer is still used by busybox:latest.
  [ -d "$E2E_ROOT/root/storage/overlay/${base#sha256:}/diff" ] || fail "a shared layer was removed"
}

test_layers_give_back_their_original_tar() {
  # Every pulled layer keeps its tar layout, from which berth rebuilds the
  # exact tar stream (its sha256 is the diff ID) for push and save.
  local root=/var/tmp/berth-e2e-layout
  rm -rf "$root"
  "$BERTH_BIN" --root "$root" --runroot /run/berth-e2e-layout pull -q --tls-verify=false \
    "$REG/layered:latest" >/dev/null
  "$BERTH_BIN" --root "$root" --runroot /run/berth-e2e-layout pull -q --tls-verify=false \
    "$REG/busybox:zstd" >/dev/null
  capture env BERTH_TEST_LAYER_STORE="$root/storage" "$(dirname "$BERTH_BIN")/berth_storage_test" \
    --gtest_filter='TarLayoutStoreTest.StoreLayersRoundTrip'
  assert_rc 0 "$out"
  assert_contains "$out" "[  PASSED  ] 1 test"
  assert_not_contains "$out" "SKIPPED"
  rm -rf "$root" /run/berth-e2e-layout
}
