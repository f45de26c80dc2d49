# cp into and out of a container's mounts: named volumes, bind mounts,
# read-only mounts, nested paths and symlinks in a volume, for running and
# stopped containers. The copies must land in the mount's source, not in the
# container's own changes hidden under the mount.

cpv_pull() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Removes containers and volumes a failed earlier run may have left.
cpv_forget() {
  b rm -f -t 0 "$@" >/dev/null 2>&1 || true
}

# Makes a fresh host directory for one test and prints its path.
cpv_host_dir() {
  local dir=$E2E_ROOT/cp-volumes/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

cpv_mountpoint() { b volume inspect --format '{{.Mountpoint}}' "$1"; }

test_cp_named_volume_running() {
  cpv_pull
  local dir
  dir=$(cpv_host_dir volume-running)
  echo in-volume > "$dir/file"
  cpv_forget cpv-run
  b volume rm -f cpv-run-vol >/dev/null 2>&1 || true
  b run -d --name cpv-run -v cpv-run-vol:/data "$REG/busybox:latest" sleep 300 >/dev/null
  b exec cpv-run mkdir -p /data/sub/deeper

  capture b cp "$dir/file" cpv-run:/data/
  assert_rc 0
  capture b exec cpv-run cat /data/file
  assert_eq "in-volume" "$out" "the container reads the copy through the volume"
  local mountpoint
  mountpoint=$(cpv_mountpoint cpv-run-vol)
  assert_eq "in-volume" "$(cat "$mountpoint/file")" "the copy is in the volume on the host"

  capture b cp "$dir/file" cpv-run:/data/sub/deeper/renamed
  assert_rc 0
  capture b exec cpv-run cat /data/sub/deeper/renamed
  assert_eq "in-volume" "$out" "nested path in the volume"

  b exec cpv-run sh -c 'echo from-container > /data/sub/made-inside'
  capture b cp cpv-run:/data/sub/made-inside "$dir/out-file"
  assert_rc 0
  assert_eq "from-container" "$(cat "$dir/out-file")" "copy out of the volume"
  capture b cp cpv-run:/data "$dir/out-dir"
  assert_rc 0
  assert_eq "in-volume" "$(cat "$dir/out-dir/sub/deeper/renamed")" "the whole volume copied out"

  # A tar stream goes both ways too.
  tar -C "$dir" -cf - file | b cp - cpv-run:/data/sub
  capture b exec cpv-run cat /data/sub/file
  assert_eq "in-volume" "$out" "tar stream into the volume"
  b cp cpv-run:/data/sub/made-inside - > "$dir/stream.tar"
  assert_eq "from-container" "$(tar -xOf "$dir/stream.tar")" "tar stream out of the volume"
  b rm -f -t 0 cpv-run >/dev/null
  b volume rm cpv-run-vol >/dev/null
}

test_cp_named_volume_stopped() {
  cpv_pull
  local dir
  dir=$(cpv_host_dir volume-stopped)
  echo stopped-copy > "$dir/file"
  cpv_forget cpv-stop
  b volume rm -f cpv-stop-vol >/dev/null 2>&1 || true
  b run --name cpv-stop -v cpv-stop-vol:/data "$REG/busybox:latest" \
    sh -c 'mkdir -p /data/sub && echo written-before > /data/sub/before' >/dev/null

  capture b cp "$dir/file" cpv-stop:/data/sub/
  assert_rc 0
  local mountpoint
  mountpoint=$(cpv_mountpoint cpv-stop-vol)
  assert_eq "stopped-copy" "$(cat "$mountpoint/sub/file")" "the copy is in the volume on the host"
  capture b cp cpv-stop:/data/sub/before "$dir/before"
  assert_rc 0
  assert_eq "written-before" "$(cat "$dir/before")" "copy out of a stopped container's volume"

  # The container sees the copy once it runs again.
  b rm cpv-stop >/dev/null
  capture b run --rm -v cpv-stop-vol:/data "$REG/busybox:latest" cat /data/sub/file
  assert_eq "stopped-copy" "$out" "a new container sees the copy"
  b volume rm cpv-stop-vol >/dev/null
}

test_cp_bind_mount() {
  cpv_pull
  local dir
  dir=$(cpv_host_dir bind)
  mkdir -p "$dir/source/nested"
  echo bound > "$dir/file"
  echo from-host > "$dir/source/nested/existing"
  cpv_forget cpv-bind cpv-bind-stopped
  b run -d --name cpv-bind -v "$dir/source:/mnt/bound" "$REG/busybox:latest" sleep 300 >/dev/null

  capture b cp "$dir/file" cpv-bind:/mnt/bound/nested/
  assert_rc 0
  assert_eq "bound" "$(cat "$dir/source/nested/file")" "running: the copy is in the bind source"
  capture b exec cpv-bind cat /mnt/bound/nested/file
  assert_eq "bound" "$out"
  capture b cp cpv-bind:/mnt/bound/nested/existing "$dir/out-running"
  assert_rc 0
  assert_eq "from-host" "$(cat "$dir/out-running")" "running: copy out of the bind mount"

  b create --name cpv-bind-stopped -v "$dir/source:/mnt/bound" "$REG/busybox:latest" true >/dev/null
  capture b cp "$dir/file" cpv-bind-stopped:/mnt/bound/stopped-copy
  assert_rc 0
  assert_eq "bound" "$(cat "$dir/source/stopped-copy")" "stopped: the copy is in the bind source"
  capture b cp cpv-bind-stopped:/mnt/bound/nested/existing "$dir/out-stopped"
  assert_rc 0
  assert_eq "from-host" "$(cat "$dir/out-stopped")" "stopped: copy out of the bind mount"
  b rm -f -t 0 cpv-bind cpv-bind-stopped >/dev/null
}

test_cp_read_only_mount() {
  cpv_pull
  local dir
  dir=$(cpv_host_dir read-only)
  mkdir -p "$dir/source"
  echo ro-content > "$dir/source/existing"
  echo new > "$dir/file"
  cpv_forget cpv-ro cpv-ro-stopped
  b run -d --name cpv-ro -v "$dir/source:/ro:ro" "$REG/busybox:latest" sleep 300 >/dev/null
  b create --name cpv-ro-stopped -v "$dir/source:/ro:ro" "$REG/busybox:latest" true >/dev/null

  for name in cpv-ro cpv-ro-stopped; do
    capture b cp "$dir/file" "$name:/ro/"
    assert_rc 125 "$name: copy into a read-only mount"
    assert_contains "$err" "read-only file system"
    assert_contains "$err" '"/ro"'
    [ ! -e "$dir/source/file" ] || fail "$name: the copy reached the read-only source"
    capture b cp "$dir/file" "$name:/ro/renamed"
    assert_rc 125 "$name: copy to a new name in a read-only mount"
    [ ! -e "$dir/source/renamed" ] || fail "$name: the copy reached the read-only source"
    capture b cp "$name:/ro/existing" "$dir/out-$name"
    assert_rc 0
    assert_eq "ro-content" "$(cat "$dir/out-$name")" "$name: copy out of a read-only mount"
  done
  b rm -f -t 0 cpv-ro cpv-ro-stopped >/dev/null
}

test_cp_symlink_in_volume() {
  cpv_pull
  local dir
  dir=$(cpv_host_dir symlink)
  echo through-link > "$dir/file"
  cpv_forget cpv-link
  b volume rm -f cpv-link-vol >/dev/null 2>&1 || true
  b run -d --name cpv-link -v cpv-link-vol:/data "$REG/busybox:latest" sleep 300 >/dev/null
  # Absolute targets are the container's paths, not the host's.
  b exec cpv-link sh -c 'mkdir -p /etc/app && ln -s /etc/app /data/link && ln -s ../../etc/app /data/relative'

  capture b cp "$dir/file" cpv-link:/data/link/
  assert_rc 0
  capture b exec cpv-link cat /etc/app/file
  assert_eq "through-link" "$out" "the symlink in the volume leads to the container's /etc/app"
  local mountpoint
  mountpoint=$(cpv_mountpoint cpv-link-vol)
  [ ! -e "$mountpoint/etc" ] || fail "the absolute symlink was resolved inside the volume"
  assert_eq "/etc/app" "$(readlink "$mountpoint/link")" "the symlink itself is unchanged"

  capture b cp "$dir/file" cpv-link:/data/relative/second
  assert_rc 0
  capture b exec cpv-link cat /etc/app/second
  assert_eq "through-link" "$out" "a relative symlink out of the volume"

  capture b cp cpv-link:/data/link/file "$dir/out"
  assert_rc 0
  assert_eq "through-link" "$(cat "$dir/out")" "copy out through the symlink"
  b stop -t 0 cpv-link >/dev/null
  capture b cp cpv-link:/data/link/second "$dir/out-stopped"
  assert_rc 0
  assert_eq "through-link" "$(cat "$dir/out-stopped")" "stopped: copy out through the symlink"
  b rm -f -t 0 cpv-link >/dev/null
  b volume rm cpv-link-vol >/dev/null
}

# A start bind-mounts its own /etc/hosts, /etc/hostname and resolv.conf
# over the image's files: cp reads and writes those, and a file bind mount
# is rewritten in place, so the running container reads the new content.
test_cp_etc_files_and_file_bind_mount() {
  cpv_pull
  local dir
  dir=$(cpv_host_dir etc-files)
  echo original > "$dir/bound"
  echo replaced > "$dir/new"
  printf '10.9.9.9 extra-host\n' > "$dir/hosts"
  cpv_forget cpv-etc
  b run -d --name cpv-etc --hostname cpv-host -v "$dir/bound:/bound" "$REG/busybox:latest" \
    sleep 300 >/dev/null

  capture b cp cpv-etc:/etc/hostname "$dir/hostname-out"
  assert_rc 0
  assert_eq "cpv-host" "$(cat "$dir/hostname-out")" "cp reads the hostname the start wrote"
  assert_contains "$(b cp cpv-etc:/etc/hosts - | tar -xOf -)" "cpv-host cpv-etc" \
    "the streamed /etc/hosts"

  capture b cp "$dir/hosts" cpv-etc:/etc/hosts
  assert_rc 0
  capture b exec cpv-etc cat /etc/hosts
  assert_eq "10.9.9.9 extra-host" "$out" "the running container reads the copied /etc/hosts"

  capture b cp "$dir/new" cpv-etc:/bound
  assert_rc 0
  capture b exec cpv-etc cat /bound
  assert_eq "replaced" "$out" "the file bind mount shows the new content"
  assert_eq "replaced" "$(cat "$dir/bound")" "the host file was rewritten in place"

  b stop -t 0 cpv-etc >/dev/null
  assert_eq "cpv-host" "$(b cp cpv-etc:/etc/hostname - | tar -xOf -)" \
    "a stopped container keeps its hostname file"
  cpv_forget cpv-etc
}
