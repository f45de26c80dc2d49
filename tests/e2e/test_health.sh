# Health checks: run by berth-monitor's timer with no berth command running
# in between, by `healthcheck run`, and shown in ps and inspect.

IMG=$REG/busybox:latest

setup_image() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local left; left=$(b ps -aq)
  [ -z "$left" ] || b rm -f $left >/dev/null
}

# Waits up to 15 s until the container's health status is $2; reads the
# monitor's result file on the host between the checks.
wait_for_health() { # container status
  local i status
  for i in $(seq 150); do
    status=$(b inspect --format '{{.State.Health.Status}}' "$1")
    [ "$status" == "$2" ] && return 0
    sleep 0.1
  done
  fail "health of $1 is [$status], expected [$2]"
}

test_monitor_runs_the_check() {
  setup_image
  b run -d --name hc --health-cmd 'test -f /tmp/ok' --health-interval 1s --health-retries 2 \
    "$IMG" sleep 300 >/dev/null
  assert_eq "starting" "$(b inspect --format '{{.State.Health.Status}}' hc)"
  assert_eq '["CMD-SHELL","test -f /tmp/ok"] 1000000000 2' \
    "$(b inspect --format '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}}' hc)"
  # Two failed checks in a row, run by the monitor alone, make it unhealthy.
  local state=$E2E_ROOT/root/containers/$(b inspect --format '{{.Id}}' hc)/healthcheck.json
  local i
  for i in $(seq 100); do
    grep -q '"Status":"unhealthy"' "$state" 2>/dev/null && break
    sleep 0.1
  done
  assert_contains "$(cat "$state")" '"Status":"unhealthy"' "the monitor's checks failed twice"
  assert_contains "$(b ps --format '{{.Status}}' --filter name=hc)" "(unhealthy)"
  assert_eq "2" "$(b inspect --format '{{.State.Health.FailingStreak}}' hc)"
  b exec hc touch /tmp/ok
  wait_for_health hc healthy
  assert_contains "$(b ps --format '{{.Status}}' --filter name=hc)" "(healthy)"
  assert_eq "0" "$(b inspect --format '{{.State.Health.FailingStreak}}' hc)"
  b rm -f hc >/dev/null
}

test_healthcheck_run_by_hand() {
  setup_image
  b run -d --name hc --health-cmd '["sh", "-c", "echo checked; cat /tmp/ok"]' \
    --health-interval disable --health-retries 1 "$IMG" sleep 300 >/dev/null
  capture b healthcheck run hc
  assert_rc 1 "a failing check"
  assert_eq "unhealthy" "$out"
  b exec hc sh -c 'echo fine >/tmp/ok'
  capture b healthcheck run hc
  assert_rc 0 "a passing check"
  assert_eq "" "$out"
  assert_eq "healthy" "$(b inspect --format '{{.State.Health.Status}}' hc)"
  assert_contains "$(b inspect --format '{{json .State.Health.Log}}' hc)" 'checked\nfine'
  b rm -f hc >/dev/null
}

# Each check writes a health_status event with its result, as Podman
# does; Docker's API names the result in the action.
test_health_status_events() {
  setup_image
  b run -d --name hc-ev --health-cmd 'cat /tmp/ok' --health-interval disable --health-retries 1 \
    "$IMG" sleep 300 >/dev/null
  local id since
  id=$(b inspect --format '{{.Id}}' hc-ev)
  since=$(date +%s)
  b healthcheck run hc-ev >/dev/null || true
  b exec hc-ev touch /tmp/ok
  b healthcheck run hc-ev >/dev/null
  capture b events --since "$since" --stream=false --filter event=health_status \
    --format '{{.Name}} {{.Status}} {{.HealthStatus}}'
  assert_eq "$(printf 'hc-ev health_status unhealthy\nhc-ev health_status healthy')" "$out" \
    "one event per check"
  capture b events --since "$since" --stream=false --filter event=health_status
  assert_contains "$out" "container health_status $id (image=$IMG, name=hc-ev, health_status=healthy"
  capture b events --since "$since" --stream=false --filter event=health_status --format json
  assert_eq '"healthy"' "$(tail -1 <<<"$out" | jq -c .health_status)" "the JSON field"

  start_service --time 0
  api GET "/v1.41/events?since=$since&until=$(($(date +%s) + 1))&filters=%7B%22event%22%3A%5B%22health_status%22%5D%7D"
  assert_eq 200 "$code"
  assert_eq '"health_status: unhealthy" "health_status: healthy"' "$(jq -r .Action <<<"$out" | sed 's/.*/"&"/' | paste -sd' ')" \
    "Docker's actions"
  api GET "/v4.0.0/libpod/events?stream=false&since=$since&filters=%7B%22event%22%3A%5B%22health_status%22%5D%7D"
  assert_eq 200 "$code"
  assert_eq "health_status health_status" "$(jq -r .Action <<<"$out" | paste -sd' ')" "Podman's actions"
  stop_service
  b rm -f hc-ev >/dev/null
}

test_start_period_and_on_failure() {
  setup_image
  # Failures in the start period do not count.
  b run -d --name hc-start --health-cmd false --health-interval disable --health-retries 1 \
    --health-start-period 1m "$IMG" sleep 300 >/dev/null
  capture b healthcheck run hc-start
  assert_rc 1
  assert_eq "starting" "$(b inspect --format '{{.State.Health.Status}}' hc-start)"
  # --health-on-failure kill ends the container when it turns unhealthy.
  b run -d --name hc-kill --health-cmd false --health-interval 1s --health-retries 1 \
    --health-on-failure kill "$IMG" sleep 300 >/dev/null
  local i
  for i in $(seq 100); do
    [ "$(b inspect --format '{{.State.Status}}' hc-kill)" == "exited" ] && break
    sleep 0.1
  done
  assert_eq "exited 137" "$(b inspect --format '{{.State.Status}} {{.State.ExitCode}}' hc-kill)"
  b rm -f hc-start hc-kill >/dev/null
}

test_health_bad_input() {
  setup_image
  capture b run -d --health-cmd true --health-interval 10x "$IMG" true
  assert_rc 125
  assert_contains "$err" 'invalid --health-interval "10x"'
  capture b run -d --health-cmd true --health-retries 0 "$IMG" true
  assert_rc 125
  assert_contains "$err" "invalid --health-retries 0"
  capture b run -d --health-cmd true --health-on-failure explode "$IMG" true
  assert_rc 125
  assert_contains "$err" 'invalid --health-on-failure "explode"'
  capture b run -d --health-cmd '["sh", 1]' "$IMG" true
  assert_rc 125
  assert_contains "$err" "array of strings"
  b run -d --name plain "$IMG" sleep 300 >/dev/null
  capture b healthcheck run plain
  assert_rc 125
  assert_contains "$err" 'container "plain" has no defined healthcheck'
  assert_eq "" "$(b ps -a --format '{{.Names}}' | grep -v '^plain$' || true)" "nothing half-created"
  b rm -f plain >/dev/null
}
