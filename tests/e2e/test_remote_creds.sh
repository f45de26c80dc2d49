# berth as a remote client with registry credentials: --creds travels in
# the X-Registry-Auth header to the service, which logs in to the TLS
# registry on 127.0.0.1:5443 (user tester). Pushes go only to
# berth-test-rcreds-* repositories.

# berth through the service that start_service runs on $SVC_SOCK.
r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

test_remote_pull_with_creds() {
  source "$FIXTURES_DIR/env"
  start_service --time 0
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null 2>&1 || true
  capture r pull -q --tls-verify=false "$REG_TLS/busybox:latest"
  assert_rc 125 "pull without credentials"
  assert_contains "$err" "401"
  capture r pull -q --tls-verify=false --creds "tester:wrong-password" "$REG_TLS/busybox:latest"
  assert_rc 125 "pull with a wrong password"
  capture r pull -q --tls-verify=false --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" \
    "$REG_TLS/busybox:latest"
  assert_rc 0 "pull with --creds"
  assert_eq "$(b images -q --no-trunc "$REG_TLS/busybox:latest" | sed 's/^sha256://')" "$out"
  # The header is sent only with --creds: the next pull has none again.
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null
  capture r pull -q --tls-verify=false "$REG_TLS/busybox:latest"
  assert_rc 125 "a later pull without --creds"
}

test_remote_push_and_search_with_creds() {
  source "$FIXTURES_DIR/env"
  start_service --time 0
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local dest=$REG_TLS/berth-test-rcreds-push:v1
  capture r push --tls-verify=false "$REG/busybox:latest" "$dest"
  assert_rc 125 "push without credentials"
  capture r push -q --tls-verify=false --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" \
    "$REG/busybox:latest" "$dest"
  assert_rc 0 "push with --creds"
  # The pushed image comes back with the same credentials, locally.
  b rmi -f "$dest" >/dev/null 2>&1 || true
  capture b pull -q --tls-verify=false --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" "$dest"
  assert_rc 0 "pull of the pushed image"
  capture r search --tls-verify=false --list-tags \
    --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" "$REG_TLS/berth-test-rcreds-push"
  assert_rc 0 "search with --creds"
  assert_contains "$out" "v1"
  capture b search --tls-verify=false --list-tags \
    --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" "$REG_TLS/berth-test-rcreds-push"
  local local_out=$out
  capture r search --tls-verify=false --list-tags \
    --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" "$REG_TLS/berth-test-rcreds-push"
  assert_eq "$local_out" "$out" "remote search output equals local"
}

test_remote_manifest_push_with_creds() {
  source "$FIXTURES_DIR/env"
  start_service --time 0
  b manifest rm rcreds-list >/dev/null 2>&1 || true
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  capture r manifest create rcreds-list "containers-storage:$REG/busybox:latest"
  assert_rc 0 "manifest create"
  local dest=$REG_TLS/berth-test-rcreds-list:v1
  capture r manifest push --tls-verify=false rcreds-list "$dest"
  assert_rc 125 "manifest push without credentials"
  capture r manifest push -q --tls-verify=false \
    --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" rcreds-list "$dest"
  assert_rc 0 "manifest push with --creds"
  # The pushed list resolves to the busybox it was made of.
  b rmi -f "$dest" >/dev/null 2>&1 || true
  capture b pull -q --tls-verify=false --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" "$dest"
  assert_rc 0 "pull of the pushed list"
  assert_eq "$(b images -q --no-trunc "$REG/busybox:latest" | sed 's/^sha256://')" "$out"
  b rmi -f "$dest" >/dev/null 2>&1 || true
  b manifest rm rcreds-list >/dev/null
}

test_remote_creds_files_on_client_rejected() {
  start_service --time 0
  capture r push --tls-verify=false --cert-dir /tmp "$REG/busybox:latest" "$REG_TLS/berth-test-rcreds-x"
  assert_rc 125
  assert_contains "$err" "--cert-dir and --authfile name files on this host"
}
