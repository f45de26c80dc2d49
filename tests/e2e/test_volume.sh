# Named volumes and mounts: the volume commands, every -v form, --mount,
# --tmpfs, --volumes-from and --read-only, checked inside real containers.

IMG=$REG/busybox:latest

setup_volumes() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  # Volumes and containers of earlier runs of these tests.
  b rm -f -a >/dev/null 2>&1 || true
  b volume rm -f -a >/dev/null 2>&1 || true
}

test_volume_create_ls_inspect() {
  setup_volumes
  capture b volume create e2evol-a
  assert_rc 0
  assert_eq "e2evol-a" "$out"
  capture b volume create --label team=red --label solo e2evol-b
  assert_rc 0
  capture b volume create
  assert_rc 0
  [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "a volume without a name gets a 64-hex name, got [$out]"
  local random=$out

  capture b volume create e2evol-a
  assert_rc 125 "a taken name"
  assert_contains "$err" "e2evol-a"
  capture b volume create --ignore e2evol-a
  assert_rc 0 "--ignore keeps the existing volume"
  assert_eq "e2evol-a" "$out"
  capture b volume create "bad name"
  assert_rc 125
  assert_contains "$err" '"bad name"'
  capture b volume create --driver nfs e2evol-c
  assert_rc 125 "an unknown driver"
  assert_contains "$err" '"nfs"'
  capture b volume create -o color=red e2evol-c
  assert_rc 125 "an unknown driver option"
  assert_contains "$err" '"color=red"'
  capture b volume exists e2evol-c
  assert_rc 1 "a failed create leaves no volume"

  capture b volume ls
  assert_rc 0
  assert_eq "DRIVER      VOLUME NAME" "$(head -1 <<<"$out")"
  assert_contains "$out" "local       e2evol-a"
  assert_contains "$out" "local       $random"
  assert_eq "3" "$(b volume ls -q | wc -l)"
  assert_eq "e2evol-b" "$(b volume ls -q --filter label=team=red)"
  assert_eq "e2evol-b" "$(b volume ls -q --filter label=solo)"
  assert_eq "e2evol-a" "$(b volume ls -q --filter name=^e2evol-a$)"
  assert_eq "" "$(b volume ls -q --filter driver=other)"
  assert_eq "3" "$(b volume ls -q --filter dangling=true | wc -l)"
  assert_eq "e2evol-a:local" "$(b volume ls --filter name=e2evol-a --format '{{.Name}}:{{.Driver}}')"
  capture b volume ls --filter color=red
  assert_rc 125 "an unknown filter"
  assert_contains "$err" '"color"'

  capture b volume inspect e2evol-b
  assert_rc 0
  local json=$out
  assert_eq "e2evol-b" "$(jq -r '.[0].Name' <<<"$json")"
  assert_eq "local" "$(jq -r '.[0].Driver' <<<"$json")"
  assert_eq "local" "$(jq -r '.[0].Scope' <<<"$json")"
  assert_eq "$E2E_ROOT/root/volumes/e2evol-b/_data" "$(jq -r '.[0].Mountpoint' <<<"$json")"
  assert_eq '{"solo":"","team":"red"}' "$(jq -c '.[0].Labels' <<<"$json")"
  assert_eq "0" "$(jq -r '.[0].MountCount' <<<"$json")"
  assert_eq "true" "$(jq -r '.[0].NeedsCopyUp' <<<"$json")"
  assert_eq "Name Driver Mountpoint CreatedAt Labels Scope Options MountCount NeedsCopyUp NeedsChown" \
    "$(jq -r '.[0] | keys_unsorted | join(" ")' <<<"$json")" "Podman's field order"
  [ -d "$E2E_ROOT/root/volumes/e2evol-b/_data" ] || fail "the data directory exists"
  assert_eq "red" "$(b volume inspect --format '{{.Labels.team}}' e2evol-b)"
  assert_eq "3" "$(b volume inspect --all | jq length)"
  capture b volume inspect e2evol-a nosuch-vol
  assert_rc 125 "a missing volume"
  assert_contains "$err" "no such volume nosuch-vol"
  assert_eq "e2evol-a" "$(jq -r '.[0].Name' <<<"$out")" "the found volume is still printed"

  capture b volume exists e2evol-a
  assert_rc 0
  capture b volume exists nosuch-vol
  assert_rc 1
}

test_volume_rm_and_prune() {
  setup_volumes
  b volume create e2evol-used >/dev/null
  b volume create e2evol-free >/dev/null
  b volume create --label keep=yes e2evol-keep >/dev/null
  local id; id=$(b create --name e2evol-user -v e2evol-used:/data "$IMG" true)
  capture b volume rm nosuch-vol
  assert_rc 1 "a missing volume"
  assert_contains "$err" "nosuch-vol"
  capture b volume rm e2evol-used
  assert_rc 2 "a volume in use"
  assert_contains "$err" "$id"
  capture b volume ls --filter dangling=false -q
  assert_eq "e2evol-used" "$out"

  capture b volume prune -f --filter label!=keep=yes
  assert_rc 0
  assert_eq "e2evol-free" "$out" "prune removes only unused volumes that match the filter"
  capture sh -c "echo n | $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT volume prune"
  assert_rc 0
  assert_contains "$err" "e2evol-keep"
  capture b volume exists e2evol-keep
  assert_rc 0 "answering no keeps the volumes"

  capture b volume rm -f e2evol-used
  assert_rc 0 "--force removes the container that uses it"
  assert_eq "e2evol-used" "$out"
  capture b container inspect e2evol-user
  assert_rc 125 "the container is gone"
  [ ! -e "$E2E_ROOT/root/volumes/e2evol-used" ] || fail "the volume's directory is gone"
  capture b volume rm e2evol-keep
  assert_rc 0
}

test_volume_named_copy_up_and_persist() {
  setup_volumes
  # The image has /etc/passwd (0:0 644) and /root (0700): a new volume
  # gets them on first mount.
  capture b run --rm -v e2evol-etc:/etc "$IMG" sh -c \
    'stat -c "%u:%g %a" /etc/passwd; grep -c root /etc/passwd; echo kept >/etc/written'
  assert_rc 0
  assert_eq "0:0 644
1" "$out" "copy-up keeps owner, mode and content"
  capture b run --rm -v e2evol-root:/root "$IMG" stat -c '%u:%g %a' /root
  assert_eq "0:0 700" "$out" "the volume takes the image directory's mode"
  capture b run --rm -v e2evol-etc:/mnt "$IMG" cat /mnt/written
  assert_eq "kept" "$out" "a file written in one container is read in the next"
  assert_eq "false" "$(b volume inspect e2evol-etc | jq -r '.[0].NeedsCopyUp // false')"
  # nocopy leaves a new volume empty.
  capture b run --rm -v e2evol-empty:/etc:nocopy "$IMG" ls -A /etc
  assert_not_contains "$out" "passwd"
  # A volume that already has content is not filled again.
  capture b run --rm -v e2evol-etc:/root "$IMG" ls /root
  assert_not_contains "$out" ".ash_history"
  assert_contains "$out" "written"
  # The mount is a bind with Podman's nosuid and nodev.
  capture b run --rm -v e2evol-etc:/data "$IMG" sh -c 'grep " /data " /proc/mounts'
  assert_contains "$out" "nosuid"
  assert_contains "$out" "nodev"
  assert_contains "$out" "rw,"
  capture b run --rm -v e2evol-etc:/data:ro "$IMG" sh -c 'echo x >/data/x'
  [ "$rc" != 0 ] || fail "a read-only volume was writable"
  assert_contains "$err" "Read-only file system"
}

test_volume_bind_options() {
  setup_volumes
  local dir=/var/tmp/berth-e2e-volume-bind
  rm -rf "$dir" && mkdir -p "$dir/sub" && echo from-host >"$dir/in.txt"
  capture b run --rm -v "$dir:/data:ro,z" "$IMG" sh -c 'cat /data/in.txt; echo x >/data/x'
  [ "$rc" != 0 ] || fail "a read-only bind was writable"
  assert_contains "$out" "from-host"
  capture b run --rm -v "$dir:/data:Z,noexec,nosuid,nodev" "$IMG" sh -c 'grep " /data " /proc/mounts'
  assert_rc 0
  assert_contains "$out" "nosuid,nodev,noexec"
  # A relative source is a path only with a leading ".".
  capture sh -c "cd $dir && $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run --rm -v ./sub/..:/data $IMG cat /data/in.txt"
  assert_rc 0
  assert_eq "from-host" "$out"
  # U gives the source the container user's owner.
  capture b run --rm -u 1234:5678 -v "$dir:/data:U" "$IMG" stat -c '%u:%g' /data /data/in.txt
  assert_rc 0
  assert_eq "1234:5678
1234:5678" "$out"
  assert_eq "1234:5678" "$(stat -c '%u:%g' "$dir/in.txt")" "the host files changed owner"
  # O: the container writes to an overlay, and the host directory stays unchanged.
  capture b run --rm -v "$dir:/data:O" "$IMG" sh -c \
    'echo changed >/data/in.txt; echo new >/data/new.txt; cat /data/in.txt; grep " /data " /proc/mounts'
  assert_rc 0
  assert_contains "$out" "changed"
  assert_contains "$out" "overlay"
  assert_eq "from-host" "$(cat "$dir/in.txt")"
  [ ! -e "$dir/new.txt" ] || fail "an O mount wrote to the host"
  # Propagation.
  capture b run --rm -v "$dir:/data:rshared" "$IMG" true
  assert_rc 0
  local id; id=$(b create -v "$dir:/data:ro,rslave" "$IMG" true)
  capture b inspect --format '{{json .Mounts}}' "$id"
  assert_eq "bind" "$(jq -r '.[0].Type' <<<"$out")"
  assert_eq "$dir" "$(jq -r '.[0].Source' <<<"$out")"
  assert_eq "/data" "$(jq -r '.[0].Destination' <<<"$out")"
  assert_eq "false" "$(jq -r '.[0].RW' <<<"$out")"
  assert_eq "rslave" "$(jq -r '.[0].Propagation' <<<"$out")"
  assert_eq '["rbind"]' "$(jq -c '.[0].Options' <<<"$out")"
  b rm "$id" >/dev/null
  rm -rf "$dir"
}

test_volume_anonymous() {
  setup_volumes
  local id; id=$(b create -v /data "$IMG" sh -c 'echo anon >/data/f; cat /data/f')
  capture b inspect --format '{{json .Mounts}}' "$id"
  local name; name=$(jq -r '.[0].Name' <<<"$out")
  [[ $name =~ ^[0-9a-f]{64}$ ]] || fail "an anonymous volume gets a 64-hex name, got [$name]"
  assert_eq "volume" "$(jq -r '.[0].Type' <<<"$out")"
  assert_eq "local" "$(jq -r '.[0].Driver' <<<"$out")"
  assert_eq "$E2E_ROOT/root/volumes/$name/_data" "$(jq -r '.[0].Source' <<<"$out")"
  assert_eq '["nosuid","nodev","rbind"]' "$(jq -c '.[0].Options' <<<"$out")"
  assert_eq "rprivate" "$(jq -r '.[0].Propagation' <<<"$out")"
  assert_eq "true" "$(b volume inspect "$name" | jq -r '.[0].Anonymous')"
  capture b start -a "$id"
  assert_eq "anon" "$out"
  capture b rm -v "$id"
  assert_rc 0
  capture b volume exists "$name"
  assert_rc 1 "rm -v removes the anonymous volume"
  # rm without -v keeps it; run --rm removes it.
  id=$(b create -v /data "$IMG" true)
  name=$(b inspect --format '{{(index .Mounts 0).Name}}' "$id")
  b rm "$id" >/dev/null
  capture b volume exists "$name"
  assert_rc 0 "rm without -v keeps the anonymous volume"
  local before; before=$(b volume ls -q | sort)
  capture b run --rm -v /data "$IMG" true
  assert_rc 0
  assert_eq "$before" "$(b volume ls -q | sort)" "run --rm removes its anonymous volume"
  # A named volume survives run --rm.
  b run --rm -v e2evol-named:/data "$IMG" true
  capture b volume exists e2evol-named
  assert_rc 0
}

test_volume_mount_and_tmpfs_flags() {
  setup_volumes
  local dir=/var/tmp/berth-e2e-volume-mount
  rm -rf "$dir" && mkdir -p "$dir" && echo hi >"$dir/f"
  capture b run --rm --mount "type=bind,src=$dir,dst=/b,ro" \
    --mount type=volume,source=e2evol-m,target=/v \
    --mount type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770 \
    --tmpfs /t2:size=64k,noexec \
    "$IMG" sh -c 'cat /b/f; echo ok >/v/f; stat -c "%u:%g %a" /t; grep -E " /t2? " /proc/mounts; echo x >/b/x'
  [ "$rc" != 0 ] || fail "the read-only bind was writable"
  assert_contains "$out" "hi"
  assert_contains "$out" "0:0 1770"
  assert_contains "$out" "tmpfs /t tmpfs rw,nosuid,nodev,relatime,size=1024k,mode=1770"
  assert_contains "$out" "tmpfs /t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=64k"
  assert_eq "ok" "$(b run --rm -v e2evol-m:/v "$IMG" cat /v/f)"
  # An image mount shows the image's files, read-only.
  capture b run --rm --mount "type=image,src=$IMG,dst=/img" "$IMG" sh -c \
    'cat /img/etc/passwd | head -1; touch /img/x'
  [ "$rc" != 0 ] || fail "an image mount was writable"
  assert_contains "$out" "root:"
  capture b run --rm --mount "type=image,src=nosuch-image:1,dst=/img" "$IMG" true
  assert_rc 125 "an image mount of a missing image"
  assert_contains "$err" "nosuch-image"
  # Inspect lists tmpfs under HostConfig.Tmpfs.
  local id; id=$(b create --tmpfs /t:size=1m "$IMG" true)
  assert_eq '{"/t":"rw,rprivate,size=1m,nosuid,nodev"}' "$(b inspect --format '{{json .HostConfig.Tmpfs}}' "$id")"
  b rm "$id" >/dev/null
  rm -rf "$dir"
}

test_volume_local_driver_options() {
  setup_volumes
  b volume create -o type=tmpfs -o device=tmpfs -o o=size=2m e2evol-tmpfs >/dev/null
  assert_eq '{"device":"tmpfs","o":"size=2m","type":"tmpfs"}' \
    "$(b volume inspect e2evol-tmpfs | jq -c '.[0].Options')"
  capture b run --rm -v e2evol-tmpfs:/data "$IMG" sh -c 'grep " /data " /proc/mounts'
  assert_rc 0
  assert_contains "$out" "tmpfs /data tmpfs"
  assert_contains "$out" "size=2048k"
}

test_volume_read_only() {
  setup_volumes
  capture b run --rm --read-only "$IMG" sh -c 'echo x >/tmp/x && echo x >/var/tmp/x && echo x >/run/x && echo tmp-ok; echo x >/etc/x'
  [ "$rc" != 0 ] || fail "the root file system was writable"
  assert_contains "$out" "tmp-ok"
  assert_contains "$err" "Read-only file system"
  capture b run --rm --read-only --read-only-tmpfs=false "$IMG" sh -c 'echo x >/tmp/x'
  [ "$rc" != 0 ] || fail "/tmp was writable with --read-only-tmpfs=false"
  local id; id=$(b create --read-only "$IMG" true)
  assert_eq "true" "$(b inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$id")"
  b rm "$id" >/dev/null
}

test_volume_volumes_from() {
  setup_volumes
  local dir=/var/tmp/berth-e2e-volume-from
  rm -rf "$dir" && mkdir -p "$dir"
  b run --name e2evol-source -v e2evol-shared:/shared -v "$dir:/host" "$IMG" \
    sh -c 'echo shared >/shared/f; echo host >/host/f' >/dev/null
  capture b run --rm --volumes-from e2evol-source "$IMG" sh -c 'cat /shared/f /host/f'
  assert_rc 0
  assert_eq "shared
host" "$out"
  capture b run --rm --volumes-from e2evol-source:ro "$IMG" sh -c 'echo x >/shared/x'
  [ "$rc" != 0 ] || fail "--volumes-from :ro gave a writable volume"
  capture b run --rm --volumes-from nosuch-ctr "$IMG" true
  assert_rc 125
  assert_contains "$err" "nosuch-ctr"
  b rm e2evol-source >/dev/null
  rm -rf "$dir"
}

test_volume_bad_specs() {
  setup_volumes
  local before_volumes; before_volumes=$(b volume ls -q)
  local before_containers; before_containers=$(b ps -aq)
  local spec
  for spec in /tmp:rel /tmp:/x:ro,rw /tmp:/x:bogus :/x /tmp::ro /tmp:/x: /tmp:/x:nosuid,suid \
    "bad name!:/x" /tmp:/:ro /tmp:/x:O,ro; do
    capture b run --rm -v "$spec" "$IMG" true
    assert_rc 125 "bad -v $spec"
    assert_contains "$err" "\"$spec\"" "the message names the value"
  done
  for spec in type=bogus,dst=/x type=bind,src=/tmp type=bind,dst=/x,src=rel \
    type=tmpfs,dst=/x,tmpfs-mode=9z type=volume,dst=/x,color=red; do
    capture b run --rm --mount "$spec" "$IMG" true
    assert_rc 125 "bad --mount $spec"
    assert_contains "$err" "\"$spec\""
  done
  capture b run --rm --tmpfs rel "$IMG" true
  assert_rc 125 "a relative --tmpfs path"
  capture b run --rm -v /tmp:/x -v e2evol-dup:/x "$IMG" true
  assert_rc 125 "a repeated destination"
  assert_contains "$err" "duplicate mount destination"
  capture b run --rm -v /nonexistent-berth-src:/x "$IMG" true
  assert_rc 125 "a missing bind source"
  assert_contains "$err" "/nonexistent-berth-src"
  assert_eq "$before_volumes" "$(b volume ls -q)" "no volume was left behind"
  assert_eq "$before_containers" "$(b ps -aq)" "no container was left behind"
}
