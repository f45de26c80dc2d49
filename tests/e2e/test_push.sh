# Pushing to the fixture registries: round trips through a second, empty
# store, manifest formats, blobs the registry already has, TLS with
# credentials, and the failures. Pushes go only to berth-test-push-*
# repositories, never to the fixture images.

# A store of its own, so every layer was pulled by this berth and has the
# tar layout that push needs to rebuild an exact layer tar.
b() { "$BERTH_BIN" --root "$E2E_ROOT/root-push" --runroot "$E2E_RUNROOT-push" "$@"; }

push() { b push --tls-verify=false "$@"; }

# A repository name unique to this test run.
push_repo() { echo "$REG/berth-test-push-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

# Prints the Accept header for both manifest types.
accept_manifests() {
  echo "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
}

# Prints the registry's digest of the manifest at NAME:TAG on the plain registry.
registry_digest() { # repository-without-registry tag
  curl -sfI -H "$(accept_manifests)" "http://$REG/v2/$1/manifests/$2" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}

registry_media_type() { # repository-without-registry tag
  curl -sf -H "$(accept_manifests)" "http://$REG/v2/$1/manifests/$2" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["mediaType"])'
}

# berth with a second, empty store, to pull back what was pushed.
b2() {
  "$BERTH_BIN" --root "$E2E_ROOT/root-push2" --runroot "$E2E_RUNROOT-push2" "$@"
}

test_push_busybox_round_trip() {
  pull_src() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }
  pull_src
  local dest digestfile
  dest=$(push_repo)/busybox:v1
  digestfile=$(mktemp)
  capture push --digestfile "$digestfile" "$REG/busybox:latest" "docker://$dest"
  assert_rc 0
  assert_eq "" "$out" "push prints nothing on stdout"
  assert_contains "$err" "Getting image source signatures"
  assert_contains "$err" "Copying blob"
  assert_contains "$err" "Copying config"
  assert_contains "$err" "Writing manifest to image destination"
  local repo=${dest#$REG/}
  repo=${repo%:v1}
  assert_eq "$(registry_digest "$repo" v1)" "$(cat "$digestfile")" "digest file"
  rm -f "$digestfile"

  rm -rf "$E2E_ROOT/root-push2"
  capture b2 pull --tls-verify=false "$dest"
  assert_rc 0 "pull back into an empty store"
  capture b2 run --rm "$dest" cat /etc/passwd
  assert_rc 0 "run the pulled-back image"
  assert_contains "$out" "root:x:0:0"
  b2 rm -af >/dev/null 2>&1 || true
  rm -rf "$E2E_ROOT/root-push2"
}

test_push_layered_keeps_whiteouts() {
  b pull -q --tls-verify=false "$REG/layered:latest" >/dev/null
  local dest
  dest=$(push_repo)/layered:v1
  # --format oci with a pulled v2s2 image, so the layers are rebuilt and
  # recompressed rather than reused.
  capture push --format oci "$REG/layered:latest" "$dest"
  assert_rc 0
  rm -rf "$E2E_ROOT/root-push2"
  capture b2 pull -q --tls-verify=false "$dest"
  assert_rc 0 "pull back"
  capture b2 run --rm "$dest" sh -c '
    test ! -e /etc/fixture/old.txt && echo old-deleted
    cat /etc/fixture/layer3.txt
    stat -c %a /usr/local/bin/suid-tool'
  assert_rc 0
  assert_contains "$out" "old-deleted" "the whiteout still hides the deleted file"
  assert_contains "$out" "layer3"
  assert_contains "$out" "4755"
  b2 rm -af >/dev/null 2>&1 || true
  rm -rf "$E2E_ROOT/root-push2"
}

test_push_twice_skips_blobs() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local dest
  dest=$(push_repo)/busybox:twice
  capture push --format oci "$REG/busybox:latest" "$dest"
  assert_rc 0 "first push"
  capture push --format oci "$REG/busybox:latest" "$dest"
  assert_rc 0 "second push"
  assert_contains "$err" "skipped: already exists"
  if grep -q '^Copying blob .* done$' <<<"$err"; then fail "a blob was uploaded again: $err"; fi
}

test_push_formats_set_media_type() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local base repo
  base=$(push_repo)
  repo=${base#$REG/}/busybox
  capture push --format v2s2 "$REG/busybox:latest" "$base/busybox:v2s2"
  assert_rc 0 "push v2s2"
  assert_eq "application/vnd.docker.distribution.manifest.v2+json" \
    "$(registry_media_type "$repo" v2s2)"
  capture push --format oci "$REG/busybox:latest" "$base/busybox:oci"
  assert_rc 0 "push oci"
  assert_eq "application/vnd.oci.image.manifest.v1+json" "$(registry_media_type "$repo" oci)"
  capture push --format oci --compression-format zstd "$REG/busybox:latest" "$base/busybox:zstd"
  assert_rc 0 "push zstd"
  rm -rf "$E2E_ROOT/root-push2"
  capture b2 run --rm --tls-verify=false "$base/busybox:zstd" echo zstd-ok
  assert_rc 0 "run the zstd image"
  assert_eq "zstd-ok" "$out"
  rm -rf "$E2E_ROOT/root-push2"
}

# Without a level, gzip comes from ISA-L when it is installed; with one it
# comes from zlib at that level. Both must give blobs that pull and run.
# The pushes go to the TLS registry, where no blob of the image can be
# reused or mounted, so every layer is compressed again.
test_push_compression_levels() {
  source "$FIXTURES_DIR/env"
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local repo auth=(--creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD"
                   --cert-dir "$BERTH_REGISTRY_CERT_DIR")
  repo=berth-test-push-levels-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')/img
  tls_manifest() { # tag
    curl -sf --cacert "$BERTH_REGISTRY_CA" -u "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" \
      -H "$(accept_manifests)" "https://$REG_TLS/v2/$repo/manifests/$1"
  }
  layer_size() { tls_manifest "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["size"])'; }
  capture b push "${auth[@]}" --format oci "$REG/busybox:latest" "$REG_TLS/$repo:fast"
  assert_rc 0 "push with the default compressor"
  capture b push "${auth[@]}" --format oci --compression-level 1 "$REG/busybox:latest" \
    "$REG_TLS/$repo:zlib1"
  assert_rc 0 "push with zlib level 1"
  capture b push "${auth[@]}" --format oci --compression-level 9 "$REG/busybox:latest" \
    "$REG_TLS/$repo:zlib9"
  assert_rc 0 "push with zlib level 9"
  capture b push "${auth[@]}" --format oci --compression-format zstd --compression-level 19 \
    "$REG/busybox:latest" "$REG_TLS/$repo:zstd19"
  assert_rc 0 "push with zstd level 19"
  [ "$(layer_size zlib9)" -lt "$(layer_size zlib1)" ] ||
    fail "zlib level 9 ($(layer_size zlib9) bytes) is not smaller than level 1 ($(layer_size zlib1))"
  assert_contains "$(tls_manifest zstd19)" "application/vnd.oci.image.layer.v1.tar+zstd"
  for tag in fast zlib9 zstd19; do
    rm -rf "$E2E_ROOT/root-push2"
    capture b2 run --rm "${auth[@]}" "$REG_TLS/$repo:$tag" echo "$tag-ok"
    assert_rc 0 "run the $tag image"
    assert_eq "$tag-ok" "$out"
  done
  rm -rf "$E2E_ROOT/root-push2"
  capture push --compression-level 10 "$REG/busybox:latest" "$(push_repo)/busybox:bad"
  assert_rc 125
  assert_contains "$err" 'invalid --compression-level 10 for gzip: use 1 to 9'
  capture push --compression-format zstd --format oci --compression-level 0 \
    "$REG/busybox:latest" "$REG/berth-test-push-levels-bad/busybox:bad"
  assert_rc 125
  assert_contains "$err" 'invalid --compression-level 0 for zstd: use 1 to 20'
  assert_eq "404" "$(curl -s -o /dev/null -w '%{http_code}' -H "$(accept_manifests)" \
    "http://$REG/v2/berth-test-push-levels-bad/busybox/manifests/bad")" "nothing pushed"
}

test_push_tls_registry_with_creds() {
  source "$FIXTURES_DIR/env"
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local name
  name=berth-test-push-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')/busybox:tls
  capture b push --creds "$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD" \
    --cert-dir "$BERTH_REGISTRY_CERT_DIR" "$REG/busybox:latest" "$REG_TLS/$name"
  assert_rc 0 "push with credentials"
  assert_contains "$err" "Writing manifest to image destination"
}

test_push_wrong_creds_fails() {
  source "$FIXTURES_DIR/env"
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local before
  before=$(store_snapshot)
  capture b push --creds "$BERTH_REGISTRY_USER:wrong-pass" --cert-dir "$BERTH_REGISTRY_CERT_DIR" \
    "$REG/busybox:latest" "$REG_TLS/berth-test-push-denied/busybox:tls"
  assert_rc 125
  assert_contains "$err" "Error: "
  assert_contains "${err,,}" "unauthorized"
  assert_eq "$before" "$(store_snapshot)" "the store is unchanged"
}

test_push_unknown_image_fails() {
  capture push no-such-image-xyz "$REG/berth-test-push-none/x:y"
  assert_rc 125
  assert_contains "$err" "no-such-image-xyz: image not known"
}

test_push_unreachable_registry_fails() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  capture push "$REG/busybox:latest" 127.0.0.1:1/berth-test-push/x:y
  assert_rc 125
  assert_contains "$err" "127.0.0.1:1"
}
