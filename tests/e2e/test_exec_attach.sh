# exec, attach and interactive terminals. The terminal tests drive berth
# inside tmux: keys go in with send-keys, the screen comes out with
# capture-pane.

IMG=$REG/busybox:latest

# Pulls the image and removes what an earlier failed test left behind.
setup_image() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local left; left=$(b ps -aq)
  [ -z "$left" ] || b rm -f $left >/dev/null
}

# A tmux server of this test's own, so no other tmux session is touched.
# Each session gets a new socket: a server that is still shutting down
# makes a new session on its socket fail.
TMUX_SOCKET=${E2E_ROOT}/tmux-0.sock
TMUX_COUNT=0

# Starts a 80x24 tmux session running a berth command line.
start_tmux() { # command-line
  stop_tmux
  TMUX_COUNT=$((TMUX_COUNT + 1))
  TMUX_SOCKET=${E2E_ROOT}/tmux-$TMUX_COUNT.sock
  t new-session -d -s e2e -x 80 -y 24 "$1"
  trap stop_tmux EXIT
}

test_exec_runs_in_a_running_container() {
  setup_image
  b run -d --name ex "$IMG" sleep 300 >/dev/null
  capture b exec ex sh -c 'echo out; echo err >&2; exit 3'
  assert_rc 3 "the exec'd process's exit code"
  assert_eq "out" "$out"
  assert_eq "err" "$err"
  capture b exec -e FOO=bar -w /tmp -u nobody ex sh -c 'echo $FOO $(pwd) $(id -u) $HOME'
  assert_rc 0
  assert_eq "bar /tmp 65534 /nonexistent" "$out" "HOME from the image's passwd, as in Podman"
  printf 'FROM_FILE=yes\n' >"$E2E_ROOT/exec.env"
  capture b exec --env-file "$E2E_ROOT/exec.env" ex sh -c 'echo $FROM_FILE'
  assert_eq "yes" "$out"
  capture b exec -u 1234:5678 ex id
  assert_contains "$out" "uid=1234 gid=5678"
  # Input reaches the process only with -i, and EOF ends it.
  out=$(echo piped | b exec -i ex cat)
  assert_eq "piped" "$out"
  out=$(echo piped | b exec ex cat)
  assert_eq "" "$out" "without -i stdin stays closed"
  # The process shares the container's namespaces.
  local init_ns exec_ns
  init_ns=$(b exec ex readlink /proc/1/ns/pid)
  exec_ns=$(b exec ex readlink /proc/self/ns/pid)
  assert_eq "$init_ns" "$exec_ns" "same pid namespace"
  b rm -f ex >/dev/null
}

test_exec_privileged_and_latest() {
  setup_image
  b run -d --name ex "$IMG" sleep 300 >/dev/null
  local plain privileged
  plain=$(b exec ex grep CapEff /proc/self/status)
  privileged=$(b exec --privileged ex grep CapEff /proc/self/status)
  assert_eq "$(b exec ex grep CapEff /proc/1/status)" "$plain" "the container's capabilities"
  [ "$plain" != "$privileged" ] || fail "--privileged gave no more capabilities: $privileged"
  assert_eq "CapEff:	$(awk '/^CapBnd/ {print $2}' /proc/self/status)" "$privileged" \
    "--privileged gives every capability the host has"
  capture b exec -l hostname
  assert_rc 0 "-l takes the latest container"
  assert_eq "$(b inspect --format '{{.Config.Hostname}}' ex)" "$out"
  b rm -f ex >/dev/null
}

test_exec_detached_and_recorded() {
  setup_image
  b run -d --name ex "$IMG" sleep 300 >/dev/null
  capture b exec -d ex sh -c 'echo started >/tmp/flag; sleep 1'
  assert_rc 0
  [[ "$out" =~ ^[0-9a-f]{64}$ ]] || fail "exec -d prints the session ID, got [$out]"
  local session=$out
  local i
  for i in $(seq 50); do
    [ "$(b exec ex cat /tmp/flag 2>/dev/null)" == "started" ] && break
    sleep 0.1
  done
  assert_eq "started" "$(b exec ex cat /tmp/flag)" "the detached process ran"
  assert_contains "$(b inspect --format '{{json .ExecIDs}}' ex)" "$session" \
    "inspect lists the session"
  b rm -f ex >/dev/null
}

test_exec_preserve_fds() {
  setup_image
  b run -d --name ex "$IMG" sleep 300 >/dev/null
  echo "from fd 3" >"$E2E_ROOT/fd3.txt"
  capture b exec --preserve-fds 1 ex cat /proc/self/fd/3 3<"$E2E_ROOT/fd3.txt"
  assert_rc 0
  assert_eq "from fd 3" "$out"
  capture b exec --preserve-fds 2 ex true 3<"$E2E_ROOT/fd3.txt" 4<&-
  assert_rc 125 "fd 4 is not open"
  assert_contains "$err" "file descriptor 4 is not open"
  b rm -f ex >/dev/null
}

test_exec_bad_input() {
  setup_image
  b create --name stopped "$IMG" true >/dev/null
  capture b exec stopped true
  assert_rc 255 "exec in a container that is not running (Podman's -1)"
  assert_contains "$err" "can only create exec sessions on running containers"
  capture b exec nosuch true
  assert_rc 125
  assert_contains "$err" "nosuch"

  b run -d --name ex "$IMG" sleep 300 >/dev/null
  capture b exec ex /nosuch-command
  assert_rc 127 "a missing command"
  assert_contains "$err" "nosuch-command"
  capture b exec ex /etc/passwd
  assert_rc 126 "a file that is not executable"
  capture b exec -w /nonexistent ex pwd
  assert_rc 127 "a missing working directory, as in Podman"
  capture b exec -u nosuchuser ex id
  assert_rc 125 "an unknown user"
  assert_contains "$err" "nosuchuser"

  capture b exec ex
  assert_rc 125 "no command"
  assert_contains "$err" "requires a container and a command"
  capture b exec --bogus ex true
  assert_rc 125 "an unknown flag"

  capture b exec -it --detach-keys ctrl-1 ex true
  assert_rc 125 "bad detach keys"
  assert_contains "$err" 'invalid detach keys "ctrl-1"'
  assert_eq "" "$(b inspect --format '{{range .ExecIDs}}x{{end}}' ex 2>/dev/null | tr -d x)" \
    "failed sessions leave nothing behind"
  b rm -f ex stopped >/dev/null
}

test_run_it_shell_in_a_terminal() {
  setup_image
  start_tmux "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run -it --name tty $IMG sh; echo EXIT=\$?; sleep 60"
  wait_for_screen "/ #"
  t send-keys -t e2e 'stty size; tty' Enter
  wait_for_screen "24 80"
  wait_for_screen "/dev/pts/0"
  # A resize of the outer terminal reaches the container's terminal.
  t resize-window -t e2e -x 100 -y 30
  sleep 0.3
  t send-keys -t e2e 'stty size' Enter
  wait_for_screen "30 100"
  # Ctrl-C interrupts the foreground process in the container, not berth.
  t send-keys -t e2e 'sleep 100' Enter
  sleep 0.5
  t send-keys -t e2e C-c
  t send-keys -t e2e 'echo after-interrupt' Enter
  wait_for_screen "after-interrupt"
  t send-keys -t e2e 'exit 7' Enter
  wait_for_screen "EXIT=7"
  assert_eq "Exited (7)" "$(b ps -a --format '{{.Status}}' --filter name=tty | cut -c1-10)" \
    "the exit code reached the container's state"
  stop_tmux
  b rm -f tty >/dev/null
}

test_detach_and_reattach() {
  setup_image
  start_tmux "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run -it --name tty $IMG sh; echo RUN-EXIT=\$?; sleep 60"
  wait_for_screen "/ #"
  t send-keys -t e2e 'echo before-detach' Enter
  wait_for_screen "before-detach"
  t send-keys -t e2e C-p C-q
  wait_for_screen "RUN-EXIT=0"
  assert_eq "running" "$(b inspect --format '{{.State.Status}}' tty)" "detaching leaves it running"
  # Re-attach in a new terminal, with other detach keys.
  start_tmux "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT attach --detach-keys ctrl-x,y tty; echo ATTACH-EXIT=\$?; sleep 60"
  sleep 0.5
  t send-keys -t e2e 'echo reattached' Enter
  wait_for_screen "reattached"
  t send-keys -t e2e C-x y
  wait_for_screen "ATTACH-EXIT=0"
  assert_eq "running" "$(b inspect --format '{{.State.Status}}' tty)"
  start_tmux "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT attach tty; echo ATTACH-EXIT=\$?; sleep 60"
  sleep 0.5
  t send-keys -t e2e 'exit 5' Enter
  wait_for_screen "ATTACH-EXIT=5"
  stop_tmux
  assert_eq "exited" "$(b inspect --format '{{.State.Status}}' tty)"
  capture b attach tty
  assert_rc 125 "attach to a stopped container"
  assert_contains "$err" "you can only attach to running containers"
  b rm -f tty >/dev/null
}

test_exec_it_in_a_terminal() {
  setup_image
  b run -d --name ex "$IMG" sleep 300 >/dev/null
  start_tmux "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT exec -it ex sh; echo EXEC-EXIT=\$?; sleep 60"
  wait_for_screen "/ #"
  t send-keys -t e2e 'stty size; echo $TERM' Enter
  wait_for_screen "24 80"
  wait_for_screen "xterm"
  t resize-window -t e2e -x 90 -y 20
  sleep 0.3
  t send-keys -t e2e 'stty size' Enter
  wait_for_screen "20 90"
  t send-keys -t e2e 'exit 4' Enter
  wait_for_screen "EXEC-EXIT=4"
  stop_tmux
  assert_eq "running" "$(b inspect --format '{{.State.Status}}' ex)" "the container outlives the session"
  b rm -f ex >/dev/null
}

test_start_attach_interactive() {
  setup_image
  b create -i --name cat-it "$IMG" sh -c 'read line; echo got $line; exit 9' >/dev/null
  capture sh -c "echo hello | $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT start -a -i cat-it"
  assert_rc 9
  assert_eq "got hello" "$out"
  # Without -i the container's stdin ends at once, as in Podman.
  capture timeout 20 "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" start -a cat-it
  assert_rc 9
  assert_eq "got" "$out"
  # start -a of a running container attaches to it.
  b create -i --name cat-run "$IMG" sh -c 'read line; echo got $line; exit 3' >/dev/null
  b start cat-run >/dev/null
  capture sh -c "echo later | timeout 20 $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT start -a -i cat-run"
  assert_rc 3
  assert_eq "got later" "$out"
  b rm -f cat-it cat-run >/dev/null
}
