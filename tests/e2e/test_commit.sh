# commit, export and import: images from containers, container file
# systems as tars, and images from tars.

IMG=$REG/busybox:latest

# The changes the tests make in a container: a new directory and file, a
# replaced file, a deleted file, a deleted symlink and a deleted directory.
CHANGES='mkdir /data && echo new > /data/new.txt && echo replaced > /etc/group &&
  rm /etc/passwd /bin/arch && rm -rf /root'

pull_busybox() { b pull -q --tls-verify=false "$IMG" >/dev/null; }

# Runs a container named $1 that makes CHANGES and exits.
make_changed_container() {
  pull_busybox
  b rm -f "$1" >/dev/null 2>&1 || true
  b run --network none --name "$1" "$IMG" sh -c "$CHANGES"
}

# Prints the field jq filter $2 selects from `image inspect $1`.
image_field() { b image inspect "$1" | jq -c ".[0]$2"; }

# Prints the images, containers and layers of the store, without the
# relative times that `images` and `ps` show.
store_state() {
  b images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'
  b ps -a --no-trunc --format '{{.ID}} {{.Names}}'
  ls "$E2E_ROOT/root/storage/overlay"
}

# Removes images by name, ignoring ones that are gone.
cleanup_images() { for i in "$@"; do b rmi -f "$i" >/dev/null 2>&1 || true; done; }

test_commit_keeps_file_changes() {
  make_changed_container commit-files
  capture b commit commit-files commit-test-files
  assert_rc 0
  [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "commit prints the image ID, got [$out]"
  assert_contains "$err" "Getting image source signatures"
  assert_contains "$err" "Copying blob"
  assert_contains "$err" "Writing manifest to image destination"
  assert_eq "$out" "$(b image inspect localhost/commit-test-files:latest --format '{{.Id}}')"
  local base_layers new_layers
  base_layers=$(image_field "$IMG" '.RootFS.Layers | length')
  new_layers=$(image_field commit-test-files '.RootFS.Layers | length')
  assert_eq "$((base_layers + 1))" "$new_layers" "one layer on top of the image's"

  capture b run --rm --network none commit-test-files sh -c \
    'cat /data/new.txt /etc/group; ls /etc/passwd /bin/arch /root 2>&1 | wc -l; ls /bin/busybox'
  assert_rc 0
  assert_eq $'new\nreplaced\n3\n/bin/busybox' "$out"
  capture b run --rm --network none commit-test-files ls /root
  assert_rc 1 "the deleted directory is gone"
  b rm commit-files >/dev/null
  cleanup_images commit-test-files
}

# runc creates empty stubs for /dev, /proc, /sys, /etc/hosts and the like,
# and for volume destinations, when the image lacks them. They are no change
# of the container's and stay out of the committed layer, as in Podman.
test_commit_leaves_out_mount_stubs() {
  pull_busybox
  b rm -f e2e-stubs >/dev/null 2>&1 || true
  local dir=$E2E_ROOT/stub-volume
  mkdir -p "$dir"
  b run --name e2e-stubs -v "$dir:/mnt/hostdata" "$IMG" \
    sh -c 'echo changed >/etc/motd; rm /bin/ls; mkdir /newdir' >/dev/null
  capture b commit -q e2e-stubs localhost/e2e-stubs:1
  assert_rc 0
  capture b image diff localhost/e2e-stubs:1
  assert_rc 0
  assert_eq "C /bin
D /bin/ls
C /etc
A /etc/motd
A /newdir" "$out" "only the container's own changes"
  capture b run --rm localhost/e2e-stubs:1 sh -c 'cat /etc/motd; ls /bin/ls 2>&1; ls -d /newdir'
  assert_contains "$out" "changed"
  assert_contains "$out" "/newdir"
  b rm -f e2e-stubs >/dev/null
  cleanup_images localhost/e2e-stubs:1
}

test_commit_keeps_container_settings() {
  pull_busybox
  b run --network none --name commit-settings -e FOO=bar -w /tmp "$IMG" \
    sh -c 'echo kept > /tmp/file' >/dev/null
  capture b commit -q commit-settings commit-test-settings
  assert_rc 0
  assert_eq "" "$err" "-q prints no progress"
  assert_eq '["sh","-c","echo kept > /tmp/file"]' "$(image_field commit-test-settings .Config.Cmd)"
  assert_eq '"/tmp"' "$(image_field commit-test-settings .Config.WorkingDir)"
  assert_contains "$(image_field commit-test-settings .Config.Env)" '"FOO=bar"'
  capture b run --rm --network none commit-test-settings sh -c 'echo $FOO; pwd; cat file'
  assert_rc 0
  assert_eq $'bar\n/tmp\nkept' "$out"
  b rm commit-settings >/dev/null
  cleanup_images commit-test-settings
}

test_commit_change_message_author() {
  make_changed_container commit-change
  capture b commit -q -c 'CMD ["cat","/data/new.txt"]' -c 'ENV GREETING="hello world"' \
    -c 'WORKDIR /data' -c 'EXPOSE 8080' -c 'LABEL stage=test' -c 'USER 1:1' \
    -m 'my message' -a 'Tester <t@example.com>' commit-change commit-test-change
  assert_rc 0
  assert_eq '["cat","/data/new.txt"]' "$(image_field commit-test-change .Config.Cmd)"
  assert_eq '"/data"' "$(image_field commit-test-change .Config.WorkingDir)"
  assert_eq '"1:1"' "$(image_field commit-test-change .Config.User)"
  assert_eq '{"8080/tcp":{}}' "$(image_field commit-test-change .Config.ExposedPorts)"
  assert_eq '"test"' "$(image_field commit-test-change .Config.Labels.stage)"
  assert_contains "$(image_field commit-test-change .Config.Env)" '"GREETING=hello world"'
  assert_eq '"Tester <t@example.com>"' "$(image_field commit-test-change .Author)"
  local history
  history=$(b image inspect commit-test-change | jq -c '.[0].History[-1]')
  assert_contains "$history" '"comment":"my message"'
  assert_contains "$history" '"author":"Tester <t@example.com>"'

  capture b run --rm --network none commit-test-change
  assert_rc 0
  assert_eq "new" "$out" "the new CMD runs"
  capture b run --rm --network none commit-test-change sh -c 'echo $GREETING; pwd; id -u'
  assert_rc 0
  assert_eq $'hello world\n/data\n1' "$out"
  b rm commit-change >/dev/null
  cleanup_images commit-test-change
}

test_commit_docker_format_and_squash() {
  make_changed_container commit-squash
  capture b container commit -q -f docker -m 'docker message' commit-squash commit-test-docker
  assert_rc 0
  assert_eq '"application/vnd.docker.distribution.manifest.v2+json"' \
    "$(image_field commit-test-docker .ManifestType)"
  assert_eq '"docker message"' "$(image_field commit-test-docker .Comment)"
  capture b commit -q --squash commit-squash commit-test-squash
  assert_rc 0
  assert_eq 1 "$(image_field commit-test-squash '.RootFS.Layers | length')" "squash gives one layer"
  assert_eq '"application/vnd.oci.image.manifest.v1+json"' \
    "$(image_field commit-test-squash .ManifestType)"
  capture b run --rm --network none commit-test-squash sh -c \
    'cat /data/new.txt; ls /etc/passwd 2>&1 | wc -l; ls /bin/busybox'
  assert_rc 0
  assert_eq $'new\n1\n/bin/busybox' "$out"
  capture b commit -q -f v2s2 commit-squash
  assert_rc 125 "an unknown format"
  assert_contains "$err" 'invalid --format "v2s2": use oci or docker'
  b rm commit-squash >/dev/null
  cleanup_images commit-test-docker commit-test-squash
}

test_commit_running_container_paused() {
  pull_busybox
  b rm -f commit-running >/dev/null 2>&1 || true
  b run -d --network none --name commit-running "$IMG" \
    sh -c 'echo live > /live.txt; sleep 60' >/dev/null
  sleep 0.5
  capture b commit -q -p commit-running commit-test-running
  assert_rc 0
  assert_eq "running" "$(b inspect commit-running --format '{{.State.Status}}')" \
    "the container runs on after a paused commit"
  capture b run --rm --network none commit-test-running cat /live.txt
  assert_rc 0
  assert_eq "live" "$out"
  capture b commit -q --squash commit-running commit-test-running-squash
  assert_rc 0
  capture b run --rm --network none commit-test-running-squash cat /live.txt
  assert_eq "live" "$out" "a squashed commit of a running container"
  assert_contains "$(b export commit-running | tar tf -)" $'\nlive.txt\n' \
    "the export of a running container has its new file"
  assert_eq "running" "$(b inspect commit-running --format '{{.State.Status}}')"
  b rm -f commit-running >/dev/null
  cleanup_images commit-test-running-squash
  cleanup_images commit-test-running
}

test_export_lists_container_files() {
  local dir=$E2E_ROOT/commit-export
  rm -rf "$dir" && mkdir -p "$dir"
  make_changed_container export-changed
  b rm -f export-plain >/dev/null 2>&1 || true
  # Run as well, so the runtime's mount points (dev, proc, etc/hosts, ...)
  # appear in both.
  b run --network none --name export-plain "$IMG" true
  capture b export -o "$dir/plain.tar" export-plain
  assert_rc 0
  capture b export -o "$dir/changed.tar" export-changed
  assert_rc 0
  tar tf "$dir/plain.tar" | sed 's|/$||' | sort >"$dir/plain.list"
  tar tf "$dir/changed.tar" | sed 's|/$||' | sort >"$dir/changed.list"
  # The expected tree: the image's files without the deleted ones, plus
  # the new directory and file.
  grep -v -x -e etc/passwd -e bin/arch -e root -e 'root/.*' "$dir/plain.list" |
    { cat; printf 'data\ndata/new.txt\n'; } | sort >"$dir/expected.list"
  diff -u "$dir/expected.list" "$dir/changed.list" || fail "the export lists other files"
  grep -qx bin/busybox "$dir/changed.list" || fail "the export has the image's files"
  assert_eq "new" "$(tar xOf "$dir/changed.tar" data/new.txt)"
  assert_eq "replaced" "$(tar xOf "$dir/changed.tar" etc/group)"
  assert_eq "bin/sh -> /bin/busybox" \
    "$(tar tvf "$dir/changed.tar" bin/sh | sed 's/.* bin\/sh/bin\/sh/')" "symlinks are kept"
  assert_eq "" "$(ls "$E2E_ROOT/root/tmp" | grep rootfs- || true)" "the mount point is gone"
  grep -q " $E2E_ROOT/root/tmp/rootfs-" /proc/mounts && fail "the overlay is still mounted"

  b container export export-changed >"$dir/stdout.tar"
  cmp "$dir/changed.tar" "$dir/stdout.tar" || fail "export to stdout differs from -o"
  capture script -qec "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT export export-changed" /dev/null
  assert_rc 125 "export to a terminal"
  assert_contains "$out" "refusing to export to a terminal"
  b rm export-changed export-plain >/dev/null
}

test_import_tar_with_changes() {
  local dir=$E2E_ROOT/commit-import
  rm -rf "$dir" && mkdir -p "$dir"
  make_changed_container import-src
  b export -o "$dir/fs.tar" import-src
  gzip -c "$dir/fs.tar" >"$dir/fs.tar.gz"

  capture b import -c 'CMD ["cat","/data/new.txt"]' -c 'ENV MODE=imported' -m 'from a test' \
    "$dir/fs.tar" import-test-plain
  assert_rc 0
  [[ $out =~ ^sha256:[0-9a-f]{64}$ ]] || fail "import prints sha256:ID, got [$out]"
  assert_contains "$err" "Writing manifest to image destination"
  assert_eq "${out#sha256:}" "$(b image inspect import-test-plain --format '{{.Id}}')"
  assert_eq 1 "$(image_field import-test-plain '.RootFS.Layers | length')"
  assert_eq '"from a test"' "$(image_field import-test-plain '.History[0].comment')"
  capture b run --rm --network none import-test-plain
  assert_rc 0
  assert_eq "new" "$out"
  capture b run --rm --network none import-test-plain sh -c 'echo $MODE; cat /etc/group'
  assert_rc 0
  assert_eq $'imported\nreplaced' "$out"

  # gzip from stdin, and the same file tree comes back out of an export.
  capture b image import -q -c 'CMD=/bin/sh' - import-test-gz <"$dir/fs.tar.gz"
  assert_rc 0
  assert_eq '"imported from tarball"' "$(image_field import-test-gz '.History[0].comment')"
  assert_eq '["/bin/sh","-c","/bin/sh"]' "$(image_field import-test-gz .Config.Cmd)"
  b rm -f import-copy >/dev/null 2>&1 || true
  b create --network none --name import-copy import-test-gz true >/dev/null
  b export -o "$dir/copy.tar" import-copy
  diff <(tar tvf "$dir/fs.tar" | sort) <(tar tvf "$dir/copy.tar" | sort) ||
    fail "export | import does not keep the file tree"
  b rm import-src import-copy >/dev/null
  cleanup_images import-test-plain import-test-gz
}

test_import_platform_flags() {
  local dir=$E2E_ROOT/commit-platform
  rm -rf "$dir" && mkdir -p "$dir/root/etc"
  echo hi >"$dir/root/etc/hi"
  tar -C "$dir/root" -cf "$dir/small.tar" etc
  capture b import -q --os linux --arch arm64 --variant v8 "$dir/small.tar" import-test-arm
  assert_rc 0
  assert_eq '"arm64"' "$(image_field import-test-arm .Architecture)"
  assert_eq '"linux"' "$(image_field import-test-arm .Os)"
  capture b import -q --arch "" --os "a/b" "$dir/small.tar"
  assert_rc 125 "an invalid --os"
  cleanup_images import-test-arm
}

test_bad_input_changes_nothing() {
  local dir=$E2E_ROOT/commit-bad before
  rm -rf "$dir" && mkdir -p "$dir"
  make_changed_container bad-src
  b export -o "$dir/good.tar" bad-src
  head -c 10000 "$dir/good.tar" >"$dir/truncated.tar"
  head -c 4000 /dev/urandom >"$dir/random.tar"
  printf 'not a tar at all\n' >"$dir/text.tar"
  : >"$dir/empty.tar"
  before=$(store_state)

  capture b commit no-such-container commit-test-bad
  assert_rc 125 "commit of an unknown container"
  assert_contains "$err" "no-such-container"
  capture b commit -c 'RUN rm -rf /' bad-src commit-test-bad
  assert_rc 125 "a bad --change"
  assert_contains "$err" 'invalid change "RUN rm -rf /": unknown instruction "RUN": use CMD, ENTRYPOINT'
  capture b commit -c 'EXPOSE 99999' bad-src commit-test-bad
  assert_rc 125 "a bad port"
  assert_contains "$err" "99999"
  capture b commit -c 'STOPSIGNAL SIGNOPE' bad-src commit-test-bad
  assert_rc 125 "a bad stop signal"
  capture b commit bad-src 'Bad Name!'
  assert_rc 125 "a bad image name"
  capture b import -c 'FROM scratch' "$dir/good.tar" import-test-bad
  assert_rc 125 "import with a bad --change"
  assert_contains "$err" 'unknown instruction "FROM"'
  for f in truncated random text empty; do
    capture b import "$dir/$f.tar" import-test-bad
    assert_rc 125 "import of $f.tar"
    assert_contains "$err" "$dir/$f.tar"
  done
  capture b import "$dir/missing.tar"
  assert_rc 125 "import of a missing file"
  capture b import http://127.0.0.1:1/fs.tar
  assert_rc 125 "import from a URL"
  assert_contains "$err" "not supported"
  capture b export -o "$dir/out.tar" no-such-container
  assert_rc 125 "export of an unknown container"
  [ ! -e "$dir/out.tar" ] || fail "a failed export leaves no file"
  ls "$dir" | grep -q 'out.tar.tmp' && fail "a failed export leaves no temporary file"

  assert_eq "$before" "$(store_state)" "the store is unchanged"
  assert_eq "" "$(ls "$E2E_ROOT/root/tmp" | grep -E '^(import|commit|rootfs)-' || true)" \
    "no scratch directories are left"
  b rm bad-src >/dev/null
}

test_export_to_devices_and_closed_pipes() {
  pull_busybox
  b rm -f e2e-exp-dev >/dev/null 2>&1 || true
  b create --name e2e-exp-dev --network none "$IMG" true >/dev/null
  # A device given with -o is written to, never replaced by a file.
  capture b export -o /dev/null e2e-exp-dev
  assert_rc 0 "export -o /dev/null"
  [ -c /dev/null ] || fail "/dev/null is no longer a character device"
  capture b export -o /dev/full e2e-exp-dev
  assert_rc 125 "export -o /dev/full"
  assert_contains "$err" "No space left on device"
  [ -c /dev/full ] || fail "/dev/full is no longer a character device"
  # A reader that stops early fails the export and leaves no mount behind.
  local rc_export
  set +o pipefail
  b export e2e-exp-dev 2>/dev/null | head -c 10 >/dev/null
  rc_export=${PIPESTATUS[0]}
  set -o pipefail
  assert_eq 125 "$rc_export" "export into a closed pipe"
  ! grep -q "$E2E_ROOT/root/tmp" /proc/mounts || fail "export left a mount under the store's tmp"
  b rm e2e-exp-dev >/dev/null
}
