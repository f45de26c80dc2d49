# berth as a remote client for image directories and image tree.
# save --format oci-dir and docker-dir unpack a tar that the service sends
# into the directory on the client's side. load -i DIRECTORY sends the
# directory as a tar. The directories must equal those of a local save,
# and image tree must print what the local command prints.

# berth through the service that start_service runs on $SVC_SOCK.
r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

# Lists every file of a directory with its mode and checksum.
dir_listing() {
  (cd "$1" && find . -type f -printf '%P %m\n' | sort | while read -r path mode; do
    echo "$path $mode $(sha256sum "$path" | cut -d' ' -f1)"
  done)
}

rdirs_scratch() {
  local dir=$E2E_ROOT/rdirs-scratch
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

test_remote_save_directories_equal_local() {
  start_service --time 0
  local dir image=$REG/busybox:latest format
  dir=$(rdirs_scratch)
  b pull -q --tls-verify=false "$image" >/dev/null
  for format in oci-dir docker-dir; do
    b save --format "$format" -o "$dir/local-$format" "$image"
    capture r save --format "$format" -o "$dir/remote-$format" "$image"
    assert_rc 0 "remote save --format $format"
    assert_eq "" "$out" "save prints nothing"
    assert_eq "$(dir_listing "$dir/local-$format")" "$(dir_listing "$dir/remote-$format")" \
      "the remote $format equals the local one"
  done
  # --compress gzips the layers, as locally.
  b save --format oci-dir --compress -o "$dir/local-gz" "$image"
  capture r save --format oci-dir --compress -o "$dir/remote-gz" "$image"
  assert_rc 0 "remote save --compress"
  assert_eq "$(dir_listing "$dir/local-gz")" "$(dir_listing "$dir/remote-gz")"
  # No temporary sibling is left beside the output.
  assert_eq "" "$(ls -a "$dir" | grep berth-tmp || true)" "no temporary directory left"
}

test_remote_save_directory_errors_match_local() {
  start_service --time 0
  local dir image=$REG/busybox:latest
  dir=$(rdirs_scratch)
  b pull -q --tls-verify=false "$image" >/dev/null
  mkdir "$dir/full" && echo x >"$dir/full/file"
  capture b save --format oci-dir -o "$dir/full" "$image"
  local local_err=$err local_rc=$rc
  capture r save --format oci-dir -o "$dir/full" "$image"
  assert_rc "$local_rc" "a non-empty output directory"
  assert_eq "$local_err" "$err"
  assert_eq "x" "$(cat "$dir/full/file")" "the existing directory is untouched"
  capture b save --format docker-dir "$image"
  local_err=$err local_rc=$rc
  capture r save --format docker-dir "$image"
  assert_rc "$local_rc" "a directory format without -o"
  assert_eq "$local_err" "$err"
  capture r save --format oci-dir -o "$dir/missing" no-such-image-rdirs
  assert_rc 125 "an unknown image"
  assert_contains "$err" "no-such-image-rdirs"
  [ ! -e "$dir/missing" ] || fail "a failed save left $dir/missing"
  # An empty directory is replaced, as locally.
  mkdir "$dir/empty"
  capture r save --format oci-dir -o "$dir/empty" "$image"
  assert_rc 0 "save into an empty directory"
  [ -f "$dir/empty/index.json" ] || fail "no index.json in the saved directory"
}

test_remote_load_directories() {
  start_service --time 0
  local dir image=$REG/busybox:latest id format
  dir=$(rdirs_scratch)
  b pull -q --tls-verify=false "$image" >/dev/null
  id=$(b inspect --format '{{.Id}}' "$image")
  for format in oci-dir docker-dir; do
    b save --format "$format" -o "$dir/$format" "$image"
    b rmi -f "$image" >/dev/null
    capture b load -i "$dir/$format"
    local local_out=$out
    b rmi -f "$image" >/dev/null
    capture r load -i "$dir/$format"
    assert_rc 0 "remote load -i of a $format"
    assert_eq "$local_out" "$out" "remote load prints what local load prints"
    # A docker-dir carries no name: the image comes back by its ID only.
    assert_eq "$id" "$(b inspect --format '{{.Id}}' "$id")" "the loaded image has its ID"
    b tag "$id" "$image"
  done
  mkdir "$dir/not-an-image" && echo hi >"$dir/not-an-image/readme"
  capture b load -i "$dir/not-an-image"
  local local_err=$err local_rc=$rc
  capture r load -i "$dir/not-an-image"
  assert_rc "$local_rc" "a directory that is no image"
  assert_eq "$local_err" "$err"
}

test_remote_image_tree_matches_local() {
  start_service --time 0
  local image=$REG/busybox:latest flag local_out
  b pull -q --tls-verify=false "$image" >/dev/null
  for flag in "" --whatrequires; do
    capture b image tree $flag "$image"
    local_out=$out
    capture r image tree $flag "$image"
    assert_rc 0 "remote image tree $flag"
    assert_eq "$local_out" "$out" "remote image tree $flag prints the local output"
  done
  assert_contains "$out" "Image Layers"
  # Podman 4's remote client prints the service's Tree text.
  if command -v podman >/dev/null; then
    capture podman --url "unix://$SVC_SOCK" image tree "$image"
    assert_rc 0 "podman --url image tree"
    assert_contains "$out" "Image ID: $(b inspect --format '{{.Id}}' "$image" | cut -c1-12)"
  fi
  capture b image tree no-such-image-rtree
  local local_err=$err
  capture r image tree no-such-image-rtree
  assert_rc 125 "an unknown image"
  assert_eq "$local_err" "$err"
}
