# Lifecycle commands: port, rename, pause and unpause, restart, stats, top
# descriptors, --init, init, mount and unmount, and kill signals.

lc_image() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; echo "$REG/busybox:latest"; }

# Removes the named containers, ignoring those that do not exist.
lc_clean() { b rm -f -t 0 "$@" >/dev/null 2>&1 || true; }

# Prints the cgroup v1 freezer state, or the v2 cgroup.freeze value, of the
# container's init process.
freezer_state() {
  local pid=$1 path
  if path=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$pid/cgroup") && [ -n "$path" ]; then
    cat "/sys/fs/cgroup/freezer$path/freezer.state"
  else
    path=$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")
    cat "/sys/fs/cgroup$path/cgroup.freeze"
  fi
}

test_port_lists_published_ports() {
  local image id
  image=$(lc_image)
  lc_clean lc-port lc-port-created
  id=$(b run -d --name lc-port -p 127.0.0.1::80 -p 90/udp "$image" sleep 1000)
  capture b port lc-port
  assert_rc 0
  # In Podman's order: every address before 127.0.0.1.
  [[ "$out" =~ ^90/udp\ -\>\ 0\.0\.0\.0:[0-9]+$'\n'80/tcp\ -\>\ 127\.0\.0\.1:[0-9]+$ ]] ||
    fail "port output: [$out]"
  local tcp_port
  tcp_port=$(b inspect lc-port --format '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}')
  capture b port lc-port 80
  assert_eq "127.0.0.1:$tcp_port" "$out" "port with a private port"
  capture b port lc-port 80/tcp
  assert_eq "127.0.0.1:$tcp_port" "$out" "port with a protocol"
  capture b port lc-port 91
  assert_rc 125 "unpublished port"
  assert_contains "$err" 'failed to find published port "91"'
  capture b port lc-port 90/tcp
  assert_rc 125 "wrong protocol"
  capture b port -a
  assert_rc 0
  assert_contains "$out" "${id:0:12}"$'\t'"80/tcp -> 127.0.0.1:$tcp_port"
  capture b port -a lc-port
  assert_rc 125 "--all with a name"
  capture b port
  assert_rc 125 "no container"
  b create --name lc-port-created -p 127.0.0.1::81 "$image" true >/dev/null
  capture b port lc-port-created
  assert_rc 0
  assert_eq "" "$out" "a container that is not running has no ports to show"
  lc_clean lc-port lc-port-created
}

test_rename_running_container() {
  local image id
  image=$(lc_image)
  lc_clean lc-old lc-new lc-other
  id=$(b run -d --name lc-old "$image" sleep 1000)
  b create --name lc-other "$image" true >/dev/null
  capture b rename lc-old lc-new
  assert_rc 0
  assert_eq "" "$out"
  assert_eq "lc-new" "$(b inspect "$id" --format '{{.Name}}')"
  capture b ps --format '{{.ID}} {{.Names}} {{.Status}}'
  assert_contains "$out" "${id:0:12} lc-new Up"
  capture b inspect lc-old
  assert_rc 125 "the old name is gone"
  capture b rename lc-new lc-other
  assert_rc 125 "name in use"
  assert_contains "$err" '"lc-other"'
  capture b rename lc-new 'bad name'
  assert_rc 125 "invalid name"
  assert_contains "$err" "[a-zA-Z0-9][a-zA-Z0-9_.-]*"
  capture b rename lc-nothere x
  assert_rc 125 "unknown container"
  capture b rename lc-new
  assert_rc 125 "missing new name"
  capture b rename lc-new lc-new
  assert_rc 0 "same name"
  capture b stop -t 0 lc-new
  assert_rc 0 "the renamed container stops by its new name"
  lc_clean lc-new lc-other
}

test_pause_freezes_container() {
  local image pid
  image=$(lc_image)
  lc_clean lc-pause
  b run -d --name lc-pause "$image" sleep 1000 >/dev/null
  pid=$(b inspect lc-pause --format '{{.State.Pid}}')
  capture b pause lc-pause
  assert_rc 0
  assert_eq "lc-pause" "$out"
  local state
  state=$(freezer_state "$pid")
  [[ $state == FROZEN || $state == 1 ]] || fail "freezer state after pause: [$state]"
  assert_eq "paused true false" "$(b inspect lc-pause --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}')"
  capture b ps -a --filter name=lc-pause --format '{{.Status}} {{.State}}'
  assert_eq "Paused paused" "$out"
  capture b ps --format '{{.Names}}'
  assert_not_contains "$out" "lc-pause" "ps without -a lists running containers only"
  capture b pause lc-pause
  assert_rc 125 "already paused"
  assert_contains "$err" "already paused"
  capture b exec lc-pause true
  [ "$rc" != 0 ] || fail "exec into a paused container succeeded"
  capture b top lc-pause
  assert_rc 125 "top of a paused container"
  capture b unpause lc-pause
  assert_rc 0
  assert_eq "lc-pause" "$out"
  state=$(freezer_state "$pid")
  [[ $state == THAWED || $state == 0 ]] || fail "freezer state after unpause: [$state]"
  assert_eq "running false" "$(b inspect lc-pause --format '{{.State.Status}} {{.State.Paused}}')"
  capture b unpause lc-pause
  assert_rc 125 "not paused"
  capture b pause
  assert_rc 125 "no container"
  capture b pause lc-nothere
  assert_rc 125 "unknown container"
  lc_clean lc-pause
}

test_pause_all_and_unpause_all() {
  local image
  image=$(lc_image)
  lc_clean lc-pa1 lc-pa2
  b run -d --name lc-pa1 "$image" sleep 1000 >/dev/null
  b run -d --name lc-pa2 "$image" sleep 1000 >/dev/null
  capture b pause -a
  assert_rc 0
  assert_eq "paused paused" "$(b inspect lc-pa1 lc-pa2 --format '{{.State.Status}}' | xargs)"
  capture b unpause -a
  assert_rc 0
  assert_eq "running running" "$(b inspect lc-pa1 lc-pa2 --format '{{.State.Status}}' | xargs)"
  lc_clean lc-pa1 lc-pa2
}

test_paused_container_stop_kill_rm() {
  local image
  image=$(lc_image)
  lc_clean lc-pstop
  b run -d --name lc-pstop "$image" sleep 1000 >/dev/null
  b pause lc-pstop >/dev/null
  capture b stop -t 1 lc-pstop
  assert_rc 0 "stop of a paused container"
  assert_eq "exited" "$(b inspect lc-pstop --format '{{.State.Status}}')"
  b start lc-pstop >/dev/null
  b pause lc-pstop >/dev/null
  capture b kill lc-pstop
  assert_rc 0 "kill of a paused container"
  assert_eq "exited 137" "$(b inspect lc-pstop --format '{{.State.Status}} {{.State.ExitCode}}')"
  b start lc-pstop >/dev/null
  b pause lc-pstop >/dev/null
  capture b rm lc-pstop
  assert_rc 2 "rm of a paused container without --force"
  assert_contains "$err" "paused"
  capture b rm -f lc-pstop
  assert_rc 0 "rm -f of a paused container"
  capture b inspect lc-pstop
  assert_rc 125 "removed"
}

test_restart_starts_again() {
  local image pid1 pid2
  image=$(lc_image)
  lc_clean lc-restart lc-restart-created
  b run -d --name lc-restart "$image" sleep 1000 >/dev/null
  pid1=$(b inspect lc-restart --format '{{.State.Pid}}')
  capture b restart -t 0 lc-restart
  assert_rc 0
  assert_eq "lc-restart" "$out"
  pid2=$(b inspect lc-restart --format '{{.State.Pid}}')
  [ "$pid1" != "$pid2" ] || fail "restart kept pid $pid1"
  assert_eq "running 0" "$(b inspect lc-restart --format '{{.State.Status}} {{.RestartCount}}')" \
    "a user's restart is not counted"
  b create --name lc-restart-created "$image" sleep 1000 >/dev/null
  capture b restart lc-restart-created
  assert_rc 0 "restart of a created container starts it"
  assert_eq "running" "$(b inspect lc-restart-created --format '{{.State.Status}}')"
  b stop -t 0 lc-restart-created >/dev/null
  capture b restart -a --running -t 0
  assert_rc 0
  assert_contains "$out" "$(b inspect lc-restart --format '{{.Id}}')"
  assert_not_contains "$out" "$(b inspect lc-restart-created --format '{{.Id}}')" \
    "--running leaves stopped containers alone"
  capture b restart --running lc-restart
  assert_rc 125 "--running without --all"
  b pause lc-restart >/dev/null
  capture b restart lc-restart
  assert_rc 125 "restart of a paused container"
  lc_clean lc-restart lc-restart-created
}

test_restart_keeps_rm_container() {
  local image pid1
  image=$(lc_image)
  lc_clean lc-restart-rm
  b run -d --rm --name lc-restart-rm "$image" sleep 1000 >/dev/null
  pid1=$(b inspect lc-restart-rm --format '{{.State.Pid}}')
  capture b restart -t 0 lc-restart-rm
  assert_rc 0 "restart of a --rm container"
  assert_eq "running" "$(b inspect lc-restart-rm --format '{{.State.Status}}')"     "the --rm container survives its restart, as in Podman"
  [ "$pid1" != "$(b inspect lc-restart-rm --format '{{.State.Pid}}')" ] || fail "restart kept the pid"
  b stop -t 0 lc-restart-rm >/dev/null
  capture b container exists lc-restart-rm
  assert_rc 1 "the next exit removes it"
}

test_stats_reads_cgroup_counters() {
  local image id
  image=$(lc_image)
  lc_clean lc-stats lc-stats-created
  id=$(b run -d --name lc-stats --memory 64m "$image" sh -c 'head -c 1000000 /dev/zero > /dev/null; exec sleep 1000')
  sleep 0.5
  capture b stats --no-stream lc-stats
  assert_rc 0
  [[ "$(echo "$out" | head -1)" =~ ^ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ IO\ +BLOCK\ IO\ +PIDS\ +CPU\ TIME\ +AVG\ CPU\ %$ ]] ||
    fail "stats header: [$out]"
  assert_contains "$out" "${id:0:12}  lc-stats"
  capture b stats --no-stream --format '{{.Name}} {{.PIDS}} {{.MemUsage}}' lc-stats
  assert_rc 0
  [[ "$out" =~ ^lc-stats\ 1\ [0-9.]+[kM]?B\ /\ 67.11MB$ ]] || fail "stats template: [$out]"
  capture b stats --no-stream --no-trunc --format '{{.ID}}' lc-stats
  assert_eq "$id" "$out"
  capture b stats --no-stream --format json lc-stats
  assert_rc 0
  echo "$out" | python3 -c '
import json, sys
item = json.load(sys.stdin)[0]
assert item["name"] == "lc-stats", item
assert item["pids"] == "1", item
assert item["mem_usage"].endswith(" / 67.11MB"), item
for key in ("id", "cpu_time", "cpu_percent", "avg_cpu", "mem_percent", "net_io", "block_io"):
    assert key in item, key
' || fail "stats json: $out"
  b create --name lc-stats-created "$image" true >/dev/null
  capture b stats --no-stream --format '{{.Name}} {{.PIDS}} {{.MemUsage}} {{.CPUPerc}}' lc-stats-created
  assert_rc 0
  assert_eq "lc-stats-created 0 0B / 0B 0.00%" "$out"
  capture b stats --no-stream -a --format '{{.Name}}'
  assert_contains "$out" "lc-stats-created" "-a lists stopped containers"
  capture b stats --no-stream --format '{{.Name}}'
  assert_not_contains "$out" "lc-stats-created" "no -a lists running containers only"
  capture b stats --no-stream --format '{{.Nope}}' lc-stats
  assert_rc 125 "unknown template field"
  capture b stats --interval 0 lc-stats
  assert_rc 125 "bad interval"
  # Streaming prints a table every second. Into a pipe it prints plain
  # lines, without the escapes that clear a terminal, as Podman does.
  capture timeout 2.5 "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" stats --interval 1 lc-stats
  local tables
  tables=$(grep -c '^ID ' <<<"$out")
  [ "$tables" -ge 2 ] || fail "streaming stats printed $tables tables: [$out]"
  assert_not_contains "$out" $'\033[2J' "no screen clearing into a pipe"
  lc_clean lc-stats lc-stats-created
}

test_top_descriptors_from_proc() {
  local image hpid
  image=$(lc_image)
  lc_clean lc-top
  b run -d --name lc-top "$image" sleep 1000 >/dev/null
  hpid=$(b inspect lc-top --format '{{.State.Pid}}')
  capture b top lc-top pid ppid user group args comm hpid seccomp nice
  assert_rc 0
  assert_eq "PID         PPID        USER        GROUP       COMMAND     COMMAND     HPID        SECCOMP     NI" \
    "$(echo "$out" | head -1)"
  read -r -a row <<<"$(echo "$out" | sed -n 2p)"
  # The container inherits the niceness berth runs with (10 under `nice`).
  assert_eq "1 0 root root sleep 1000 sleep $hpid filter $(nice)" "${row[*]}"
  capture b top lc-top capeff
  assert_rc 0
  assert_contains "$out" "CHOWN"
  assert_not_contains "$out" "SYS_ADMIN" "the default capability set"
  capture b top lc-top %p %U
  assert_eq "PID         USER" "$(echo "$out" | head -1)" "AIX format codes"
  capture b top lc-top pid state stime
  assert_rc 0
  assert_eq "PID         STATE       STIME" "$(echo "$out" | head -1)"
  [[ "$(echo "$out" | sed -n 2p)" =~ ^1\ +S\ +[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ [+-][0-9]{4}\ [A-Z]+$ ]] ||
    fail "state and stime from /proc: [$out]"
  capture b top lc-top pid,vsz
  assert_rc 0
  [[ "$(echo "$out" | sed -n 2p)" =~ ^1\ +[0-9]+$ ]] || fail "comma-separated descriptors: [$out]"
  # An unknown descriptor runs ps(1) inside the container.
  capture b top lc-top -o pid,comm
  assert_rc 0
  assert_contains "$out" "PID"
  assert_contains "$out" "sleep"
  assert_contains "$out" "ps" "ps runs inside the container"
  lc_clean lc-top
}

test_init_runs_catatonit_as_pid1() {
  local image
  image=$(lc_image)
  lc_clean lc-init lc-noinit
  b run -d --name lc-init --init "$image" sh -c '(sleep 0.2 &); exec sleep 1000' >/dev/null
  assert_eq "/run/podman-init -- sh -c (sleep 0.2 &); exec sleep 1000 " \
    "$(b exec lc-init cat /proc/1/cmdline | tr '\0' ' ')" "catatonit is PID 1"
  capture b exec lc-init sh -c 'grep " /run/podman-init " /proc/mounts'
  assert_contains "$out" " ro," "the init binary is mounted read-only"
  assert_eq "/run/podman-init [-- sh -c (sleep 0.2 &); exec sleep 1000] true" \
    "$(b inspect lc-init --format '{{.Path}} {{.Args}} {{.HostConfig.Init}}')"
  sleep 1
  capture b exec lc-init ps -o stat
  assert_not_contains "$out" "Z" "catatonit reaps the orphan"
  # Without --init the orphan stays a zombie, so the check above can fail.
  b run -d --name lc-noinit "$image" sh -c '(sleep 0.2 &); exec sleep 1000' >/dev/null
  sleep 1
  capture b exec lc-noinit ps -o stat
  assert_contains "$out" "Z"
  # catatonit passes SIGTERM to the command, which dies of it.
  local start
  start=$(date +%s)
  b stop -t 20 lc-init >/dev/null
  [ $(($(date +%s) - start)) -lt 10 ] || fail "stop waited for the timeout"
  assert_eq "143" "$(b inspect lc-init --format '{{.State.ExitCode}}')"
  capture b run --rm --init --init-path /nonexistent "$image" true
  assert_rc 125 "bad --init-path"
  assert_contains "$err" "/nonexistent"
  lc_clean lc-init lc-noinit
}

test_init_then_start() {
  local image
  image=$(lc_image)
  lc_clean lc-initialized
  b create --name lc-initialized "$image" sleep 1000 >/dev/null
  capture b init lc-initialized
  assert_rc 0
  assert_eq "lc-initialized" "$out"
  assert_eq "initialized false" "$(b inspect lc-initialized --format '{{.State.Status}} {{.State.Running}}')"
  capture b ps -a --filter name=lc-initialized --format '{{.Status}}'
  assert_eq "Initialized" "$out"
  local pid
  pid=$(b inspect lc-initialized --format '{{.State.Pid}}')
  assert_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "init" "the runtime's init waits for start"
  capture b init lc-initialized
  assert_rc 125 "init twice"
  capture b start lc-initialized
  assert_rc 0
  assert_eq "running" "$(b inspect lc-initialized --format '{{.State.Status}}')"
  assert_eq "sleep 1000" "$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed 's/ $//')"
  lc_clean lc-initialized
}

test_initialized_kill_and_rm() {
  local image pid
  image=$(lc_image)
  lc_clean lc-init-rm
  b create --name lc-init-rm "$image" sleep 1000 >/dev/null
  b init lc-init-rm >/dev/null
  pid=$(b inspect lc-init-rm --format '{{.State.Pid}}')
  capture b kill lc-init-rm
  assert_rc 125 "kill of an initialized container, as Podman"
  assert_contains "$err" "can only kill running containers"
  assert_eq "initialized" "$(b inspect lc-init-rm --format '{{.State.Status}}')"
  capture b rm lc-init-rm
  assert_rc 0 "rm without --force removes an initialized container, as Podman"
  capture b container exists lc-init-rm
  assert_rc 1
  [ ! -e "/proc/$pid" ] || fail "the runtime's waiting init process $pid is gone"
}

test_mount_and_unmount() {
  local image id path
  image=$(lc_image)
  lc_clean lc-mount
  id=$(b create --name lc-mount "$image" true)
  capture b mount lc-mount
  assert_rc 0
  path=$out
  [ -x "$path/bin/busybox" ] || fail "mount point $path has no /bin/busybox"
  mountpoint -q "$path" || fail "$path is not a mount point"
  capture b mount
  assert_contains "$out" "${id:0:12}  $path"
  capture b mount --notruncate
  assert_contains "$out" "$id  $path"
  capture b mount --format json
  assert_contains "$out" "\"mountpoint\": \"$path\""
  # A second mount needs a second unmount.
  b mount lc-mount >/dev/null
  capture b umount lc-mount
  assert_rc 0
  assert_eq "lc-mount" "$out"
  mountpoint -q "$path" || fail "unmounted while a mount remains"
  capture b unmount lc-mount
  assert_rc 0
  mountpoint -q "$path" && fail "$path is still mounted"
  b mount lc-mount >/dev/null
  b mount lc-mount >/dev/null
  capture b umount -f lc-mount
  assert_rc 0
  mountpoint -q "$path" && fail "umount -f left $path mounted"
  capture b umount lc-nothere
  assert_rc 125 "unknown container"
  lc_clean lc-mount
}

test_kill_signal_names_and_numbers() {
  local image
  image=$(lc_image)
  lc_clean lc-kill lc-stopsig
  b run -d --name lc-kill "$image" sh -c 'trap "echo got-usr1" USR1; trap "echo got-hup" HUP; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  capture b kill -s USR1 lc-kill
  assert_rc 0
  assert_eq "lc-kill" "$out"
  capture b kill -s 1 lc-kill
  assert_rc 0
  sleep 0.5
  capture b logs lc-kill
  assert_contains "$out" "got-usr1"
  assert_contains "$out" "got-hup"
  capture b kill -s SIGBOGUS lc-kill
  assert_rc 125 "unknown signal"
  assert_contains "$err" "SIGBOGUS"
  capture b kill -s kill lc-kill
  assert_rc 0
  assert_eq "exited 137" "$(b inspect lc-kill --format '{{.State.Status}} {{.State.ExitCode}}')"
  # --stop-signal and --stop-timeout: KILL ends the container at once.
  b run -d --name lc-stopsig --stop-signal KILL --stop-timeout 30 "$image" sleep 1000 >/dev/null
  assert_eq "KILL" "$(b inspect lc-stopsig --format '{{.Config.StopSignal}}')"
  local start
  start=$(date +%s)
  b stop lc-stopsig >/dev/null
  [ $(($(date +%s) - start)) -lt 10 ] || fail "stop waited for --stop-timeout"
  assert_eq "137" "$(b inspect lc-stopsig --format '{{.State.ExitCode}}')"
  lc_clean lc-kill lc-stopsig
}
