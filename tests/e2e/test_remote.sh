# berth as a remote client: the same commands through the service on a
# private socket (--url, --connection, CONTAINER_HOST) and through ssh to
# a private sshd, compared with the local CLI on the same store.

# berth through the service that start_service runs on $SVC_SOCK.
r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

# Pulls the fixture busybox, removes what an earlier failed run left and
# prints the image's name.
remote_busybox() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f remote-ps remote-d remote-keep remote-env remote-ssh >/dev/null 2>&1 || true
  echo "$REG/busybox:latest"
}

test_remote_images_and_ps_match_local() {
  start_service --time 0
  local image
  image=$(remote_busybox)
  b run -d --name remote-ps "$image" sleep 100 >/dev/null
  # CREATED is relative ("2 minutes ago"), so a row may cross into the
  # next minute between two listings: the remote one must equal the local
  # listing taken just before or just after it.
  capture b images
  local local_before=$out
  capture r images
  assert_rc 0
  local remote_images=$out
  capture b images
  if [ "$remote_images" != "$out" ]; then
    assert_eq "$local_before" "$remote_images" "images through the service"
  fi
  # The JSON form, Podman's fields in Podman's order.
  capture r images --format json
  assert_rc 0
  assert_eq "$(b images --format json)" "$out" "images --format json"
  assert_eq '["Id","ParentId","RepoTags","RepoDigests","Size","SharedSize","VirtualSize","Labels","Containers","Names","Digest","History","Created","CreatedAt"]' \
    "$(jq -c "[.[] | select((.Names // []) | index(\"$image\"))][0] | keys_unsorted" <<<"$out")" "the fields of a named image"
  assert_eq "$(date -d "$(b image inspect --format '{{.Created}}' "$image")" +%s)" \
    "$(jq -r "[.[] | select((.Names // []) | index(\"$image\"))][0].Created" <<<"$out")" "Created in Unix seconds"
  capture b ps -a --format '{{.ID}} {{.Image}} {{.Names}} {{.Command}}'
  local local_ps=$out
  capture r ps -a --format '{{.ID}} {{.Image}} {{.Names}} {{.Command}}'
  assert_rc 0
  assert_eq "$local_ps" "$out" "ps through the service"
  assert_contains "$out" "remote-ps"
  capture r ps
  assert_rc 0
  # Column widths follow the times shown, so only the words are compared.
  assert_eq "$(b ps | head -1 | tr -s ' ')" "$(echo "$out" | head -1 | tr -s ' ')" "ps header"
  b rm -f remote-ps >/dev/null
}

test_remote_run_detached_logs_exec_stop_rm() {
  start_service --time 0
  local image id
  image=$(remote_busybox)
  capture r run -d --name remote-d "$image" sh -c 'echo started; sleep 100'
  assert_rc 0
  id=$out
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "run -d printed [$id], want a full ID"
  assert_eq "running" "$(b inspect --format '{{.State.Status}}' remote-d)" "the local CLI sees it"
  capture r inspect --format '{{.Id}} {{.State.Status}} {{.Config.Tty}}' remote-d
  assert_rc 0
  assert_eq "$(b inspect --format '{{.Id}} {{.State.Status}} {{.Config.Tty}}' remote-d)" "$out"

  for _ in $(seq 50); do
    [ "$(b logs remote-d)" = started ] && break
    sleep 0.1
  done
  capture r logs remote-d
  assert_rc 0
  assert_eq "started" "$out" "logs through the service"

  capture r exec remote-d echo hi
  assert_rc 0
  assert_eq "hi" "$out" "exec output"
  capture r exec remote-d sh -c 'echo to-err >&2; exit 7'
  assert_rc 7 "exec exit code"
  assert_eq "to-err" "$err" "exec stderr"
  capture r exec -e GREETING=hello -w /tmp remote-d sh -c 'echo $GREETING $(pwd)'
  assert_rc 0
  assert_eq "hello /tmp" "$out" "exec env and workdir"

  capture r stop -t 1 remote-d
  assert_rc 0
  assert_eq "remote-d" "$out" "stop prints the name"
  assert_eq "exited" "$(b inspect --format '{{.State.Status}}' remote-d)"
  capture r rm remote-d
  assert_rc 0
  assert_eq "remote-d" "$out" "rm prints the name"
  capture b container exists remote-d
  assert_rc 1 "the container is gone"
}

test_remote_run_rm_output_and_exit_code() {
  start_service --time 0
  local image
  image=$(remote_busybox)
  capture r run --rm "$image" echo hi
  assert_rc 0
  assert_eq "hi" "$out"
  capture b run --rm "$image" sh -c 'echo out; echo err >&2; exit 3'
  local local_out=$out local_err=$err local_rc=$rc
  capture r run --rm "$image" sh -c 'echo out; echo err >&2; exit 3'
  assert_rc "$local_rc" "run --rm exit code as locally"
  assert_eq "3" "$rc"
  assert_eq "$local_out" "$out" "stdout as locally"
  assert_eq "$local_err" "$err" "stderr as locally"
  capture r run --name remote-keep "$image" sh -c 'exit 5'
  assert_rc 5 "run without --rm"
  assert_eq "exited" "$(b inspect --format '{{.State.Status}}' remote-keep)"
  b rm remote-keep >/dev/null
  assert_not_contains "$(b ps -a --format '{{.Image}} {{.Command}}')" "echo out" "--rm removed it"
}

test_remote_errors_match_local() {
  start_service --time 0
  local cmd
  for cmd in "inspect" "logs" "stop" "rm" "start" "kill" "wait" "exec"; do
    local args=(remote-nosuch)
    [ "$cmd" = exec ] && args=(remote-nosuch true)
    capture b "$cmd" "${args[@]}"
    local local_err=$err local_rc=$rc
    capture r "$cmd" "${args[@]}"
    assert_eq "$local_rc" "$rc" "$cmd: exit code as locally"
    assert_eq "$local_err" "$err" "$cmd: message as locally"
  done
  capture r inspect remote-nosuch
  assert_rc 125
  assert_contains "$err" "remote-nosuch"

  # A container in the wrong state: the engine's own message either way.
  b rm -f remote-created >/dev/null 2>&1 || true
  b create --name remote-created "$(remote_busybox)" >/dev/null
  capture b kill remote-created
  local local_err=$err
  capture r kill remote-created
  assert_rc 125
  assert_eq "$local_err" "$err" "kill of a created container: message as locally"
  api POST /v1.41/containers/remote-created/kill
  assert_eq 409 "$code" "compat kill of a created container"
  assert_eq "cannot kill container: remote-created: container is not running" \
    "$(jq -r .message <<<"$out")" "Docker's message"
  b rm -f remote-created >/dev/null
}

test_remote_rejects_local_only_flags() {
  start_service --time 0
  capture r stop -l
  assert_rc 125
  assert_contains "$err" "unknown flag: --latest"
  capture r ps -l
  assert_rc 125
  assert_contains "$err" "unknown flag: --latest"
  capture "$BERTH_BIN" --remote --url "unix://$SVC_SOCK" --root /var/tmp/remote-unused ps
  assert_rc 125
  assert_contains "$err" "unknown flag: --root"
  capture "$BERTH_BIN" --url "unix://$SVC_SOCK" --runroot /run/remote-unused ps
  assert_rc 125
  assert_contains "$err" "unknown flag: --runroot"
}

test_remote_bad_or_unreachable_url() {
  capture "$BERTH_BIN" --url "unix://$E2E_RUNROOT/remote-missing.sock" ps
  assert_rc 125
  assert_contains "$err" "cannot connect to the service at unix://$E2E_RUNROOT/remote-missing.sock"
  capture "$BERTH_BIN" --url "http://127.0.0.1:1" ps
  assert_rc 125
  assert_contains "$err" 'invalid URL "http://127.0.0.1:1"'
  capture "$BERTH_BIN" --url "tcp://127.0.0.1" ps
  assert_rc 125
  assert_contains "$err" "needs a host and a port"
}

test_remote_environment_selects_service() {
  start_service --time 0
  local image
  image=$(remote_busybox)
  b run -d --name remote-env "$image" sleep 100 >/dev/null
  capture env CONTAINER_HOST="unix://$SVC_SOCK" "$BERTH_BIN" ps --format '{{.Names}}'
  assert_rc 0
  assert_contains "$out" "remote-env" "CONTAINER_HOST implies remote"
  local conf=$E2E_ROOT/remote-env-connections.json
  rm -f "$conf"
  PODMAN_CONNECTIONS_CONF=$conf "$BERTH_BIN" system connection add svc "unix://$SVC_SOCK"
  capture env PODMAN_CONNECTIONS_CONF="$conf" CONTAINER_CONNECTION=svc "$BERTH_BIN" ps --format '{{.Names}}'
  assert_rc 0
  assert_contains "$out" "remote-env" "CONTAINER_CONNECTION"
  capture env PODMAN_CONNECTIONS_CONF="$conf" "$BERTH_BIN" -c svc ps --format '{{.Names}}'
  assert_rc 0
  assert_contains "$out" "remote-env" "--connection"
  capture env PODMAN_CONNECTIONS_CONF="$conf" "$BERTH_BIN" --remote ps --format '{{.Names}}'
  assert_rc 0
  assert_contains "$out" "remote-env" "--remote uses the default connection"
  capture env PODMAN_CONNECTIONS_CONF="$conf" "$BERTH_BIN" -c nosuch ps
  assert_rc 125
  assert_contains "$err" '"nosuch" service destination not found'
  rm -f "$conf"
  b rm -f remote-env >/dev/null
}

test_remote_system_connection_commands() {
  local conf=$E2E_ROOT/remote-connections/podman-connections.json
  rm -rf "$(dirname "$conf")"
  export PODMAN_CONNECTIONS_CONF=$conf
  capture "$BERTH_BIN" system connection ls
  assert_rc 0
  assert_eq "Name        URI         Identity    Default     ReadWrite" "$out" "empty list"
  capture "$BERTH_BIN" system connection add first unix:///run/first.sock
  assert_rc 0
  assert_eq "" "$out"
  assert_eq "600" "$(stat -c %a "$conf")" "the file is private"
  "$BERTH_BIN" system connection add --identity /tmp/remote-key --port 2222 \
    --socket-path /run/other.sock second root@192.0.2.1
  "$BERTH_BIN" system connection add third tcp://127.0.0.1:8080
  capture "$BERTH_BIN" system connection add third unix:///run/other.sock
  assert_rc 125 "a name in use"
  assert_contains "$err" 'cannot overwrite connection "third"'
  assert_eq "tcp://127.0.0.1:8080" "$(jq -r .Connection.Connections.third.URI "$conf")" \
    "the connection in use is kept"
  # --port replaces the port of an ssh URL, as in Podman.
  "$BERTH_BIN" system connection add --port 2200 --socket-path /run/s.sock ported ssh://root@192.0.2.1:2222
  assert_eq "ssh://root@192.0.2.1:2200/run/s.sock" "$(jq -r .Connection.Connections.ported.URI "$conf")"
  "$BERTH_BIN" system connection rm ported
  capture "$BERTH_BIN" system connection add --port 0 --socket-path /run/s.sock ported root@192.0.2.1
  assert_rc 125 "port 0"
  assert_contains "$err" "--port"
  assert_eq "null" "$(jq -r .Connection.Connections.ported "$conf")" "nothing was stored"
  capture "$BERTH_BIN" system connection add notsock unix:///etc/passwd
  assert_rc 125 "a unix path that is not a socket"
  assert_contains "$err" '"/etc/passwd" exists and is not a socket'
  capture "$BERTH_BIN" system connection add --identity /tmp/remote-key keyed unix:///run/keyed.sock
  assert_rc 125 "--identity with a unix destination"
  assert_contains "$err" "--identity is only for ssh destinations"
  assert_eq "null null" "$(jq -r '.Connection.Connections | "\(.notsock) \(.keyed)"' "$conf")" "nothing was stored"
  capture "$BERTH_BIN" system connection list --format '{{.Name}} {{.URI}} {{.Identity}} {{.Default}} {{.ReadWrite}}'
  assert_rc 0
  assert_eq "first unix:///run/first.sock  true true
second ssh://root@192.0.2.1:2222/run/other.sock /tmp/remote-key false true
third tcp://127.0.0.1:8080  false true" "$out" "the first added is the default"
  assert_eq "first" "$(jq -r .Connection.Default "$conf")" "Podman's file format"
  assert_eq "ssh://root@192.0.2.1:2222/run/other.sock" "$(jq -r .Connection.Connections.second.URI "$conf")"
  "$BERTH_BIN" system connection default second
  "$BERTH_BIN" system connection rename second renamed
  capture "$BERTH_BIN" system connection ls -q
  assert_eq "first
renamed
third" "$out"
  capture "$BERTH_BIN" system connection ls --format json
  assert_eq "renamed" "$(echo "$out" | jq -r '.[] | select(.Default) | .Name')" "default follows the rename"
  capture "$BERTH_BIN" system connection ls
  assert_contains "$out" "renamed     ssh://root@192.0.2.1:2222/run/other.sock  /tmp/remote-key  true"
  capture "$BERTH_BIN" system connection default nosuch
  assert_rc 125
  assert_contains "$err" '"nosuch" service destination not found'
  capture "$BERTH_BIN" system connection rename nosuch other
  assert_rc 125
  "$BERTH_BIN" system connection rm renamed
  capture "$BERTH_BIN" system connection ls -q
  assert_eq "first
third" "$out"
  assert_eq "null" "$(jq -r .Connection.Default "$conf")" "removing the default clears it"
  "$BERTH_BIN" system connection rm --all
  capture "$BERTH_BIN" system connection ls -q
  assert_eq "" "$out"
  capture "$BERTH_BIN" system connection add bad http://x
  assert_rc 125
  assert_contains "$err" 'invalid URL "http://x"'
  capture "$BERTH_BIN" system connection add '' unix:///run/empty.sock
  assert_rc 125
  assert_contains "$err" 'invalid connection name ""'
  capture "$BERTH_BIN" system connection add 'two words' unix:///run/two.sock
  assert_rc 125
  assert_contains "$err" 'invalid connection name "two words"'
  capture "$BERTH_BIN" system connection ls -q
  assert_eq "" "$out" "a rejected name adds nothing"
  rm -rf "$(dirname "$conf")"
}

# A private sshd on a loopback port that lets root in with a test key, and
# an `ssh` wrapper first in PATH that reads the test's own config and
# known_hosts (ssh reads ~/.ssh from the passwd home, not $HOME).
SSH_DIR=$E2E_ROOT/remote-ssh
start_sshd() { # known_hosts: trusted or empty
  rm -rf "$SSH_DIR"
  mkdir -p "$SSH_DIR/bin"
  chmod 700 "$SSH_DIR"
  ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/id"
  cp "$SSH_DIR/id.pub" "$SSH_DIR/authorized_keys"
  SSH_PORT=$(free_port)
  cat >"$SSH_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_key
AuthorizedKeysFile $SSH_DIR/authorized_keys
PidFile $SSH_DIR/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowStreamLocalForwarding yes
SetEnv PATH=$(dirname "$BERTH_BIN"):/usr/sbin:/usr/bin:/sbin:/bin
EOF
  if [ "$1" = trusted ]; then
    echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$SSH_DIR/host_key.pub")" >"$SSH_DIR/known_hosts"
  else
    : >"$SSH_DIR/known_hosts"
  fi
  cat >"$SSH_DIR/ssh_config" <<EOF
Host *
  UserKnownHostsFile $SSH_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
EOF
  printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$SSH_DIR/ssh_config" >"$SSH_DIR/bin/ssh"
  chmod 755 "$SSH_DIR/bin/ssh"
  # sshd checks for its privilege separation directory even when unused.
  mkdir -p /run/sshd
  /usr/sbin/sshd -D -f "$SSH_DIR/sshd_config" -p "$SSH_PORT" -E "$SSH_DIR/sshd.log" &
  sshd_pid=$!
  trap 'stop_service; kill $sshd_pid 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null && return 0
    sleep 0.05
  done
  fail "sshd did not listen on $SSH_PORT: $(cat "$SSH_DIR/sshd.log")"
}

# berth through ssh to the service's socket.
rs() {
  PATH=$SSH_DIR/bin:$PATH "$BERTH_BIN" --url "ssh://root@127.0.0.1:$SSH_PORT$SVC_SOCK" \
    --identity "$SSH_DIR/id" "$@"
}

# The ssh clients of this test still running.
ssh_clients_left() { pgrep -f -- "-F $SSH_DIR/ssh_config" || true; }

test_remote_over_ssh_matches_local() {
  [ -x /usr/sbin/sshd ] || fail "no sshd: scripts/setup with BERTH_SETUP_TEST=1 installs openssh-server"
  start_service --time 0
  start_sshd trusted
  local image
  image=$(remote_busybox)
  capture rs images
  assert_rc 0
  # r, which assert_same_as_local runs, goes through ssh in this test.
  r() { rs "$@"; }
  assert_same_as_local "images through ssh" images
  capture rs run --rm "$image" sh -c 'echo over-ssh; exit 3'
  assert_rc 3
  assert_eq "over-ssh" "$out"
  capture rs run -d --name remote-ssh "$image" sleep 100
  assert_rc 0
  capture rs exec remote-ssh echo exec-over-ssh
  assert_rc 0
  assert_eq "exec-over-ssh" "$out"
  capture rs ps --format '{{.Names}}'
  assert_contains "$out" "remote-ssh"
  capture rs rm -f remote-ssh
  assert_rc 0
  capture rs inspect remote-ssh
  assert_rc 125
  capture b inspect remote-ssh
  local local_err=$err
  capture rs inspect remote-ssh
  assert_eq "$local_err" "$err" "errors through ssh as locally"
  assert_eq "" "$(ssh_clients_left)" "no ssh client is left behind"
  assert_eq "" "$(find /tmp -maxdepth 1 -name 'berth-ssh-*' -newer "$SSH_DIR/known_hosts")" \
    "the private socket directories are removed"
}

test_remote_ssh_unknown_host_key() {
  [ -x /usr/sbin/sshd ] || fail "no sshd: scripts/setup with BERTH_SETUP_TEST=1 installs openssh-server"
  start_service --time 0
  start_sshd empty
  capture rs ps
  assert_rc 125
  assert_contains "$err" "cannot connect to ssh://root@127.0.0.1:$SSH_PORT$SVC_SOCK"
  assert_contains "$err" "Host key verification failed"
  assert_eq "" "$(ssh_clients_left)" "no ssh client is left behind"
  assert_eq "" "$(find /tmp -maxdepth 1 -name 'berth-ssh-*' -newer "$SSH_DIR/known_hosts")" \
    "the private socket directory is removed"
}

# Without a socket path, `system connection add` runs `berth info` on the
# host over ssh to read the socket path, as Podman does.
test_remote_connection_add_asks_host() {
  [ -x /usr/sbin/sshd ] || fail "no sshd: scripts/setup with BERTH_SETUP_TEST=1 installs openssh-server"
  local conf=$E2E_ROOT/remote-connections/podman-connections.json
  rm -rf "$(dirname "$conf")"
  export PODMAN_CONNECTIONS_CONF=$conf
  # start_sshd's exit trap also stops the service.
  start_service --time 0
  start_sshd empty
  capture env PATH="$SSH_DIR/bin:$PATH" "$BERTH_BIN" system connection add \
    --identity "$SSH_DIR/id" -p "$SSH_PORT" unknown-key root@127.0.0.1
  assert_rc 125 "a host whose key is not known"
  assert_contains "$err" "cannot ask 127.0.0.1 for its socket"
  assert_contains "$err" "Host key verification failed"
  assert_contains "$err" "--socket-path"
  capture "$BERTH_BIN" system connection ls -q
  assert_eq "" "$out" "a failed add stores nothing"
  kill "$sshd_pid"
  wait "$sshd_pid" 2>/dev/null || true
  start_sshd trusted
  capture env PATH="$SSH_DIR/bin:$PATH" "$BERTH_BIN" system connection add \
    --identity "$SSH_DIR/id" -p "$SSH_PORT" asked root@127.0.0.1
  assert_rc 0 "connection add asks the host"
  capture "$BERTH_BIN" system connection ls --format '{{.Name}} {{.URI}}'
  assert_eq "asked ssh://root@127.0.0.1:$SSH_PORT/run/berth/berth.sock" "$out"
  capture b info --format '{{.Host.RemoteSocket.Path}}'
  assert_eq "/run/berth/berth.sock" "$out" "info names the service's default socket"
  capture b info --format json
  assert_eq "/run/berth/berth.sock" "$(echo "$out" | jq -r .host.remoteSocket.path)"
  rm -rf "$(dirname "$conf")"
}

test_remote_run_interactive_terminal() {
  start_service --time 0
  local image
  image=$(remote_busybox)
  TMUX_SOCKET=$E2E_RUNROOT/remote-tmux.sock
  trap 'stop_service; stop_tmux' EXIT
  t new-session -d -s e2e -x 100 -y 30 \
    "$BERTH_BIN --url unix://$SVC_SOCK run -it --rm $image sh; echo exit=\$?; sleep 10"
  wait_for_screen "/ #"
  t send-keys -t e2e 'echo $((6*7)); stty size' Enter
  wait_for_screen "42"
  wait_for_screen "30 100"
  t send-keys -t e2e 'exit 5' Enter
  wait_for_screen "exit=5"
  stop_tmux
}

test_remote_pull_and_run_missing_image() {
  start_service --time 0
  b rmi -f "$REG/busybox:oci" >/dev/null 2>&1 || true
  capture r pull --tls-verify=false "$REG/busybox:oci"
  assert_rc 0
  assert_eq "$(b image inspect --format '{{.Id}}' "$REG/busybox:oci")" "$out" "pull prints the ID"
  assert_contains "$err" "Trying to pull $REG/busybox:oci..."
  b rmi -f "$REG/busybox:oci" >/dev/null
  capture r run --rm --tls-verify=false "$REG/busybox:oci" echo pulled-then-ran
  assert_rc 0
  assert_eq "pulled-then-ran" "$out" "run pulls a missing image first"
  capture b image exists "$REG/busybox:oci"
  assert_rc 0
}

test_remote_tag_untag_history() {
  start_service --time 0
  local image
  image=$(remote_busybox)
  b rmi remote2-tagged:one remote2-tagged:two >/dev/null 2>&1 || true
  capture r tag "$image" remote2-tagged:one remote2-tagged:two
  assert_rc 0
  assert_eq "" "$out" "tag prints nothing"
  capture b images --format '{{.Repository}}:{{.Tag}}'
  assert_eq "localhost/remote2-tagged:one
localhost/remote2-tagged:two" "$(echo "$out" | grep remote2-tagged | sort)" \
    "both names are on the image"

  capture r untag "$image" remote2-tagged:two
  assert_rc 0
  capture b image exists remote2-tagged:two
  assert_rc 1 "untag removed the name"
  capture b image exists remote2-tagged:one
  assert_rc 0 "untag kept the other name"

  capture b history remote2-tagged:one
  local local_history=$out
  capture r history remote2-tagged:one
  assert_rc 0
  assert_eq "$local_history" "$out" "history through the service"
  capture b history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}' "$image"
  local_history=$out
  capture r history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}' "$image"
  assert_eq "$local_history" "$out" "history --format through the service"

  capture r image exists remote2-tagged:one
  assert_rc 0 "image exists through the service"
  capture r image exists remote2-tagged:two
  assert_rc 1 "image exists for a removed name"

  for cmd in "history" "tag" "untag"; do
    local args=(remote2-nosuch:latest)
    [ "$cmd" = tag ] && args=(remote2-nosuch:latest remote2-new)
    capture b "$cmd" "${args[@]}"
    local local_err=$err local_rc=$rc
    capture r "$cmd" "${args[@]}"
    assert_eq "$local_rc" "$rc" "$cmd: exit code as locally"
    assert_eq "$local_err" "$err" "$cmd: message as locally"
  done
  b rmi remote2-tagged:one >/dev/null
}

test_remote_rmi_matches_local() {
  start_service --time 0
  local image id
  image=$(remote_busybox)
  id=$(b images -q --no-trunc "$image")
  b rm -f remote2-user >/dev/null 2>&1 || true
  # Only the names of this test stay on the image.
  b untag "$id"
  b tag "$id" remote2-rmi:a remote2-rmi:b

  capture r rmi remote2-rmi:a
  assert_rc 0
  assert_eq "Untagged: localhost/remote2-rmi:a" "$out" "rmi of one of several names untags"
  capture b image exists remote2-rmi:a
  assert_rc 1 "the name is gone"

  # An image that a container uses: the same message and exit code.
  b create --name remote2-user remote2-rmi:b true >/dev/null
  capture b rmi remote2-rmi:b
  local local_err=$err local_rc=$rc
  capture r rmi remote2-rmi:b
  assert_eq "$local_rc" "$rc" "rmi of an image in use: exit code as locally"
  assert_eq "$local_err" "$err" "rmi of an image in use: message as locally"
  assert_rc 2

  capture b rmi remote2-nosuch:latest
  local_err=$err local_rc=$rc
  capture r rmi remote2-nosuch:latest
  assert_eq "$local_rc" "$rc" "rmi of an unknown image: exit code as locally"
  assert_eq "$local_err" "$err" "rmi of an unknown image: message as locally"

  capture r rmi -f remote2-rmi:b
  assert_rc 0
  assert_contains "$out" "Untagged: localhost/remote2-rmi:b"
  assert_contains "$out" "Deleted: ${id#sha256:}"
  capture b container exists remote2-user
  assert_rc 1 "rmi -f removed the container"
  capture b image exists "$id"
  assert_rc 1 "rmi -f removed the image"
}

test_remote_image_prune_and_push() {
  start_service --time 0
  local image dest
  image=$(remote_busybox)
  b tag "$image" remote2-prune:x
  capture r image prune -a -f --filter label=remote2-nosuch
  assert_rc 0
  assert_eq "" "$out" "prune with a filter nothing matches removes nothing"
  capture b image exists remote2-prune:x
  assert_rc 0 "the image stays"

  dest="$REG/berth-test-remote2-push:latest"
  capture r push --tls-verify=false remote2-prune:x "$dest"
  assert_rc 0
  capture b pull -q --tls-verify=false "$dest"
  assert_rc 0
  assert_eq "$(b images -q --no-trunc "$image" | sed 's/^sha256://')" "$out" \
    "the pushed image pulls back with the same ID"
  capture r push --tls-verify=false remote2-nosuch:latest "$dest"
  local remote_err=$err remote_rc=$rc
  capture b push --tls-verify=false remote2-nosuch:latest "$dest"
  assert_eq "$rc" "$remote_rc" "push of an unknown image: exit code as locally"
  assert_eq "$err" "$remote_err" "push of an unknown image: message as locally"
  same_as_local search --tls-verify=false --list-tags "$REG/busybox"
  assert_contains "$out" "latest"
  same_as_local search --tls-verify=false "$REG/berth-test-remote2-push"
  assert_contains "$out" "berth-test-remote2-push"
  b rmi remote2-prune:x "$dest" >/dev/null
}

# Runs one command locally and through the service and compares the exit
# code, stdout and stderr. The state must allow both runs (a read, or an
# error in both).
same_as_local() { assert_same_as_local "$*" "$@"; }

test_remote_volume_commands() {
  start_service --time 0
  b volume rm -f remote2-v1 remote2-v2 >/dev/null 2>&1 || true
  capture r volume create --label team=remote2 -o type=tmpfs -o device=tmpfs remote2-v1
  assert_rc 0
  assert_eq "remote2-v1" "$out" "volume create prints the name"
  assert_eq "tmpfs" "$(b volume inspect --format '{{.Options.type}}' remote2-v1)" "the option arrived"
  assert_eq "remote2" "$(b volume inspect --format '{{.Labels.team}}' remote2-v1)" "the label arrived"
  b volume create remote2-v2 >/dev/null

  same_as_local volume ls
  same_as_local volume ls --filter label=team=remote2
  same_as_local volume inspect remote2-v1
  same_as_local volume exists remote2-v1
  same_as_local volume exists remote2-nosuch
  same_as_local volume inspect remote2-nosuch
  same_as_local volume rm remote2-nosuch
  same_as_local volume create remote2-v1

  capture r volume rm remote2-v1
  assert_rc 0
  assert_eq "remote2-v1" "$out" "volume rm prints the name"
  capture b volume exists remote2-v1
  assert_rc 1 "the volume is gone"

  capture r volume prune -f --filter label=team=nosuch
  assert_rc 0
  assert_eq "" "$out" "prune with a filter nothing matches"
  capture r volume prune -f
  assert_rc 0
  assert_contains "$out" "remote2-v2"
  capture b volume exists remote2-v2
  assert_rc 1 "prune removed the unused volume"
}

test_remote_network_commands() {
  start_service --time 0
  b network rm -f remote2-n1 remote2-n2 >/dev/null 2>&1 || true
  capture r network create --subnet 10.89.77.0/24 --label team=remote2 remote2-n1
  assert_rc 0
  assert_eq "remote2-n1" "$out" "network create prints the name"
  assert_eq "10.89.77.0/24" "$(b network inspect --format '{{range .Subnets}}{{.Subnet}}{{end}}' remote2-n1)" \
    "the subnet arrived"
  b network create remote2-n2 >/dev/null

  same_as_local network ls
  same_as_local network ls --filter label=team=remote2
  same_as_local network inspect remote2-n1
  same_as_local network inspect remote2-nosuch
  same_as_local network rm remote2-nosuch
  same_as_local network create remote2-n1
  same_as_local network create --gateway 10.1.1.1 remote2-n3

  capture r network rm remote2-n1
  assert_rc 0
  assert_eq "remote2-n1" "$out" "network rm prints the name"
  capture b network exists remote2-n1
  assert_rc 1 "the network is gone"
  capture r network prune -f --filter label=team=nosuch
  assert_rc 0
  assert_eq "" "$out" "prune with a filter nothing matches"
  capture r network prune -f
  assert_rc 0
  assert_contains "$out" "remote2-n2"
  capture b network exists remote2-n2
  assert_rc 1 "prune removed the unused network"
}

test_remote_container_operations() {
  start_service --time 0
  local image
  image=$(remote_busybox)
  b rm -f remote2-c remote2-c2 remote2-init >/dev/null 2>&1 || true
  b run -d --name remote2-c "$image" sleep 100 >/dev/null
  b exec remote2-c touch /tmp/remote2-file

  capture r top remote2-c pid comm
  assert_rc 0
  assert_eq "$(b top remote2-c pid comm)" "$out" "top with descriptors"
  same_as_local diff remote2-c
  assert_contains "$out" "A /tmp/remote2-file"

  capture r pause remote2-c
  assert_rc 0
  assert_eq "remote2-c" "$out" "pause prints the name"
  assert_eq "paused" "$(b inspect --format '{{.State.Status}}' remote2-c)"
  same_as_local pause remote2-c
  capture r unpause remote2-c
  assert_rc 0
  assert_eq "running" "$(b inspect --format '{{.State.Status}}' remote2-c)"

  capture r rename remote2-c remote2-c2
  assert_rc 0
  capture b container exists remote2-c2
  assert_rc 0 "the container has its new name"

  for cmd in top diff pause unpause init; do
    same_as_local "$cmd" remote2-nosuch
  done
  same_as_local rename remote2-nosuch remote2-other

  b create --name remote2-init "$image" true >/dev/null
  capture r init remote2-init
  assert_rc 0
  assert_eq "initialized" "$(b inspect --format '{{.State.Status}}' remote2-init)"
  same_as_local init remote2-init
  b rm -f remote2-c2 remote2-init >/dev/null
}

test_remote_events_list_and_stream() {
  start_service --time 0
  local image stream_pid
  image=$(remote_busybox)
  b rm -f remote2-ev >/dev/null 2>&1 || true
  r events --filter container=remote2-ev --format '{{.Status}} {{.Name}}' \
    >"$E2E_ROOT/remote2-events.out" 2>&1 &
  stream_pid=$!
  sleep 0.5
  b run --name remote2-ev "$image" sh -c 'exit 3' >/dev/null || true

  # A finished list ends by itself and matches the local one, exit codes
  # and attributes included.
  capture r events --stream=false --filter container=remote2-ev --format json
  assert_rc 0
  assert_contains "$out" '"Status":"died"'
  assert_eq "$(b events --stream=false --filter container=remote2-ev --format json)" "$out" \
    "events --stream=false through the service"
  # Only this test's container: others in the shared store may still be
  # dying from earlier tests and add events between the two lists.
  same_as_local events --stream=false --filter event=died --filter container=remote2-ev \
    --since 10m

  for _ in $(seq 50); do
    grep -q '^died remote2-ev' "$E2E_ROOT/remote2-events.out" && break
    sleep 0.1
  done
  kill "$stream_pid"
  wait "$stream_pid" 2>/dev/null || true
  capture cat "$E2E_ROOT/remote2-events.out"
  assert_contains "$out" "start remote2-ev"
  assert_contains "$out" "died remote2-ev"
  b rm -f remote2-ev >/dev/null
}

test_remote_version_has_server_section() {
  start_service --time 0
  capture r version
  assert_rc 0
  assert_contains "$out" "Client:       berth"
  assert_contains "$out" "Server:       berth"
  assert_contains "$out" "API Version:  "
  capture r version --format '{{.Server.Version}}'
  assert_rc 0
  assert_eq "$(b version --format '{{.Client.Version}}')" "$out" "the server's version"
  capture b version
  assert_not_contains "$out" "Server:" "the local version has no Server section"
}

# exec in a container that is not running, or of a missing command, fails
# as locally: same message, same exit code.
test_remote_exec_in_exited_container() {
  start_service --time 0
  local image
  image=$(remote_busybox)
  b rm -f remote-exited >/dev/null 2>&1 || true
  b run --name remote-exited "$image" true
  capture b exec remote-exited true
  local local_err=$err local_rc=$rc
  assert_eq 255 "$local_rc" "local exit code, as Podman's"
  capture r exec remote-exited true
  assert_eq "$local_rc" "$rc" "remote exit code"
  assert_eq "$local_err" "$err" "remote message"
  b rm -f remote-exited >/dev/null
  # A command that is not in the image: 127 and the local message.
  b run -d --name remote-exited "$image" sleep 100 >/dev/null
  capture b exec remote-exited nosuchcmd
  local_err=$err local_rc=$rc
  assert_eq 127 "$local_rc" "local exit code of a missing command"
  capture r exec remote-exited nosuchcmd
  assert_eq "$local_rc" "$rc" "remote exit code of a missing command"
  assert_eq "$local_err" "$err" "remote message of a missing command"
  b rm -f remote-exited >/dev/null
}

# Through ssh, the service may see the end of the client's input just
# before the hang-up of a detach. The container's input must stay usable.
test_remote_ssh_attach_detach_then_attach() {
  [ -x /usr/sbin/sshd ] || fail "no sshd: scripts/setup with BERTH_SETUP_TEST=1 installs openssh-server"
  start_service --time 0
  start_sshd trusted
  local image
  image=$(remote_busybox)
  b rm -f remote-ssh-dt >/dev/null 2>&1 || true
  b run -dit --name remote-ssh-dt --network none "$image" sh >/dev/null
  TMUX_SOCKET=$E2E_RUNROOT/remote-ssh-tmux.sock
  trap 'stop_service; kill $sshd_pid 2>/dev/null || true; stop_tmux' EXIT
  local ssh_berth="PATH=$SSH_DIR/bin:\$PATH $BERTH_BIN --url ssh://root@127.0.0.1:$SSH_PORT$SVC_SOCK --identity $SSH_DIR/id"
  t new-session -d -s e2e -x 100 -y 30 "$ssh_berth attach remote-ssh-dt; echo exit=\$?; sleep 10"
  t send-keys -t e2e 'echo first-$((6*7))' Enter
  wait_for_screen "first-42"
  t send-keys -t e2e C-p C-q
  wait_for_screen "exit=0"
  stop_tmux
  rm -f "$TMUX_SOCKET"
  t new-session -d -s e2e -x 100 -y 30 "$ssh_berth attach remote-ssh-dt; echo exit=\$?; sleep 10"
  t send-keys -t e2e 'echo second-$((7*7))' Enter
  wait_for_screen "second-49"
  t send-keys -t e2e 'exit 5' Enter
  wait_for_screen "exit=5"
  stop_tmux
  b rm -f remote-ssh-dt >/dev/null
}
