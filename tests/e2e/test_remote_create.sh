# berth run and create as a remote client: every option reaches the
# service's create, so a container created through the service inspects
# the same as one created locally with the same flags. Debian's podman 4.3
# as a remote client sends the same options in its own SpecGenerator form.

r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

# Pulls the fixture busybox, removes what an earlier run left and prints
# the image's name.
rcreate_setup() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f rcr-local rcr-remote rcr-podman >/dev/null 2>&1 || true
  b volume rm -f rcr-vol >/dev/null 2>&1 || true
  b network rm rcr-net >/dev/null 2>&1 || true
  b secret rm rcr-sec >/dev/null 2>&1 || true
  echo "$REG/busybox:latest"
}

# Prints the container's inspect for template, with its own ID (full and
# short, as in its log path and default hostname) replaced by "ID".
inspect_without_id() { # container template
  local id
  id=$(b inspect --format '{{.Id}}' "$1")
  b inspect --format "$2" "$1" | sed -e "s/$id/ID/g" -e "s/${id:0:12}/ID/g"
}

# Asserts that the two containers show the same value for each template.
assert_same_inspect() { # local remote template...
  local local_name=$1 remote_name=$2
  shift 2
  local template
  for template in "$@"; do
    capture inspect_without_id "$local_name" "$template"
    assert_rc 0 "inspect $template of $local_name"
    local local_out=$out
    capture inspect_without_id "$remote_name" "$template"
    assert_rc 0 "inspect $template of $remote_name"
    assert_eq "$local_out" "$out" "$template of the remote container"
  done
}

test_remote_create_mounts_match_local() {
  start_service --time 0
  local image bind
  image=$(rcreate_setup)
  bind=$E2E_ROOT/rcr-bind
  mkdir -p "$bind"
  echo from-host >"$bind/file"
  local flags=(-v "$bind:/b:ro" -v rcr-vol:/v --mount "type=bind,src=$bind,dst=/m"
    --mount type=tmpfs,dst=/scratch,tmpfs-size=1m --tmpfs /t:size=2m,mode=1777 --read-only)
  capture b create --name rcr-local "${flags[@]}" "$image" true
  assert_rc 0 "local create"
  capture r create --name rcr-remote "${flags[@]}" "$image" true
  assert_rc 0 "remote create"
  assert_eq 64 "${#out}" "remote create prints the full ID"
  assert_same_inspect rcr-local rcr-remote '{{json .Mounts}}' '{{json .HostConfig.Tmpfs}}' \
    '{{.HostConfig.ReadonlyRootfs}}'
  # Binds keep the order of the SpecGenerator lists, binds before volumes,
  # so they are compared as sets.
  local local_binds remote_binds
  local_binds=$(b inspect --format '{{range .HostConfig.Binds}}{{println .}}{{end}}' rcr-local | sort)
  remote_binds=$(b inspect --format '{{range .HostConfig.Binds}}{{println .}}{{end}}' rcr-remote | sort)
  assert_eq "$local_binds" "$remote_binds" "HostConfig.Binds of the remote container"
  b rm -f rcr-local rcr-remote >/dev/null

  capture r run --rm "${flags[@]}" "$image" sh -c \
    'cat /b/file /m/file; touch /b/x 2>/dev/null || echo b-ro; touch /x 2>/dev/null || echo root-ro;
     touch /t/ok /tmp/ok /v/ok && echo writable; grep " /t " /proc/mounts | grep -o "size=[0-9a-z]*"'
  assert_rc 0 "remote run with mounts"
  assert_eq "from-host
from-host
b-ro
root-ro
writable
size=2048k" "$out" "the mounts inside the container"
  b volume rm -f rcr-vol >/dev/null
  rm -rf "$bind"
}

test_remote_create_resources_match_local() {
  start_service --time 0
  local image
  image=$(rcreate_setup)
  local flags=(--memory 64m --memory-reservation 32m --cpus 0.5 --cpu-shares 512
    --pids-limit 50 --ulimit nofile=100:200 --shm-size 32m --oom-score-adj 100
    --sysctl net.ipv4.ip_forward=1 --dns 10.0.0.1 --dns-search example.com
    --dns-option ndots:2 --add-host db:10.0.0.2 --group-add 10 --cap-add NET_ADMIN
    --cap-drop CHOWN --security-opt no-new-privileges --security-opt label=disable
    --label team=red --annotation note=x --env A=1 --env-merge 'B=${A}2' --unsetenv HOME
    --health-cmd true --health-interval 1m --health-retries 4 --health-on-failure kill
    --log-driver k8s-file --log-opt max-size=1m --stop-signal SIGINT --stop-timeout 3
    --init --restart on-failure:2 --workdir /tmp --user 1:1 --hostname rcr-host
    --device /dev/null:/dev/rcr-null:r -p 127.0.0.1:18099:80)
  capture b create --name rcr-local "${flags[@]}" "$image" true
  assert_rc 0 "local create"
  capture r create --name rcr-remote "${flags[@]}" "$image" true
  assert_rc 0 "remote create"
  assert_same_inspect rcr-local rcr-remote '{{json .HostConfig}}' '{{json .Config.Env}}' \
    '{{json .Config.Healthcheck}}' \
    '{{json .Config.Labels}}' '{{json .Config.Annotations}}' '{{.Config.StopSignal}}' \
    '{{.Config.StopTimeout}}' '{{.Config.WorkingDir}}' '{{.Config.User}}' \
    '{{.Config.Hostname}}' '{{json .Config.Cmd}}'
  b rm -f rcr-local rcr-remote >/dev/null

  capture r run --rm --memory 64m --pids-limit 50 --init "$image" sh -c \
    'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes;
     cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max;
     tr "\0" " " </proc/1/cmdline'
  assert_rc 0 "remote run with limits"
  local lines
  mapfile -t lines <<<"$out"
  assert_eq 67108864 "${lines[0]}" "memory limit inside the container"
  assert_eq 50 "${lines[1]}" "pids limit inside the container"
  assert_eq /run/podman-init "${lines[2]%% *}" "--init runs an init as PID 1"
}

test_remote_create_network_secret_and_init() {
  start_service --time 0
  local image
  image=$(rcreate_setup)
  b network create rcr-net >/dev/null
  printf 'top-secret' | b secret create rcr-sec - >/dev/null
  local flags=(--network rcr-net --secret rcr-sec --secret rcr-sec,type=env,target=TOKEN)
  capture b create --name rcr-local "${flags[@]}" "$image" true
  assert_rc 0 "local create"
  capture r create --name rcr-remote "${flags[@]}" "$image" true
  assert_rc 0 "remote create"
  assert_same_inspect rcr-local rcr-remote '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' \
    '{{.HostConfig.NetworkMode}}' '{{json .Config.Secrets}}'
  b rm -f rcr-local rcr-remote >/dev/null

  capture r run --rm "${flags[@]}" "$image" sh -c 'cat /run/secrets/rcr-sec; echo " $TOKEN"; ip -4 -o addr show eth0 | wc -l'
  assert_rc 0 "remote run on a user network with secrets"
  assert_eq "top-secret top-secret
1" "$out" "secret file, secret variable and the network's interface"
  b network rm rcr-net >/dev/null
  b secret rm rcr-sec >/dev/null
}

test_remote_create_bad_values_match_local() {
  start_service --time 0
  local image
  image=$(rcreate_setup)
  local bad cases=("--memory lots" "-v relative:dir" "--mount type=nfs,dst=/x" "--tmpfs tmp"
    "--secret s,uid=x" "--ulimit bogus=1" "--health-retries 0" "--log-opt max-size=big"
    "--network rcr-missing" "--security-opt bogus" "--cpus many" "--sysctl kernel.foo=1"
    "--restart sometimes" "--restart on-failure:x")
  for bad in "${cases[@]}"; do
    # shellcheck disable=SC2086 # each entry is a flag and its value
    capture b create --name rcr-local $bad "$image" true
    local local_rc=$rc local_err=$err
    # shellcheck disable=SC2086
    capture r create --name rcr-remote $bad "$image" true
    assert_eq 125 "$local_rc" "local exit code for $bad"
    assert_rc 125 "remote exit code for $bad"
    assert_eq "$local_err" "$err" "remote message for $bad"
  done
  capture b ps -a --format '{{.Names}}' --filter name=rcr-
  assert_eq "" "$out" "no container was left behind"
}

test_remote_create_rejects_env_host() {
  start_service --time 0
  local image
  image=$(rcreate_setup)
  capture r create --name rcr-remote --env-host "$image" true
  assert_rc 125 "--env-host through the service"
  assert_contains "$err" "--env-host"
  assert_contains "$err" "not available with --remote"
  capture b container exists rcr-remote
  assert_rc 1 "no container was created"
}

# Debian's podman 4.3 as a remote client with volumes and a user network.
test_remote_create_podman_client() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  start_service --time 0
  local image bind url=unix://$SVC_SOCK
  image=$(rcreate_setup)
  bind=$E2E_ROOT/rcr-bind
  mkdir -p "$bind"
  echo from-host >"$bind/file"
  b network create rcr-net >/dev/null
  capture podman --url "$url" run --name rcr-podman -v "$bind:/b:ro" -v rcr-vol:/v \
    --tmpfs /t:size=2m --network rcr-net --memory 64m "$image" \
    sh -c 'cat /b/file; touch /v/ok && echo vol-ok; grep -c " /t tmpfs" /proc/mounts'
  assert_rc 0 "podman run with -v and --network"
  assert_eq "from-host
vol-ok
1" "$out" "the container's view through podman"
  assert_eq "rcr-net " "$(b inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' rcr-podman)"
  assert_eq "67108864" "$(b inspect --format '{{.HostConfig.Memory}}' rcr-podman)"
  capture b inspect --format '{{range .Mounts}}{{.Type}}:{{.Destination}}:{{.RW}} {{end}}' rcr-podman
  assert_contains "$out" "bind:/b:false"
  assert_contains "$out" "volume:/v:true"
  assert_eq rcr-vol "$(b volume ls -q --filter name=rcr-vol)" "podman's -v made the named volume"
  b rm -f rcr-podman >/dev/null
  b volume rm -f rcr-vol >/dev/null
  b network rm rcr-net >/dev/null
  rm -rf "$bind"
}
