# User namespaces (--userns, --uidmap, --gidmap, --subuidname) and
# supplementary groups (--group-add), checked from inside the container
# (/proc/self/uid_map, id, /proc/self/status) and from the host (owners of
# the files the container writes in its upper directory).

IMG="$REG/busybox:latest"

pull_busybox() { b pull -q --tls-verify=false "$IMG" >/dev/null; }

# Squeezes the runs of blanks of /proc/self/uid_map into single spaces.
squeeze() { tr -s ' \t' ' ' | sed 's/^ //'; }

# Exec with the bridge network is in test_userns_more.sh.

# Appends lines to /etc/subuid and /etc/subgid for the rest of the test and
# restores both files when the test's subshell exits.
add_subid_lines() { # subuid-line subgid-line
  local saved
  saved=$(mktemp -d)
  cp -p /etc/subuid "$saved/subuid" 2>/dev/null || : >"$saved/subuid"
  cp -p /etc/subgid "$saved/subgid" 2>/dev/null || : >"$saved/subgid"
  # shellcheck disable=SC2064 # expand $saved now, not when the trap runs
  trap "cp -p '$saved/subuid' /etc/subuid; cp -p '$saved/subgid' /etc/subgid; rm -rf '$saved'" EXIT
  echo "$1" >>/etc/subuid
  echo "$2" >>/etc/subgid
}

test_userns_uidmap_sets_both_maps() {
  pull_busybox
  capture b run --rm --uidmap 0:100000:65536 "$IMG" sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; id'
  assert_rc 0
  local expected
  expected=$(printf '0 100000 65536\n--\n0 100000 65536\n--\nuid=0(root) gid=0(root)')
  assert_eq "$expected" "$(squeeze <<<"$out")"
}

test_userns_separate_gidmap() {
  pull_busybox
  capture b run --rm --uidmap 0:100000:1000 --gidmap 0:200000:2000 "$IMG" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  assert_rc 0
  assert_eq "$(printf '0 100000 1000\n0 200000 2000')" "$(squeeze <<<"$out")"
}

test_userns_extend_flag_splits_range() {
  pull_busybox
  capture b run --rm --uidmap 0:100000:65536 --uidmap +1000:5000:1 "$IMG" cat /proc/self/uid_map
  assert_rc 0
  assert_eq "$(printf '0 100000 1000\n1001 101001 64535\n1000 5000 1')" "$(squeeze <<<"$out")"
}

test_userns_files_owned_by_mapped_ids() {
  pull_busybox
  local id
  id=$(b run -d --network none --uidmap 0:100000:65536 "$IMG" sleep 100)
  capture b exec "$id" sh -c 'touch /created; mkdir /made; stat -c "%u:%g" /created /made / /bin/busybox'
  assert_rc 0
  assert_eq "$(printf '0:0\n0:0\n0:0\n0:0')" "$out" "owners seen inside"
  local upper="$E2E_ROOT/root/containers/$id/diff"
  assert_eq "100000:100000" "$(stat -c '%u:%g' "$upper/created")" "file owner in the upper dir"
  assert_eq "100000:100000" "$(stat -c '%u:%g' "$upper/made")" "directory owner in the upper dir"
  assert_eq "100000:100000" "$(stat -c '%u:%g' "$upper")" "owner of the upper dir"
  # The process runs as host UID 100000.
  local pid
  pid=$(b inspect "$id" --format '{{.State.Pid}}')
  assert_contains "$(grep '^Uid:' "/proc/$pid/status")" "100000"
  b rm -f -t 0 "$id" >/dev/null
}

test_userns_user_flag_maps_inside() {
  pull_busybox
  local id
  id=$(b run -d --network none -u 1000:1000 --uidmap 0:100000:65536 "$IMG" sleep 100)
  capture b exec "$id" sh -c 'id -u; id -g; touch /tmp/by-user; stat -c "%u:%g" /tmp/by-user'
  assert_rc 0
  assert_eq "$(printf '1000\n1000\n1000:1000')" "$out"
  assert_eq "101000:101000" "$(stat -c '%u:%g' "$E2E_ROOT/root/containers/$id/diff/tmp/by-user")"
  b rm -f -t 0 "$id" >/dev/null
  capture b run --rm -u nosuchuser --uidmap 0:100000:65536 "$IMG" true
  assert_rc 126 "unknown user"
  assert_contains "$err" "unable to find user nosuchuser: no matching entries in passwd file"
}

test_userns_group_add() {
  pull_busybox
  capture b run --rm --group-add 5 --group-add nogroup "$IMG" sh -c 'id -G; grep ^Groups: /proc/self/status'
  assert_rc 0
  assert_eq "0 5 65534" "$(head -1 <<<"$out")"
  assert_eq "Groups: 5 65534" "$(tail -1 <<<"$out" | squeeze | sed 's/ *$//')"
  capture b run --rm -u 1000 --group-add 5,6 "$IMG" id
  assert_rc 0
  assert_eq "uid=1000(1000) gid=0(root) groups=0(root),5,6" "$out" \
    "a passwd line for a numeric user, and its primary group first, as Podman has them"
  capture b run --rm --group-add nosuchgroup "$IMG" true
  assert_rc 126 "unknown group"
  assert_contains "$err" "Unable to find group nosuchgroup: no matching entries in group file"
  capture b run --rm --group-add keep-groups --group-add 5 "$IMG" true
  assert_rc 125 "keep-groups with another group"
  assert_contains "$err" "'--group-add keep-groups' option is not allowed with any other --group-add"
  capture b run --rm --group-add keep-groups "$IMG" true
  assert_rc 0 "keep-groups alone"
}

test_userns_group_add_inspect() {
  pull_busybox
  local id
  id=$(b create --group-add 5 --group-add nogroup "$IMG" true)
  assert_eq '["5","nogroup"]' "$(b inspect "$id" --format '{{json .HostConfig.GroupAdd}}')"
  b rm "$id" >/dev/null
}

test_userns_inspect_shows_mappings() {
  pull_busybox
  local id
  id=$(b create --uidmap 0:100000:65536 --gidmap 0:200000:10 "$IMG" true)
  assert_eq 'private' "$(b inspect "$id" --format '{{.HostConfig.UsernsMode}}')"
  assert_eq '{"GidMap":["0:200000:10"],"UidMap":["0:100000:65536"]}' \
    "$(b inspect "$id" --format '{{json .HostConfig.IDMappings}}')"
  b rm "$id" >/dev/null
  id=$(b create "$IMG" true)
  assert_eq '' "$(b inspect "$id" --format '{{.HostConfig.UsernsMode}}')"
  assert_not_contains "$(b inspect "$id")" '"IDMappings"' "no mappings without a user namespace"
  b rm "$id" >/dev/null
}

test_userns_bad_maps_rejected() {
  pull_busybox
  local before
  before=$(b ps -a -q | wc -l)
  local value
  for value in 0:100000:0 0:100000 x:1:2 0:1:2:3 0:4294967295:2 "ug0:1:2"; do
    capture b run --rm --uidmap "$value" "$IMG" true
    if [ "$value" == "0:100000" ]; then
      assert_rc 0 "--uidmap $value (size defaults to 1)"
      continue
    fi
    assert_rc 125 "--uidmap $value"
    assert_contains "$err" "\"$value\"" "the error names the value"
  done
  capture b run --rm --uidmap 0:100000:10 --uidmap 5:200000:10 "$IMG" true
  assert_rc 125 "container-side overlap"
  assert_contains "$err" '"5:200000:10"'
  capture b run --rm --uidmap 0:100000:10 --uidmap 20:100005:10 "$IMG" true
  assert_rc 125 "host-side overlap"
  assert_contains "$err" "host side"
  capture b run --rm --userns auto --uidmap 0:100000:10 "$IMG" true
  assert_rc 125
  assert_contains "$err" "--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive"
  assert_eq "$before" "$(b ps -a -q | wc -l)" "no container left behind"
}

test_userns_modes() {
  pull_busybox
  capture b run --rm --userns host "$IMG" cat /proc/self/uid_map
  assert_rc 0
  assert_eq "0 0 4294967295" "$(squeeze <<<"$out")"
  capture b run --rm --userns private "$IMG" true
  assert_rc 125
  assert_contains "$err" "must provide at least one UID or GID mapping"
  capture b run --rm --userns keep-id "$IMG" true
  assert_rc 125
  assert_contains "$err" "keep-id is only supported in rootless mode"
  capture b run --rm --userns nomap "$IMG" true
  assert_rc 125
  assert_contains "$err" "nomap is only supported in rootless mode"
  capture b run --rm --userns bogus "$IMG" true
  assert_rc 125
  assert_contains "$err" "unrecognized namespace mode bogus passed"
}

test_userns_auto_picks_free_ranges() {
  pull_busybox
  add_subid_lines "containers:2147483647:2147483648" "containers:2147483647:2147483648"
  local one two
  one=$(b create --userns auto "$IMG" true)
  assert_eq '{"GidMap":["0:2147483647:1024"],"UidMap":["0:2147483647:1024"]}' \
    "$(b inspect "$one" --format '{{json .HostConfig.IDMappings}}')" "first auto range"
  two=$(b create --userns auto:size=500 "$IMG" true)
  assert_eq '{"GidMap":["0:2147484671:500"],"UidMap":["0:2147484671:500"]}' \
    "$(b inspect "$two" --format '{{json .HostConfig.IDMappings}}')" "second range follows"
  b rm "$one" >/dev/null
  capture b run --rm --userns auto:size=500,uidmapping=0:2147483647:10 "$IMG" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u'
  assert_rc 0
  assert_eq "$(printf '0 2147483647 10\n10 2147483657 490\n0 2147483647 500\n0')" "$(squeeze <<<"$out")"
  capture b run --rm --userns auto:uidmapping=0:5:10 "$IMG" true
  assert_rc 125 "forced mapping outside the range"
  assert_contains "$err" '"0:5:10"'
  capture b run --rm --userns auto:size=0 "$IMG" true
  assert_rc 125 "size 0"
  capture b run --rm --userns auto:bogus=1 "$IMG" true
  assert_rc 125 "unknown option"
  b rm "$two" >/dev/null
}

test_userns_auto_needs_subuid_range() {
  pull_busybox
  add_subid_lines "someone-else:300000:65536" "someone-else:300000:65536"
  capture b run --rm --userns auto "$IMG" true
  assert_rc 125
  assert_contains "$err" 'subordinate IDs of user "containers"'
}

test_userns_subuidname() {
  pull_busybox
  add_subid_lines "berthtester:300000:65536" "berthtester:400000:65536"
  capture b run --rm --subuidname berthtester "$IMG" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  assert_rc 0
  assert_eq "$(printf '0 300000 65536\n0 400000 65536')" "$(squeeze <<<"$out")"
  capture b run --rm --subuidname nosuchuser "$IMG" true
  assert_rc 125
  assert_contains "$err" 'no subuid ranges found for user "nosuchuser" in /etc/subuid'
}

test_userns_join_namespace_path() {
  pull_busybox
  unshare --user sleep 60 &
  local holder=$!
  local tries=0
  until [ "$(readlink /proc/$holder/ns/user)" != "$(readlink /proc/self/ns/user)" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || fail "the namespace holder did not start"
    sleep 0.1
  done
  echo "0 500000 65536" >/proc/$holder/uid_map
  echo "0 500000 65536" >/proc/$holder/gid_map
  capture b run --rm --network none --userns "ns:/proc/$holder/ns/user" "$IMG" sh -c 'cat /proc/self/uid_map; touch /x; stat -c %u /x'
  kill "$holder"
  assert_rc 0
  assert_eq "$(printf '0 500000 65536\n0')" "$(squeeze <<<"$out")"
  capture b run --rm --userns ns:/nonexistent/user "$IMG" true
  assert_rc 125
  assert_contains "$err" '/nonexistent/user'
}

test_userns_volume_chown_uses_host_ids() {
  pull_busybox
  local dir
  dir=$(mktemp -d)
  capture b run --rm -v "$dir:/data:U" --uidmap 0:100000:65536 "$IMG" sh -c 'stat -c %u:%g /data; touch /data/f'
  assert_rc 0
  assert_eq "0:0" "$out" "the volume is root's inside"
  assert_eq "100000:100000" "$(stat -c '%u:%g' "$dir")"
  assert_eq "100000:100000" "$(stat -c '%u:%g' "$dir/f")"
  rm -rf "$dir"
}

test_userns_restart_keeps_mapping() {
  pull_busybox
  local id
  id=$(b run -d --network none --uidmap 0:100000:65536 "$IMG" sleep 100)
  b stop -t 0 "$id" >/dev/null
  b start "$id" >/dev/null
  capture b exec "$id" cat /proc/self/uid_map
  assert_rc 0
  assert_eq "0 100000 65536" "$(squeeze <<<"$out")"
  b rm -f -t 0 "$id" >/dev/null
}
