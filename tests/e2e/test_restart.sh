# Restart policies: applied by the cleanup that berth-monitor starts when
# the process exits, with no berth command running in between.

IMG=$REG/busybox:latest

setup_image() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local left; left=$(b ps -aq)
  [ -z "$left" ] || b rm -f $left >/dev/null
}

# Waits up to 20 s until FILE has at least N lines; reads it on the host,
# so no berth command runs while waiting.
wait_for_lines() { # file n
  local i
  for i in $(seq 200); do
    [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 has $(wc -l <"$1" 2>/dev/null || echo no) lines, expected $2"
}

test_on_failure_restarts_up_to_the_limit() {
  setup_image
  local dir=$E2E_ROOT/restart-on-failure
  rm -rf "$dir" && mkdir -p "$dir"
  b run -d --name r-fail --restart on-failure:2 -v "$dir:/data" "$IMG" \
    sh -c 'sleep 0.5; echo run >>/data/runs; exit 3' >/dev/null
  # Every berth CLI process of this store is gone, and none runs until the
  # runs are counted: only the monitors and the cleanups they start
  # restart it. Processes of other stores on the machine are left alone.
  local pid
  for pid in $(pgrep -x berth); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--root $E2E_ROOT/root "; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait_for_lines "$dir/runs" 3
  sleep 1.5
  assert_eq 3 "$(wc -l <"$dir/runs")" "the first run and two restarts, then no more"
  assert_eq "exited 3 2" "$(b inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' r-fail)"
  assert_eq "on-failure 2" \
    "$(b inspect --format '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' r-fail)"
  # A clean exit is no failure.
  b run -d --name r-ok --restart on-failure -v "$dir:/data" "$IMG" \
    sh -c 'echo run >>/data/ok; exit 0' >/dev/null
  b wait r-ok >/dev/null
  sleep 1
  assert_eq 1 "$(wc -l <"$dir/ok")" "on-failure does not restart after exit 0"
  b rm -f r-fail r-ok >/dev/null
}

test_always_restarts_until_stopped() {
  setup_image
  local dir=$E2E_ROOT/restart-always
  rm -rf "$dir" && mkdir -p "$dir"
  b run -d --name r-always --restart always -v "$dir:/data" "$IMG" \
    sh -c 'echo run >>/data/runs; sleep 0.2' >/dev/null
  wait_for_lines "$dir/runs" 4
  b stop -t 1 r-always >/dev/null
  local count; count=$(wc -l <"$dir/runs")
  sleep 1.5
  assert_eq "$count" "$(wc -l <"$dir/runs")" "a stopped container is not restarted"
  assert_eq "exited" "$(b inspect --format '{{.State.Status}}' r-always)"
  # A user's start clears the stop: the policy applies again.
  b start r-always >/dev/null
  wait_for_lines "$dir/runs" $((count + 2))
  b rm -f r-always >/dev/null
  sleep 1
  assert_eq "" "$(b ps -aq)" "rm -f ends the restarts for good"
}

test_restart_policy_bad_input() {
  setup_image
  capture b run --restart bogus "$IMG" true
  assert_rc 125
  assert_contains "$err" 'invalid restart policy "bogus"'
  capture b create --restart on-failure:x "$IMG" true
  assert_rc 125
  assert_contains "$err" 'invalid restart policy "on-failure:x"'
  capture b create --restart always:3 "$IMG" true
  assert_rc 125
  assert_contains "$err" "only on-failure takes a retry count"
  capture b run --rm --restart always "$IMG" true
  assert_rc 125
  assert_contains "$err" "--rm option conflicts with --restart"
  assert_eq "" "$(b ps -aq)" "nothing was created"
}

# wait --condition: states other than stopped are polled, and the exit code
# is -1 until the container has exited, as in Podman.
test_wait_conditions() {
  setup_image
  b rm -f w-cond >/dev/null 2>&1 || true
  b create --name w-cond "$IMG" sh -c 'sleep 1; exit 4' >/dev/null
  (sleep 0.5; b start w-cond >/dev/null) &
  capture b wait --condition running --interval 50ms w-cond
  assert_rc 0 "wait for running"
  assert_eq "-1" "$out" "no exit code while it runs"
  assert_eq running "$(b inspect --format '{{.State.Status}}' w-cond)"
  capture b wait --condition stopped --condition exited w-cond
  assert_eq "4" "$out" "stopped waits for the exit"
  capture b wait --condition exited w-cond
  assert_eq "4" "$out" "an exited container meets exited at once"
  capture b wait --condition bogus w-cond
  assert_rc 125 "an unknown state"
  assert_contains "$err" 'unknown container state "bogus"'
  capture b wait --interval 0 --condition running w-cond
  assert_rc 125 "a zero interval"
  wait
  b rm -f w-cond >/dev/null
}
