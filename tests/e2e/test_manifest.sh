# Manifest lists: create, add (local images and registry references),
# annotate, inspect, remove, rm, exists and push, against the plain
# fixture registry. Pushes go only to berth-test-manifest-* repositories.

# A store of its own, so every layer was pulled by this berth and has the
# tar layout that push needs.
b() { "$BERTH_BIN" --root "$E2E_ROOT/root-manifest" --runroot "$E2E_RUNROOT-manifest" "$@"; }

# A second, empty store to pull back what was pushed.
b2() { "$BERTH_BIN" --root "$E2E_ROOT/root-manifest2" --runroot "$E2E_RUNROOT-manifest2" "$@"; }

m() { b manifest "$@"; }

# A repository name unique to this test run.
list_repo() { echo "$REG/berth-test-manifest-list-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

accept_all() {
  echo "Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
}

# Prints the registry's manifest body at REPOSITORY (without registry) and
# tag or digest.
registry_manifest() { curl -sf -H "$(accept_all)" "http://$REG/v2/$1/manifests/$2"; }

# Prints the registry's digest of the manifest at REPOSITORY and reference.
registry_digest() {
  curl -sfI -H "$(accept_all)" "http://$REG/v2/$1/manifests/$2" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}

# Prints the digest of the instance for ARCH in the fixture list multi:TAG.
multi_digest() { # tag arch
  registry_manifest multi "$1" | jq -r --arg a "$2" '.manifests[] | select(.platform.architecture == $a) | .digest'
}

fresh_store() {
  b rm -af >/dev/null 2>&1 || true
  rm -rf "$E2E_ROOT/root-manifest"
}

test_manifest_build_annotate_push_pull_back() {
  fresh_store
  local d_v2s2 d_oci d_amd64 d_arm64
  d_v2s2=$(registry_digest busybox latest)
  d_oci=$(registry_digest busybox oci)
  d_amd64=$(multi_digest latest amd64)
  d_arm64=$(multi_digest latest arm64)
  [ -n "$d_v2s2" ] && [ -n "$d_oci" ] && [ -n "$d_arm64" ] || fail "fixture digests missing"

  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  capture m create berth-mlist "$REG/busybox:latest"
  assert_rc 0 "create with a local image"
  local id=$out
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "create prints the list ID, got [$id]"
  capture m exists berth-mlist
  assert_rc 0 "exists for the new list"

  # busybox:oci has the same config, so the local image now carries the
  # OCI manifest. busybox:latest's Docker manifest stays in the list, and
  # push copies it from its registry.
  b pull -q --tls-verify=false "$REG/busybox:oci" >/dev/null
  capture m add berth-mlist "$REG/busybox:oci"
  assert_rc 0 "add a second local image"
  assert_eq "$id" "$out" "add prints the list ID"

  capture m add --tls-verify=false --all berth-mlist "docker://$REG/multi:latest"
  assert_rc 0 "add every instance of a remote index"
  assert_eq "$id" "$out"
  # Only manifests were read: no layer of multi is in the store.
  capture b images --format '{{.Repository}}'
  assert_not_contains "$out" "multi" "add --all pulls no image"

  capture m annotate --arch arm64 --variant v8 --annotation tier=edge berth-mlist "$d_arm64"
  assert_rc 0 "annotate the arm64 entry"
  assert_eq "$id" "$out"
  capture m annotate --index --annotation org.example.list=yes berth-mlist
  assert_rc 0 "annotate the index"

  capture m inspect berth-mlist
  assert_rc 0 "inspect the local list"
  local json=$out
  # The fixtures share manifests (busybox:oci is multi's amd64 image), and
  # an entry added twice stays one entry.
  local count
  count=$(printf '%s\n' "$d_v2s2" "$d_oci" "$d_amd64" "$d_arm64" | sort -u | wc -l)
  assert_eq "$count" "$(jq '.manifests | length' <<<"$json")" "entries"
  assert_eq "application/vnd.docker.distribution.manifest.list.v2+json" \
    "$(jq -r .mediaType <<<"$json")" "inspect prints Podman's list type"
  assert_eq "$d_v2s2" "$(jq -r '.manifests[0].digest' <<<"$json")" "first local image"
  assert_eq "application/vnd.docker.distribution.manifest.v2+json" \
    "$(jq -r '.manifests[0].mediaType' <<<"$json")"
  assert_eq "$d_oci" "$(jq -r '.manifests[1].digest' <<<"$json")" "second local image"
  assert_eq "amd64" "$(jq -r '.manifests[1].platform.architecture' <<<"$json")"
  assert_eq "$d_arm64" "$(jq -r '.manifests[-1].digest' <<<"$json")" "remote arm64 image"
  assert_eq "1" "$(jq --arg d "$d_amd64" '[.manifests[] | select(.digest == $d)] | length' <<<"$json")"
  assert_eq "v8" "$(jq -r --arg d "$d_arm64" '.manifests[] | select(.digest == $d) | .platform.variant' <<<"$json")"
  assert_eq "edge" "$(jq -r --arg d "$d_arm64" '.manifests[] | select(.digest == $d) | .annotations.tier' <<<"$json")"
  assert_eq "yes" "$(jq -r '.annotations["org.example.list"]' <<<"$json")"
  [[ $json == *'    "schemaVersion": 2'* ]] || fail "inspect indents by four spaces: $json"

  # images, tag and rmi see the list like an image.
  capture b images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  assert_contains "$out" "localhost/berth-mlist:latest ${id:0:12}"

  local dest digestfile repo
  dest=$(list_repo):v1
  repo=${dest#$REG/}
  repo=${repo%:v1}
  digestfile=$(mktemp)
  capture m push --tls-verify=false --digestfile "$digestfile" berth-mlist "docker://$dest"
  assert_rc 0 "push --all"
  assert_eq "" "$out" "push prints nothing on stdout"
  assert_contains "$err" "Copying $count of $count images in list"
  assert_contains "$err" "Copying image $d_arm64 ($count/$count)"
  assert_contains "$err" "Writing manifest list to image destination"
  local pushed
  pushed=$(cat "$digestfile")
  rm -f "$digestfile"
  assert_eq "$(registry_digest "$repo" v1)" "$pushed" "digest file names the pushed list"

  local body
  body=$(registry_manifest "$repo" v1)
  assert_eq "application/vnd.oci.image.index.v1+json" "$(jq -r .mediaType <<<"$body")"
  assert_eq "$count" "$(jq '.manifests | length' <<<"$body")"
  assert_eq "edge" "$(jq -r '.manifests[-1].annotations.tier' <<<"$body")"
  local d
  for d in $(jq -r '.manifests[].digest' <<<"$body"); do
    [ -n "$(registry_digest "$repo" "$d")" ] || fail "instance $d not pushed to $repo"
  done

  # The pushed list serves each platform like the original.
  local want_id
  want_id=$(b pull -q --tls-verify=false --platform linux/arm64 "$REG/multi:latest")
  rm -rf "$E2E_ROOT/root-manifest2"
  capture b2 pull -q --tls-verify=false --platform linux/arm64 "$dest"
  assert_rc 0 "pull arm64 back from the pushed list"
  assert_eq "$want_id" "$out" "arm64 image ID"
  assert_eq "$pushed" "$(b2 image inspect --format '{{.Digest}}' "$dest")" "pulled list digest"
  assert_contains "$(b2 image inspect --format '{{.RepoDigests}}' "$dest")" "$d_arm64"
  rm -rf "$E2E_ROOT/root-manifest2"

  # Plain push of a list pushes it with its images, as in Podman.
  capture b push --tls-verify=false berth-mlist "$REG/$repo:plain"
  assert_rc 0 "push a list with push"
  assert_eq "$count" "$(registry_manifest "$repo" plain | jq '.manifests | length')"

  # run of a list runs its local image for the host's platform.
  capture b run --rm --network none berth-mlist echo hi-from-list
  assert_rc 0 "run a manifest list"
  assert_eq "hi-from-list" "$out"

  capture m rm berth-mlist
  assert_rc 0 "rm the list"
  assert_contains "$out" "Untagged: localhost/berth-mlist:latest"
  assert_contains "$out" "Deleted: $id"
  capture m exists berth-mlist
  assert_rc 1 "exists after rm"
}

test_manifest_docker_list_v2s2_push() {
  fresh_store
  capture m create --annotation a=b berth-mdocker "docker://$REG/multi:v2s2" --all --tls-verify=false
  assert_rc 0 "create from a remote Docker list"
  local id=$out
  capture m inspect berth-mdocker
  assert_eq "2" "$(jq '.manifests | length' <<<"$out")"
  assert_eq "$(multi_digest v2s2 arm64)" "$(jq -r '.manifests[1].digest' <<<"$out")"

  local d_amd64
  d_amd64=$(multi_digest v2s2 amd64)
  capture m remove berth-mdocker "$d_amd64"
  assert_rc 0 "remove an entry"
  assert_eq "$id" "$out" "remove prints the list ID"
  capture m inspect berth-mdocker
  assert_eq "1" "$(jq '.manifests | length' <<<"$out")"

  local dest repo
  dest=$(list_repo):v2s2
  repo=${dest#$REG/}
  repo=${repo%:v2s2}
  capture m push --tls-verify=false --format v2s2 --rm berth-mdocker "$dest"
  assert_rc 0 "push as a Docker list"
  local body
  body=$(registry_manifest "$repo" v2s2)
  assert_eq "application/vnd.docker.distribution.manifest.list.v2+json" "$(jq -r .mediaType <<<"$body")"
  assert_eq "null" "$(jq -r .annotations <<<"$body")" "a Docker list has no annotations"
  assert_eq "arm64" "$(jq -r '.manifests[0].platform.architecture' <<<"$body")"
  capture m exists berth-mdocker
  assert_rc 1 "--rm removed the local list"

  # A registry reference that is not local is inspected remotely.
  capture m inspect --tls-verify=false "$dest"
  assert_rc 0 "inspect a remote list"
  assert_eq "1" "$(jq '.manifests | length' <<<"$out")"
}

test_manifest_tag_and_rmi_work_on_lists() {
  fresh_store
  local id
  id=$(m create berth-mtag)
  capture b tag berth-mtag berth-mtag:second
  assert_rc 0 "tag a list"
  capture m exists localhost/berth-mtag:second
  assert_rc 0 "the new name is a list too"
  capture m inspect berth-mtag:second
  assert_eq "null" "$(jq -r .manifests <<<"$out")" "an empty list prints null entries"
  capture b rmi berth-mtag:second
  assert_rc 0
  capture b rmi berth-mtag
  assert_rc 0 "rmi removes the list"
  assert_contains "$out" "Deleted: $id"
  capture m exists berth-mtag
  assert_rc 1
}

test_manifest_bad_input_changes_nothing() {
  fresh_store
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  m create berth-mbad "$REG/busybox:latest" >/dev/null
  local before
  before=$(m inspect berth-mbad)

  capture m add berth-nolist "$REG/busybox:latest"
  assert_rc 125 "add to an unknown list"
  assert_contains "$err" "berth-nolist: manifest list not known"

  capture m inspect berth-nolist
  assert_rc 125 "inspect an unknown list"

  local missing=sha256:0000000000000000000000000000000000000000000000000000000000000000
  capture m annotate --arch arm64 berth-mbad "$missing"
  assert_rc 125 "annotate a digest not in the list"
  assert_contains "$err" "no image with digest $missing in the manifest list"
  capture m remove berth-mbad "$missing"
  assert_rc 125 "remove a digest not in the list"
  assert_contains "$err" "$missing"
  capture m remove berth-mbad not-a-digest
  assert_rc 125 "remove with an invalid digest"

  capture m add --tls-verify=false berth-mbad "docker://$REG/berth-test-manifest-missing:none"
  assert_rc 125 "add a missing remote reference"
  assert_contains "$err" "berth-test-manifest-missing"

  capture m add --annotation novalue berth-mbad "$REG/busybox:latest"
  assert_rc 125 "add with an invalid annotation"
  assert_contains "$err" "novalue"

  capture m create berth-mbad
  assert_rc 125 "create over an existing list without --amend"
  assert_contains "$err" "already in use"

  capture m create "$REG/busybox:latest"
  assert_rc 125 "create over an image name"

  capture m add "$REG/busybox:latest" "$REG/busybox:latest"
  assert_rc 125 "add to an image that is no list"
  assert_contains "$err" "not a manifest list"
  capture m exists "$REG/busybox:latest"
  assert_rc 1 "an image is no list"
  capture m rm "$REG/busybox:latest"
  assert_rc 125 "manifest rm of an image"
  capture b image exists "$REG/busybox:latest"
  assert_rc 0 "the image stays"

  capture m push --tls-verify=false --format v1 berth-mbad "$REG/berth-test-manifest-bad:x"
  assert_rc 125 "push with an invalid format"

  assert_eq "$before" "$(m inspect berth-mbad)" "the list is unchanged"

  capture m create --amend berth-mbad
  assert_rc 0 "--amend reuses the list"
  assert_eq "$before" "$(m inspect berth-mbad)" "--amend without images changes nothing"
}
