# Helpers for berth's end-to-end tests. Each test file defines functions
# named test_*; tests/e2e/run sources the file and runs each in a subshell.
# All tests use their own storage root, so they never touch the user's
# containers or images.

BERTH_BIN=${BERTH_BIN:-$PWD/build/berth}
E2E_ROOT=${E2E_ROOT:-/var/tmp/berth-e2e}
E2E_RUNROOT=${E2E_RUNROOT:-/run/berth-e2e}
FIXTURES_DIR=${BERTH_FIXTURES_DIR:-/var/tmp/berth-fixtures}
REG=127.0.0.1:5000
REG_TLS=127.0.0.1:5443
# Short-name choices made in tests go to a cache of their own, never to
# /var/cache/containers.
export BERTH_SHORT_NAME_ALIAS_CACHE=${BERTH_SHORT_NAME_ALIAS_CACHE:-$E2E_ROOT/short-name-aliases.conf}

# berth with the test storage roots.
b() { "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }

assert_eq() { # expected actual [message]
  [ "$1" == "$2" ] || fail "${3:-values differ}: expected [$1], got [$2]"
}

assert_contains() { # haystack needle [message]
  [[ "$1" == *"$2"* ]] || fail "${3:-missing text}: [$2] not in [$1]"
}

assert_not_contains() { # haystack needle [message]
  [[ "$1" != *"$2"* ]] || fail "${3:-unexpected text}: [$2] in [$1]"
}

# Runs a command, stores stdout in $out, stderr in $err and the exit code
# in $rc, and never fails itself.
capture() {
  local f_out f_err
  f_out=$(mktemp) f_err=$(mktemp)
  set +e
  "$@" >"$f_out" 2>"$f_err"
  rc=$?
  set -e
  out=$(cat "$f_out") err=$(cat "$f_err")
  rm -f "$f_out" "$f_err"
}

# Asserts the exit code of the last capture.
assert_rc() { [ "$rc" == "$1" ] || fail "${2:-exit code}: expected $1, got $rc (stderr: $err)"; }

# Prints a loopback TCP port that is free now: the kernel picks it. A
# random port could be one that an outgoing connection holds.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A snapshot of what the store shows, to compare before and after a failure.
# Relative times ("14 seconds ago") are left out: they change by themselves.
store_snapshot() {
  b images -a --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}' 2>&1
  b ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Image}} {{.State}}' 2>&1
}

# tmux on the server at $TMUX_SOCKET, which each terminal test file sets
# to a socket of its own, so no other tmux server is touched.
t() { tmux -S "$TMUX_SOCKET" "$@"; }
stop_tmux() { t kill-server 2>/dev/null || true; }

# Waits up to 10 s until the pane shows text.
wait_for_screen() { # text
  local i
  for i in $(seq 100); do
    if t capture-pane -p -t e2e | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  fail "the terminal never showed [$1]; it shows: $(t capture-pane -p -t e2e)"
}

# The REST service (system service) on a private unix socket, shared by
# the test_service*.sh files.
SVC_SOCK=$E2E_RUNROOT/svc/api.sock

# Starts the service on $SVC_SOCK with the given extra arguments and waits
# for the socket; the PID is in $svc_pid.
start_service() {
  mkdir -p "$(dirname "$SVC_SOCK")"
  # A service that an earlier test left running would reply in place of
  # this one, with other settings.
  if curl -s -o /dev/null --max-time 2 --unix-socket "$SVC_SOCK" http://d/_ping; then
    fail "a service from an earlier test still listens on $SVC_SOCK"
  fi
  "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" --log-level debug system service "$@" \
    "unix://$SVC_SOCK" 2>"$E2E_ROOT/service.log" &
  svc_pid=$!
  # Each test runs in its own subshell: a failed assertion still stops
  # the service.
  trap stop_service EXIT
  for _ in $(seq 100); do
    [ -S "$SVC_SOCK" ] && return 0
    sleep 0.05
  done
  fail "the service did not create $SVC_SOCK: $(cat "$E2E_ROOT/service.log")"
}

# Waits up to $1 seconds (a whole number) until every process in the
# other arguments has exited. Returns 1 when one still runs then.
wait_for_exit() { # seconds pid...
  local tenths=$(($1 * 10)) pid running
  shift
  for (( ; ; tenths--)); do
    running=0
    for pid in "$@"; do
      kill -0 "$pid" 2>/dev/null && running=1
    done
    [ $running = 0 ] && return 0
    [ $tenths -le 0 ] && return 1
    sleep 0.1
  done
}

# Stops the service with SIGTERM, and with SIGKILL when it still runs
# 10 s later, so that a service that hangs fails its test, not the run.
stop_service() {
  kill -TERM "$svc_pid" 2>/dev/null || true
  wait_for_exit 10 "$svc_pid" || kill -KILL "$svc_pid" 2>/dev/null || true
  wait "$svc_pid" 2>/dev/null || true
}

# Prints the number of fds of process $1 that are not the state
# database's. SQLite keeps the fd of a closed connection open while
# another connection has a lock, and reuses it for the next connection.
# So the number of the database's fds follows how requests overlapped.
fds_besides_database() {
  find "/proc/$1/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -vc '/berth\.db' || true
}

# Prints the number of fds of process $1 that are the state database's.
database_fds() { find "/proc/$1/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -c '/berth\.db' || true; }

# Prints fds_besides_database and the number of threads of process $1.
fds_and_threads() { echo "$(fds_besides_database "$1") $(ls "/proc/$1/task" | wc -l)"; }

# api METHOD PATH [curl args...]: the body in $out, the status in $code.
api() {
  local method=$1 path=$2
  shift 2
  local f
  f=$(mktemp)
  code=$(curl -s -o "$f" -w '%{http_code}' --unix-socket "$SVC_SOCK" -X "$method" \
    "http://d$path" "$@")
  out=$(cat "$f")
  rm -f "$f"
}

# The Docker CLIs on this machine: Debian's 20.10 and a newer one when
# installed in /usr/local/bin.
docker_clis() {
  local found=0
  for cli in /usr/bin/docker /usr/local/bin/docker; do
    [ -x "$cli" ] && { echo "$cli"; found=1; }
  done
  [ $found = 1 ] || fail "no docker CLI found: scripts/setup with BERTH_SETUP_TEST=1 installs docker.io"
}

# Prints text with relative times ("5 seconds ago", "About a minute
# ago") replaced by one word and runs of spaces collapsed, since the
# width of a column follows its longest value.
without_relative_times() {
  sed -E -e 's/(Less than a second|About an? [a-z]+|[0-9]+ [a-z]+) ago/AGO/g' -e 's/ +/ /g' <<<"$1"
}

# Runs a command locally (b) and through the service (r, which the test
# file defines) and asserts the same stdout, stderr and exit code. A
# relative time can tick between the two commands: when that is the only
# difference, both run again, up to three times in all.
assert_same_as_local() { # message args...
  local message=$1
  shift
  local local_out local_err local_rc attempt
  for attempt in 1 2 3; do
    capture b "$@"
    local_out=$out local_err=$err local_rc=$rc
    capture r "$@"
    [ "$local_rc" = "$rc" ] && [ "$local_out" = "$out" ] && [ "$local_err" = "$err" ] && break
    [ "$local_rc" = "$rc" ] && [ "$local_err" = "$err" ] &&
      [ "$(without_relative_times "$local_out")" = "$(without_relative_times "$out")" ] || break
  done
  assert_eq "$local_rc" "$rc" "$message: exit code"
  assert_eq "$local_out" "$out" "$message: stdout"
  assert_eq "$local_err" "$err" "$message: stderr"
}
