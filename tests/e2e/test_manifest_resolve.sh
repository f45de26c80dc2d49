# Commands that take an image and are given a local manifest list: save,
# history, image tree and image diff use the list's image for this host's
# platform, as Podman 4.3 does. manifest push --format converts every
# instance's manifest along with the list. Pushes go only to
# berth-test-mlist-* repositories of the plain fixture registry.

# A store of its own, so every layer was pulled by this berth and has the
# tar layout that save and push need.
b() { "$BERTH_BIN" --root "$E2E_ROOT/root-mresolve" --runroot "$E2E_RUNROOT-mresolve" "$@"; }

# A second store, to load and pull back what the first one wrote.
b2() { "$BERTH_BIN" --root "$E2E_ROOT/root-mresolve2" --runroot "$E2E_RUNROOT-mresolve2" "$@"; }

WORK=$E2E_ROOT/mresolve-work
BUSYBOX_ID=f577aa5594c93a34d4f50a3010337b50ed7869b8e84d143be13f962b6b600372

ACCEPT="Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
OCI_INDEX=application/vnd.oci.image.index.v1+json
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_CONFIG=application/vnd.oci.image.config.v1+json
OCI_GZIP=application/vnd.oci.image.layer.v1.tar+gzip
DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json
DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
DOCKER_CONFIG=application/vnd.docker.container.image.v1+json
DOCKER_GZIP=application/vnd.docker.image.rootfs.diff.tar.gzip

# The fixture images are built for amd64 and have arm64 twins in the
# multi lists, so these tests expect an amd64 or arm64 host.
host_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    *) fail "no fixture image for host architecture $(uname -m)" ;;
  esac
}
other_arch() { [ "$(host_arch)" == amd64 ] && echo arm64 || echo amd64; }

registry_manifest() { curl -sf -H "$ACCEPT" "http://$REG/v2/$1/manifests/$2"; }

# Prints the Content-Type the registry serves for REPOSITORY's manifest REFERENCE.
registry_content_type() {
  curl -sfI -H "$ACCEPT" "http://$REG/v2/$1/manifests/$2" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "content-type" {print $2}'
}

# Prints the digest of the instance for ARCH in the fixture list multi:TAG.
multi_digest() { # tag arch
  registry_manifest multi "$1" | jq -r --arg a "$2" '.manifests[] | select(.platform.architecture == $a) | .digest'
}

# Prints a repository name unique to this test run.
unique_repo() { echo "berth-test-mlist-$1-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

fresh_stores() {
  b rm -af >/dev/null 2>&1 || true
  b2 rm -af >/dev/null 2>&1 || true
  rm -rf "$E2E_ROOT/root-mresolve" "$E2E_ROOT/root-mresolve2" "$WORK"
  mkdir -p "$WORK"
}

# Makes the list mlist-host holding busybox:oci, pulled into the store,
# which is the host's image of multi:latest.
host_list() {
  b pull -q --tls-verify=false "$REG/busybox:oci" >/dev/null
  b manifest create mlist-host >/dev/null
  b manifest add mlist-host "$REG/busybox:oci" >/dev/null
}

# Loads ARCHIVE into the second store, checks the load output against
# EXPECTED_NAME and that the loaded image runs.
load_and_run() { # archive expected-name
  rm -rf "$E2E_ROOT/root-mresolve2"
  capture b2 load -i "$1"
  assert_rc 0 "load of $1"
  assert_eq "Loaded image: $2" "$out" "load output of $1"
  assert_eq "$BUSYBOX_ID" "$(b2 image inspect --format '{{.Id}}' "$2")" "loaded image ID from $1"
  capture b2 run --rm --network none "$2" echo ran-from-list
  assert_rc 0 "run of the loaded image from $1"
  assert_eq "ran-from-list" "$out"
}

test_resolve_save_docker_archive_of_list() {
  fresh_stores
  host_list
  capture b save -o "$WORK/ml.tar" mlist-host
  assert_rc 0 "save of a list"
  tar -C "$WORK" -xf "$WORK/ml.tar" manifest.json "$BUSYBOX_ID.json"
  local manifest
  manifest=$(cat "$WORK/manifest.json")
  assert_eq "1" "$(jq length <<<"$manifest")" "one image in the archive"
  assert_eq "$BUSYBOX_ID.json" "$(jq -r '.[0].Config' <<<"$manifest")" "the instance's config"
  assert_eq '["localhost/mlist-host:latest"]' "$(jq -c '.[0].RepoTags' <<<"$manifest")" "the list's name"
  assert_eq "1" "$(jq '.[0].Layers | length' <<<"$manifest")" "the instance's layer"
  assert_eq "layers" "$(jq -r .rootfs.type "$WORK/$BUSYBOX_ID.json")" "an image config, not list data"
  capture tar -tf "$WORK/ml.tar"
  assert_contains "$out" "$(jq -r '.[0].Layers[0]' <<<"$manifest")" "the layer tar is in the archive"
  load_and_run "$WORK/ml.tar" localhost/mlist-host:latest

  # With -m, a list and a plain image go side by side.
  b pull -q --tls-verify=false "$REG/layered:latest" >/dev/null
  capture b save -m -o "$WORK/multi.tar" mlist-host "$REG/layered:latest"
  assert_rc 0 "save -m with a list"
  tar -C "$WORK" -xf "$WORK/multi.tar" manifest.json
  assert_eq "$BUSYBOX_ID.json" "$(jq -r '.[0].Config' "$WORK/manifest.json")"
  assert_eq '["localhost/mlist-host:latest"]' "$(jq -c '.[0].RepoTags' "$WORK/manifest.json")"
  assert_eq "[\"$REG/layered:latest\"]" "$(jq -c '.[1].RepoTags' "$WORK/manifest.json")"
}

test_resolve_save_oci_and_dir_formats_of_list() {
  fresh_stores
  host_list
  capture b save --format oci-archive -o "$WORK/ml-oci.tar" mlist-host
  assert_rc 0 "save --format oci-archive of a list"
  mkdir "$WORK/oci"
  tar -C "$WORK/oci" -xf "$WORK/ml-oci.tar"
  local index manifest_digest manifest
  index=$(cat "$WORK/oci/index.json")
  # Podman 4.3 writes the one image for the platform, not the whole list.
  assert_eq "1" "$(jq '.manifests | length' <<<"$index")" "one image in index.json"
  assert_eq "$OCI_MANIFEST" "$(jq -r '.manifests[0].mediaType' <<<"$index")"
  assert_eq "localhost/mlist-host:latest" \
    "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' <<<"$index")"
  manifest_digest=$(jq -r '.manifests[0].digest' <<<"$index")
  manifest=$(cat "$WORK/oci/blobs/sha256/${manifest_digest#sha256:}")
  assert_eq "sha256:$BUSYBOX_ID" "$(jq -r .config.digest <<<"$manifest")" "the instance's config"
  assert_eq "1" "$(jq '.layers | length' <<<"$manifest")"
  load_and_run "$WORK/ml-oci.tar" localhost/mlist-host:latest

  capture b save --format oci-dir -o "$WORK/ml-ocidir" mlist-host
  assert_rc 0 "save --format oci-dir of a list"
  manifest_digest=$(jq -r '.manifests[0].digest' "$WORK/ml-ocidir/index.json")
  assert_eq "sha256:$BUSYBOX_ID" \
    "$(jq -r .config.digest "$WORK/ml-ocidir/blobs/sha256/${manifest_digest#sha256:}")"
  load_and_run "$WORK/ml-ocidir" localhost/mlist-host:latest

  capture b save --format docker-dir -o "$WORK/ml-dockerdir" mlist-host
  assert_rc 0 "save --format docker-dir of a list"
  assert_eq "sha256:$BUSYBOX_ID" "$(jq -r .config.digest "$WORK/ml-dockerdir/manifest.json")"
  [ -f "$WORK/ml-dockerdir/$BUSYBOX_ID" ] || fail "docker-dir has no config file of the instance"
  # The dir transport keeps no name, in Podman as in berth.
  rm -rf "$E2E_ROOT/root-mresolve2"
  capture b2 load -i "$WORK/ml-dockerdir"
  assert_rc 0 "load of docker-dir"
  assert_eq "Loaded image: sha256:$BUSYBOX_ID" "$out"
}

test_resolve_query_commands_follow_list() {
  fresh_stores
  host_list
  local cmd
  for cmd in "history" "history --no-trunc" "image tree" "image tree --whatrequires" "image diff"; do
    capture b $cmd "$REG/busybox:oci"
    assert_rc 0 "$cmd of the image"
    local want=$out
    [ -n "$want" ] || fail "$cmd of the image printed nothing"
    capture b $cmd mlist-host
    assert_rc 0 "$cmd of the list"
    assert_eq "$want" "$out" "$cmd of the list shows its image"
  done
  capture b history --format '{{.ID}}' mlist-host
  assert_eq "${BUSYBOX_ID:0:12}" "$out" "history names the instance's ID"
  capture b image tree mlist-host
  assert_contains "$out" "Image ID: ${BUSYBOX_ID:0:12}"
  assert_contains "$out" "Tags:     [$REG/busybox:oci]"
}

test_resolve_list_without_usable_image() {
  fresh_stores
  local other host_digest other_digest before
  other=$(other_arch)
  host_digest=$(multi_digest latest "$(host_arch)")
  other_digest=$(multi_digest latest "$other")
  [ -n "$host_digest" ] && [ -n "$other_digest" ] || fail "fixture digests missing"
  b manifest create mlist-other >/dev/null
  b manifest add --tls-verify=false mlist-other "docker://$REG/multi@$other_digest" >/dev/null
  b manifest create mlist-remote >/dev/null
  b manifest add --tls-verify=false mlist-remote "docker://$REG/multi@$host_digest" >/dev/null
  b manifest create mlist-empty >/dev/null
  before=$(b images --no-trunc)

  local cmd
  for cmd in "history" "image tree" "image diff" "save -o $WORK/none.tar"; do
    capture b $cmd mlist-other
    assert_rc 125 "$cmd of a list without an image for this platform"
    assert_contains "$err" "manifest list \"mlist-other\" has no image for platform linux/$(host_arch) (available: linux/$other)"

    capture b $cmd mlist-empty
    assert_rc 125 "$cmd of an empty list"
    assert_contains "$err" "(available: none)"

    capture b $cmd mlist-remote
    assert_rc 125 "$cmd of a list whose image is not local"
    assert_contains "$err" "image $host_digest for linux/$(host_arch) of manifest list \"mlist-remote\" is not in local storage"
    assert_contains "$err" "berth pull $REG/multi@$host_digest"
  done
  [ -z "$(ls -A "$WORK")" ] || fail "a failed save left files: $(ls -A "$WORK")"
  assert_eq "$before" "$(b images --no-trunc)" "the store is unchanged"

  # Once the image is pulled, the list resolves to it.
  b pull -q --tls-verify=false "$REG/multi@$host_digest" >/dev/null
  capture b history --format '{{.ID}}' mlist-remote
  assert_rc 0 "history after the pull"
  assert_eq "${BUSYBOX_ID:0:12}" "$out"
}

# Prints the manifest BODY converted to OCI as Podman 4.3 writes it: only
# the media types change, descriptors keep mediaType, digest, size.
as_oci() {
  jq -c --arg m "$OCI_MANIFEST" --arg c "$OCI_CONFIG" --arg l "$OCI_GZIP" \
    '{schemaVersion: 2, mediaType: $m,
      config: {mediaType: $c, digest: .config.digest, size: .config.size},
      layers: [.layers[] | {mediaType: $l, digest, size}]}' <<<"$1"
}

# Prints BODY converted to Docker schema 2 as Podman 4.3 writes it:
# descriptors keep mediaType, size, digest, and annotations are dropped.
as_docker() {
  jq -c --arg m "$DOCKER_MANIFEST" --arg c "$DOCKER_CONFIG" --arg l "$DOCKER_GZIP" \
    '{schemaVersion: 2, mediaType: $m,
      config: {mediaType: $c, size: .config.size, digest: .config.digest},
      layers: [.layers[] | {mediaType: $l, size, digest}]}' <<<"$1"
}

# Checks that every instance of the list pushed to REPOSITORY:TAG has
# manifest type TYPE, with the digest and size its entry names, and that
# its config and layers are in the registry.
check_pushed_instances() { # repository tag type
  local body d file blob
  body=$(registry_manifest "$1" "$2")
  file=$WORK/instance.json
  for d in $(jq -r '.manifests[].digest' <<<"$body"); do
    # The exact bytes go to a file: $(...) would drop a trailing newline.
    registry_manifest "$1" "$d" >"$file" || fail "instance $d missing from $1"
    assert_eq "$3" "$(jq -r --arg d "$d" '.manifests[] | select(.digest == $d) | .mediaType' <<<"$body")" "entry type of $d"
    assert_eq "$3" "$(jq -r .mediaType "$file")" "manifest type of $d"
    assert_eq "$3" "$(registry_content_type "$1" "$d")" "content type of $d"
    assert_eq "$d" "sha256:$(sha256sum <"$file" | cut -d' ' -f1)" "digest of $d"
    assert_eq "$(wc -c <"$file")" \
      "$(jq --arg d "$d" '.manifests[] | select(.digest == $d) | .size' <<<"$body")" "size of $d"
    for blob in $(jq -r '.config.digest, .layers[].digest' "$file"); do
      curl -sfI "http://$REG/v2/$1/blobs/$blob" >/dev/null || fail "blob $blob of $d missing from $1"
    done
  done
}

test_resolve_push_format_oci_converts_instances() {
  fresh_stores
  local local_v2s2 remote_digest remote_v2s2 repo
  # busybox:latest is a Docker schema 2 image, pulled into the store. The
  # other instance is multi:v2s2's image for the other platform, which is
  # only in the registry.
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local_v2s2=$(registry_manifest busybox latest)
  assert_eq "$DOCKER_MANIFEST" "$(jq -r .mediaType <<<"$local_v2s2")" "fixture busybox:latest is v2s2"
  remote_digest=$(multi_digest v2s2 "$(other_arch)")
  remote_v2s2=$(registry_manifest multi "$remote_digest")
  b manifest create mlist-oci "$REG/busybox:latest" >/dev/null
  b manifest add --tls-verify=false mlist-oci "docker://$REG/multi@$remote_digest" >/dev/null
  local before
  before=$(b manifest inspect mlist-oci)

  repo=$(unique_repo oci)
  capture b manifest push --tls-verify=false --format oci mlist-oci "$REG/$repo:v1"
  assert_rc 0 "manifest push --format oci"
  local body
  body=$(registry_manifest "$repo" v1)
  assert_eq "$OCI_INDEX" "$(jq -r .mediaType <<<"$body")" "index type"
  assert_eq "$OCI_INDEX" "$(registry_content_type "$repo" v1)" "index content type"
  assert_eq "2" "$(jq '.manifests | length' <<<"$body")"
  check_pushed_instances "$repo" v1 "$OCI_MANIFEST"

  # Each instance is its v2s2 manifest with OCI media types and the same
  # config and layer blobs, byte for byte as Podman converts it.
  local host_entry other_entry
  host_entry=$(jq -r --arg a "$(host_arch)" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$body")
  other_entry=$(jq -r --arg a "$(other_arch)" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$body")
  assert_eq "$(as_oci "$local_v2s2")" "$(registry_manifest "$repo" "$host_entry")" "converted local instance"
  assert_eq "$(as_oci "$remote_v2s2")" "$(registry_manifest "$repo" "$other_entry")" "converted remote instance"
  assert_contains "$err" "Copying 2 of 2 images in list"
  assert_eq "$before" "$(b manifest inspect mlist-oci)" "the local list is unchanged"

  # The pushed list serves the same images.
  rm -rf "$E2E_ROOT/root-mresolve2"
  capture b2 pull -q --tls-verify=false "$REG/$repo:v1"
  assert_rc 0 "pull of the converted list"
  assert_eq "$BUSYBOX_ID" "$out" "image ID of the converted instance"
  capture b2 run --rm --network none "$REG/$repo:v1" echo converted
  assert_eq "converted" "$out"
}

test_resolve_push_format_v2s2_converts_instances() {
  fresh_stores
  local local_oci remote_digest remote_oci repo body
  b pull -q --tls-verify=false "$REG/busybox:oci" >/dev/null
  local_oci=$(registry_manifest busybox oci)
  remote_digest=$(multi_digest latest "$(other_arch)")
  remote_oci=$(registry_manifest multi "$remote_digest")
  assert_eq "$OCI_MANIFEST" "$(jq -r .mediaType <<<"$remote_oci")" "fixture multi:latest is OCI"
  b manifest create mlist-v2s2 "$REG/busybox:oci" >/dev/null
  b manifest add --tls-verify=false --annotation tier=edge mlist-v2s2 "docker://$REG/multi@$remote_digest" >/dev/null

  repo=$(unique_repo v2s2)
  capture b manifest push --tls-verify=false --format v2s2 mlist-v2s2 "$REG/$repo:v1"
  assert_rc 0 "manifest push --format v2s2"
  body=$(registry_manifest "$repo" v1)
  assert_eq "$DOCKER_LIST" "$(jq -r .mediaType <<<"$body")" "list type"
  assert_eq "null" "$(jq -r '.manifests[1].annotations' <<<"$body")" "a Docker list has no annotations"
  check_pushed_instances "$repo" v1 "$DOCKER_MANIFEST"
  local host_entry other_entry
  host_entry=$(jq -r --arg a "$(host_arch)" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$body")
  other_entry=$(jq -r --arg a "$(other_arch)" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$body")
  assert_eq "$(as_docker "$local_oci")" "$(registry_manifest "$repo" "$host_entry")" "converted local instance"
  assert_eq "$(as_docker "$remote_oci")" "$(registry_manifest "$repo" "$other_entry")" "converted remote instance"
  # The fixture's Docker twin of that image has the same bytes.
  assert_eq "$(multi_digest v2s2 "$(other_arch)")" "$other_entry" "digest of the converted remote instance"

  # Without --format the instances keep their manifests.
  capture b manifest push --tls-verify=false mlist-v2s2 "$REG/$repo:kept"
  assert_rc 0 "manifest push without --format"
  body=$(registry_manifest "$repo" kept)
  assert_eq "$(multi_digest latest "$(host_arch)")" "$(jq -r '.manifests[0].digest' <<<"$body")" \
    "the local OCI instance is unchanged"
  assert_eq "$remote_digest" "$(jq -r '.manifests[1].digest' <<<"$body")" "the remote OCI instance is unchanged"
  check_pushed_instances "$repo" kept "$OCI_MANIFEST"
}

test_resolve_push_v2s2_zstd_instance() {
  fresh_stores
  local repo zstd_digest
  zstd_digest=$(curl -sfI -H "$ACCEPT" "http://$REG/v2/busybox/manifests/zstd" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
  [ -n "$zstd_digest" ] || fail "fixture busybox:zstd missing"

  # A Docker manifest cannot describe the zstd layer of an image that is
  # only in the registry, so the push fails before any upload.
  b manifest create mlist-zstd >/dev/null
  b manifest add --tls-verify=false mlist-zstd "docker://$REG/busybox:zstd" >/dev/null
  repo=$(unique_repo zstd)
  capture b manifest push --tls-verify=false --format v2s2 mlist-zstd "$REG/$repo:v1"
  assert_rc 125 "push of a remote zstd instance as v2s2"
  assert_contains "$err" "application/vnd.oci.image.layer.v1.tar+zstd"
  assert_contains "$err" "push with --format oci"
  assert_eq "" "$(curl -s "http://$REG/v2/$repo/tags/list" | jq -r '.tags // empty | .[]')" "no tag pushed"
  local layer
  layer=$(registry_manifest busybox zstd | jq -r '.layers[0].digest')
  curl -sfI "http://$REG/v2/$repo/blobs/$layer" >/dev/null && fail "a layer was uploaded before the failure"

  # A local zstd image has its layer tar in the store, so the push
  # compresses it with gzip.
  b pull -q --tls-verify=false "$REG/busybox:zstd" >/dev/null
  capture b manifest push --tls-verify=false --format v2s2 mlist-zstd "$REG/$repo:v1"
  assert_rc 0 "push of a local zstd instance as v2s2"
  check_pushed_instances "$repo" v1 "$DOCKER_MANIFEST"
  local instance
  instance=$(registry_manifest "$repo" "$(registry_manifest "$repo" v1 | jq -r '.manifests[0].digest')")
  assert_eq "$DOCKER_GZIP" "$(jq -r '.layers[0].mediaType' <<<"$instance")"
  assert_eq "sha256:$BUSYBOX_ID" "$(jq -r .config.digest <<<"$instance")"
}
