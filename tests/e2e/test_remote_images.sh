# berth as a remote client for image archives and manifest lists: save,
# load, export, import, commit, image diff and the manifest commands
# through the service on a private socket, compared with the local CLI on
# the same store. Archives are read and written on the client's side.
# Pushes go only to berth-test-rimages-* repositories.

# berth through the service that start_service runs on $SVC_SOCK.
r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

# A scratch directory for archives, removed with the test's subshell.
scratch_dir() {
  local dir=$E2E_ROOT/rimages-scratch
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

# Pulls the fixture busybox, removes what an earlier failed run left and
# prints the image's name.
rimages_busybox() {
  b rm -f rimages-c rimages-export >/dev/null 2>&1 || true
  b rmi -f localhost/rimages-loaded localhost/rimages-import localhost/rimages-import2 \
    localhost/rimages-commit localhost/rimages-big localhost/rimages-big-local \
    >/dev/null 2>&1 || true
  b manifest rm rimages-list >/dev/null 2>&1 || true
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  echo "$REG/busybox:latest"
}

test_remote_save_load_round_trip() {
  start_service --time 0
  local image dir id
  image=$(rimages_busybox)
  dir=$(scratch_dir)
  id=$(b inspect --format '{{.Id}}' "$image")

  b save -o "$dir/local.tar" "$image"
  capture r save -o "$dir/remote.tar" "$image"
  assert_rc 0 "save -o through the service"
  assert_eq "" "$out" "save -o prints nothing"
  cmp "$dir/local.tar" "$dir/remote.tar" || fail "the remote archive differs from the local one"
  r save "$image" >"$dir/stdout.tar"
  cmp "$dir/local.tar" "$dir/stdout.tar" || fail "save to stdout differs from save -o"
  capture r save --format oci-archive -o "$dir/remote-oci.tar" "$image"
  assert_rc 0 "save --format oci-archive"
  tar -tf "$dir/remote-oci.tar" | grep -qx 'index.json' || fail "the oci-archive has no index.json"

  b rmi "$image" >/dev/null
  capture r load -i "$dir/remote.tar"
  assert_rc 0 "load -i through the service"
  assert_eq "Loaded image: $image" "$out" "load prints the loaded name"
  assert_eq "$id" "$(b inspect --format '{{.Id}}' "$image")" "the loaded image has its old ID"

  b rmi "$image" >/dev/null
  capture r load <"$dir/remote.tar"
  assert_rc 0 "load from stdin through the service"
  assert_eq "Loaded image: $image" "$out"
  capture b image exists "$image"
  assert_rc 0 "the image is back in the store"
}

test_remote_save_load_errors_match_local() {
  start_service --time 0
  local dir
  rimages_busybox >/dev/null
  dir=$(scratch_dir)

  capture b save -o "$dir/local.tar" rimages-nosuch
  local local_err=$err local_rc=$rc
  capture r save -o "$dir/remote.tar" rimages-nosuch
  assert_eq "$local_rc" "$rc" "save of an unknown image: exit code as locally"
  assert_eq "$local_err" "$err" "save of an unknown image: message as locally"
  assert_rc 125
  assert_eq "" "$(ls "$dir")" "a failed save leaves no file"

  capture b load -i "$dir/missing.tar"
  local_err=$err local_rc=$rc
  capture r load -i "$dir/missing.tar"
  assert_eq "$local_rc" "$rc" "load of a missing file: exit code as locally"
  assert_eq "$local_err" "$err" "load of a missing file: message as locally"
  assert_rc 125

  head -c 4096 /dev/urandom >"$dir/junk.tar"
  local before
  before=$(store_snapshot)
  capture b load -i "$dir/junk.tar"
  local_err=$err local_rc=$rc
  capture r load -i "$dir/junk.tar"
  assert_eq "$local_rc" "$rc" "load of a malformed archive: exit code as locally"
  assert_eq "$local_err" "$err" "load of a malformed archive names the file as locally"
  assert_rc 125
  assert_eq "$before" "$(store_snapshot)" "a failed load changes nothing"
  capture r import "$dir/junk.tar" rimages-junk
  assert_rc 125
  assert_contains "$err" "importing \"$dir/junk.tar\": " "import names the client's file"
}

test_remote_export_import() {
  start_service --time 0
  local image dir id
  image=$(rimages_busybox)
  dir=$(scratch_dir)
  b run --name rimages-export "$image" sh -c 'echo exported >/marker' >/dev/null

  capture r export -o "$dir/remote.tar" rimages-export
  assert_rc 0 "export -o through the service"
  b export -o "$dir/local.tar" rimages-export
  assert_eq "$(tar -tf "$dir/local.tar" | sort)" "$(tar -tf "$dir/remote.tar" | sort)" \
    "the remote export lists the same files"
  assert_eq "exported" "$(tar -xOf "$dir/remote.tar" marker)" "the container's file is in it"
  r export rimages-export >"$dir/stdout.tar"
  assert_eq "$(tar -tf "$dir/local.tar" | sort)" "$(tar -tf "$dir/stdout.tar" | sort)" \
    "export to stdout"

  capture r import -c 'CMD ["/bin/cat", "/marker"]' -m "from the client" "$dir/remote.tar" \
    rimages-import
  assert_rc 0 "import through the service"
  [[ $out =~ ^sha256:[0-9a-f]{64}$ ]] || fail "import prints sha256:ID, got [$out]"
  id=${out#sha256:}
  assert_eq "$id" "$(b inspect --format '{{.Id}}' localhost/rimages-import)" "the named image"
  assert_eq "[/bin/cat /marker]" "$(b inspect --format '{{.Config.Cmd}}' localhost/rimages-import)"
  assert_contains "$(b history --format '{{.Comment}}' localhost/rimages-import)" "from the client"
  capture b run --rm localhost/rimages-import
  assert_eq "exported" "$out" "the imported image runs"

  capture r import - rimages-import2 <"$dir/remote.tar"
  assert_rc 0 "import from stdin"
  assert_eq "$(b inspect --format '{{.Id}}' localhost/rimages-import2)" "${out#sha256:}"
  assert_eq "$(b inspect --format '{{.RootFS.Layers}}' localhost/rimages-import)" \
    "$(b inspect --format '{{.RootFS.Layers}}' localhost/rimages-import2)" \
    "the same tar gives the same layer"

  capture b import "$dir/missing.tar"
  local local_err=$err local_rc=$rc
  capture r import "$dir/missing.tar"
  assert_eq "$local_rc" "$rc" "import of a missing file: exit code as locally"
  assert_eq "$local_err" "$err" "import of a missing file: message as locally"

  capture b export rimages-nosuch
  local_err=$err local_rc=$rc
  capture r export -o "$dir/none.tar" rimages-nosuch
  assert_eq "$local_rc" "$rc" "export of an unknown container: exit code as locally"
  assert_eq "$local_err" "$err" "export of an unknown container: message as locally"
  [ ! -e "$dir/none.tar" ] || fail "a failed export left $dir/none.tar"
  b rm rimages-export >/dev/null
}

test_remote_commit_and_diff() {
  start_service --time 0
  local image id
  image=$(rimages_busybox)
  b run --name rimages-c "$image" sh -c 'echo hi >/committed; rm /bin/vi' >/dev/null

  capture b container diff rimages-c
  local local_diff=$out
  capture r diff rimages-c
  assert_rc 0
  assert_eq "$local_diff" "$out" "container diff through the service"

  capture r commit -q -c 'ENV FOO=bar' -c 'LABEL tier=test' -m "remote commit" -a "tester" \
    rimages-c rimages-commit
  assert_rc 0 "commit through the service"
  id=$out
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "commit prints the image ID, got [$id]"
  assert_eq "$id" "$(b inspect --format '{{.Id}}' localhost/rimages-commit)"
  assert_contains "$(b inspect --format '{{.Config.Env}}' localhost/rimages-commit)" "FOO=bar"
  assert_eq "test" "$(b inspect --format '{{index .Config.Labels "tier"}}' localhost/rimages-commit)"
  assert_eq "tester" "$(b inspect --format '{{.Author}}' localhost/rimages-commit)"
  assert_eq "remote commit" "$(b history --format '{{.Comment}}' localhost/rimages-commit | head -1)"

  capture b image diff localhost/rimages-commit
  local local_image_diff=$out
  capture r image diff localhost/rimages-commit
  assert_rc 0 "image diff through the service"
  assert_eq "$local_image_diff" "$out" "image diff as locally"
  assert_contains "$out" "A /committed"
  assert_contains "$out" "D /bin/vi"
  capture b image diff localhost/rimages-commit "$image"
  local_image_diff=$out
  capture r image diff localhost/rimages-commit "$image"
  assert_rc 0 "image diff against a base"
  assert_eq "$local_image_diff" "$out" "image diff with a base as locally"

  local cmd
  for cmd in "commit rimages-nosuch" "commit -c BOGUS=1 rimages-c" "image diff rimages-nosuch"; do
    # shellcheck disable=SC2086
    capture b $cmd
    local local_err=$err local_rc=$rc
    # shellcheck disable=SC2086
    capture r $cmd
    assert_eq "$local_rc" "$rc" "$cmd: exit code as locally"
    assert_eq "$local_err" "$err" "$cmd: message as locally"
  done
  b rm rimages-c >/dev/null
}

test_remote_manifest_create_add_inspect_push() {
  start_service --time 0
  local image id repo
  image=$(rimages_busybox)
  repo="$REG/berth-test-rimages-list-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"

  capture r manifest create rimages-list
  assert_rc 0 "manifest create through the service"
  id=$out
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "create prints the list ID, got [$id]"
  capture r manifest exists rimages-list
  assert_rc 0 "manifest exists"
  capture r manifest create rimages-list
  assert_rc 125 "a second create of the same name"
  assert_contains "$err" "rimages-list"

  capture r manifest add rimages-list "$image"
  assert_rc 0 "manifest add of a local image"
  assert_eq "$id" "$out" "add prints the list ID"
  capture r manifest add --tls-verify=false --all rimages-list "docker://$REG/multi:latest"
  assert_rc 0 "manifest add --all of a registry index"
  assert_eq "$id" "$out"

  local arm64
  arm64=$(b manifest inspect rimages-list |
    jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest')
  [ -n "$arm64" ] || fail "no arm64 entry in the list"
  capture r manifest annotate --variant v8 --annotation tier=edge rimages-list "$arm64"
  assert_rc 0 "manifest annotate of an entry"
  assert_eq "$id" "$out"
  capture r manifest annotate --index --annotation org.example.list=yes rimages-list
  assert_rc 0 "manifest annotate --index"

  capture b manifest inspect rimages-list
  local local_inspect=$out
  capture r manifest inspect rimages-list
  assert_rc 0 "manifest inspect through the service"
  assert_eq "$local_inspect" "$out" "inspect as locally"
  assert_eq "v8" "$(jq -r --arg d "$arm64" '.manifests[] | select(.digest == $d) | .platform.variant' <<<"$out")"
  assert_eq "edge" "$(jq -r --arg d "$arm64" '.manifests[] | select(.digest == $d) | .annotations.tier' <<<"$out")"
  assert_eq "yes" "$(jq -r '.annotations["org.example.list"]' <<<"$out")"

  capture r manifest remove rimages-list "$arm64"
  assert_rc 0 "manifest remove"
  assert_eq "$id" "$out"
  assert_not_contains "$(b manifest inspect rimages-list)" "$arm64" "the entry is gone"

  capture r manifest push --tls-verify=false rimages-list "$repo:latest"
  assert_rc 0 "manifest push through the service"
  capture b manifest inspect --tls-verify=false "$repo:latest"
  assert_rc 0 "the registry has the pushed list"
  assert_eq "$(b manifest inspect rimages-list | jq -c '[.manifests[].digest]')" \
    "$(jq -c '[.manifests[].digest]' <<<"$out")" "the pushed list has the local entries"
  capture r manifest inspect --tls-verify=false "$repo:latest"
  assert_rc 0 "inspect of a registry list through the service"

  capture b manifest rm rimages-nosuch
  local local_err=$err local_rc=$rc
  capture r manifest rm rimages-nosuch
  assert_eq "$local_rc" "$rc" "rm of an unknown list: exit code as locally"
  assert_eq "$local_err" "$err" "rm of an unknown list: message as locally"

  capture r manifest rm rimages-list
  assert_rc 0 "manifest rm"
  assert_contains "$out" "$id"
  capture r manifest exists rimages-list
  assert_rc 1 "exists after rm"
}

# A body over 64 MiB reaches the engine through the service: the service
# streams load and import bodies to a file instead of reading them into
# memory.
test_remote_load_import_over_64_mib() {
  start_service --time 0
  local dir id
  rimages_busybox >/dev/null
  dir=$(scratch_dir)
  mkdir "$dir/root"
  head -c $((80 << 20)) /dev/urandom >"$dir/root/random.bin"
  tar -C "$dir/root" -cf "$dir/big-rootfs.tar" .
  rm -rf "$dir/root"

  capture r import "$dir/big-rootfs.tar" rimages-big
  assert_rc 0 "import of an 80 MiB tar through the service"
  id=${out#sha256:}
  assert_eq "$id" "$(b inspect --format '{{.Id}}' localhost/rimages-big)"
  rm -f "$dir/big-rootfs.tar"

  b save -o "$dir/big.tar" localhost/rimages-big
  [ "$(stat -c %s "$dir/big.tar")" -gt $((64 << 20)) ] || fail "the archive is not over 64 MiB"
  b rmi localhost/rimages-big >/dev/null
  capture r load -i "$dir/big.tar"
  assert_rc 0 "load of an 80 MiB archive through the service"
  assert_eq "Loaded image: localhost/rimages-big:latest" "$out"
  assert_eq "$id" "$(b inspect --format '{{.Id}}' localhost/rimages-big)" "the loaded image"

  # The same body with a Content-Length instead of chunks.
  b rmi localhost/rimages-big >/dev/null
  api POST /v5.0.0/libpod/images/load --data-binary "@$dir/big.tar" \
    -H 'Content-Type: application/x-tar'
  assert_eq 200 "$code" "load with a Content-Length body: $out"
  assert_eq "localhost/rimages-big:latest" "$(jq -r '.Names[0]' <<<"$out")"
  b rmi localhost/rimages-big >/dev/null
}

# An archive PUT over 64 MiB is extracted too: its body is streamed to a
# file like the bodies of load and import.
test_service_archive_put_over_64_mib() {
  start_service --time 0
  local image dir
  image=$(rimages_busybox)
  dir=$(scratch_dir)
  b create --name rimages-c "$image" true >/dev/null
  mkdir "$dir/root"
  head -c $((70 << 20)) /dev/urandom >"$dir/root/big.bin"
  tar -C "$dir/root" -cf "$dir/put.tar" big.bin
  rm -rf "$dir/root"

  api PUT "/v1.41/containers/rimages-c/archive?path=/tmp" --data-binary "@$dir/put.tar" \
    -H 'Content-Type: application/x-tar'
  assert_eq 200 "$code" "archive PUT of a 70 MiB tar: $out"
  b cp rimages-c:/tmp/big.bin "$dir/back.bin"
  assert_eq "$((70 << 20))" "$(stat -c %s "$dir/back.bin")" "the file arrived whole"
  b rm rimages-c >/dev/null
}

# Debian's podman 4.3 as a remote client: it passes manifest options as
# query parameters and requests image diffs from the container changes route.
test_podman_remote_images_and_manifests() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  start_service --time 0
  local image dir url=unix://$SVC_SOCK
  image=$(rimages_busybox)
  dir=$(scratch_dir)
  b run --name rimages-c "$image" touch /podman-was-here >/dev/null

  capture podman --url "$url" commit rimages-c rimages-commit
  assert_rc 0 "podman commit"
  capture podman --url "$url" image diff localhost/rimages-commit
  assert_rc 0 "podman image diff"
  assert_eq "A /podman-was-here" "$out"
  capture podman --url "$url" save -o "$dir/podman.tar" "$image"
  assert_rc 0 "podman save"
  b save -o "$dir/local.tar" "$image"
  cmp "$dir/local.tar" "$dir/podman.tar" || fail "podman's archive differs from the local one"

  capture podman --url "$url" manifest create rimages-list
  assert_rc 0 "podman manifest create"
  capture podman --url "$url" manifest add rimages-list "$image"
  assert_rc 0 "podman manifest add"
  assert_eq "1" "$(b manifest inspect rimages-list | jq '.manifests | length')" "one entry"
  capture podman --url "$url" manifest rm rimages-list
  assert_rc 0 "podman manifest rm"
  capture b manifest exists rimages-list
  assert_rc 1 "the list is gone"
  b rm rimages-c >/dev/null
}
