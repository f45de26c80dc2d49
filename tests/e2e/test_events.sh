# events: the event log written by one berth process and read by another,
# its filters, formats and time ranges.

# Pulls the fixture busybox quietly.
events_busybox() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Starts `berth events ARGS...` in the background with its output in the
# file $1; sets $stream_pid to the berth process itself, not a subshell.
events_stream_start() {
  local log=$1
  shift
  (exec "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" events "$@" >"$log" 2>&1) &
  stream_pid=$!
}

# The time now, as RFC 3339, for --since.
events_now() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }

test_events_container_lifecycle() {
  events_busybox
  local since id
  since=$(events_now)
  capture b run --name ev-life -l evlabel=one "$REG/busybox:latest" sh -c 'exit 3'
  assert_rc 3
  id=$(b inspect ev-life --format '{{.Id}}')
  b rm ev-life >/dev/null
  capture b events --stream=false --since "$since" --filter container=ev-life \
    --format '{{.Status}}'
  assert_rc 0
  assert_eq "$(printf 'create\ninit\nstart\nattach\ndied\ncleanup\nremove')" "$out"
  capture b events --stream=false --since "$since" --filter event=died --filter container=ev-life
  assert_rc 0
  assert_contains "$out" "container died $id (image=$REG/busybox:latest, name=ev-life"
  assert_contains "$out" "evlabel=one"
  assert_contains "$out" " +0000 UTC container died" "Go's time format in UTC"
}

test_events_json_has_exit_code() {
  events_busybox
  local since line
  since=$(events_now)
  b run --rm --name ev-json "$REG/busybox:latest" sh -c 'exit 7' || true
  capture b events --stream=false --since "$since" --filter event=died --format json
  assert_rc 0
  line=$out
  assert_eq 7 "$(echo "$line" | jq -r .ContainerExitCode)"
  assert_eq ev-json "$(echo "$line" | jq -r .Name)"
  assert_eq container "$(echo "$line" | jq -r .Type)"
  assert_eq "$REG/busybox:latest" "$(echo "$line" | jq -r .Image)"
  local seconds nanos
  seconds=$(echo "$line" | jq -r .time)
  nanos=$(echo "$line" | jq -r .timeNano)
  assert_eq "$seconds" "${nanos:0:10}" "time is timeNano in seconds"
}

test_events_filters_or_and() {
  events_busybox
  local since
  since=$(events_now)
  b volume create ev-vol-a >/dev/null
  b volume create ev-vol-b >/dev/null
  b volume rm ev-vol-a ev-vol-b >/dev/null
  capture b events --stream=false --since "$since" --filter type=volume \
    --format '{{.Status}} {{.Name}}'
  assert_eq "$(printf 'create ev-vol-a\ncreate ev-vol-b\nremove ev-vol-a\nremove ev-vol-b')" "$out"
  capture b events --stream=false --since "$since" --filter volume=ev-vol-a \
    --filter volume=ev-vol-b --filter event=remove --format '{{.Name}}'
  assert_eq "$(printf 'ev-vol-a\nev-vol-b')" "$out" "same keys OR, different keys AND"
  capture b events --stream=false --since "$since" --filter type=image --filter type=pod
  assert_eq "" "$out" "no image or pod events"
}

test_events_image_tag_untag() {
  events_busybox
  local since id
  id=$(b image inspect "$REG/busybox:latest" --format '{{.Id}}')
  since=$(events_now)
  b tag "$REG/busybox:latest" ev-tag:v1
  b untag "$REG/busybox:latest" localhost/ev-tag:v1
  capture b events --stream=false --since "$since" --filter type=image
  assert_rc 0
  assert_contains "$out" "image tag $id localhost/ev-tag:v1"
  assert_contains "$out" "image untag $id localhost/ev-tag:v1"
  capture b events --stream=false --since "$since" --filter image="$id" --format '{{.Status}}'
  assert_eq "$(printf 'tag\nuntag')" "$out"
}

test_events_until_and_truncation() {
  events_busybox
  local since until
  since=$(events_now)
  b volume create ev-until >/dev/null
  sleep 0.2
  until=$(events_now)
  sleep 0.2
  b volume rm ev-until >/dev/null
  capture b events --stream=false --since "$since" --until "$until" --format '{{.Status}}'
  assert_eq create "$out" "--until leaves the later removal out"
  capture b create --name ev-trunc "$REG/busybox:latest" true
  local id=$out
  capture b events --stream=false --since "$since" --no-trunc=false --filter event=create \
    --filter type=container
  assert_contains "$out" "container create ${id:0:12} (image="
  assert_not_contains "$out" "$id"
  b rm ev-trunc >/dev/null
}

test_events_stream_across_processes() {
  events_busybox
  local log=$E2E_ROOT/events-stream.log pid
  events_stream_start "$log" --filter type=volume --format '{{.Status}} {{.Name}}'
  pid=$stream_pid
  sleep 2  # time for the stream to start on a loaded machine
  b volume create ev-stream >/dev/null
  b volume rm ev-stream >/dev/null
  local tries=0
  while [ "$(wc -l <"$log")" -lt 2 ] && [ $tries -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  # Idle streaming costs next to no CPU: under 10 clock ticks in 2 s.
  sleep 2
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  assert_eq "$(printf 'create ev-stream\nremove ev-stream')" "$(cat "$log")"
  [ "$ticks" -lt 10 ] || fail "streaming used $ticks clock ticks while idle"
}

test_events_stream_shows_only_new() {
  b volume create ev-old >/dev/null
  b volume rm ev-old >/dev/null
  local log=$E2E_ROOT/events-new.log pid
  events_stream_start "$log" --filter type=volume --format '{{.Name}}'
  pid=$stream_pid
  sleep 2  # time for the stream to start on a loaded machine
  b volume create ev-new >/dev/null
  b volume rm ev-new >/dev/null
  # The stream shows both within 10 s even on a loaded machine.
  local waited
  for waited in $(seq 100); do
    [ "$(wc -l <"$log")" -ge 2 ] && break
    sleep 0.1
  done
  sleep 0.2
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  assert_eq "$(printf 'ev-new\nev-new')" "$(cat "$log")" "a stream without --since starts now"
}

test_events_system_alias_and_errors() {
  capture b system events --stream=false --since 1s
  assert_rc 0
  capture b events --stream=false --filter colour=red
  assert_rc 125
  assert_contains "$err" 'invalid filter "colour=red"'
  capture b events --stream=false --since yesterday
  assert_rc 125
  assert_contains "$err" "yesterday"
  b volume create ev-template >/dev/null
  b volume rm ev-template >/dev/null
  capture b events --stream=false --format '{{.Nope}}'
  assert_rc 125
  assert_contains "$err" "can't evaluate field Nope"
}
