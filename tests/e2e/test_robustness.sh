# Interrupted and racing commands must leave nothing behind: no namespace,
# address, firewall rule or mount that blocks a later run.

IMG=$REG/busybox:latest

netns_dir=/run/berth/network/netns

# Asserts that nothing of container id is left on the host.
assert_no_network_leftovers() { # id port
  [ ! -e "$netns_dir/$1" ] || fail "network namespace of $1 left behind"
  ! nft list table inet berth 2>/dev/null | grep -q "ctr-${1:0:12}" || fail "firewall chain of $1 left"
  ! nft list table inet berth 2>/dev/null | grep -q " $2 :" || fail "port $2 still mapped"
  ! grep -q "$1" /run/berth/network/networks/podman-ipam.json 2>/dev/null || fail "address of $1 still allocated"
}

test_rm_force_racing_run_cleans_up() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local i id
  for i in 1 2 3; do
    b rm -f e2e-race >/dev/null 2>&1 || true
    b run -d --name e2e-race -p 18091:80 "$IMG" sleep 100 >/tmp/berth-e2e-race.out 2>&1 &
    sleep 0.0$((i * 3))
    b rm -f e2e-race >/dev/null 2>&1 || true
    wait
    b rm -f e2e-race >/dev/null 2>&1 || true
  done
  capture b run -d --name e2e-race -p 18091:80 "$IMG" sleep 100
  assert_rc 0 "the port is free again"
  id=$out
  b rm -f e2e-race >/dev/null
  assert_no_network_leftovers "$id" 18091
}

test_killed_start_can_be_started_and_removed() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f e2e-killed >/dev/null 2>&1 || true
  local id pid
  id=$(b create --name e2e-killed -p 18092:80 "$IMG" sleep 100)
  # Stop the start right after it created the network namespace.
  "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" start e2e-killed >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -e "$netns_dir/$id" ] && break; sleep 0.005; done
  kill -STOP $pid 2>/dev/null || true
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  b stop -t 0 e2e-killed >/dev/null 2>&1 || true
  capture b start e2e-killed
  assert_rc 0 "a start after a killed start"
  capture b rm -f e2e-killed
  assert_rc 0
  assert_no_network_leftovers "$id" 18092
}

test_bad_values_rejected() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local before; before=$(store_snapshot)
  capture b run --rm -v /tmp:/ "$IMG" true
  assert_rc 125 "a volume over /"
  assert_contains "$err" '"/"'
  capture b run --rm --pull bogus "$IMG" true
  assert_rc 125 "an unknown pull policy"
  assert_contains "$err" "bogus"
  capture b run --rm --platform foo "$IMG" true
  assert_rc 125 "a platform without an architecture"
  assert_contains "$err" "foo"
  capture b pull --tls-verify=false --platform foo "$IMG"
  assert_rc 125
  capture b run --rm -p 99999:80 "$IMG" true
  assert_rc 125 "a port out of range"
  assert_contains "$err" "99999"
  capture b run --rm -e =x "$IMG" true
  assert_rc 125 "an environment entry without a name"
  capture b kill -s NOSIG nosuch
  assert_rc 125
  assert_contains "$err" "NOSIG"
  capture b logs --tail abc nosuch
  assert_rc 125
  assert_contains "$err" "Error: "
  capture b inspect --type foo nosuch
  assert_rc 125
  assert_contains "$err" "foo"
  capture b stop -l e2e-something
  assert_rc 125
  assert_contains "$err" "--latest"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_unknown_command_message() {
  capture b frobnicate
  assert_rc 125
  assert_contains "$err" "Error: unrecognized command \`berth frobnicate\`"
  capture b container frobnicate
  assert_rc 125
  assert_contains "$err" "unrecognized command \`berth container frobnicate\`"
  capture b version
  assert_rc 0
  assert_contains "$out" "Version:"
}

test_logs_tail_and_format() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f e2e-logs >/dev/null 2>&1 || true
  b run --name e2e-logs "$IMG" sh -c 'echo one; echo two; printf three' >/dev/null
  capture b logs --tail 1 e2e-logs
  assert_eq "three" "$out" "the partial last line counts as a line"
  capture b logs --tail 0 e2e-logs
  assert_eq "" "$out"
  capture b logs e2e-logs
  assert_eq $'one\ntwo\nthree' "$out"
  capture b ps -a --format '{{.Names}} {{.State}}'
  assert_contains "$out" "e2e-logs exited"
  capture b ps -a --format json
  assert_eq "exited" "$(jq -r '.[] | select(.Names == ["e2e-logs"]) | .State' <<<"$out")"
  capture b images --format '{{.Repository}}:{{.Tag}}'
  assert_contains "$out" "$REG/busybox:latest"
  b pull -q --tls-verify=false "$REG/httpd:latest" >/dev/null
  capture b images busybox:latest
  assert_contains "$out" "$REG/busybox"
  assert_not_contains "$out" "httpd" "images NAME lists only matching names"
  b rm e2e-logs >/dev/null
}

test_terminal_size_reaches_container() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  capture script -qec "stty cols 100 rows 30; $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run --rm -t $IMG stty size" /dev/null </dev/null
  assert_rc 0
  assert_contains "$out" "30 100"
  assert_not_contains "$out" $'\r\r'
}

test_top_descriptors_and_seccomp() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f e2e-top >/dev/null 2>&1 || true
  b run -d --name e2e-top "$IMG" sleep 60 >/dev/null
  capture b top e2e-top pid args
  assert_rc 0
  assert_eq $'PID         COMMAND\n1           sleep 60' "$out"
  capture b top e2e-top pid,comm
  assert_contains "$out" "1           sleep"
  # An unknown descriptor goes to ps(1) in the container, as in Podman,
  # and busybox ps ignores it.
  capture b top e2e-top bogus
  assert_rc 0
  assert_contains "$out" "sleep 60"
  b rm -f e2e-top >/dev/null
  capture b run --rm "$IMG" sh -c 'grep Seccomp: /proc/self/status'
  assert_eq $'Seccomp:\t2' "$out" "the default seccomp filter is on"
  capture b run --rm --security-opt seccomp=unconfined "$IMG" sh -c 'grep Seccomp: /proc/self/status'
  assert_eq $'Seccomp:\t0' "$out"
  capture b run --rm --security-opt apparmor=foo "$IMG" true
  assert_rc 125
  assert_contains "$err" "apparmor=foo"
}

test_start_after_killed_run_keeps_running() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local n pid before
  for n in 1 2 3; do
    b rm -f "e2e-k$n" >/dev/null 2>&1 || true
    before=$(ls "$E2E_RUNROOT/runc" 2>/dev/null | sort)
    "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
      run -d --name "e2e-k$n" "$IMG" sleep 300 >/dev/null 2>&1 &
    pid=$!
    # Kill the CLI once runc has the container, before the CLI records it.
    for _ in $(seq 400); do
      [ "$(ls "$E2E_RUNROOT/runc" 2>/dev/null | sort)" != "$before" ] && break
      sleep 0.002
    done
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    sleep 0.2
    capture b start "e2e-k$n"
    assert_rc 0 "start after a killed run"
    sleep 1
    # The cleanup of the killed run's monitor must not stop the new start.
    assert_eq "running" "$(b inspect "e2e-k$n" --format '{{.State.Status}}')" "e2e-k$n"
    b rm -f "e2e-k$n" >/dev/null
  done
}

test_wait_and_rm_force_on_removed_containers() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b run -d --rm --network none --name e2e-rw "$IMG" sh -c 'sleep 0.5; exit 6' >/dev/null
  capture b wait e2e-rw
  assert_eq "6" "$out" "wait reports the code of a --rm container"
  capture b rm -f nosuch-container
  assert_rc 0 "rm -f of a missing container"
  assert_eq "" "$out"
  capture b rmi -f 127.0.0.1:5000/nosuch:1
  assert_rc 0 "rmi -f of a missing image"
}

test_foreground_run_forwards_signals() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" run --rm --network none \
    --name e2e-sig "$IMG" sh -c 'trap "echo trapped; exit 5" TERM; sleep 300 & wait' \
    >/tmp/berth-e2e-sig.out 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    [ "$(b inspect e2e-sig --format '{{.State.Status}}' 2>/dev/null)" = running ] && break
    sleep 0.05
  done
  sleep 0.3
  kill -TERM $pid
  local rc=0
  wait $pid || rc=$?
  assert_eq 5 "$rc" "the container's exit code after its trap"
  assert_contains "$(cat /tmp/berth-e2e-sig.out)" "trapped"
  capture b ps -a
  assert_not_contains "$out" "e2e-sig"
}

test_foreground_runs_leave_no_run_directories() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local i pid before
  before=$(ls "$E2E_RUNROOT/containers" 2>/dev/null || true)
  for i in 1 2 3 4 5; do
    b run --rm --network none "$IMG" true
  done
  b run --name e2e-fg --network none "$IMG" sh -c 'exit 4' || true
  assert_eq "exited 4" "$(b inspect e2e-fg --format '{{.State.Status}} {{.State.ExitCode}}')"
  b rm e2e-fg >/dev/null
  # A CLI killed while attached: its monitor does the cleanup instead.
  "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" run --rm --network none \
    --name e2e-fgk "$IMG" sleep 1 >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    [ "$(b inspect e2e-fgk --format '{{.State.Status}}' 2>/dev/null)" = running ] && break
    sleep 0.05
  done
  kill -9 $pid
  wait $pid 2>/dev/null || true
  for _ in $(seq 60); do
    b inspect e2e-fgk >/dev/null 2>&1 || break
    sleep 0.1
  done
  capture b ps -a --format '{{.Names}}'
  assert_not_contains "$out" "e2e-fgk" "the monitor removed the --rm container"
  # Every run directory is gone (each holds a lock file while in use).
  assert_eq "$before" "$(ls "$E2E_RUNROOT/containers" 2>/dev/null || true)" \
    "run directories left behind"
  # A foreground run moves its directories aside and its monitor deletes
  # them once the CLI has exited.
  local left
  for _ in $(seq 50); do
    left=$(ls "$E2E_ROOT/root/trash" "$E2E_RUNROOT/trash" 2>/dev/null | grep -v ':$' | grep . || true)
    [ -z "$left" ] && break
    sleep 0.1
  done
  assert_eq "" "$left" "moved-aside directories the monitors did not delete"
}

test_unknown_name_changes_nothing() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f e2e-known >/dev/null 2>&1 || true
  b create --name e2e-known --network none "$IMG" sleep 100 >/dev/null
  # Every name is looked up first, as Podman does: nothing is removed.
  capture b rm e2e-known e2e-nosuch
  assert_rc 1 "rm with an unknown name"
  assert_contains "$err" 'no container with name or ID "e2e-nosuch" found'
  assert_eq "e2e-known" "$(b inspect e2e-known --format '{{.Name}}')" "the known container is kept"
  capture b start e2e-known e2e-nosuch
  assert_rc 125 "start with an unknown name"
  assert_eq "created" "$(b inspect e2e-known --format '{{.State.Status}}')" "nothing was started"
  capture b rm -f e2e-known e2e-nosuch
  assert_rc 0 "rm -f skips unknown names"
  assert_eq "e2e-known" "$out"
}
