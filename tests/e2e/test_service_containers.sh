# system service: the container routes beyond the lifecycle (top, stats,
# rename, pause, archive, changes, export, prune), driven with curl, the
# Python Docker SDK, the Docker CLIs and Podman as a remote client.

IMG=$REG/busybox:latest
TMUX_SOCKET=${E2E_ROOT}/tmux-svc-ctrs.sock

# Removes the named containers, ignoring the missing ones.
svc_rm() { b rm -f "$@" >/dev/null 2>&1 || true; }

# Decodes the X-Docker-Container-Path-Stat header of the last `curl -D`
# headers file $1 (URL-safe base64, as Docker sends it).
path_stat() {
  grep -i '^X-Docker-Container-Path-Stat:' "$1" | cut -d' ' -f2 | tr -d '\r' | tr '_-' '/+' |
    base64 -d
}

test_service_top_rename_pause() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-ops svc-ops2 svc-other svc-fresh
  b run -d --name svc-ops --network none "$IMG" sleep 1000 >/dev/null
  b create --name svc-other --network none "$IMG" true >/dev/null
  start_service --time 0
  api GET /v1.41/containers/svc-ops/top
  assert_eq 200 "$code" "top: $out"
  assert_eq '["USER","PID","PPID","%CPU","ELAPSED","TTY","TIME","COMMAND"]' "$(jq -c .Titles <<<"$out")"
  assert_eq "sleep 1000" "$(jq -r '.Processes[0][7]' <<<"$out")"
  api GET '/v1.41/containers/svc-ops/top?ps_args=pid%20args'
  assert_eq '["PID","COMMAND"]' "$(jq -c .Titles <<<"$out")" "top with ps_args"
  api GET '/v5.0.0/libpod/containers/svc-ops/top?ps_args=pid&ps_args=comm'
  assert_eq '[["1","sleep"]]' "$(jq -c .Processes <<<"$out")" "libpod top"
  api GET /v1.41/containers/svc-other/top
  assert_eq 409 "$code" "top of a container that is not running"

  api POST '/v1.41/containers/svc-ops/rename?name=svc-ops2'
  assert_eq 204 "$code" "rename: $out"
  capture b inspect --format '{{.Name}}' svc-ops2
  assert_eq svc-ops2 "$out"
  api POST '/v1.41/containers/svc-ops2/rename?name=svc-other'
  assert_eq 409 "$code" "rename to a name in use"
  api POST '/v1.41/containers/svc-ops2/rename'
  assert_eq 400 "$code" "rename without a name"
  api POST '/v5.0.0/libpod/containers/svc-ops2/rename?name=svc-ops'
  assert_eq 204 "$code" "libpod rename"

  api POST /v1.41/containers/svc-ops/pause
  assert_eq 204 "$code" "pause: $out"
  assert_eq paused "$(b inspect --format '{{.State.Status}}' svc-ops)"
  api POST /v1.41/containers/svc-ops/pause
  assert_eq 409 "$code" "pause twice"
  api POST /v1.41/containers/svc-other/pause
  assert_eq 409 "$code" "pause of a created container"
  api POST /v5.0.0/libpod/containers/svc-ops/unpause
  assert_eq 204 "$code" "libpod unpause"
  assert_eq running "$(b inspect --format '{{.State.Status}}' svc-ops)"
  api POST /v1.41/containers/svc-ops/unpause
  assert_eq 409 "$code" "unpause of a running container"

  api GET /v5.0.0/libpod/containers/svc-ops/exists
  assert_eq 204 "$code" "exists"
  api GET /v5.0.0/libpod/containers/nosuch/exists
  assert_eq 404 "$code" "exists of a missing container"
  b create --name svc-fresh --network none "$IMG" sleep 100 >/dev/null
  api POST /v5.0.0/libpod/containers/svc-fresh/init
  assert_eq 204 "$code" "init: $out"
  assert_eq initialized "$(b inspect --format '{{.State.Status}}' svc-fresh)"
  api POST /v5.0.0/libpod/containers/svc-fresh/init
  assert_eq 304 "$code" "init twice"

  api POST /v1.41/containers/svc-ops/update -H 'Content-Type: application/json' -d '{}'
  assert_eq 501 "$code" "update"
  assert_contains "$(jq -r .message <<<"$out")" "not supported"
  api POST /v1.41/containers/nosuch/update -d '{}'
  assert_eq 404 "$code" "update of a missing container"
  svc_rm svc-ops svc-other svc-fresh
  stop_service
}

test_service_stats() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-st svc-st-off
  b run -d --name svc-st "$IMG" sleep 1000 >/dev/null
  b create --name svc-st-off --network none "$IMG" true >/dev/null
  start_service --time 0
  api GET '/v1.41/containers/svc-st/stats?stream=false'
  assert_eq 200 "$code" "stats: $out"
  assert_eq /svc-st "$(jq -r .name <<<"$out")"
  [ "$(jq -r .memory_stats.usage <<<"$out")" -gt 0 ] || fail "memory usage: $out"
  [ "$(jq -r .memory_stats.limit <<<"$out")" -gt 0 ] || fail "memory limit: $out"
  [ "$(jq -r .cpu_stats.cpu_usage.total_usage <<<"$out")" -gt 0 ] || fail "cpu usage: $out"
  [ "$(jq -r .precpu_stats.system_cpu_usage <<<"$out")" -gt 0 ] || fail "precpu: $out"
  [ "$(jq -r .pids_stats.current <<<"$out")" -ge 1 ] || fail "pids: $out"
  assert_eq true "$(jq 'has("networks") and has("blkio_stats") and has("preread")' <<<"$out")"
  api GET '/v1.41/containers/svc-st/stats?stream=false&one-shot=true'
  assert_eq 0 "$(jq -r .precpu_stats.cpu_usage.total_usage <<<"$out")" "one-shot has no precpu"

  api GET '/v1.41/containers/svc-st-off/stats?stream=false'
  assert_eq 200 "$code" "stats of a stopped container"
  assert_eq 0 "$(jq -r .memory_stats.usage <<<"$out")"
  assert_eq 0001-01-01T00:00:00Z "$(jq -r .read <<<"$out")"
  api GET '/v1.41/containers/nosuch/stats?stream=false'
  assert_eq 404 "$code"

  # A stream sends one sample a second until the client leaves.
  capture timeout 3 curl -s -N --unix-socket "$SVC_SOCK" http://d/v1.41/containers/svc-st/stats
  local lines
  lines=$(grep -c '"cpu_stats"' <<<"$out")
  [ "$lines" -ge 2 ] && [ "$lines" -le 4 ] || fail "streamed samples in 3 s: $lines"

  api GET '/v5.0.0/libpod/containers/stats?stream=false&containers=svc-st'
  assert_eq 200 "$code" "libpod stats: $out"
  assert_eq null "$(jq -r .Error <<<"$out")"
  assert_eq svc-st "$(jq -r '.Stats[0].Name' <<<"$out")"
  [ "$(jq -r '.Stats[0].MemUsage' <<<"$out")" -gt 0 ] || fail "libpod MemUsage: $out"
  api GET '/v5.0.0/libpod/containers/stats?stream=false&containers=nosuch'
  assert_eq 404 "$code"
  svc_rm svc-st svc-st-off
  stop_service
}

test_service_archive_changes_export() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-ar
  b run -d --name svc-ar --network none "$IMG" sh -c 'echo x > /root/new; rm /bin/ed; sleep 1000' >/dev/null
  start_service --time 0
  local work=$E2E_ROOT/svc-archive
  rm -rf "$work"
  mkdir -p "$work/in/sub"
  echo payload >"$work/in/sub/file.txt"
  tar -C "$work/in" -cf "$work/in.tar" sub
  api PUT '/v1.41/containers/svc-ar/archive?path=/tmp' --data-binary "@$work/in.tar" \
    -H 'Content-Type: application/x-tar'
  assert_eq 200 "$code" "put archive: $out"
  capture b exec svc-ar cat /tmp/sub/file.txt
  assert_eq payload "$out"
  api PUT '/v1.41/containers/svc-ar/archive?path=/etc/hostname' --data-binary "@$work/in.tar"
  assert_eq 400 "$code" "put into a file"
  api PUT '/v1.41/containers/svc-ar/archive?path=/nosuch/dir' --data-binary "@$work/in.tar"
  assert_eq 404 "$code" "put into a missing directory"

  capture curl -s -I -D "$work/head" --unix-socket "$SVC_SOCK" \
    'http://d/v1.41/containers/svc-ar/archive?path=/tmp/sub/file.txt'
  assert_contains "$out" "HTTP/1.1 200 OK"
  local stat
  stat=$(path_stat "$work/head")
  assert_eq file.txt "$(jq -r .name <<<"$stat")"
  assert_eq 8 "$(jq -r .size <<<"$stat")"
  assert_eq 420 "$(jq -r .mode <<<"$stat")" "mode 0644 as Go's FileMode"
  capture curl -s -I -D "$work/head" --unix-socket "$SVC_SOCK" \
    'http://d/v1.41/containers/svc-ar/archive?path=/tmp/sub'
  stat=$(path_stat "$work/head")
  assert_eq $((0x80000000 | 0755)) "$(jq -r .mode <<<"$stat")" "a directory has Go's ModeDir"
  capture curl -s -I --unix-socket "$SVC_SOCK" 'http://d/v1.41/containers/svc-ar/archive?path=/nosuch'
  assert_contains "$out" "HTTP/1.1 404" "stat of a missing path"

  curl -s -D "$work/head" -o "$work/out.tar" --unix-socket "$SVC_SOCK" \
    'http://d/v1.41/containers/svc-ar/archive?path=/tmp/sub'
  assert_eq "sub/
sub/file.txt" "$(tar -tf "$work/out.tar")"
  assert_eq sub "$(path_stat "$work/head" | jq -r .name)"
  curl -s -o "$work/lp.tar" --unix-socket "$SVC_SOCK" \
    'http://d/v5.0.0/libpod/containers/svc-ar/archive?path=/etc/hostname'
  assert_eq hostname "$(tar -tf "$work/lp.tar")" "libpod archive"

  api GET /v1.41/containers/svc-ar/changes
  assert_eq 200 "$code" "changes: $out"
  assert_eq 1 "$(jq -r '.[] | select(.Path == "/root/new") | .Kind' <<<"$out")" "added"
  assert_eq 2 "$(jq -r '.[] | select(.Path == "/bin/ed") | .Kind' <<<"$out")" "deleted"
  assert_eq 0 "$(jq -r '.[] | select(.Path == "/root") | .Kind' <<<"$out")" "changed"

  curl -s -o "$work/export.tar" --unix-socket "$SVC_SOCK" http://d/v1.41/containers/svc-ar/export
  capture tar -tf "$work/export.tar"
  assert_rc 0 "the export is a tar"
  assert_contains "$out" "bin/sh"
  assert_contains "$out" "tmp/sub/file.txt"
  api GET /v1.41/containers/nosuch/export
  assert_eq 404 "$code" "export of a missing container"
  rm -rf "$work"
  svc_rm svc-ar
  stop_service
}

test_service_prune() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-pr1 svc-pr2 svc-pr3 svc-pr-run
  b create --name svc-pr1 --label keep=no --network none "$IMG" true >/dev/null
  b create --name svc-pr2 --label keep=yes --network none "$IMG" true >/dev/null
  b run --name svc-pr3 --network none "$IMG" true >/dev/null
  b run -d --name svc-pr-run --network none "$IMG" sleep 1000 >/dev/null
  local id1
  id1=$(b inspect --format '{{.Id}}' svc-pr1)
  start_service --time 0
  api POST '/v1.41/containers/prune?filters=%7B%22label%22%3A%5B%22keep%3Dno%22%5D%7D'
  assert_eq 200 "$code" "prune: $out"
  assert_eq "[\"$id1\"]" "$(jq -c .ContainersDeleted <<<"$out")"
  [ "$(jq -r .SpaceReclaimed <<<"$out")" -ge 0 ] || fail "SpaceReclaimed: $out"
  api POST '/v1.41/containers/prune?filters=%7B%22bad%22%3A%5B%22x%22%5D%7D'
  assert_eq 400 "$code" "an invalid prune filter"
  api POST /v5.0.0/libpod/containers/prune
  assert_eq 200 "$code" "libpod prune: $out"
  assert_eq 2 "$(jq length <<<"$out")"
  assert_eq "null null" "$(jq -r '[.[].Err] | map(tostring) | join(" ")' <<<"$out")"
  # Running containers of other tests may stay as well.
  capture b ps -a --format '{{.Names}}' --filter name=svc-pr
  assert_eq svc-pr-run "$out" "only the running container stays"
  api POST /v1.41/containers/prune
  assert_eq null "$(jq -c .ContainersDeleted <<<"$out")" "nothing left to prune"
  svc_rm svc-pr-run
  stop_service
}

test_service_python_docker_sdk() {
  python3 -c 'import docker' 2>/dev/null || fail "python3-docker is not installed"
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-py svc-py2
  start_service --time 0
  local work=$E2E_ROOT/svc-py
  rm -rf "$work"
  mkdir -p "$work"
  capture env SDK_IMAGE="$IMG" SDK_WORK="$work" python3 - "unix://$SVC_SOCK" <<'EOF'
import io, os, sys, tarfile
import docker

client = docker.DockerClient(base_url=sys.argv[1])
image = os.environ["SDK_IMAGE"]
print("run-rm:", client.containers.run(image, ["echo", "hello-sdk"], remove=True).decode().strip())
c = client.containers.run(image, ["sh", "-c", "echo in-log; sleep 1000"], detach=True,
                          name="svc-py", network_mode="none")
c.reload()
print("status:", c.status)
print("listed:", "svc-py" in [x.name for x in client.containers.list(all=True)])
print("logs:", c.logs().decode().strip())
code, output = c.exec_run(["sh", "-c", "echo exec-out; exit 4"])
print("exec:", code, output.decode().strip())
print("top:", c.top()["Processes"][0][-1])
stats = c.stats(stream=False)
print("stats:", stats["memory_stats"]["usage"] > 0, stats["cpu_stats"]["cpu_usage"]["total_usage"] > 0)
data = io.BytesIO()
with tarfile.open(fileobj=data, mode="w") as tar:
    info = tarfile.TarInfo("put.txt")
    info.size = 7
    tar.addfile(info, io.BytesIO(b"put-me\n"))
print("put:", c.put_archive("/tmp", data.getvalue()))
chunks, stat = c.get_archive("/tmp/put.txt")
with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
    print("get:", stat["name"], stat["size"], tar.extractfile("put.txt").read().decode().strip())
c.rename("svc-py2")
c.reload()
print("renamed:", c.name)
c.stop(timeout=1)
c.reload()
print("stopped:", c.status)
c.remove()
print("removed:", "svc-py2" not in [x.name for x in client.containers.list(all=True)])
EOF
  assert_rc 0 "the SDK script"
  assert_eq "run-rm: hello-sdk
status: running
listed: True
logs: in-log
exec: 4 exec-out
top: sleep 1000
stats: True True
put: True
get: put.txt 7 put-me
renamed: svc-py2
stopped: exited
removed: True" "$out"
  capture b ps -a --format '{{.Names}}' --filter name=svc-py
  assert_eq "" "$out" "the SDK's containers are gone"
  rm -rf "$work"
  stop_service
}

# Debian's podman 4.3 as a remote client: it calls the libpod API under
# /v4.3.1 and decodes some fields in Podman 4's types.
test_service_podman_remote() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-pm
  start_service --time 0
  local url=unix://$SVC_SOCK
  capture podman --url "$url" run -d --name svc-pm --network none "$IMG" sh -c 'echo pm-log; sleep 1000'
  assert_rc 0 "podman run -d"
  assert_eq 64 "${#out}"
  assert_eq running "$(b inspect --format '{{.State.Status}}' svc-pm)"
  capture podman --url "$url" logs svc-pm
  assert_rc 0 "podman logs"
  assert_eq pm-log "$out"
  capture podman --url "$url" exec svc-pm sh -c 'echo pm-exec; exit 6'
  assert_rc 6 "podman exec returns the command's exit code"
  assert_eq pm-exec "$out"
  capture podman --url "$url" top svc-pm pid args
  assert_rc 0 "podman top"
  assert_contains "$out" "sleep 1000"
  capture podman --url "$url" images --format '{{.Repository}}:{{.Tag}}'
  assert_rc 0 "podman images"
  assert_contains "$out" "$IMG"
  capture podman --url "$url" ps --format '{{.Names}} {{.Status}}'
  assert_rc 0 "podman ps"
  assert_contains "$out" "svc-pm Up"
  capture podman --url "$url" inspect --format '{{.State.Status}} {{.Config.StopSignal}}' svc-pm
  assert_rc 0 "podman inspect"
  assert_eq "running 15" "$out"
  capture podman --url "$url" pause svc-pm
  assert_rc 0 "podman pause"
  assert_eq paused "$(b inspect --format '{{.State.Status}}' svc-pm)"
  capture podman --url "$url" unpause svc-pm
  assert_rc 0 "podman unpause"
  capture podman --url "$url" stop -t 0 svc-pm
  assert_rc 0 "podman stop"
  assert_eq exited "$(b inspect --format '{{.State.Status}}' svc-pm)"
  capture podman --url "$url" rm svc-pm
  assert_rc 0 "podman rm"
  capture b container exists svc-pm
  assert_rc 1 "the container is gone"
  capture podman --url "$url" run --rm --network none "$IMG" sh -c 'echo pm-rm; exit 3'
  assert_rc 3 "podman run --rm gives the command's exit code"
  assert_eq pm-rm "$out"
  capture podman --url "$url" pull --tls-verify=false "$REG/busybox:v2s2"
  assert_rc 0 "podman pull"
  capture b image exists "$REG/busybox:v2s2"
  assert_rc 0 "the pulled image is in berth's store"
  capture podman --url "$url" inspect no-such-ctr
  assert_rc 125 "podman inspect of a missing container"
  assert_contains "$err" 'no such object: "no-such-ctr"'
  svc_rm svc-pm
  stop_service
}

test_service_docker_cli_container_ops() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  export DOCKER_HOST=unix://$SVC_SOCK
  local work=$E2E_ROOT/svc-dcli cli
  for cli in $(docker_clis); do
    svc_rm svc-dc svc-dc2 svc-dc-old
    rm -rf "$work"
    mkdir -p "$work"
    capture "$cli" run -d --name svc-dc --network none "$IMG" sh -c 'touch /root/made; sleep 1000'
    assert_rc 0 "$cli run -d"
    capture "$cli" top svc-dc
    assert_rc 0 "$cli top"
    assert_contains "$out" "sleep 1000"
    capture "$cli" stats --no-stream --format '{{.Name}} {{.PIDs}}' svc-dc
    assert_rc 0 "$cli stats --no-stream"
    assert_eq "svc-dc 1" "$out"
    capture "$cli" rename svc-dc svc-dc2
    assert_rc 0 "$cli rename"
    capture "$cli" pause svc-dc2
    assert_rc 0 "$cli pause"
    capture "$cli" ps --format '{{.Names}} {{.Status}}' --filter name=svc-dc2
    assert_contains "$out" "(Paused)"
    capture "$cli" unpause svc-dc2
    assert_rc 0 "$cli unpause"
    echo to-container >"$work/up.txt"
    capture "$cli" cp "$work/up.txt" svc-dc2:/tmp/
    assert_rc 0 "$cli cp into the container"
    assert_eq to-container "$(b exec svc-dc2 cat /tmp/up.txt)"
    capture "$cli" cp svc-dc2:/etc/group "$work/group"
    assert_rc 0 "$cli cp out of the container"
    assert_eq "$(b exec svc-dc2 cat /etc/group)" "$(cat "$work/group")"
    capture "$cli" diff svc-dc2
    assert_rc 0 "$cli diff"
    assert_contains "$out" "A /root/made"
    assert_contains "$out" "A /tmp/up.txt"
    capture "$cli" export -o "$work/fs.tar" svc-dc2
    assert_rc 0 "$cli export"
    assert_contains "$(tar -tf "$work/fs.tar")" "root/made"
    capture "$cli" create --name svc-dc-old --network none "$IMG" true
    assert_rc 0 "$cli create"
    local old_id=$out
    capture "$cli" container prune -f
    assert_rc 0 "$cli container prune"
    assert_contains "$out" "Deleted Containers:
$old_id"
    capture "$cli" ps -a --format '{{.Names}}'
    assert_rc 0 "$cli ps -a"
    assert_contains "$out" svc-dc2
    assert_not_contains "$out" svc-dc-old "pruned"
    svc_rm svc-dc2
  done
  rm -rf "$work"
  stop_service
}

test_service_docker_cli_run_it() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-it
  start_service --time 0
  # The tmux server must go too when an assertion fails.
  trap 'stop_tmux; stop_service' EXIT
  local cli
  for cli in $(docker_clis); do
    stop_tmux
    t new-session -d -s e2e -x 80 -y 24 \
      "DOCKER_HOST=unix://$SVC_SOCK $cli run -it --name svc-it --network none $IMG sh; echo RUN-EXIT=\$?; sleep 60"
    wait_for_screen "/ #"
    t send-keys -t e2e 'echo tty-$((6*7)); tty' Enter
    wait_for_screen "tty-42"
    wait_for_screen "/dev/pts/"
    t send-keys -t e2e 'exit 3' Enter
    wait_for_screen "RUN-EXIT=3"
    stop_tmux
    svc_rm svc-it
  done
  stop_service
}

test_service_archive_without_parent_entries() {
  python3 -c 'import docker' 2>/dev/null || fail "python3-docker is not installed"
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-np
  b run -d --name svc-np --network none "$IMG" sleep 1000 >/dev/null
  start_service --time 0
  local work=$E2E_ROOT/svc-noparent
  rm -rf "$work"
  mkdir -p "$work/tree/dir1"
  echo a >"$work/tree/dir1/a.txt"
  # Only the file's entry: no "dir1/" entry before it.
  tar -cf "$work/noparent.tar" -C "$work/tree" dir1/a.txt
  assert_eq "dir1/a.txt" "$(tar -tf "$work/noparent.tar")" "the tar has no directory entry"
  api PUT '/v1.41/containers/svc-np/archive?path=/tmp' --data-binary "@$work/noparent.tar" \
    -H 'Content-Type: application/x-tar'
  assert_eq 200 "$code" "put archive without parent entries: $out"
  capture b exec svc-np stat -c '%n %a %u:%g' /tmp/dir1 /tmp/dir1/a.txt
  assert_eq $'/tmp/dir1 755 0:0\n/tmp/dir1/a.txt 644 0:0' "$out"
  local cli n=0
  for cli in $(docker_clis); do
    n=$((n + 1))
    capture env DOCKER_HOST="unix://$SVC_SOCK" "$cli" cp - "svc-np:/root" <"$work/noparent.tar"
    assert_rc 0 "$cli cp - without parent entries"
    b exec svc-np mv /root/dir1 "/root/cli$n"
    capture b exec svc-np cat "/root/cli$n/a.txt"
    assert_eq "a" "$out" "$cli cp -"
  done
  capture python3 - "unix://$SVC_SOCK" "$work/noparent.tar" <<'EOF'
import sys
import docker
client = docker.DockerClient(base_url=sys.argv[1])
with open(sys.argv[2], "rb") as tar:
    print("put:", client.containers.get("svc-np").put_archive("/var", tar.read()))
EOF
  assert_rc 0 "SDK put_archive: $err"
  assert_eq "put: True" "$out"
  capture b exec svc-np cat /var/dir1/a.txt
  assert_eq "a" "$out" "SDK put_archive"

  # An entry that leaves the destination is still rejected.
  python3 - "$work/dotdot.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tar:
    info = tarfile.TarInfo("new/../../escaped")
    info.size = 2
    tar.addfile(info, io.BytesIO(b"x\n"))
EOF
  api PUT '/v1.41/containers/svc-np/archive?path=/tmp' --data-binary "@$work/dotdot.tar"
  assert_eq 400 "$code" "put archive with ..: $out"
  assert_contains "$out" '\"..\" is not allowed'
  capture b exec svc-np ls /escaped /tmp/new
  assert_rc 1 "nothing was written for the rejected entry"
  stop_service
  svc_rm svc-np
}

# Starts a 120x30 tmux session running $1 in the container svc-tty,
# asserts that its terminal has that size, resizes the window and asserts
# the new size.
assert_exec_terminal_size() { # command-line
  stop_tmux
  t new-session -d -s e2e -x 120 -y 30 "$1; echo EXEC-EXIT=\$?; sleep 60"
  wait_for_screen "/ #"
  t send-keys -t e2e 'stty size' Enter
  wait_for_screen "30 120"
  t resize-window -t e2e -x 101 -y 27
  sleep 0.5
  t send-keys -t e2e 'stty size' Enter
  wait_for_screen "27 101"
  t send-keys -t e2e 'exit 6' Enter
  wait_for_screen "EXEC-EXIT=6"
  stop_tmux
}

test_service_exec_it_terminal_size() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-tty
  b run -d --name svc-tty --network none "$IMG" sleep 1000 >/dev/null
  start_service --time 0
  trap 'stop_tmux; stop_service' EXIT
  local cli
  for cli in $(docker_clis); do
    assert_exec_terminal_size "DOCKER_HOST=unix://$SVC_SOCK $cli exec -it svc-tty sh"
  done
  assert_exec_terminal_size "$BERTH_BIN --url unix://$SVC_SOCK exec -it svc-tty sh"
  assert_exec_terminal_size "CONTAINERS_CONF=/dev/null podman --url unix://$SVC_SOCK exec -it svc-tty sh"

  # A resize before the start sets the size the process starts with, and
  # ConsoleSize in the create body does too.
  capture python3 - "$SVC_SOCK" <<'EOF'
import json, socket, sys
path = sys.argv[1]

def request(method, target, body=None, upgrade=False):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(path)
    data = json.dumps(body).encode() if body is not None else b""
    headers = "Connection: Upgrade\r\nUpgrade: tcp\r\n" if upgrade else "Connection: close\r\n"
    s.sendall(f"{method} {target} HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
              f"{headers}Content-Length: {len(data)}\r\n\r\n".encode() + data)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
    return reply.split(b"\r\n", 1)[0].decode(), reply.split(b"\r\n\r\n", 1)[1]

def create(extra):
    body = {"Cmd": ["stty", "size"], "Tty": True, "AttachStdout": True, **extra}
    return json.loads(request("POST", "/v1.41/containers/svc-tty/exec", body)[1])["Id"]

first = create({})
print("resize:", request("POST", f"/v1.41/exec/{first}/resize?h=33&w=111")[0])
print("output:", request("POST", f"/v1.41/exec/{first}/start", {"Tty": True}, True)[1].decode().strip())
second = create({"ConsoleSize": [44, 99]})
print("output:", request("POST", f"/v1.41/exec/{second}/start", {"Tty": True}, True)[1].decode().strip())
print("bad:", request("POST", f"/v1.41/exec/{first}/resize?h=x&w=1")[0])
print("missing:", request("POST", "/v1.41/exec/nosuch/resize?h=1&w=1")[0])
EOF
  assert_rc 0 "raw exec resize: $err"
  assert_eq $'resize: HTTP/1.1 201 Created\noutput: 33 111\noutput: 44 99\nbad: HTTP/1.1 400 Bad Request\nmissing: HTTP/1.1 404 Not Found' "$out"
  stop_service
  svc_rm svc-tty
}

test_service_concurrent_list() {
  command -v wrk >/dev/null || fail "wrk is not installed"
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-cc
  b create --name svc-cc --network none "$IMG" true >/dev/null
  start_service --time 0
  # The first list opens the state database, which then stays open.
  api GET /v1.41/containers/json
  local before after
  before=$(fds_and_threads "$svc_pid")
  # 200 concurrent clients, each with its own connection.
  capture python3 - "$SVC_SOCK" <<'EOF'
import socket, sys, threading
path = sys.argv[1]
results = []
lock = threading.Lock()
def get():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    try:
        s.connect(path)
        s.sendall(b"GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        status = data.split(b" ", 2)[1].decode()
        ok = status == "200" and b'"svc-cc"' in data.replace(b'"/svc-cc"', b'"svc-cc"')
        with lock:
            results.append("ok" if ok else status)
    except Exception as e:
        with lock:
            results.append(repr(e))
    finally:
        s.close()
threads = [threading.Thread(target=get) for _ in range(200)]
for t in threads:
    t.start()
for t in threads:
    t.join()
bad = [r for r in results if r != "ok"]
print(len(results), len(bad), bad[:3])
EOF
  assert_rc 0 "the concurrent client script"
  assert_eq "200 0 []" "$out" "200 concurrent requests all succeed"
  local waited=0
  after=$(fds_and_threads "$svc_pid")
  while [ "$after" != "$before" ] && [ $waited -lt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
    after=$(fds_and_threads "$svc_pid")
  done
  assert_eq "$before" "$after" "fds and threads after the concurrent clients"
  kill -0 "$svc_pid" || fail "the service died"
  stop_service

  # wrk speaks only TCP: 200 keep-alive connections for 3 s on a loopback port.
  local port
  port=$(free_port)
  "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" system service --time 0 \
    "tcp://127.0.0.1:$port" 2>"$E2E_ROOT/service-tcp.log" &
  svc_pid=$!
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/v1.41/containers/json" && break
    sleep 0.05
  done
  before=$(fds_and_threads "$svc_pid")
  # A 10 s timeout: wrk's 2 s default counts a reply that other work on a
  # busy 2-core machine delayed as an error.
  capture wrk -c 200 -d 3 -t 2 --timeout 10s "http://127.0.0.1:$port/v1.41/containers/json"
  assert_rc 0 "wrk"
  assert_contains "$out" "requests in"
  assert_not_contains "$out" "Non-2xx" "every response is 2xx"
  assert_not_contains "$out" "Socket errors" "no connection errors"
  waited=0
  after=$(fds_and_threads "$svc_pid")
  while [ "$after" != "$before" ] && [ $waited -lt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
    after=$(fds_and_threads "$svc_pid")
  done
  assert_eq "$before" "$after" "fds and threads after wrk"
  svc_rm svc-cc
  stop_service
}

# The Python SDK pulls an image that is missing, which it does only when
# the create's 404 contains "No such image".
test_service_sdk_run_pulls_missing_image() {
  python3 -c 'import docker' 2>/dev/null || fail "python3-docker is not installed"
  local missing=$REG/busybox:oci
  b rmi -f "$missing" >/dev/null 2>&1 || true
  start_service --time 0
  api POST /v1.41/containers/create -H 'Content-Type: application/json' -d "{\"Image\":\"$missing\"}"
  assert_eq 404 "$code"
  assert_eq "No such image: $missing" "$(jq -r .message <<<"$out")"
  capture env SDK_IMAGE="$missing" python3 - "unix://$SVC_SOCK" <<'PY'
import os, sys
import docker

client = docker.DockerClient(base_url=sys.argv[1])
output = client.containers.run(os.environ["SDK_IMAGE"], ["echo", "pulled-run"], remove=True,
                               network_mode="none")
print(output.decode().strip())
PY
  assert_rc 0 "containers.run of a missing image"
  assert_eq pulled-run "$out"
  capture b image exists "$missing"
  assert_rc 0 "the image was pulled"
  stop_service
}

# docker run --rm whose start fails removes the container, as the CLI's
# run --rm does; Docker 28 waits for that removal.
test_service_run_rm_failed_start_removes() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  export DOCKER_HOST=unix://$SVC_SOCK
  local cli
  for cli in $(docker_clis); do
    capture timeout 60 "$cli" run --rm --name svc-rmfail --network none "$IMG" /no/such/cmd
    assert_rc 127 "$cli run --rm of a missing command"
    capture b ps -a --format '{{.Names}}' --filter name=svc-rmfail
    assert_eq "" "$out" "$cli: the failed container is removed"
  done
  stop_service
}

# podman cp as a remote client reads isDir and linkTarget from the stat
# header. A tar entry "." that is not a directory must not replace the
# destination directory.
test_service_podman_remote_cp() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  b pull -q --tls-verify=false "$IMG" >/dev/null
  svc_rm svc-pcp
  start_service --time 0
  local url=unix://$SVC_SOCK dir=$E2E_ROOT/podman-cp
  rm -rf "$dir" && mkdir -p "$dir"
  echo new-content >"$dir/newf"
  b run -d --name svc-pcp "$IMG" sh -c 'mkdir -p /victim/sub; echo keep >/victim/sub/f; sleep 300' \
    >/dev/null
  capture podman --url "$url" cp "$dir/newf" svc-pcp:/tmp/
  assert_rc 0 "podman cp into a directory"
  capture podman --url "$url" cp "$dir/newf" svc-pcp:/etc/renamed
  assert_rc 0 "podman cp to a new name"
  capture b exec svc-pcp cat /tmp/newf /etc/renamed
  assert_eq "new-content
new-content" "$out"

  (cd "$dir" && tar -cf dot.tar --transform 's|^newf$|.|' newf)
  api PUT '/v4.3.1/libpod/containers/svc-pcp/archive?path=/victim' --data-binary "@$dir/dot.tar"
  assert_eq 400 "$code" "a file entry named . is refused"
  assert_contains "$out" 'invalid tar entry \".\"'
  capture b exec svc-pcp cat /victim/sub/f
  assert_eq "keep" "$out" "the destination directory is untouched"
  svc_rm svc-pcp
}
