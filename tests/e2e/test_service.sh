# system service: the REST service on a private unix socket, driven with
# curl; status codes, headers and bodies of both APIs.

test_service_ping_and_headers() {
  start_service --time 0
  capture curl -s -i --unix-socket "$SVC_SOCK" -H 'X-Reference-Id: ref-123' http://d/_ping
  assert_rc 0
  assert_contains "$out" "HTTP/1.1 200 OK"
  assert_contains "$out" "API-Version: 1.41"
  assert_contains "$out" "Libpod-API-Version: 5.0.0"
  assert_contains "$out" "OSType: linux"
  assert_contains "$out" "X-Reference-Id: ref-123" "the reference ID is echoed"
  assert_eq "OK" "$(printf '%s' "$out" | tail -n 1)"
  capture curl -s -I --unix-socket "$SVC_SOCK" http://d/libpod/_ping
  assert_contains "$out" "HTTP/1.1 200 OK" "HEAD /libpod/_ping"
  assert_contains "$out" "Content-Length: 2"
  api GET /v1.41/_ping
  assert_eq 200 "$code"
  api GET /v4.0.0/libpod/_ping
  assert_eq 200 "$code"
  [ "$(stat -c %a "$SVC_SOCK")" = 660 ] || fail "socket mode $(stat -c %a "$SVC_SOCK"), want 660"
  stop_service
  [ ! -e "$SVC_SOCK" ] || fail "the socket file stays after SIGTERM"
}

test_service_unknown_route_and_method() {
  start_service --time 0
  api GET /v1.41/no/such/route
  assert_eq 404 "$code"
  assert_eq 404 "$(jq -r .response <<<"$out")"
  assert_contains "$(jq -r .message <<<"$out")" "/no/such/route"
  api GET /containers/create
  assert_eq 405 "$code" "wrong method"
  api GET /containers/nosuchctr/json
  assert_eq 404 "$code"
  assert_eq "no such container" "$(jq -r .cause <<<"$out")"
  api POST /containers/create -H 'Content-Type: application/json' -d '{"Image": '
  assert_eq 400 "$code" "malformed JSON"
  assert_contains "$(jq -r .message <<<"$out")" "JSON"
  api GET '/containers/json?all=maybe'
  assert_eq 400 "$code"
  assert_contains "$(jq -r .message <<<"$out")" '"maybe"'
  api GET '/containers/json?filters=%7Bbad'
  assert_eq 400 "$code" "malformed filters"

  # A client that asks to continue gets the interim reply before it sends
  # the body.
  capture curl -sv --unix-socket "$SVC_SOCK" -X POST -H 'Expect: 100-continue' \
    -H 'Content-Type: application/json' --data-binary '{"Image": ' http://d/v1.41/containers/create
  assert_contains "$err" "< HTTP/1.1 100 Continue"
  assert_contains "$err" "< HTTP/1.1 400 Bad Request"
  # A request line that is not HTTP gets 400 with the usual headers.
  capture python3 - "$SVC_SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
s.settimeout(10)
reply = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.decode(errors="replace").replace("\r", ""))
PY
  assert_contains "$out" "HTTP/1.1 400 Bad Request"
  assert_contains "$out" "Libpod-API-Version:"
  assert_contains "$out" "malformed HTTP request"
  stop_service
}

test_service_version_and_info() {
  start_service --time 0
  api GET /v1.41/version
  assert_eq 200 "$code"
  assert_eq 1.41 "$(jq -r .ApiVersion <<<"$out")"
  assert_eq linux "$(jq -r .Os <<<"$out")"
  api GET /v1.41/info
  assert_eq 200 "$code"
  assert_eq linux "$(jq -r .OSType <<<"$out")"
  [ "$(jq -r .NCPU <<<"$out")" -ge 1 ] || fail "NCPU: $out"
  api GET /v5.0.0/libpod/info
  assert_eq 200 "$code"
  assert_eq "$E2E_ROOT/root" "$(jq -r .store.graphRoot <<<"$out")"
  assert_eq "$SVC_SOCK" "$(jq -r .host.remoteSocket.path <<<"$out")" "the socket the service listens on"
  stop_service
}

test_service_container_lifecycle_compat() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-c1 >/dev/null 2>&1 || true
  start_service --time 0
  api POST '/v1.41/containers/create?name=svc-c1' -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$REG/busybox:latest\",\"Cmd\":[\"sh\",\"-c\",\"echo hi; exit 3\"],\"Labels\":{\"svc\":\"yes\"}}"
  assert_eq 201 "$code" "create: $out"
  local id
  id=$(jq -r .Id <<<"$out")
  assert_eq 64 "${#id}"
  capture b ps -a --format '{{.Names}} {{.Status}}' --filter name=svc-c1
  assert_eq "svc-c1 Created" "$out" "the CLI sees the container"
  api POST /v1.41/containers/svc-c1/start
  assert_eq 204 "$code"
  api POST '/v1.41/containers/svc-c1/wait?condition=not-running'
  assert_eq 200 "$code"
  assert_eq 3 "$(jq -r .StatusCode <<<"$out")"
  api GET '/v1.41/containers/json?all=true&filters=%7B%22label%22%3A%5B%22svc%3Dyes%22%5D%7D'
  assert_eq 200 "$code"
  assert_eq "/svc-c1" "$(jq -r '.[0].Names[0]' <<<"$out")"
  assert_eq exited "$(jq -r '.[0].State' <<<"$out")"
  assert_eq 1 "$(jq length <<<"$out")"
  api GET /v1.41/containers/svc-c1/json
  assert_eq 200 "$code"
  assert_eq "/svc-c1" "$(jq -r .Name <<<"$out")"
  assert_eq 3 "$(jq -r .State.ExitCode <<<"$out")"
  api POST /v1.41/containers/svc-c1/kill
  assert_eq 409 "$code" "kill of a stopped container"
  api DELETE /v1.41/containers/svc-c1
  assert_eq 204 "$code"
  capture b container exists svc-c1
  assert_rc 1 "removed"
  api POST '/v1.41/containers/create' -H 'Content-Type: application/json' \
    -d '{"Image":"127.0.0.1:5000/never-pulled:latest"}'
  assert_eq 404 "$code" "create with a missing image"
  stop_service
}

test_service_wait_next_exit_and_stop() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-c2 >/dev/null 2>&1 || true
  start_service --time 0
  api POST '/containers/create?name=svc-c2' -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$REG/busybox:latest\",\"Cmd\":[\"sleep\",\"100\"],\"StopTimeout\":1}"
  assert_eq 201 "$code"
  # Docker's run: wait for the next exit first, then start.
  local f=$E2E_ROOT/wait.out
  curl -s --unix-socket "$SVC_SOCK" -X POST 'http://d/containers/svc-c2/wait?condition=next-exit' >"$f" &
  local waiter=$!
  sleep 0.3
  api POST /containers/svc-c2/start
  assert_eq 204 "$code"
  api POST /containers/svc-c2/start
  assert_eq 304 "$code" "start of a running container"
  api GET /libpod/containers/json
  assert_eq svc-c2 "$(jq -r '.[0].Names[0]' <<<"$out")"
  assert_eq running "$(jq -r '.[0].State' <<<"$out")"
  api POST '/containers/svc-c2/stop?t=1'
  assert_eq 204 "$code"
  wait "$waiter"
  assert_eq 137 "$(jq -r .StatusCode "$f")" "the wait saw the stop"
  api POST /containers/svc-c2/stop
  assert_eq 304 "$code" "stop of a stopped container"
  api DELETE /libpod/containers/svc-c2
  assert_eq 200 "$code"
  assert_eq null "$(jq -r '.[0].Err' <<<"$out")"
  stop_service
}

test_service_libpod_create_and_images() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-c3 >/dev/null 2>&1 || true
  start_service --time 0
  api POST /v5.0.0/libpod/containers/create -H 'Content-Type: application/json' \
    -d "{\"image\":\"$REG/busybox:latest\",\"name\":\"svc-c3\",\"command\":[\"true\"],\"env\":{\"A\":\"1\"}}"
  assert_eq 201 "$code" "libpod create: $out"
  capture b inspect svc-c3 --format '{{.Config.Env}}'
  assert_contains "$out" "A=1"
  api GET /v1.41/images/json
  assert_eq 200 "$code"
  assert_contains "$(jq -r '.[].RepoTags[]' <<<"$out")" "$REG/busybox:latest"
  api GET "/v1.41/images/$REG/busybox:latest/json"
  assert_eq 200 "$code" "image inspect by a name with slashes"
  assert_contains "$(jq -r .Id <<<"$out")" "sha256:"
  api DELETE /libpod/containers/svc-c3

  # Bodies that Go's decoding in Podman and Docker refuses: a string for a
  # list, and a path as a volume's name, which must not become a bind.
  local before
  before=$(b ps -aq | sort)
  api POST /v5.0.0/libpod/containers/create -H 'Content-Type: application/json' \
    -d "{\"image\":\"$REG/busybox:latest\",\"volumes\":[{\"Name\":\"../../etc\",\"Dest\":\"/x\"}]}"
  assert_eq 400 "$code" "a path as a volume name: $out"
  assert_contains "$out" '\"../../etc\" is not a volume name'
  api POST /v5.0.0/libpod/containers/create -H 'Content-Type: application/json' \
    -d "{\"image\":\"$REG/busybox:latest\",\"command\":\"notalist\"}"
  assert_eq 400 "$code" "a string as command: $out"
  assert_contains "$out" "invalid command in the request body: want a list of strings"
  api POST /v1.41/containers/create -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$REG/busybox:latest\",\"Env\":\"X=1\"}"
  assert_eq 400 "$code" "a string as Env: $out"
  api POST /v1.41/containers/create -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$REG/busybox:latest\",\"Cmd\":\"true\"}"
  assert_eq 201 "$code" "a string as Cmd, which Docker allows: $out"
  api DELETE "/v1.41/containers/$(jq -r .Id <<<"$out")"
  assert_eq "$before" "$(b ps -aq | sort)" "no container was left"
  stop_service
}

test_service_idle_timeout() {
  start_service --time 1
  api GET /_ping
  assert_eq 200 "$code"
  wait_for_exit 5 "$svc_pid" || fail "the service still runs after 5 s with --time 1"
  wait "$svc_pid"
  assert_eq 0 "$?" "exit code after the idle timeout"
  [ ! -e "$SVC_SOCK" ] || fail "the socket file stays after the idle timeout"
}

test_service_bad_uri() {
  capture b system service ftp://x
  assert_rc 125
  assert_contains "$err" '"ftp://x"'
  capture b system service tcp://127.0.0.1:notaport
  assert_rc 125
  capture b system service --time -1 "unix://$SVC_SOCK"
  assert_rc 125
}

test_service_socket_activation() {
  command -v systemd-socket-activate >/dev/null || fail "systemd-socket-activate is missing"
  mkdir -p "$(dirname "$SVC_SOCK")"
  rm -f "$SVC_SOCK"
  # As a socket unit does: listen, start the service on the first
  # connection, and listen again once it has exited.
  (
    for _ in 1 2 3; do
      systemd-socket-activate -l "$SVC_SOCK" "$BERTH_BIN" --root "$E2E_ROOT/root" \
        --runroot "$E2E_RUNROOT" system service --time 1 2>>"$E2E_ROOT/activate.log"
    done
  ) &
  local activator=$!
  for _ in $(seq 100); do [ -S "$SVC_SOCK" ] && break; sleep 0.05; done
  pgrep -f "^$BERTH_BIN .*system service --time 1" >/dev/null && fail "the service started before a request"
  api GET /_ping
  assert_eq 200 "$code" "the first request starts the service"
  pgrep -f "^$BERTH_BIN .*system service --time 1" >/dev/null || fail "no activated service runs"
  local waited=0
  while pgrep -f "^$BERTH_BIN .*system service --time 1" >/dev/null && [ $waited -lt 50 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  pgrep -f "^$BERTH_BIN .*system service --time 1" >/dev/null && fail "the activated service did not exit"
  sleep 0.3
  api GET /libpod/_ping
  assert_eq 200 "$code" "the next request starts it again"
  api GET /v4.0.0/libpod/info
  assert_eq "$SVC_SOCK true" "$(jq -r '"\(.host.remoteSocket.path) \(.host.remoteSocket.exists)"' <<<"$out")" \
    "info names the inherited socket"
  kill "$activator" 2>/dev/null || true
  pkill -f "systemd-socket-activate -l $SVC_SOCK" || true
  pkill -f "^$BERTH_BIN .*system service --time 1" || true
  wait "$activator" 2>/dev/null || true
}

test_service_logs_multiplexed() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-logs >/dev/null 2>&1 || true
  b run --name svc-logs "$REG/busybox:latest" sh -c 'echo out1; echo err1 >&2; echo out2' >/dev/null 2>&1
  start_service --time 0
  local f=$E2E_ROOT/logs.bin
  curl -s --unix-socket "$SVC_SOCK" -o "$f" 'http://d/v1.41/containers/svc-logs/logs?stdout=1&stderr=1'
  # Frames: stream byte, three zeros, 4-byte big-endian length, payload.
  capture python3 - "$f" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
streams = {1: b"", 2: b""}
while data:
    kind, length = data[0], struct.unpack(">I", data[4:8])[0]
    assert data[1:4] == b"\0\0\0", data[:8]
    streams[kind] += data[8:8 + length]
    data = data[8 + length:]
print(repr(streams[1]), repr(streams[2]))
PY
  assert_rc 0 "well-formed frames"
  assert_eq "b'out1\\nout2\\n' b'err1\\n'" "$out" "payloads by stream"
  curl -s --unix-socket "$SVC_SOCK" -o "$f" 'http://d/v1.41/containers/svc-logs/logs?stderr=1'
  assert_eq 13 "$(stat -c %s "$f")" "stderr only"
  api GET /v1.41/containers/svc-logs/logs
  assert_eq 400 "$code" "no stream chosen"
  assert_contains "$(jq -r .message <<<"$out")" "stdout or stderr"
  api GET /v1.41/containers/nosuch/logs?stdout=1
  assert_eq 404 "$code"
  b rm svc-logs >/dev/null
  stop_service
}

test_service_events_stream() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  start_service --time 0
  local f=$E2E_ROOT/events.json
  curl -s -N --unix-socket "$SVC_SOCK" "http://d/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D" >"$f" &
  local reader=$!
  sleep 0.5
  b create --name svc-ev "$REG/busybox:latest" true >/dev/null
  b rm svc-ev >/dev/null
  local waited=0
  while ! grep -q '"Action":"destroy"' "$f" && [ $waited -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
  kill "$reader" 2>/dev/null || true
  wait "$reader" 2>/dev/null || true
  assert_eq "create destroy" "$(jq -r .Action "$f" | tr '\n' ' ' | sed 's/ $//')" \
    "streamed events, with Docker's action names"
  assert_eq svc-ev "$(jq -r '.Actor.Attributes.name' "$f" | head -n 1)"
  api GET '/libpod/events?stream=false&filters=%7B%22container%22%3A%5B%22svc-ev%22%5D%7D'
  assert_eq 200 "$code"
  assert_contains "$out" '"Action":"remove"' "libpod events use Podman's action names"
  stop_service
}

test_service_docker_cli_run_exec_logs() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-dk >/dev/null 2>&1 || true
  start_service --time 0
  export DOCKER_HOST=unix://$SVC_SOCK
  local cli
  for cli in $(docker_clis); do
    capture "$cli" version --format '{{.Server.APIVersion}}'
    assert_rc 0 "$cli version"
    assert_eq 1.41 "$out"
    capture "$cli" run --rm "$REG/busybox:latest" sh -c 'echo out-line; echo err-line >&2; exit 3'
    assert_rc 3 "$cli run --rm returns the container's exit code"
    assert_eq out-line "$out"
    assert_eq err-line "$err"
    capture "$cli" run -d --name svc-dk "$REG/busybox:latest" sh -c 'echo started; sleep 100'
    assert_rc 0 "$cli run -d"
    assert_eq 64 "${#out}"
    capture "$cli" exec svc-dk sh -c 'echo in-exec; exit 5'
    assert_rc 5 "$cli exec returns the command's exit code"
    assert_eq in-exec "$out"
    capture sh -c "echo piped-input | $cli exec -i svc-dk cat"
    assert_eq piped-input "$out" "$cli exec -i passes stdin"
    capture "$cli" logs svc-dk
    assert_eq started "$out"
    capture "$cli" ps --format '{{.Names}} {{.State}}'
    assert_contains "$out" "svc-dk running"
    capture "$cli" rm -f svc-dk
    assert_rc 0 "$cli rm -f"
    capture b container exists svc-dk
    assert_rc 1 "removed through $cli"
    capture "$cli" exec nosuch true
    assert_rc 1 "$cli exec in a missing container"
    assert_contains "${err,,}" "no such container"
  done
  stop_service
}

test_service_survives_bad_bytes() {
  start_service --time 0
  api GET '/v1.41/containers/%ff%fe/json'
  assert_eq 404 "$code" "a name that is not UTF-8"
  assert_contains "$(jq -r .cause <<<"$out")" "no such container"
  api GET '/v1.41/containers/json?filters=%7B%22name%22%3A%5B%22%ff%22%5D%7D'
  assert_contains "200 400" "$code" "filters that are not UTF-8"
  api GET '/v1.41/containers/%00abc/json'
  assert_eq 400 "$code" "a NUL byte in a path"
  assert_contains "$(jq -r .message <<<"$out")" "%00"
  api POST /v1.41/containers/create -H 'Content-Type: application/json' \
    -d '{"Image":"x","HostConfig":{"Memory":-5}}'
  assert_eq 400 "$code" "a negative memory limit"
  assert_contains "$(jq -r .message <<<"$out")" "Memory -5"
  api GET /_ping
  assert_eq 200 "$code" "the service still serves"
  kill -0 "$svc_pid" || fail "the service died"
  stop_service
}

# The event loop: a client that sends half a request delays no one, and
# requests pipelined on one connection all get replies, in order.
test_service_half_request_and_pipelining() {
  start_service --time 0
  python3 - "$SVC_SOCK" <<'PY' || fail "the event loop test failed"
import socket, sys, time
path = sys.argv[1]
slow = socket.socket(socket.AF_UNIX)
slow.connect(path)
slow.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\n")  # no blank line yet
fast = socket.socket(socket.AF_UNIX)
fast.connect(path)
fast.settimeout(5)
started = time.monotonic()
fast.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n"
             b"GET /version HTTP/1.1\r\nHost: d\r\n\r\n"
             b"HEAD /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
got = b""
while True:
    chunk = fast.recv(65536)
    if not chunk:
        break
    got += chunk
assert time.monotonic() - started < 3, "a half-sent request held up another client"
assert got.count(b"HTTP/1.1 200 OK") == 3, got
first, second = got.index(b"\r\n\r\nOK"), got.index(b'"ApiVersion"')
assert first < second, "pipelined answers out of order"
slow.settimeout(5)
slow.sendall(b"\r\n")
assert slow.recv(65536).startswith(b"HTTP/1.1 200 OK"), "the slow client got no answer"
PY
  stop_service
}


# Clients that hang up on streams that have nothing to send: events,
# attach, and logs -f through both APIs and berth's remote client killed
# with SIGKILL.
stream_clients_leave() {
  timeout 1 curl -s -N --unix-socket "$SVC_SOCK" http://d/v1.41/events >/dev/null || true
  timeout 1 curl -s -N --unix-socket "$SVC_SOCK" -X POST \
    'http://d/v1.41/containers/svc-quiet/attach?stream=1&stdout=1&stderr=1' >/dev/null || true
  timeout 1 curl -s -N --unix-socket "$SVC_SOCK" \
    'http://d/v1.41/containers/svc-quiet/logs?follow=1&stdout=1' >/dev/null || true
  timeout 1 curl -s -N --unix-socket "$SVC_SOCK" \
    'http://d/v5.0.0/libpod/containers/svc-quiet/logs?follow=true' >/dev/null || true
  timeout -s KILL 1 "$BERTH_BIN" --url "unix://$SVC_SOCK" logs -f svc-quiet \
    >/dev/null 2>&1 || true
}

# Waits up to 3 s for the service to be back to one thread, and prints
# its fds_besides_database.
settled_fds() {
  local waited=0
  while [ "$(ls "/proc/$svc_pid/task" | wc -l)" != 1 ] && [ $waited -lt 30 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  sleep 0.5
  fds_besides_database "$svc_pid"
}

test_service_stream_clients_that_leave() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-quiet >/dev/null 2>&1 || true
  b run -d --name svc-quiet --network none "$REG/busybox:latest" sleep 100 >/dev/null
  start_service --time 0
  # The first rounds open the few database connections that the service
  # keeps cached. After them, a round of clients must leave no thread and
  # add no fd.
  stream_clients_leave
  stream_clients_leave
  local first second third
  first=$(settled_fds)
  stream_clients_leave
  second=$(settled_fds)
  stream_clients_leave
  third=$(settled_fds)
  assert_eq 1 "$(ls "/proc/$svc_pid/task" | wc -l)" "one thread once the stream clients left"
  [ "$third" -le "$first" ] || [ "$third" -le "$second" ] ||
    fail "the fds grew with each round of clients: $first, $second, $third: $(ls -l "/proc/$svc_pid/fd")"
  # The database's fds stay few: a round has five clients.
  local db_fds
  db_fds=$(database_fds "$svc_pid")
  [ "$db_fds" -le 8 ] || fail "the service holds $db_fds fds of the database"
  b rm -f svc-quiet >/dev/null
  stop_service
}

# SIGTERM ends attach and exec streams as it ends other streams: the
# service exits within the grace time, and the container keeps running.
test_service_stop_ends_attach_and_exec() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-stopatt >/dev/null 2>&1 || true
  b run -d --name svc-stopatt --network none "$REG/busybox:latest" sleep 300 >/dev/null
  start_service --time 0
  trap 'b rm -f -t 0 svc-stopatt >/dev/null 2>&1 || true; stop_service' EXIT

  api POST /v1.41/containers/svc-stopatt/exec -H 'Content-Type: application/json' \
    -d '{"Cmd":["sleep","300"],"AttachStdout":true}'
  assert_eq 201 "$code" "exec create: $out"
  local exec_id
  exec_id=$(jq -r .Id <<<"$out")

  # Both clients wait for output that never comes.
  curl -s -N --unix-socket "$SVC_SOCK" -X POST \
    'http://d/v1.41/containers/svc-stopatt/attach?stream=1&stdout=1&stderr=1' >/dev/null &
  local attach_pid=$!
  curl -s -N --unix-socket "$SVC_SOCK" -X POST -H 'Content-Type: application/json' \
    -d '{"Detach":false,"Tty":false}' "http://d/v1.41/exec/$exec_id/start" >/dev/null &
  local exec_pid=$!
  sleep 1

  kill -TERM "$svc_pid"
  wait_for_exit 5 "$svc_pid" ||
    fail "the service still runs 5 s after SIGTERM with attach and exec clients"
  wait_for_exit 3 "$attach_pid" || fail "the attach client still waits after the service stopped"
  wait_for_exit 3 "$exec_pid" || fail "the exec client still waits after the service stopped"
  assert_eq running "$(b inspect --format '{{.State.Status}}' svc-stopatt)" "the container keeps running"
}

# A wait whose client hangs up ends with it: no thread or fd stays until
# the container exits, and the idle timeout runs again.
test_service_wait_client_that_leaves() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-waitgone >/dev/null 2>&1 || true
  b run -d --name svc-waitgone --network none "$REG/busybox:latest" sleep 100 >/dev/null
  start_service --time 2
  api GET /_ping
  local before after waited=0
  before=$(fds_and_threads "$svc_pid")
  timeout 1 curl -s --unix-socket "$SVC_SOCK" -X POST \
    'http://d/v1.41/containers/svc-waitgone/wait?condition=not-running' >/dev/null || true
  timeout 1 curl -s --unix-socket "$SVC_SOCK" -X POST \
    'http://d/v4.0.0/libpod/containers/svc-waitgone/wait' >/dev/null || true
  after=$(fds_and_threads "$svc_pid")
  while [ "$after" != "$before" ] && [ $waited -lt 30 ]; do
    sleep 0.1
    waited=$((waited + 1))
    after=$(fds_and_threads "$svc_pid")
  done
  assert_eq "$before" "$after" "fds and threads once the wait clients left"
  wait_for_exit 6 "$svc_pid" || fail "the service still runs 6 s after its last client left"
  assert_eq running "$(b inspect --format '{{.State.Status}}' svc-waitgone)"
  # A client that leaves is no server error.
  assert_not_contains "$(cat "$E2E_ROOT/service.log")" "warning" "the service log"
  assert_contains "$(cat "$E2E_ROOT/service.log")" "wait for container"
  b rm -f svc-waitgone >/dev/null
}

# A request header over the 64 KiB limit gets a clean 400, whatever its
# size, and the service goes on serving.
test_service_huge_header() {
  start_service --time 0
  local size
  for size in 70000 90000 200000; do
    capture python3 - "$SVC_SOCK" "$size" <<'PY'
import socket, sys
conn = socket.socket(socket.AF_UNIX)
conn.connect(sys.argv[1])
conn.settimeout(10)
filler = b"A" * int(sys.argv[2])
try:
    conn.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nX-Big: " + filler + b"\r\n\r\n")
except (BrokenPipeError, ConnectionResetError):
    pass
got = b""
try:
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += chunk
except ConnectionResetError:
    pass
print(got.decode("utf-8", "replace"))
PY
    assert_rc 0
    assert_contains "$out" "HTTP/1.1 400 Bad Request" "a $size-byte header"
    assert_contains "$out" "header limit exceeded" "a $size-byte header"
  done
  api GET /_ping
  assert_eq 200 "$code" "the service still serves"
  stop_service
}

test_service_exec_missing_command() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f svc-ex >/dev/null 2>&1 || true
  b run -d --name svc-ex --network none "$REG/busybox:latest" sleep 100 >/dev/null
  start_service --time 0
  export DOCKER_HOST=unix://$SVC_SOCK
  local cli
  for cli in $(docker_clis); do
    capture "$cli" exec svc-ex nosuchcmd
    assert_rc 126 "$cli exec of a missing command"
    assert_contains "$err" "nosuchcmd"
  done
  b rm -f svc-ex >/dev/null
  stop_service
}

# A declared body over the 64 MiB limit gets 400 at once, before the body
# is sent, and the service goes on serving.
test_service_oversized_body_declared() {
  start_service --time 0
  capture python3 - "$SVC_SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
s.sendall(b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
          b"Content-Type: application/json\r\nContent-Length: 200000000\r\n\r\n{")
print(s.recv(65536).decode(errors="replace"))
PY
  assert_rc 0 "the reply came within 5 s"
  assert_contains "$out" "HTTP/1.1 413 Payload Too Large"
  assert_contains "$out" "request body of 200000000 bytes is larger than 64 MiB"
  # A chunked body declares no length: it fails once it passes the limit.
  capture python3 - "$SVC_SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
          b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
chunk = b"%x\r\n" % (1 << 20) + b" " * (1 << 20) + b"\r\n"
try:
    for _ in range(70):
        s.sendall(chunk)
except OSError:
    pass  # the service stopped reading once the body passed the limit
print(s.recv(65536).decode(errors="replace"))
PY
  assert_rc 0 "the reply came within 10 s"
  assert_contains "$out" "HTTP/1.1 413 Payload Too Large"
  assert_contains "$out" "request body is larger than 64 MiB"
  api GET /_ping
  assert_eq 200 "$code" "the service still serves"
}
