# berth as a remote client for cp, stats, port, ps --size, rm --volumes,
# healthcheck run, logs of several containers, secrets and system df. Each
# command runs through the service on a private socket and is compared
# with the local CLI on the same store. Also covers the secret routes of
# the Docker API and the commands the remote client rejects.

# berth through the service that start_service runs on $SVC_SOCK.
r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

# Pulls the fixture busybox, removes what an earlier failed run left and
# prints the image's name.
rc_busybox() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f rc-cp rc-ps rc-hc rc-vol rc-log1 rc-log2 >/dev/null 2>&1 || true
  b secret rm rc-sec rc-sec2 >/dev/null 2>&1 || true
  echo "$REG/busybox:latest"
}


test_remote_cp_both_directions() {
  start_service --time 0
  local image host
  image=$(rc_busybox)
  host=$(mktemp -d)
  b run -d --name rc-cp "$image" sh -c 'mkdir -p /srv/d/sub; echo inner > /srv/d/sub/f; echo top > /srv/top; sleep 100' >/dev/null
  for _ in $(seq 50); do b exec rc-cp test -f /srv/top && break; sleep 0.1; done

  # Host to container: a file into a directory, and under a new name.
  echo hello > "$host/a.txt"
  capture r cp "$host/a.txt" rc-cp:/tmp/
  assert_rc 0
  assert_eq "hello" "$(b exec rc-cp cat /tmp/a.txt)" "file copied into a directory"
  capture r cp "$host/a.txt" rc-cp:/tmp/renamed
  assert_rc 0
  assert_eq "hello" "$(b exec rc-cp cat /tmp/renamed)" "file copied under a new name"
  mkdir -p "$host/tree/x"
  echo deep > "$host/tree/x/y"
  capture r cp "$host/tree" rc-cp:/tmp/newtree
  assert_rc 0
  assert_eq "deep" "$(b exec rc-cp cat /tmp/newtree/x/y)" "directory copied under a new name"
  assert_eq "0:0" "$(b exec rc-cp stat -c %u:%g /tmp/newtree/x/y)" "--archive gives the container user's ids"

  # Container to host: the same result as the local command.
  capture r cp rc-cp:/srv/d "$host/remote-d"
  assert_rc 0
  b cp rc-cp:/srv/d "$host/local-d"
  assert_eq "$(cd "$host/local-d" && find . | sort)" "$(cd "$host/remote-d" && find . | sort)" "copied tree"
  assert_eq "inner" "$(cat "$host/remote-d/sub/f")"
  mkdir "$host/into"
  capture r cp rc-cp:/srv/top "$host/into"
  assert_rc 0
  assert_eq "top" "$(cat "$host/into/top")" "file copied into a host directory"
  capture r cp rc-cp:/srv/d/. "$host/into"
  assert_rc 0
  assert_eq "inner" "$(cat "$host/into/sub/f")" "contents of a directory with /."

  # Tar streams both ways.
  capture sh -c "'$BERTH_BIN' --url 'unix://$SVC_SOCK' cp rc-cp:/srv/d - | tar -t | sort"
  assert_rc 0
  assert_eq "$(b cp rc-cp:/srv/d - | tar -t | sort)" "$out" "tar stream out of the container"
  (cd "$host" && tar -c a.txt tree) >"$host/in.tar"
  capture sh -c "'$BERTH_BIN' --url 'unix://$SVC_SOCK' cp - rc-cp:/tmp < '$host/in.tar'"
  assert_rc 0
  assert_eq "hello deep" "$(b exec rc-cp sh -c 'echo $(cat /tmp/a.txt /tmp/tree/x/y)')" "tar stream into the container"

  # Errors: the local messages and exit codes.
  assert_same_as_local "missing container path" cp rc-cp:/no/such "$host/x"
  assert_same_as_local "missing host source" cp "$host/no-such" rc-cp:/tmp
  assert_same_as_local "missing container parent" cp "$host/a.txt" rc-cp:/no/such/file
  assert_same_as_local "missing host parent" cp rc-cp:/srv/top "$host/no/such"
  assert_same_as_local "unknown container" cp "$host/a.txt" rc-no-such:/tmp
  capture sh -c "'$BERTH_BIN' --url 'unix://$SVC_SOCK' cp - rc-cp:/srv/top < '$host/in.tar'"
  local remote_err=$err remote_rc=$rc
  capture sh -c "'$BERTH_BIN' --root '$E2E_ROOT/root' --runroot '$E2E_RUNROOT' cp - rc-cp:/srv/top < '$host/in.tar'"
  assert_eq "$rc" "$remote_rc" "tar stream into a file: exit code"
  assert_eq "$err" "$remote_err" "tar stream into a file: message"
  assert_eq 125 "$rc"
  b rm -f rc-cp >/dev/null
  rm -rf "$host"
}

test_remote_port_stats_and_ps_size() {
  start_service --time 0
  local image
  image=$(rc_busybox)
  b run -d --name rc-ps -p 127.0.0.1:18931:80 -p 18932:81/udp "$image" sleep 100 >/dev/null
  assert_same_as_local "port" port rc-ps
  # Podman 4.3 lists the ports of every address first, udp after tcp.
  assert_eq "$(printf '81/udp -> 0.0.0.0:18932\n80/tcp -> 127.0.0.1:18931')" "$out" "port order"
  assert_same_as_local "port of one private port" port rc-ps 81/udp
  assert_same_as_local "port --all" port -a
  assert_same_as_local "ps --size" ps -a --size --format '{{.Names}} {{.Size}}'

  capture r stats --no-stream --format '{{.ID}} {{.Name}} {{.MemLimit}}' rc-ps
  assert_rc 0
  assert_eq "$(b stats --no-stream --format '{{.ID}} {{.Name}} {{.MemLimit}}' rc-ps)" "$out" "stats --no-stream"
  capture r stats --no-stream rc-ps
  assert_rc 0
  # Column widths follow the values, and NET IO can grow between the two
  # samples, so the headers are compared with their spacing collapsed.
  assert_eq "$(b stats --no-stream rc-ps | head -1 | tr -s ' ')" "$(echo "$out" | head -1 | tr -s ' ')" \
    "stats header"
  assert_contains "$out" "rc-ps"
  # Streaming: at least two samples in 6 seconds.
  capture timeout 6 "$BERTH_BIN" --url "unix://$SVC_SOCK" stats --no-reset --format '{{.Name}}' rc-ps
  assert_eq 124 "$rc" "streaming stats runs until stopped"
  [ "$(echo "$out" | grep -c '^rc-ps$')" -ge 2 ] || fail "want 2 or more samples, got [$out]"
  assert_same_as_local "stats of an unknown container" stats --no-stream rc-no-such
  b rm -f rc-ps >/dev/null
}

test_remote_healthcheck_and_rm_volumes() {
  start_service --time 0
  local image volume
  image=$(rc_busybox)
  b run -d --name rc-hc --health-cmd 'test -f /tmp/ok' --health-interval disable "$image" sleep 100 >/dev/null
  capture r healthcheck run rc-hc
  assert_rc 1 "failing check"
  assert_eq "unhealthy" "$out"
  b exec rc-hc touch /tmp/ok
  capture r healthcheck run rc-hc
  assert_rc 0 "passing check"
  assert_eq "" "$out"
  assert_eq "healthy" "$(b inspect --format '{{.State.Health.Status}}' rc-hc)" "state after the remote run"
  assert_same_as_local "healthcheck of an unknown container" healthcheck run rc-no-such
  b rm -f rc-hc >/dev/null

  b create --name rc-vol -v /data "$image" true >/dev/null
  volume=$(b inspect --format '{{range .Mounts}}{{.Name}}{{end}}' rc-vol)
  [ -n "$volume" ] || fail "the container has no anonymous volume"
  capture r rm -v rc-vol
  assert_rc 0
  assert_eq "rc-vol" "$out"
  capture b volume exists "$volume"
  assert_rc 1 "rm -v removed the anonymous volume"
}

test_remote_logs_of_several_containers() {
  start_service --time 0
  local image
  image=$(rc_busybox)
  b run --name rc-log1 "$image" sh -c 'echo one-a; sleep 0.2; echo one-b' >/dev/null
  b run --name rc-log2 "$image" sh -c 'echo two-a >&2; echo two-b' >/dev/null
  assert_same_as_local "logs of two containers" logs rc-log1 rc-log2
  assert_same_as_local "logs --names" logs --names rc-log1 rc-log2
  assert_same_as_local "logs --tail" logs --tail 1 rc-log1 rc-log2
  capture r logs rc-log1 rc-log2
  assert_contains "$out" "one-a"
  assert_contains "$err" "two-a"
  assert_same_as_local "logs with an unknown container" logs rc-log1 rc-no-such
  b rm -f rc-log1 rc-log2 >/dev/null
}

test_remote_secrets_match_local() {
  start_service --time 0
  rc_busybox >/dev/null
  capture sh -c "printf s3cret | '$BERTH_BIN' --url 'unix://$SVC_SOCK' secret create --label team=red rc-sec -"
  assert_rc 0
  [[ $out =~ ^[0-9a-f]{25}$ ]] || [[ $out =~ ^[0-9a-f]+$ ]] || fail "secret create printed [$out]"
  local id=$out
  assert_eq "$id" "$(b secret inspect --format '{{.ID}}' rc-sec)" "the local CLI sees the secret"

  assert_same_as_local "secret ls" secret ls --format '{{.ID}} {{.Name}} {{.Driver}}'
  assert_same_as_local "secret ls --filter" secret ls --filter name=rc-sec --format '{{.Name}} {{.Labels}}'
  assert_same_as_local "secret inspect" secret inspect rc-sec
  assert_same_as_local "secret inspect --showsecret" secret inspect --showsecret --format '{{.SecretData}}' rc-sec
  assert_eq "s3cret" "$(r secret inspect --showsecret --format '{{.SecretData}}' rc-sec)"
  assert_same_as_local "secret exists" secret exists rc-sec
  assert_same_as_local "secret exists of a missing secret" secret exists rc-no-such
  capture r secret exists rc-no-such
  assert_rc 1

  # A duplicate name: the local message and exit code.
  capture sh -c "printf x | '$BERTH_BIN' --url 'unix://$SVC_SOCK' secret create rc-sec -"
  local remote_err=$err remote_rc=$rc
  capture sh -c "printf x | '$BERTH_BIN' --root '$E2E_ROOT/root' --runroot '$E2E_RUNROOT' secret create rc-sec -"
  assert_eq "$rc" "$remote_rc" "duplicate secret: exit code"
  assert_eq "$err" "$remote_err" "duplicate secret: message"
  assert_eq 125 "$rc"
  capture sh -c "printf new | '$BERTH_BIN' --url 'unix://$SVC_SOCK' secret create --replace rc-sec -"
  assert_rc 0
  assert_eq "new" "$(b secret inspect --showsecret --format '{{.SecretData}}' rc-sec)" "--replace"
  capture r secret rm rc-sec
  assert_rc 0
  [ -n "$out" ] || fail "secret rm printed nothing"
  capture b secret exists rc-sec
  assert_rc 1 "the secret is gone"
  assert_same_as_local "secret rm of a missing secret" secret rm rc-sec
}

test_remote_system_df_matches_local() {
  start_service --time 0
  local image
  image=$(rc_busybox)
  b create --name rc-vol -v /data "$image" true >/dev/null
  assert_same_as_local "system df" system df --format '{{.Type}} {{.Total}} {{.Active}} {{.RawSize}}'
  assert_same_as_local "system df -v" system df -v --format json
  b rm -f -v rc-vol >/dev/null
}

test_remote_rejects_local_only_commands() {
  start_service --time 0
  local row command args
  # Each row: the command path, then its arguments.
  for row in "mount|" "unmount|rc-x" "umount|rc-x" "container mount|" \
    "container cleanup|rc-x" "image trust show|" "image trust set|--type reject default" \
    "system migrate|" "system reset|"; do
    command=${row%%|*}
    args=${row#*|}
    # shellcheck disable=SC2086
    capture r $command $args
    assert_rc 125 "$command"
    assert_eq "Error: cannot use command \"berth $command\" with the remote berth client" \
      "$err" "$command"
  done
  capture r system reset --force
  assert_rc 125 "system reset --force"
  assert_contains "$err" "with the remote berth client"
}

test_service_compat_secret_routes() {
  start_service --time 0
  b secret rm rc-sec2 >/dev/null 2>&1 || true
  api POST /v1.41/secrets/create -H 'Content-Type: application/json' \
    -d "{\"Name\":\"rc-sec2\",\"Data\":\"$(printf 'hi there' | base64)\",\"Labels\":{\"a\":\"b\"}}"
  assert_eq 201 "$code" "compat create: $out"
  local id
  id=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])')
  assert_eq "hi there" "$(b secret inspect --showsecret --format '{{.SecretData}}' rc-sec2)" "data decoded"
  api POST /v1.41/secrets/create -H 'Content-Type: application/json' -d '{"Name":"rc-sec2","Data":"eA=="}'
  assert_eq 409 "$code" "duplicate name"
  api GET /v1.41/secrets
  assert_eq 200 "$code"
  assert_contains "$out" "\"ID\":\"$id\""
  api GET /v1.41/secrets/rc-sec2
  assert_eq 200 "$code"
  assert_eq "rc-sec2 b" "$(echo "$out" | python3 -c 'import json,sys; s=json.load(sys.stdin)["Spec"]; print(s["Name"], s["Labels"]["a"])')"
  assert_not_contains "$out" "aGkgdGhlcmU" "compat inspect leaves the data out"
  api GET /v5.0.0/libpod/secrets/rc-sec2/json?showsecret=true
  assert_eq 200 "$code"
  assert_eq "hi there" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["SecretData"])')"
  api POST '/v1.41/secrets/create' -H 'Content-Type: application/json' -d '{"Name":"rc-bad","Data":"%%%"}'
  assert_eq 400 "$code" "invalid base64"
  api DELETE /v1.41/secrets/rc-sec2
  assert_eq 204 "$code"
  api GET /v1.41/secrets/rc-sec2
  assert_eq 404 "$code"
  api GET /v5.0.0/libpod/secrets/rc-sec2/exists
  assert_eq 404 "$code"
}

# A copy through the service lands on the file the container reads: in
# place of a bind-mounted file, in the container's own /etc/hosts, and in
# a volume that a tar stream's directory names. Nothing goes to the
# container's own layer under the mounts.
test_remote_cp_onto_mounts() {
  start_service --time 0
  local image dir
  image=$(rc_busybox)
  dir=$E2E_ROOT/remote-cp-mounts
  rm -rf "$dir" && mkdir -p "$dir/tree/data"
  echo original >"$dir/bound"
  echo replaced >"$dir/new"
  echo in-volume >"$dir/tree/data/f"
  b rm -f -t 0 rc-mounts >/dev/null 2>&1 || true
  b volume rm -f rc-mounts-vol >/dev/null 2>&1 || true
  b run -d --name rc-mounts -v "$dir/bound:/bf" -v rc-mounts-vol:/data "$image" sleep 300 \
    >/dev/null

  capture r cp "$dir/new" rc-mounts:/bf
  assert_rc 0
  assert_eq "replaced" "$(cat "$dir/bound")" "the bound host file is rewritten"
  assert_eq "replaced" "$(b exec rc-mounts cat /bf)" "the container sees it"
  capture r cp "$dir/new" rc-mounts:/etc/hosts
  assert_rc 0
  assert_eq "replaced" "$(b exec rc-mounts cat /etc/hosts)" "the container's own /etc/hosts"
  tar -C "$dir/tree" -cf - data | r cp - rc-mounts:/
  assert_eq "in-volume" "$(b exec rc-mounts cat /data/f)" "the stream's data/ went to the volume"
  local mountpoint
  mountpoint=$(b volume inspect --format '{{.Mountpoint}}' rc-mounts-vol)
  assert_eq "in-volume" "$(cat "$mountpoint/f")" "the file is in the volume on the host"
  capture b diff rc-mounts
  assert_eq "" "$out" "nothing landed in the container's own layer"
  b rm -f -t 0 rc-mounts >/dev/null
  b volume rm rc-mounts-vol >/dev/null
}
