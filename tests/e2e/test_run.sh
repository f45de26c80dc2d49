# Running containers: exit codes, overrides of the image config, volumes,
# networks, names, and the lifecycle commands.

IMG=$REG/busybox:latest
HTTPD=$REG/httpd:latest

setup_images() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b pull -q --tls-verify=false "$HTTPD" >/dev/null
}

test_run_exit_codes() {
  setup_images
  local before; before=$(b ps -aq)
  capture b run --rm "$IMG" sh -c 'echo out; echo err >&2; exit 3'
  assert_rc 3 "the container's exit code"
  assert_eq "out" "$out"
  assert_eq "err" "$err"
  capture b run --rm "$IMG" /nosuch-command
  assert_rc 127 "a missing command"
  assert_contains "$err" "nosuch-command"
  capture b run --rm "$IMG" /etc/passwd
  assert_rc 126 "a file that is not executable"
  assert_eq "$before" "$(b ps -aq)" "--rm removed every container it ran"
}

test_run_applies_overrides() {
  setup_images
  printf 'FROM_FILE=yes\n# comment\n' >/tmp/berth-e2e.env
  capture b run --rm -e FOO=bar --env-file /tmp/berth-e2e.env -w /tmp -u nobody \
    --hostname myhost "$IMG" sh -c 'echo $FOO $FROM_FILE $(pwd) $(id -u) $(hostname) $PATH'
  assert_rc 0
  assert_eq "bar yes /tmp 65534 myhost /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$out"
  capture b run --rm --entrypoint /bin/echo "$IMG" hello from entrypoint
  assert_eq "hello from entrypoint" "$out"
  capture b run --rm -u 1234:5678 "$IMG" id
  assert_contains "$out" "uid=1234(1234) gid=5678(5678)"
  capture b run --rm -u nosuchuser "$IMG" id
  assert_rc 126 "an unknown user cannot run the command, as in Podman"
  assert_contains "$err" "unable to find user nosuchuser"
  # A working directory from -w must exist; the image's own is created.
  capture b run --rm -w /missing-dir "$IMG" pwd
  assert_rc 126 "a missing -w directory"
  assert_contains "$err" 'workdir "/missing-dir" does not exist on container'
  capture b run --rm -v /tmp:/mnt/vol -w /mnt/vol "$IMG" pwd
  assert_rc 0 "a -w directory that a volume provides"
  assert_eq "/mnt/vol" "$out"
  capture b run --rm --network none "$IMG" env
  assert_contains "$out" "TERM=xterm" "TERM is set without -t, as Podman does"
  capture b run --rm --network none -e TERM=dumb "$IMG" env
  assert_contains "$out" "TERM=dumb"
}

test_run_image_cmd_and_stdin() {
  setup_images
  capture sh -c "echo piped | $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run -i --rm $IMG cat"
  assert_rc 0
  assert_eq "piped" "$out"
  capture b run --rm "$IMG"
  assert_rc 0 "the image's CMD sh exits at once without stdin"
}

test_run_etc_files() {
  setup_images
  capture b run --rm --name etc-check "$IMG" sh -c 'cat /etc/hosts; cat /etc/hostname; cat /etc/resolv.conf'
  assert_rc 0
  echo "$out" | grep -Eq '^127\.0\.0\.1[[:space:]]+localhost' || fail "no localhost entry: $out"
  assert_contains "$out" "etc-check"
  assert_contains "$out" "host.containers.internal"
  # The host's own entries come first, as Podman copies them.
  local first; first=$(grep -v '^#' /etc/hosts | grep . | head -1)
  assert_eq "$first" "$(echo "$out" | head -1)" "the host's first /etc/hosts entry"
  capture b run --rm --network host "$IMG" hostname
  assert_eq "$(hostname)" "$out" "host network keeps the host name"
}

test_run_volumes() {
  setup_images
  local dir=/var/tmp/berth-e2e-vol
  rm -rf "$dir" && mkdir -p "$dir" && echo from-host >"$dir/in.txt"
  capture b run --rm -v "$dir:/data" "$IMG" sh -c 'cat /data/in.txt; echo from-ctr >/data/out.txt'
  assert_rc 0
  assert_eq "from-host" "$out"
  assert_eq "from-ctr" "$(cat "$dir/out.txt")"
  capture b run --rm -v "$dir:/data:ro" "$IMG" sh -c 'echo x >/data/x'
  [ "$rc" != 0 ] || fail "a read-only volume was writable"
  capture b run --rm -v "/nonexistent-berth:/data" "$IMG" true
  assert_rc 125
  assert_contains "$err" "/nonexistent-berth"
  # A source that is neither a path nor a volume name.
  capture b run --rm -v "rel/dir:/data" "$IMG" true
  assert_rc 125
  assert_contains "$err" '"rel/dir" is neither a path'
}

test_network_modes() {
  setup_images
  capture b run --rm --network none "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "'
  assert_rc 0
  assert_eq "lo " "$out" "only loopback with --network none"
  capture b run --rm "$IMG" sh -c 'ip -4 addr show eth0'
  assert_rc 0
  assert_contains "$out" "10.88." "an address on the default bridge"
  capture b run --rm --network nosuchnet "$IMG" true
  assert_rc 125
  assert_contains "$err" "nosuchnet"
}

# The CLI attaches the network while runc creates the container, and a
# createRuntime hook keeps the process waiting until that is done. When the
# attach fails (here: in a private network namespace whose podman0 is no
# bridge) the process must never run and nothing may be left behind.
test_failed_network_attach_never_runs_the_process() {
  setup_images
  local dir=$E2E_ROOT/gate-volume
  rm -rf "$dir" && mkdir -p "$dir"
  b rm -f e2e-gate >/dev/null 2>&1 || true
  capture unshare -n bash -c '
    ip link add podman0 type veth peer name e2epeer0 || exit 99
    "$@"' _ "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    run -d --name e2e-gate -v "$dir:/out" "$IMG" touch /out/ran
  assert_rc 126 "run exits 126 when the start fails, as Podman does"
  assert_contains "$err" 'link podman0 exists and is not a bridge'
  [ ! -e "$dir/ran" ] || fail "the container's process ran without its network"
  capture b inspect e2e-gate --format '{{.State.Status}}'
  assert_eq created "$out" "the container stays created, as in Podman"
  local id; id=$(b inspect e2e-gate --format '{{.Id}}')
  [ ! -e "/run/berth/network/netns/$id" ] || fail "network namespace left behind"
  assert_not_contains "$(cat /run/berth/network/networks/podman-ipam.json)" "$id" "address left reserved"
  assert_not_contains "$(runc --root "$E2E_RUNROOT/runc" list -q)" "$id" "runc state left behind"
  # The same container starts once the network is usable.
  b start e2e-gate >/dev/null
  b wait e2e-gate >/dev/null
  [ -e "$dir/ran" ] || fail "the container did not run after a good start"
  b rm -f e2e-gate >/dev/null
}

test_published_port_reaches_container() {
  setup_images
  b rm -f e2e-web >/dev/null 2>&1 || true
  capture b run -d -p 18080:80 --name e2e-web "$HTTPD"
  assert_rc 0
  local body
  body=$(curl -s --retry 10 --retry-connrefused --retry-delay 0 --max-time 5 http://127.0.0.1:18080/)
  assert_eq "berth-fixture-httpd-ok" "$body" "via 127.0.0.1"
  local ip; ip=$(b inspect e2e-web --format '{{.NetworkSettings.IPAddress}}')
  body=$(curl -s --max-time 5 "http://$ip:80/")
  assert_eq "berth-fixture-httpd-ok" "$body" "via the container address"
  capture b ps
  assert_contains "$out" "0.0.0.0:18080->80/tcp"
  # Podman's JSON shape: arrays for Names and Command, structured ports.
  capture b ps --format json
  assert_rc 0
  assert_eq '["e2e-web"] ["podman"] false running' \
    "$(jq -c '.[] | select(.Names[0] == "e2e-web") | "\(.Names) \(.Networks) \(.AutoRemove) \(.State)"' -r <<<"$out")"
  assert_eq '[{"host_ip":"","container_port":80,"host_port":18080,"range":1,"protocol":"tcp"}]' \
    "$(jq -c '.[] | select(.Names[0] == "e2e-web") | .Ports' <<<"$out")"
  assert_eq "$(b inspect e2e-web --format '{{.Image}}')" \
    "$(jq -r '.[] | select(.Names[0] == "e2e-web") | .ImageID' <<<"$out")" "ImageID"
  b rm -f e2e-web >/dev/null
  ! nft list ruleset | grep -q 18080 || fail "a port rule is left after rm"
  ! ip link show | grep -q "veth.*master podman0" || true
}

test_detached_lifecycle() {
  setup_images
  b rm -f e2e-life >/dev/null 2>&1 || true
  capture b run -d --name e2e-life "$IMG" sh -c 'echo started; trap "echo bye; exit 7" TERM; while :; do sleep 0.1; done'
  assert_rc 0
  local id=$out
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "run -d did not print the ID: $id"
  capture b ps
  assert_contains "$out" "${id:0:12}"
  assert_contains "$out" "Up "
  assert_contains "$out" "e2e-life"
  sleep 0.3
  capture b logs e2e-life
  assert_eq "started" "$out"
  capture b inspect e2e-life --format '{{.State.Status}} {{.State.Running}} {{.Name}}'
  assert_eq "running true e2e-life" "$out"
  capture b inspect e2e-life --format '{{.HostConfig.PidsLimit}} {{.HostConfig.ShmSize}} {{.HostConfig.AutoRemove}} {{.OCIRuntime}}'
  assert_eq "2048 67108864 false runc" "$out"
  [ "$(cat /sys/fs/cgroup/pids/berth/$id/pids.max 2>/dev/null || cat /sys/fs/cgroup/berth/$id/pids.max)" = 2048 ] ||
    fail "HostConfig.PidsLimit is not what the container got"
  capture b top e2e-life
  assert_contains "$out" "PID"
  assert_contains "$out" "sleep"
  capture b rm e2e-life
  assert_rc 2 "rm of a running container without -f"
  assert_contains "$err" "running"
  capture b stop -t 5 "${id:0:8}"
  assert_rc 0
  capture b ps -a
  assert_contains "$out" "Exited (7)"
  capture b logs e2e-life
  assert_eq $'started\nbye' "$out"
  capture b wait e2e-life
  assert_eq "7" "$out"
  capture b start e2e-life
  assert_rc 0 "restart an exited container"
  capture b kill -s KILL e2e-life
  assert_rc 0
  capture b wait e2e-life
  assert_eq "137" "$out"
  capture b rm e2e-life
  assert_rc 0
  capture b ps -a
  assert_not_contains "$out" "e2e-life"
}

test_name_conflict_and_lookup() {
  setup_images
  b rm -f e2e-dup >/dev/null 2>&1 || true
  capture b create --name e2e-dup "$IMG" true
  assert_rc 0
  local before; before=$(store_snapshot)
  capture b create --name e2e-dup "$IMG" true
  assert_rc 125
  assert_contains "$err" "e2e-dup"
  assert_contains "$err" "already in use"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
  capture b rm nosuch-container
  assert_rc 1 "rm of a missing container"
  capture b inspect nosuch-container
  assert_rc 125
  b rm e2e-dup >/dev/null
}

test_parallel_runs() {
  setup_images
  b rm -af >/dev/null 2>&1 || true
  local pids=() i
  for i in $(seq 10); do
    b run -d --name "e2e-par-$i" "$IMG" sleep 60 >/dev/null &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || fail "a parallel run failed"; done
  capture b ps -a
  assert_eq 10 "$(grep -c 'Up ' <<<"$out")" "ten running containers"
  local ips
  ips=$(for i in $(seq 10); do b inspect "e2e-par-$i" --format '{{.NetworkSettings.IPAddress}}'; done | sort -u | wc -l)
  assert_eq 10 "$ips" "ten distinct addresses"
  capture b rm -af
  assert_rc 0
  assert_eq "" "$(b ps -aq)"
}

test_rmi_rejects_image_in_use() {
  setup_images
  local id
  b rm -f e2e-user >/dev/null 2>&1 || true
  # Start from an image with exactly one name.
  id=$(b pull -q --tls-verify=false "$REG/layered:latest")
  b rmi -f "$id" >/dev/null
  id=$(b pull -q --tls-verify=false "$REG/layered:latest")
  b create --name e2e-user "$REG/layered:latest" true >/dev/null
  capture b rmi "$REG/layered:latest"
  assert_rc 2 "rmi of an image in use"
  assert_contains "$err" "e2e-user"
  capture b rmi -f "$REG/layered:latest"
  assert_rc 0
  assert_contains "$out" "Deleted: $id"
  capture b ps -a
  assert_not_contains "$out" "e2e-user"
  capture b rmi "$REG/nosuch:latest"
  assert_rc 1
}

test_rmi_by_id_with_several_tags() {
  setup_images
  local id
  id=$(b pull -q --tls-verify=false "$REG/busybox:latest")
  b pull -q --tls-verify=false "$REG/busybox:v2s2" >/dev/null
  capture b rmi "${id:0:12}"
  assert_rc 125 "rmi by ID of an image with several tags, as Podman 4.3"
  assert_contains "$err" "more than one tag"
  capture b images
  assert_contains "$out" "v2s2"
  capture b rmi "$REG/busybox:v2s2"
  assert_rc 0
  assert_eq "Untagged: $REG/busybox:v2s2" "$out" "removing one name only untags it"
}

test_image_inspect_fields() {
  setup_images
  capture b image inspect "$HTTPD"
  assert_rc 0
  for field in '"Id"' '"Digest"' '"RepoTags"' '"RepoDigests"' '"Created"' '"Config"' '"RootFS"' \
               '"Size"' '"Architecture"' '"Os"'; do
    assert_contains "$out" "$field"
  done
  assert_contains "$out" '"ExposedPorts"'
}

test_monitor_crash_is_repaired() {
  setup_images
  b rm -f e2e-crash >/dev/null 2>&1 || true
  b run -d --name e2e-crash "$IMG" sleep 60 >/dev/null
  local pid mon
  pid=$(b inspect e2e-crash --format '{{.State.Pid}}')
  mon=$(pgrep -f "berth-monitor --id $(b inspect e2e-crash --format '{{.Id}}')")
  kill -9 $mon "$pid"
  sleep 0.2
  capture b ps -a
  assert_contains "$out" "Exited"
  capture b rm e2e-crash
  assert_rc 0 "a container whose monitor died can be removed"
}

# Returns 0 when a TCP socket can be bound to 0.0.0.0:port on the host.
port_is_free() {
  python3 -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', int(sys.argv[1])))" "$1" 2>/dev/null
}

test_run_reserves_published_host_port() {
  setup_images
  b rm -f e2e-port1 e2e-port2 >/dev/null 2>&1 || true
  port_is_free 18093 || fail "port 18093 is in use before the test"
  capture b run -d --name e2e-port1 -p 18093:80 "$IMG" sleep 100
  assert_rc 0
  ! port_is_free 18093 || fail "a running container's host port can be taken by another program"
  capture b run -d --name e2e-port2 -p 18093:80 "$IMG" sleep 100
  assert_rc 126 "a second container on the same host port (a failed start)"
  assert_contains "$err" "18093"
  assert_eq "created" "$(b inspect e2e-port2 --format '{{.State.Status}}')"
  b stop -t 0 e2e-port1 >/dev/null
  port_is_free 18093 || fail "the port stays reserved after the container stopped"
  capture b start e2e-port2
  assert_rc 0 "the second container starts once the port is free"
  b rm -f e2e-port1 e2e-port2 >/dev/null
  port_is_free 18093 || fail "the port stays reserved after rm -f"
  # A port held by a host program fails the start before anything runs.
  # SO_REUSEADDR: the probe below may hold the port for a moment, unlistened.
  python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 18093)); s.listen(); time.sleep(5)" &
  local holder=$!
  for _ in $(seq 100); do
    port_is_free 18093 || break
    sleep 0.05
  done
  ! port_is_free 18093 || fail "the host program did not bind port 18093"
  capture b run --rm -p 18093:80 "$IMG" true
  assert_rc 126 "a port a host program listens on (a failed start)"
  kill $holder 2>/dev/null || true
  wait $holder 2>/dev/null || true
}
