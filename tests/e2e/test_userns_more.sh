# User namespaces with the bridge network (exec, published ports),
# --userns=container:NAME and the idmap option of -v and --mount, checked
# from inside the container and on the host, and the mounts and namespaces
# left after rm.

IMG="$REG/busybox:latest"

pull_busybox() { b pull -q --tls-verify=false "$IMG" >/dev/null; }

# Squeezes the runs of blanks of /proc/self/uid_map into single spaces.
squeeze() { tr -s ' \t' ' ' | sed 's/^ //'; }

# Prints the mount points that name the container ID $1.
mounts_of() { findmnt -rn -o TARGET | grep -F "$1" || true; }

# Prints a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

test_userns_exec_with_bridge_network() {
  pull_busybox
  local port id
  port=$(free_port)
  id=$(b run -d --uidmap 0:100000:65536 -p "127.0.0.1:$port:8080" "$IMG" \
    sh -c 'while true; do printf "HTTP/1.0 200 OK\r\n\r\nfrom-userns\n" | nc -l -p 8080; done')
  capture b exec "$id" cat /proc/self/uid_map
  assert_rc 0 "exec into a user namespace on the bridge network"
  assert_eq "0 100000 65536" "$(squeeze <<<"$out")"
  capture b exec "$id" sh -c 'ip -4 addr show eth0 | grep -c inet'
  assert_rc 0
  assert_eq "1" "$out" "exec sees the container's eth0"
  local pid
  pid=$(b inspect "$id" --format '{{.State.Pid}}')
  assert_eq "$(readlink "/proc/$pid/ns/net")" "$(b exec "$id" readlink /proc/self/ns/net)" \
    "exec joins the container's network namespace"
  local body="" tries=0
  until [ -n "$body" ] || [ "$tries" -ge 30 ]; do
    body=$(curl -s -m 2 "http://127.0.0.1:$port/" || true)
    tries=$((tries + 1))
    [ -n "$body" ] || sleep 0.2
  done
  assert_eq "from-userns" "$body" "published port reached on 127.0.0.1"
  local netns
  netns=$(b inspect "$id" --format '{{.NetworkSettings.SandboxKey}}')
  assert_contains "$(mounts_of "$id")" "$netns" "the network namespace is mounted while it runs"

  b restart -t 0 "$id" >/dev/null
  capture b exec "$id" cat /proc/self/uid_map
  assert_rc 0 "exec after restart"
  b stop -t 0 "$id" >/dev/null
  assert_eq "" "$(mounts_of "$id")" "no mount left after stop"
  b start "$id" >/dev/null
  capture b exec "$id" id -u
  assert_rc 0 "exec after stop and start"
  assert_eq "0" "$out"
  b rm -f -t 0 "$id" >/dev/null
  assert_eq "" "$(mounts_of "$id")" "no mount left after rm"
  [ ! -e "$netns" ] || fail "network namespace $netns left after rm"
  [ ! -e "$E2E_RUNROOT/containers/$id" ] || fail "run directory left after rm"
}

test_userns_run_rm_leaves_nothing() {
  pull_busybox
  capture b run --rm --name userns-rm-check --uidmap 0:100000:65536 "$IMG" \
    sh -c 'cat /proc/self/uid_map; ip -4 addr show eth0 | grep -c inet'
  assert_rc 0
  assert_eq "$(printf '0 100000 65536\n1')" "$(squeeze <<<"$out")"
  assert_eq "" "$(findmnt -rn -o TARGET | grep -F "$E2E_RUNROOT/containers/" || true)" \
    "no user namespace mount left"
}

test_userns_container_mode_joins_namespace() {
  pull_busybox
  local owner
  owner=$(b run -d --name userns-owner --uidmap 0:100000:65536 "$IMG" sleep 100)
  local owner_ns
  owner_ns=$(b exec "$owner" readlink /proc/self/ns/user)
  capture b run --rm --userns container:userns-owner "$IMG" \
    sh -c 'cat /proc/self/uid_map; readlink /proc/self/ns/user'
  assert_rc 0
  assert_eq "$(printf '0 100000 65536\n%s' "$owner_ns")" "$(squeeze <<<"$out")" \
    "same maps and the same namespace"

  local joiner
  joiner=$(b run -d --userns "container:${owner:0:12}" "$IMG" sh -c 'touch /made; sleep 100')
  assert_eq "container:$owner" "$(b inspect "$joiner" --format '{{.HostConfig.UsernsMode}}')"
  assert_eq '{"GidMap":["0:100000:65536"],"UidMap":["0:100000:65536"]}' \
    "$(b inspect "$joiner" --format '{{json .HostConfig.IDMappings}}')"
  capture b exec "$joiner" sh -c 'readlink /proc/self/ns/user; stat -c %u:%g /made'
  assert_rc 0 "exec into the joining container"
  assert_eq "$(printf '%s\n0:0' "$owner_ns")" "$out"
  assert_eq "100000:100000" "$(stat -c %u:%g "$E2E_ROOT/root/containers/$joiner/diff/made")" \
    "files get the owner's host IDs"
  b rm -f -t 0 "$joiner" "$owner" >/dev/null
  assert_eq "" "$(mounts_of "$owner")$(mounts_of "$joiner")" "no mount left after rm"
}

test_userns_container_mode_errors() {
  pull_busybox
  capture b run --rm --userns container:no-such-userns-owner "$IMG" true
  assert_rc 125
  assert_contains "$err" 'no container with name or ID "no-such-userns-owner" found'
  local host_ctr
  host_ctr=$(b create "$IMG" true)
  capture b run --rm --userns "container:$host_ctr" "$IMG" cat /proc/self/uid_map
  assert_rc 0 "joining a container in the host's user namespace"
  assert_eq "0 0 4294967295" "$(squeeze <<<"$out")"
  local stopped
  stopped=$(b create --uidmap 0:200000:65536 "$IMG" true)
  capture b run --rm --userns "container:$stopped" "$IMG" cat /proc/self/uid_map
  assert_rc 0 "a container that does not run lends its maps"
  assert_eq "0 200000 65536" "$(squeeze <<<"$out")"
  b rm "$host_ctr" "$stopped" >/dev/null
}

test_userns_idmap_bind_mount() {
  pull_busybox
  local dir
  dir=$(mktemp -d)
  chmod 755 "$dir"
  touch "$dir/by-root" "$dir/by-1000"
  chown 1000:1000 "$dir/by-1000"
  capture b run --rm --uidmap 0:100000:65536 -v "$dir:/v:idmap" "$IMG" \
    sh -c 'stat -c "%u:%g %n" /v/by-root /v/by-1000; touch /v/new; stat -c "%u:%g" /v/new'
  assert_rc 0
  assert_eq "$(printf '0:0 /v/by-root\n1000:1000 /v/by-1000\n0:0')" "$out" "owners seen inside"
  assert_eq "0:0" "$(stat -c %u:%g "$dir/new")" "the container's root writes host ID 0"
  capture b run --rm --uidmap 0:100000:65536 \
    --mount "type=bind,src=$dir,dst=/v,idmap" "$IMG" stat -c %u:%g /v/by-1000
  assert_rc 0
  assert_eq "1000:1000" "$out" "--mount idmap"
  capture b run --rm --uidmap 0:100000:65536 -v "$dir:/v" "$IMG" stat -c %u:%g /v/by-root
  assert_rc 0
  assert_eq "65534:65534" "$out" "without idmap host root is unmapped"
  capture b run --rm -v "$dir:/v:idmap" "$IMG" stat -c %u:%g /v/by-1000
  assert_rc 0
  assert_eq "1000:1000" "$out" "idmap without a user namespace"
  capture b run --rm --uidmap 0:100000:65536 -v "$dir:/v:idmap=uids=0-1-10" "$IMG" true
  assert_rc 125 "custom idmap mapping"
  assert_contains "$err" '"idmap=uids=0-1-10" is not supported'
  rm -rf "$dir"
}

test_userns_idmap_volume_left_after_stop() {
  pull_busybox
  local dir id
  dir=$(mktemp -d)
  chmod 755 "$dir"
  id=$(b run -d --uidmap 0:100000:65536 -v "$dir:/v:idmap" "$IMG" sleep 100)
  capture b exec "$id" sh -c 'touch /v/f; stat -c %u /v/f'
  assert_rc 0
  assert_eq "0" "$out"
  assert_contains "$(mounts_of "$id")" "idmapped-volumes" "the idmapped source is mounted"
  b stop -t 0 "$id" >/dev/null
  assert_eq "" "$(mounts_of "$id")" "no idmapped mount left after stop"
  b rm "$id" >/dev/null
  rm -rf "$dir"
}

test_userns_cp_maps_owner() {
  pull_busybox
  local id src=$E2E_ROOT/userns-cp-src
  echo copied >"$src"
  id=$(b run -d --network none --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMG" sleep 100)
  capture b cp "$src" "$id:/tmp/copied"
  assert_rc 0 "cp into a user-namespace container"
  capture b exec "$id" stat -c '%u:%g %n' /tmp/copied
  assert_eq "0:0 /tmp/copied" "$out" "the container's root owns the copy"
  capture b exec "$id" cat /tmp/copied
  assert_eq copied "$out"
  local mount_point
  mount_point=$(b mount "$id")
  assert_eq "100000:100000" "$(stat -c '%u:%g' "$mount_point/tmp/copied")" "host ids on disk"
  b unmount "$id" >/dev/null
  b rm -f "$id" >/dev/null
}
