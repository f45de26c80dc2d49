# Log drivers (--log-driver, --log-opt) and the logs command: several
# containers, --names, -f across restarts, max-size rotation, partial lines.

IMG=$REG/busybox:latest

setup_image() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
}

# Removes the named containers if they exist.
remove_containers() {
  b rm -f "$@" >/dev/null 2>&1 || true
}

# Waits up to 20 s until FILE has at least N lines.
wait_for_lines() { # file n
  local i
  for i in $(seq 200); do
    [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 has $(wc -l <"$1" 2>/dev/null || echo no) lines, expected $2"
}

# Waits up to 20 s for process PID to exit; fails if it does not.
wait_for_exit() { # pid what
  local i
  for i in $(seq 200); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill "$1" 2>/dev/null || true
  fail "$2 still runs after 20 s"
}

test_json_file_writes_k8s_format() {
  setup_image
  remove_containers lg-json
  b run --name lg-json --log-driver json-file "$IMG" sh -c 'echo out; echo err >&2' >/dev/null 2>&1
  capture b logs lg-json
  assert_rc 0
  assert_eq "out" "$out" "stdout lines"
  assert_eq "err" "$err" "stderr lines"
  assert_eq "json-file" "$(b inspect --format '{{.HostConfig.LogConfig.Type}}' lg-json)"
  local path; path=$(b inspect --format '{{.HostConfig.LogConfig.Path}}' lg-json)
  assert_eq "$path" "$(b inspect --format '{{.LogPath}}' lg-json)" "LogPath"
  # Podman treats json-file as k8s-file: the file contains k8s-file records.
  grep -Eq '^[0-9T:.-]+Z stdout F out$' "$path" || fail "no k8s-file stdout record in $(cat "$path")"
  grep -Eq '^[0-9T:.-]+Z stderr F err$' "$path" || fail "no k8s-file stderr record"
  assert_eq "k8s-file 0B" \
    "$(b inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}}' \
      "$(b create --name lg-default "$IMG" true)")" "default driver and size"
  remove_containers lg-json lg-default
}

test_containers_conf_default_driver() {
  setup_image
  remove_containers lg-conf
  local conf=$E2E_ROOT/logs-containers.conf
  printf '[containers]\nlog_driver = "none"\nlog_size_max = 2000\nlog_tag = "conftag"\n' >"$conf"
  CONTAINERS_CONF=$conf b create --name lg-conf "$IMG" true >/dev/null
  assert_eq "none 2kB conftag" \
    "$(b inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}} {{.HostConfig.LogConfig.Tag}}' lg-conf)"
  remove_containers lg-conf
  # --log-driver wins over containers.conf.
  CONTAINERS_CONF=$conf b create --name lg-conf --log-driver k8s-file "$IMG" true >/dev/null
  assert_eq "k8s-file" "$(b inspect --format '{{.HostConfig.LogConfig.Type}}' lg-conf)"
  remove_containers lg-conf
}

test_bad_log_values_exit_125() {
  setup_image
  local before; before=$(b ps -aq | wc -l)
  capture b run --log-driver foo "$IMG" true
  assert_rc 125 "unknown driver"
  assert_contains "$err" '"foo"'
  capture b create --log-opt max-size=abc "$IMG" true
  assert_rc 125 "bad size"
  assert_contains "$err" '"abc"'
  capture b create --log-opt bogus "$IMG" true
  assert_rc 125 "option without ="
  assert_contains "$err" '"bogus"'
  assert_eq "$before" "$(b ps -aq | wc -l)" "no container was created"
}

test_none_driver_keeps_no_log() {
  setup_image
  remove_containers lg-none
  capture b run --name lg-none --log-driver none "$IMG" echo hi-none
  assert_rc 0
  assert_eq "hi-none" "$out" "a foreground run still shows the output"
  assert_eq "none|" "$(b inspect --format '{{.HostConfig.LogConfig.Type}}|{{.HostConfig.LogConfig.Path}}' lg-none)"
  capture b logs lg-none
  assert_rc 125
  assert_contains "$err" "this container is using the 'none' log driver, cannot read logs"
  assert_eq "" "$out"
  [ ! -e "$E2E_ROOT/root/containers/$(b inspect --format '{{.Id}}' lg-none)/ctr.log" ] ||
    fail "the none driver wrote ctr.log"
  remove_containers lg-none
}

test_passthrough_driver_uses_caller_stdio() {
  setup_image
  remove_containers lg-pass
  local dir=$E2E_ROOT/logs-pass
  rm -rf "$dir" && mkdir -p "$dir"
  b run -d --name lg-pass --log-driver passthrough "$IMG" sh -c 'echo to-out; echo to-err >&2' \
    </dev/null >"$dir/out" 2>"$dir/err"
  b wait lg-pass >/dev/null
  # The ID that -d prints and the container's line share the caller's stdout.
  grep -qx "to-out" "$dir/out" || fail "container stdout not in the caller's stdout: $(cat "$dir/out")"
  grep -qx "$(b inspect --format '{{.Id}}' lg-pass)" "$dir/out" || fail "no ID in stdout"
  assert_eq "to-err" "$(cat "$dir/err")" "container stderr in the caller's stderr"
  capture b logs lg-pass
  assert_rc 125
  assert_contains "$err" "'passthrough' log driver"
  remove_containers lg-pass
  # On a terminal Podman rejects it.
  script -qec "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run --rm --log-driver passthrough $IMG true; echo rc=\$?" \
    /dev/null >"$dir/tty" 2>&1 </dev/null || true
  assert_contains "$(cat "$dir/tty")" "cannot be used on a TTY"
  assert_contains "$(cat "$dir/tty")" "rc=125"
}

test_max_size_rotation_keeps_last_lines() {
  setup_image
  remove_containers lg-rot
  b run --name lg-rot --log-opt max-size=1k "$IMG" \
    sh -c 'i=0; while [ $i -lt 100 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done' >/dev/null
  local path; path=$(b inspect --format '{{.HostConfig.LogConfig.Path}}' lg-rot)
  local size; size=$(stat -c %s "$path")
  [ "$size" -le 1000 ] || fail "the log is $size bytes, above max-size 1000"
  [ "$size" -gt 0 ] || fail "the log is empty after the rotation"
  assert_eq "1kB" "$(b inspect --format '{{.HostConfig.LogConfig.Size}}' lg-rot)"
  capture b logs lg-rot
  assert_rc 0
  assert_eq "line-99-xxxxxxxxxxxxxxxxxxxxxxxxx" "$(tail -n 1 <<<"$out")" "the newest line is kept"
  local count; count=$(wc -l <<<"$out")
  [ "$count" -lt 100 ] || fail "no line was dropped: $count lines"
  # The kept lines are the last ones, in order.
  local first; first=$(head -n 1 <<<"$out" | cut -d- -f2)
  assert_eq "$(seq "$first" 99 | sed 's/.*/line-&-xxxxxxxxxxxxxxxxxxxxxxxxx/')" "$out" "consecutive tail"
  # No temporary file is left beside the log.
  assert_eq "" "$(ls "$(dirname "$path")" | grep -v '^ctr.log$' | grep rotate || true)"
  remove_containers lg-rot
}

test_max_size_rotation_while_following() {
  setup_image
  remove_containers lg-rotf
  local dir=$E2E_ROOT/logs-rotf
  rm -rf "$dir" && mkdir -p "$dir"
  b run -d --name lg-rotf --log-opt max-size=500 "$IMG" \
    sh -c 'sleep 1; i=0; while [ $i -lt 40 ]; do echo follow-$i; i=$((i+1)); sleep 0.05; done' >/dev/null
  b logs -f lg-rotf >"$dir/out" &
  local follower=$!
  wait_for_exit "$follower" "logs -f"
  # Every line was seen once, across several rotations of a 500-byte log.
  assert_eq "$(seq 0 39 | sed 's/^/follow-/')" "$(cat "$dir/out")"
  remove_containers lg-rotf
}

test_log_path_option() {
  setup_image
  remove_containers lg-path
  local dir=$E2E_ROOT/logs-path
  rm -rf "$dir" && mkdir -p "$dir"
  b run --name lg-path --log-opt "path=$dir/custom.log" "$IMG" echo custom >/dev/null
  assert_eq "$dir/custom.log" "$(b inspect --format '{{.HostConfig.LogConfig.Path}}' lg-path)"
  assert_eq "$dir/custom.log" "$(b inspect --format '{{.LogPath}}' lg-path)"
  grep -q ' stdout F custom$' "$dir/custom.log" || fail "no record in the custom log"
  assert_eq "custom" "$(b logs lg-path)"
  remove_containers lg-path
}

test_several_containers_in_time_order() {
  setup_image
  remove_containers lg-a lg-b
  b run -d --name lg-a "$IMG" sh -c 'echo a-one; sleep 0.6; echo a-two' >/dev/null
  b run -d --name lg-b "$IMG" sh -c 'sleep 0.3; echo b-one; sleep 0.6; echo b-two' >/dev/null
  b wait lg-a lg-b >/dev/null
  local a b_id
  a=$(b inspect --format '{{.Id}}' lg-a | cut -c1-12)
  b_id=$(b inspect --format '{{.Id}}' lg-b | cut -c1-12)
  capture b logs lg-a lg-b
  assert_rc 0
  assert_eq "$a a-one
$b_id b-one
$a a-two
$b_id b-two" "$out" "short IDs, time order"
  capture b logs --names lg-b lg-a
  assert_eq "lg-a a-one
lg-b b-one
lg-a a-two
lg-b b-two" "$out" "--names"
  capture b logs -n -t --tail 1 lg-a lg-b
  [[ "$(head -n 1 <<<"$out")" =~ ^lg-a\ [0-9-]+T[0-9:.]+Z\ a-two$ ]] || fail "-n -t --tail 1: $out"
  assert_eq 2 "$(wc -l <<<"$out")" "--tail per container"
  # One container with --names has no prefix, as in Podman.
  assert_eq "a-one
a-two" "$(b logs -n lg-a)"
  # An unknown name fails before any output.
  capture b logs lg-a nosuch
  assert_rc 125
  assert_eq "" "$out"
  assert_contains "$err" "nosuch"
  # -f on stopped containers prints everything and ends.
  capture timeout 20 "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" logs -f -n lg-a lg-b
  assert_rc 0 "logs -f of stopped containers ends"
  assert_eq 4 "$(wc -l <<<"$out")"
  remove_containers lg-a lg-b
}

test_follow_several_running_containers() {
  setup_image
  remove_containers lg-fa lg-fb
  local dir=$E2E_ROOT/logs-follow-several
  rm -rf "$dir" && mkdir -p "$dir"
  b run -d --name lg-fa "$IMG" sh -c 'sleep 1; echo fa-1; sleep 0.8; echo fa-2' >/dev/null
  b run -d --name lg-fb "$IMG" sh -c 'sleep 1.4; echo fb-1; sleep 0.8; echo fb-2' >/dev/null
  b logs -f --names lg-fa lg-fb >"$dir/out" &
  local follower=$!
  wait_for_exit "$follower" "logs -f of two containers"
  assert_eq "lg-fa fa-1
lg-fb fb-1
lg-fa fa-2
lg-fb fb-2" "$(cat "$dir/out")" "interleaved in time order"
  remove_containers lg-fa lg-fb
}

test_follow_across_restart_until_stop() {
  setup_image
  remove_containers lg-restart
  local dir=$E2E_ROOT/logs-restart
  rm -rf "$dir" && mkdir -p "$dir"
  b run -d --name lg-restart --restart always "$IMG" sh -c 'echo run-$(cat /proc/sys/kernel/random/uuid); sleep 0.5' >/dev/null
  b logs -f lg-restart >"$dir/out" &
  local follower=$!
  # Three runs means at least two restarts, all seen by one follower.
  wait_for_lines "$dir/out" 3
  kill -0 "$follower" 2>/dev/null || fail "logs -f ended at a restart"
  assert_eq 3 "$(head -n 3 "$dir/out" | grep -c '^run-[0-9a-f-]*$')"
  assert_eq 3 "$(head -n 3 "$dir/out" | sort -u | wc -l)" "three different runs"
  b stop -t 1 lg-restart >/dev/null
  wait_for_exit "$follower" "logs -f after stop"
  wait "$follower" || fail "logs -f exited with $?"
  remove_containers lg-restart
}

test_follow_ends_when_removed() {
  setup_image
  remove_containers lg-rm
  local dir=$E2E_ROOT/logs-rm
  rm -rf "$dir" && mkdir -p "$dir"
  b run -d --name lg-rm "$IMG" sh -c 'echo started; sleep 60' >/dev/null
  b logs -f lg-rm >"$dir/out" &
  local follower=$!
  wait_for_lines "$dir/out" 1
  b rm -f -t 0 lg-rm >/dev/null
  wait_for_exit "$follower" "logs -f after rm"
  assert_eq "started" "$(cat "$dir/out")"
}

test_partial_lines_joined_and_intact() {
  setup_image
  remove_containers lg-part lg-part2
  b run --name lg-part "$IMG" sh -c 'printf abc; sleep 0.3; printf "def\n"; printf tail-no-newline' >/dev/null
  local path; path=$(b inspect --format '{{.HostConfig.LogConfig.Path}}' lg-part)
  assert_eq 2 "$(grep -c ' stdout P ' "$path")" "two partial records in the file"
  assert_eq "$(printf 'abcdef\ntail-no-newline' | od -c)" "$(b logs lg-part | od -c)" "joined, last one kept"
  # -t prints one timestamp per joined line.
  local stamped; stamped=$(b logs -t lg-part)
  [[ "$(head -n 1 <<<"$stamped")" =~ ^[0-9-]+T[0-9:.]+Z\ abcdef$ ]] || fail "-t: $stamped"
  # With several containers, another container's line never splits one.
  b run --name lg-part2 "$IMG" sh -c 'sleep 0.1; echo middle' >/dev/null
  capture b logs --names lg-part lg-part2
  assert_contains "$out" "lg-part abcdef"
  assert_contains "$out" "lg-part2 middle"
  # A trailing part that another container's line follows ends its line there.
  assert_contains "$out" "lg-part tail-no-newline
lg-part2 middle"
  remove_containers lg-part lg-part2
}

# The journal: systemd-journald runs only inside a private mount namespace
# of this test, on tmpfs over /run/systemd and /run/log, so the host's
# journal is untouched.
test_journald_driver() {
  setup_image
  remove_containers lg-jd
  local journald=/lib/systemd/systemd-journald
  if [ ! -x "$journald" ] || ! command -v unshare >/dev/null || ! command -v journalctl >/dev/null; then
    echo "SKIP: journald test needs $journald, unshare and journalctl"
    return 0
  fi
  local dir=$E2E_ROOT/logs-journald
  rm -rf "$dir" && mkdir -p "$dir"
  cat >"$dir/inner.sh" <<EOF
set -eu
mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/log && mount -t tmpfs tmpfs /run/log
$journald &
journald_pid=\$!
for i in \$(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
B() { "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" "\$@"; }
B run --name lg-jd --network none --log-driver journald --log-opt tag=tag-{{.Name}} "$IMG" \
  sh -c 'echo jd-out; echo jd-err >&2; printf jd-part; sleep 0.2; echo rest' >"$dir/run.out" 2>&1
id=\$(B inspect --format '{{.Id}}' lg-jd)
sleep 0.5
B logs lg-jd >"$dir/logs.out" 2>"$dir/logs.err"
echo \$? >"$dir/logs.rc"
B inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Tag}}|{{.HostConfig.LogConfig.Path}}' lg-jd >"$dir/inspect.out"
journalctl --no-pager -o export CONTAINER_ID_FULL=\$id >"$dir/journal.out"
B rm -f lg-jd >/dev/null
kill \$journald_pid
wait \$journald_pid || true
EOF
  unshare -m --propagation private bash "$dir/inner.sh"
  assert_eq "0" "$(cat "$dir/logs.rc")" "logs exit code (stderr: $(cat "$dir/logs.err"))"
  assert_eq "jd-out
jd-partrest" "$(cat "$dir/logs.out")" "stdout lines, the partial one joined"
  assert_eq "jd-err" "$(cat "$dir/logs.err")"
  assert_eq "journald tag-{{.Name}}|" "$(cat "$dir/inspect.out")"
  local journal; journal=$(cat "$dir/journal.out")
  assert_contains "$journal" "MESSAGE=jd-out"
  assert_contains "$journal" "CONTAINER_NAME=lg-jd"
  assert_contains "$journal" "SYSLOG_IDENTIFIER=tag-lg-jd"
  assert_contains "$journal" "CONTAINER_TAG=tag-lg-jd"
  assert_contains "$journal" "CONTAINER_PARTIAL_MESSAGE=true"
  assert_contains "$journal" "PRIORITY=3"
  # Without a journal the create fails as Podman's does.
  if [ ! -S /run/systemd/journal/socket ]; then
    capture b create --log-driver journald "$IMG" true
    assert_rc 125
    assert_contains "$err" "/run/systemd/journal/socket"
  fi
}
