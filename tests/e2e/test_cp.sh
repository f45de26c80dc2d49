# cp between the host and running or stopped containers, tar streams on
# stdin and stdout, the copy rules for trailing "/" and "/.", owners and
# modes, symlinks that must stay inside the container, and bad input.

cp_pull() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Removes a container a failed earlier run may have left.
cp_forget() { b rm -f -t 0 "$1" >/dev/null 2>&1 || true; }

# Makes a fresh host directory for one test and prints its path.
cp_host_dir() {
  local dir=$E2E_ROOT/cp-host/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

test_cp_into_running_container() {
  cp_pull
  local dir
  dir=$(cp_host_dir into-running)
  echo hello > "$dir/file"
  chmod 0751 "$dir/file"
  chown 1234:4321 "$dir/file"
  cp_forget cp-run
  b run -d --name cp-run -u 1000:1000 "$REG/busybox:latest" sleep 300 >/dev/null
  capture b cp "$dir/file" cp-run:/tmp/copied
  assert_rc 0
  capture b exec cp-run stat -c '%a %u:%g' /tmp/copied
  assert_eq "751 1000:1000" "$out" "--archive gives the container user's ids"
  capture b exec cp-run cat /tmp/copied
  assert_eq "hello" "$out"
  capture b cp --archive=false "$dir/file" cp-run:/tmp/kept
  assert_rc 0
  capture b exec cp-run stat -c '%a %u:%g' /tmp/kept
  assert_eq "751 1234:4321" "$out" "--archive=false keeps the source ids"
  b rm -f -t 0 cp-run >/dev/null
}

test_cp_directory_rules() {
  cp_pull
  local dir
  dir=$(cp_host_dir dir-rules)
  mkdir -p "$dir/src/sub"
  echo a > "$dir/src/a"
  echo b > "$dir/src/sub/b"
  ln -s a "$dir/src/link"
  cp_forget cp-dirs
  b create --name cp-dirs "$REG/busybox:latest" true >/dev/null
  # An existing directory receives the source directory under its name.
  b cp "$dir/src" cp-dirs:/tmp
  # A missing destination becomes a copy of the source directory.
  b cp "$dir/src" cp-dirs:/tmp/newname
  # "/." copies only the contents.
  b cp "$dir/src/." cp-dirs:/opt

  b start cp-dirs >/dev/null
  b wait cp-dirs >/dev/null
  local out_dir=$dir/out
  mkdir "$out_dir"
  b cp cp-dirs:/tmp "$out_dir/tmp"
  assert_eq "b" "$(cat "$out_dir/tmp/src/sub/b")" "copied into the existing directory"
  assert_eq "b" "$(cat "$out_dir/tmp/newname/sub/b")" "created as the new name"
  assert_eq "a" "$(readlink "$out_dir/tmp/src/link")" "symlinks are copied as symlinks"
  b cp cp-dirs:/opt/. "$out_dir/opt-contents"
  assert_eq "a" "$(cat "$out_dir/opt-contents/a")" "contents of /opt"
  [ -d "$out_dir/opt-contents/sub" ] || fail "subdirectory of /opt missing"

  capture b cp "$dir/src" cp-dirs:/etc/passwd
  assert_rc 125 "a directory onto a file"
  assert_contains "$err" "must be a directory"
  b rm -f cp-dirs >/dev/null
}

test_cp_out_to_host_owner_and_mode() {
  cp_pull
  local dir
  dir=$(cp_host_dir out-owner)
  cp_forget cp-out
  b run -d --name cp-out "$REG/busybox:latest" sleep 300 >/dev/null
  b exec cp-out sh -c 'echo data > /tmp/f; chown 77:88 /tmp/f; chmod 0604 /tmp/f'
  capture b cp cp-out:/tmp/f "$dir/f"
  assert_rc 0
  assert_eq "data" "$(cat "$dir/f")"
  assert_eq "604 0:0" "$(stat -c '%a %u:%g' "$dir/f")" "the mode is kept, the caller owns it"
  # A file copied onto an existing directory lands inside it.
  b cp cp-out:/tmp/f "$dir"
  [ -f "$dir/f" ] || fail "file not copied into directory"
  b rm -f -t 0 cp-out >/dev/null
}

test_cp_tar_streams() {
  cp_pull
  local dir
  dir=$(cp_host_dir streams)
  mkdir -p "$dir/in/d"
  echo streamed > "$dir/in/d/x"
  chmod 0700 "$dir/in/d"
  cp_forget cp-stream
  b run -d --name cp-stream "$REG/busybox:latest" sleep 300 >/dev/null
  tar -C "$dir/in" -cf - d | b cp - cp-stream:/tmp
  capture b exec cp-stream cat /tmp/d/x
  assert_eq "streamed" "$out" "tar from stdin extracted"
  capture b exec cp-stream stat -c '%a' /tmp/d
  assert_eq "700" "$out" "directory mode from the tar"
  b cp cp-stream:/tmp/d - > "$dir/out.tar"
  capture tar -tf "$dir/out.tar"
  assert_eq $'d/\nd/x' "$out" "tar on stdout names the source directory"
  b cp cp-stream:/tmp/d/. - > "$dir/contents.tar"
  capture tar -tf "$dir/contents.tar"
  assert_eq "x" "$out" "\"/.\" streams only the contents"
  capture b cp - cp-stream:/tmp/d/x < "$dir/out.tar"
  assert_rc 125 "a stream into a file"
  b rm -f -t 0 cp-stream >/dev/null
}

# Writes a tar with one regular file entry named $2 (content "x") to $1,
# with no entries for its parent directories.
cp_one_entry_tar() { # tar-path entry-name
  python3 - "$1" "$2" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tar:
    info = tarfile.TarInfo(sys.argv[2])
    info.size, info.mode, info.uid, info.gid = 2, 0o640, 1000, 1000
    tar.addfile(info, io.BytesIO(b"x\n"))
EOF
}

test_cp_tar_without_parent_entries() {
  cp_pull
  local dir
  dir=$(cp_host_dir no-parents)
  mkdir -p "$dir/tree/dir1"
  echo a > "$dir/tree/dir1/a.txt"
  tar -cf "$dir/noparent.tar" -C "$dir/tree" dir1/a.txt
  assert_eq "dir1/a.txt" "$(tar -tf "$dir/noparent.tar")" "the tar has no directory entry"
  cp_one_entry_tar "$dir/deep.tar" p1/p2/f.txt
  cp_forget cp-noparent
  b run -d --name cp-noparent "$REG/busybox:latest" sleep 300 >/dev/null
  capture b cp - cp-noparent:/tmp < "$dir/noparent.tar"
  assert_rc 0 "a tar without parent entries"
  capture b exec cp-noparent cat /tmp/dir1/a.txt
  assert_eq "a" "$out"
  capture b cp - cp-noparent:/var < "$dir/deep.tar"
  assert_rc 0 "a tar without two levels of parents"
  capture b exec cp-noparent stat -c '%n %a %u:%g' /var/p1 /var/p1/p2 /var/p1/p2/f.txt
  assert_eq $'/var/p1 755 0:0\n/var/p1/p2 755 0:0\n/var/p1/p2/f.txt 640 0:0' "$out" \
    "parents are made 0755 and owned by root, as podman cp makes them"
  capture b cp --archive=false - cp-noparent:/root < "$dir/deep.tar"
  assert_rc 0
  capture b exec cp-noparent stat -c '%n %a %u:%g' /root/p1 /root/p1/p2/f.txt
  assert_eq $'/root/p1 755 0:0\n/root/p1/p2/f.txt 640 1000:1000' "$out" \
    "--archive=false keeps the file's ids but parents stay root's"

  # Entries that try to leave the destination are rejected before anything
  # is written for them.
  cp_one_entry_tar "$dir/dotdot.tar" ../x
  capture b cp - cp-noparent:/tmp < "$dir/dotdot.tar"
  assert_rc 125 "an entry with .."
  assert_contains "$err" 'invalid tar entry "../x": ".." is not allowed'
  cp_one_entry_tar "$dir/dotdot2.tar" new/../../y
  capture b cp - cp-noparent:/tmp < "$dir/dotdot2.tar"
  assert_rc 125 "an entry with .. below a missing directory"
  capture b exec cp-noparent ls /x /y /tmp/new
  assert_rc 1 "nothing was written for the rejected entries"

  # A parent that is a symlink to a host path resolves inside the container,
  # and the missing directories are made there.
  b exec cp-noparent ln -s "$dir/outside" /tmp/esc
  b exec cp-noparent ln -s "../../../../../../../../$dir/outside2" /tmp/esc2
  cp_one_entry_tar "$dir/esc.tar" esc/sub/f.txt
  cp_one_entry_tar "$dir/esc2.tar" esc2/sub/f.txt
  capture b cp - cp-noparent:/tmp < "$dir/esc.tar"
  assert_rc 0 "a symlinked parent"
  capture b cp - cp-noparent:/tmp < "$dir/esc2.tar"
  assert_rc 0 "a relative symlinked parent"
  [ ! -e "$dir/outside" ] || fail "the copy followed a symlink out of the container"
  [ ! -e "$dir/outside2" ] || fail "the copy followed a relative symlink out of the container"
  capture b exec cp-noparent cat "$dir/outside/sub/f.txt" "$dir/outside2/sub/f.txt"
  assert_eq $'x\nx' "$out" "the symlinks resolved inside the container"
  b rm -f -t 0 cp-noparent >/dev/null

  # Inside a volume the entries land below the volume's directory, where a
  # dangling symlink is not created through.
  b volume rm -f cp-noparent-vol >/dev/null 2>&1 || true
  b run -d --name cp-noparent -v cp-noparent-vol:/data "$REG/busybox:latest" sleep 300 >/dev/null
  b exec cp-noparent ln -s "$dir/outside3" /data/esc
  capture b cp - cp-noparent:/data < "$dir/esc.tar"
  assert_rc 125 "a dangling symlinked parent in a volume"
  assert_contains "$err" 'cannot create directory "/esc": a file or a dangling symlink has its name'
  [ ! -e "$dir/outside3" ] || fail "the copy followed a symlink out of the volume"
  capture b cp - cp-noparent:/data < "$dir/deep.tar"
  assert_rc 0 "a tar without parents into a volume"
  capture b exec cp-noparent stat -c '%n %a %u:%g' /data/p1/p2
  assert_eq "/data/p1/p2 755 0:0" "$out"
  b rm -f -t 0 cp-noparent >/dev/null
  b volume rm -f cp-noparent-vol >/dev/null
}

test_cp_symlink_stays_in_root() {
  cp_pull
  local dir
  dir=$(cp_host_dir symlink)
  echo evil > "$dir/payload"
  mkdir -p "$dir/target"
  cp_forget cp-link
  b run -d --name cp-link "$REG/busybox:latest" sleep 300 >/dev/null
  # A symlink in the container that points at a host-looking path.
  b exec cp-link ln -s "$dir/target" /escape
  capture b cp "$dir/payload" cp-link:/escape/payload
  assert_rc 125 "the symlink's target does not exist inside the container"
  [ ! -e "$dir/target/payload" ] || fail "the copy followed a symlink out of the container"
  b exec cp-link mkdir -p "$dir/target"
  b cp "$dir/payload" cp-link:/escape/payload
  [ ! -e "$dir/target/payload" ] || fail "the copy followed a symlink out of the container"
  capture b exec cp-link cat "$dir/target/payload"
  assert_eq "evil" "$out" "the symlink resolved inside the container"
  # A symlink source is copied as it is, never followed.
  b exec cp-link ln -s ../../../../etc/hostname /up
  b cp cp-link:/up/ "$dir/up" 2>/dev/null || true
  b cp cp-link:/up "$dir/up-link"
  assert_eq "../../../../etc/hostname" "$(readlink "$dir/up-link")" "a symlink source is copied as a symlink"
  b exec cp-link ln -s /etc /etc-link
  b cp cp-link:/etc-link/passwd "$dir/passwd"
  assert_eq "$(b exec cp-link cat /etc/passwd)" "$(cat "$dir/passwd")" "the container's file"
  b rm -f -t 0 cp-link >/dev/null
}

test_cp_bad_input() {
  cp_pull
  local dir
  dir=$(cp_host_dir bad)
  echo x > "$dir/f"
  cp_forget cp-bad
  b create --name cp-bad "$REG/busybox:latest" true >/dev/null
  capture b cp cp-bad:/nonexistent "$dir/out"
  assert_rc 125 "missing source in the container"
  assert_contains "$err" '"/nonexistent" could not be found on container cp-bad'
  capture b cp "$dir/missing" cp-bad:/tmp
  assert_rc 125 "missing source on the host"
  assert_contains "$err" "could not be found on the host"
  capture b cp "$dir/f" cp-bad:/no/such/dir/f
  assert_rc 125 "missing destination parent"
  assert_contains "$err" '"/no/such/dir/f" could not be found on container cp-bad'
  capture b cp "$dir/f" cp-bad:/nosuchdir/
  assert_rc 125 "missing destination directory"
  capture b cp "$dir/f" no-such-container:/tmp
  assert_rc 125 "unknown container"
  assert_contains "$err" "no-such-container"
  capture b cp "$dir/f" "$dir/g"
  assert_rc 125 "two host paths"
  capture b cp --no-such-flag "$dir/f" cp-bad:/tmp
  assert_rc 125 "unknown flag"
  [ ! -e "$dir/out" ] || fail "a failed copy left a file"
  b rm -f cp-bad >/dev/null
}
