# Remote flags that travel in Podman's libpod forms: init, network create
# --ip-range (a lease_range), --uidmap/--gidmap/--subuidname (idmappings of
# the SpecGenerator) and push --compression-format/--compression-level
# (push query parameters). Each compares berth's remote client with the
# local CLI on the same store.

r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

IMG="$REG/busybox:latest"


squeeze() { tr -s ' \t' ' ' | sed 's/^ //'; }

test_remote_init_matches_local() {
  start_service --time 0
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f rgap-init rgap-init-local rgap-running >/dev/null 2>&1 || true
  b create --name rgap-init "$IMG" true >/dev/null
  b create --name rgap-init-local "$IMG" true >/dev/null
  capture r init rgap-init
  assert_rc 0
  assert_eq "rgap-init" "$out" "init prints the name it was given"
  assert_eq "initialized" "$(b inspect --format '{{.State.Status}}' rgap-init)"
  capture b init rgap-init-local
  assert_eq "rgap-init-local" "$out"
  # Already initialized, running, unknown: the same message and exit code.
  assert_same_as_local "init of an initialized container" init rgap-init
  assert_rc 125
  assert_contains "$err" "has already been created in the runtime"
  b run -d --name rgap-running "$IMG" sleep 100 >/dev/null
  assert_same_as_local "init of a running container" init rgap-running
  assert_rc 125
  assert_contains "$err" "it is running"
  assert_same_as_local "init of an unknown container" init rgap-nosuch
  assert_rc 125
  b rm -f rgap-init rgap-init-local rgap-running >/dev/null
}

rgap_networks_cleanup() {
  b network rm -f rgap-n-local rgap-n-remote rgap-n-span rgap-n-span-local >/dev/null 2>&1 || true
}

test_remote_network_ip_range_matches_local() {
  start_service --time 0
  trap 'rgap_networks_cleanup; stop_service' EXIT
  rgap_networks_cleanup
  capture b network create --subnet 10.231.41.0/24 --ip-range 10.231.41.128/25 rgap-n-local
  assert_rc 0
  capture r network create --subnet 10.231.42.0/24 --ip-range 10.231.42.128/25 rgap-n-remote
  assert_rc 0
  assert_eq "rgap-n-remote" "$out"
  capture b network inspect rgap-n-remote --format '{{range .Subnets}}{{.LeaseRange.StartIP}}-{{.LeaseRange.EndIP}}{{end}}'
  assert_eq "10.231.42.129-10.231.42.255" "$out" "the range Podman writes for a /25"
  assert_same_as_local "network inspect" network inspect rgap-n-remote
  capture b network inspect rgap-n-local
  local local_json=$out
  capture b network inspect rgap-n-remote
  assert_eq "$(jq -c '.[0].subnets[0].lease_range' <<<"$local_json" | sed 's/\.41\./.42./g')" \
    "$(jq -c '.[0].subnets[0].lease_range' <<<"$out")" "the same lease range as a local create"

  # Podman 5's START-END form, locally and remotely.
  capture b network create --subnet 10.231.43.0/24 --ip-range 10.231.43.10-10.231.43.20 rgap-n-span-local
  assert_rc 0
  capture r network create --subnet 10.231.44.0/24 --ip-range 10.231.44.10-10.231.44.20 rgap-n-span
  assert_rc 0
  capture b network inspect rgap-n-span
  assert_eq '{"end_ip":"10.231.44.20","start_ip":"10.231.44.10"}' \
    "$(jq -c -S '.[0].subnets[0].lease_range' <<<"$out")"
  b pull -q --tls-verify=false "$IMG" >/dev/null
  capture b run --rm --network rgap-n-span "$IMG" sh -c "ip -4 -o addr show eth0 | awk '{print \$4}'"
  assert_rc 0
  assert_eq "10.231.44.10/24" "$out" "the first address of the range is handed out"

  # Bad ranges fail alike.
  assert_same_as_local "range outside the subnet" network create --subnet 10.231.45.0/24 \
    --ip-range 10.231.46.0/25 rgap-n-bad
  assert_rc 125
  assert_contains "$err" "not in subnet"
  assert_same_as_local "malformed range" network create --subnet 10.231.45.0/24 --ip-range nope rgap-n-bad
  assert_rc 125
  assert_same_as_local "reversed range" network create --subnet 10.231.45.0/24 \
    --ip-range 10.231.45.20-10.231.45.10 rgap-n-bad
  assert_rc 125
  assert_contains "$err" "the end address comes before the start address"
  assert_same_as_local "range without subnet" network create --ip-range 10.231.45.0/25 rgap-n-bad
  assert_rc 125
  capture b network exists rgap-n-bad
  assert_rc 1 "no network is left of a rejected create"
}

test_remote_uidmap_gidmap_match_local() {
  start_service --time 0
  b pull -q --tls-verify=false "$IMG" >/dev/null
  capture r run --rm --network none --uidmap 0:100000:65536 "$IMG" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  assert_rc 0
  assert_eq "$(printf '0 100000 65536\n0 100000 65536')" "$(squeeze <<<"$out")" \
    "--uidmap alone sets both maps"
  capture r run --rm --network none --uidmap 0:100000:1000 --gidmap 0:200000:2000 "$IMG" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  assert_rc 0
  assert_eq "$(printf '0 100000 1000\n0 200000 2000')" "$(squeeze <<<"$out")"
  # The "+" form of Podman 5's --uidmap is resolved on the client.
  capture r run --rm --network none --uidmap 0:100000:65536 --uidmap +1000:5000:1 "$IMG" cat /proc/self/uid_map
  assert_rc 0
  assert_contains "$(squeeze <<<"$out")" "1000 5000 1"

  b rm -f rgap-maps-local rgap-maps-remote >/dev/null 2>&1 || true
  b create --name rgap-maps-local --uidmap 0:100000:65536 --gidmap 0:200000:10 "$IMG" true >/dev/null
  capture r create --name rgap-maps-remote --uidmap 0:100000:65536 --gidmap 0:200000:10 "$IMG" true
  assert_rc 0
  local template='{{.HostConfig.UsernsMode}} {{.HostConfig.IDMappings.UidMap}} {{.HostConfig.IDMappings.GidMap}}'
  assert_eq "$(b inspect --format "$template" rgap-maps-local)" \
    "$(b inspect --format "$template" rgap-maps-remote)" "the same maps as a local create"
  assert_eq "private [0:100000:65536] [0:200000:10]" "$(b inspect --format "$template" rgap-maps-remote)"
  b rm -f rgap-maps-local rgap-maps-remote >/dev/null

  local before
  before=$(b ps -a -q | wc -l)
  assert_same_as_local "malformed map" run --rm --uidmap 0:100000 --uidmap x "$IMG" true
  assert_rc 125
  assert_same_as_local "overlapping maps" run --rm --uidmap 0:100000:10 --uidmap 5:200000:10 "$IMG" true
  assert_rc 125
  assert_same_as_local "--userns with --uidmap" run --rm --userns auto --uidmap 0:100000:10 "$IMG" true
  assert_rc 125
  assert_contains "$err" "mutually exclusive"
  assert_eq "$before" "$(b ps -a -q | wc -l)" "no container left behind"
}

test_remote_subuidname_matches_local() {
  start_service --time 0
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local saved
  saved=$(mktemp -d)
  cp -p /etc/subuid "$saved/subuid" 2>/dev/null || : >"$saved/subuid"
  cp -p /etc/subgid "$saved/subgid" 2>/dev/null || : >"$saved/subgid"
  # shellcheck disable=SC2064 # expand $saved now, not when the trap runs
  trap "cp -p '$saved/subuid' /etc/subuid; cp -p '$saved/subgid' /etc/subgid; rm -rf '$saved'; stop_service" EXIT
  echo "berthgaps:300000:65536" >>/etc/subuid
  echo "berthgaps:400000:65536" >>/etc/subgid
  capture r run --rm --network none --subuidname berthgaps "$IMG" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  assert_rc 0
  assert_eq "$(printf '0 300000 65536\n0 400000 65536')" "$(squeeze <<<"$out")"
  assert_same_as_local "unknown subuid name" run --rm --subuidname nosuchuser "$IMG" true
  assert_rc 125
  assert_contains "$err" 'no subuid ranges found for user "nosuchuser"'
}

test_remote_push_compression_matches_local() {
  start_service --time 0
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local repo
  repo=$REG/berth-test-push-rgap-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
  capture r push --tls-verify=false --format oci --compression-format zstd --compression-level 3 \
    "$IMG" "$repo/busybox:zstd"
  assert_rc 0 "remote push with zstd"
  local manifest
  manifest=$(curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    "http://$REG/v2/${repo#"$REG"/}/busybox/manifests/zstd")
  assert_contains "$manifest" "application/vnd.oci.image.layer.v1.tar+zstd" "the layer is zstd"
  capture r push --tls-verify=false --format oci --compression-level 1 "$IMG" "$repo/busybox:gzip1"
  assert_rc 0 "remote push with a gzip level"
  manifest=$(curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    "http://$REG/v2/${repo#"$REG"/}/busybox/manifests/gzip1")
  assert_contains "$manifest" "application/vnd.oci.image.layer.v1.tar+gzip"

  assert_same_as_local "gzip level out of range" push --tls-verify=false --compression-level 10 \
    "$IMG" "$repo/busybox:bad"
  assert_rc 125
  assert_contains "$err" "invalid --compression-level 10 for gzip: use 1 to 9"
  assert_same_as_local "unknown compression" push --tls-verify=false --compression-format lz4 \
    "$IMG" "$repo/busybox:bad"
  assert_rc 125
  assert_contains "$err" 'invalid --compression-format "lz4"'
  assert_same_as_local "zstd in a v2s2 manifest" push --tls-verify=false --format v2s2 \
    --compression-format zstd "$IMG" "$repo/busybox:bad"
  assert_rc 125
  assert_eq "404" "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    "http://$REG/v2/${repo#"$REG"/}/busybox/manifests/bad")" "nothing pushed"
}

# Debian's podman 4.3 as a remote client: its forms of the same flags.
test_remote_gaps_podman_client() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  start_service --time 0
  trap 'b network rm -f rgap-n-podman >/dev/null 2>&1; stop_service' EXIT
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local url="unix://$SVC_SOCK"
  b network rm -f rgap-n-podman >/dev/null 2>&1 || true
  capture podman --url "$url" network create --subnet 10.231.47.0/24 --ip-range 10.231.47.128/25 rgap-n-podman
  assert_rc 0 "podman network create --ip-range"
  capture b network inspect rgap-n-podman
  assert_eq '{"end_ip":"10.231.47.255","start_ip":"10.231.47.129"}' \
    "$(jq -c -S '.[0].subnets[0].lease_range' <<<"$out")"

  # Podman's client sends userns "private" with the maps.
  capture podman --url "$url" run --rm --network none --uidmap 0:100000:1000 --gidmap 0:200000:2000 \
    "$IMG" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  assert_rc 0 "podman run --uidmap --gidmap"
  assert_eq "$(printf '0 100000 1000\n0 200000 2000')" "$(squeeze <<<"$out")"

  # Podman 4.3 sends compressionformat in lowercase.
  local repo
  repo=berth-test-push-rgap-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
  capture podman --url "$url" push --tls-verify=false --format oci --compression-format zstd \
    "$IMG" "$REG/$repo/busybox:zstd"
  assert_rc 0 "podman push --compression-format zstd"
  assert_contains "$(curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    "http://$REG/v2/$repo/busybox/manifests/zstd")" "application/vnd.oci.image.layer.v1.tar+zstd"
}

# save IMAGE NAME...: without -m the extra names are tags of the one
# image in the archive, through the service as locally.
test_remote_save_extra_names_matches_local() {
  start_service --time 0
  local dir=$E2E_ROOT/rgap-save
  rm -rf "$dir" && mkdir -p "$dir"
  trap "rm -rf $dir; b rmi -f rgap-extra:two >/dev/null 2>&1; stop_service" EXIT
  b pull -q --tls-verify=false "$IMG" >/dev/null
  capture b save -o "$dir/local.tar" "$IMG" rgap-extra:one rgap-extra:two
  assert_rc 0
  local local_err=$err
  capture r save -o "$dir/remote.tar" "$IMG" rgap-extra:one rgap-extra:two
  assert_rc 0 "remote save with extra names: $err"
  assert_eq "$local_err" "$err" "the progress of a local save"
  local tags
  tags=$(tar -xOf "$dir/remote.tar" manifest.json | jq -c '[.[].RepoTags]')
  assert_eq "[[\"$IMG\",\"localhost/rgap-extra:one\",\"localhost/rgap-extra:two\"]]" "$tags" \
    "one image with three names"
  assert_eq "$(tar -xOf "$dir/local.tar" manifest.json | jq -c '[.[].RepoTags]')" "$tags" \
    "the names of a local save"
  r save "$IMG" rgap-extra:two >"$dir/stdout.tar"
  assert_eq '[["'"$IMG"'","localhost/rgap-extra:two"]]' \
    "$(tar -xOf "$dir/stdout.tar" manifest.json | jq -c '[.[].RepoTags]')" "save to stdout"
  capture r load -i "$dir/stdout.tar"
  assert_rc 0 "load of the remote archive"
  capture b image exists rgap-extra:two
  assert_rc 0 "the extra name was loaded as a tag"

  assert_same_as_local "extra names with oci-archive" save --format oci-archive \
    -o "$dir/oci.tar" "$IMG" rgap-extra:one
  assert_rc 125
  assert_contains "$err" "extra names are tags for a docker-archive only"
  [ ! -e "$dir/oci.tar" ] || fail "a failed save left $dir/oci.tar"
}

# --mount type=volume with volume-opt: the options of the volume that the
# mount creates, named or anonymous, through the service as locally.
test_remote_mount_volume_opt_matches_local() {
  start_service --time 0
  trap 'b volume rm -f rgap-vo-local rgap-vo-remote >/dev/null 2>&1; stop_service' EXIT
  b volume rm -f rgap-vo-local rgap-vo-remote >/dev/null 2>&1 || true
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local opts="volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=3m"
  local show='grep " /data " /proc/mounts | cut -d" " -f1,3; df -k /data | tail -1 | tr -s " " | cut -d" " -f2'
  capture b run --rm --network none --mount "type=volume,source=rgap-vo-local,target=/data,$opts" \
    "$IMG" sh -c "$show"
  assert_rc 0
  local local_out=$out
  capture r run --rm --network none --mount "type=volume,source=rgap-vo-remote,target=/data,$opts" \
    "$IMG" sh -c "$show"
  assert_rc 0 "remote run with volume-opt: $err"
  assert_eq "$(printf 'tmpfs tmpfs\n3072')" "$out" "a 3 MiB tmpfs volume"
  assert_eq "$local_out" "$out" "the mount of a local run"
  capture b volume inspect rgap-vo-remote --format '{{.Options}}'
  assert_eq "$(b volume inspect rgap-vo-local --format '{{.Options}}')" "$out" "the volume's options"
  assert_contains "$out" "size=3m"

  # An anonymous volume with options, read-only.
  capture r run --rm --network none \
    --mount "type=volume,target=/data,ro,volume-opt=type=tmpfs,volume-opt=device=tmpfs" \
    "$IMG" sh -c 'grep " /data " /proc/mounts | cut -d" " -f1,3,4 | cut -d, -f1'
  assert_rc 0 "anonymous volume with volume-opt: $err"
  assert_eq "tmpfs tmpfs ro" "$out"

  assert_same_as_local "volume-opt without a value" run --rm \
    --mount "type=volume,source=rgap-vo-bad,target=/data,volume-opt=novalue" "$IMG" true
  assert_rc 125
  assert_contains "$err" "volume-opt needs KEY=VALUE"
  capture b volume exists rgap-vo-bad
  assert_rc 1 "no volume was created"
}

# berth records a load under Podman's action name, loadfromarchive, and
# the compat route names it load, as Docker does. Podman 4.3's client
# crashed on an action name it did not know.
test_load_event_names() {
  start_service --time 0
  local dir=$E2E_ROOT/rgap-load since cli
  rm -rf "$dir" && mkdir -p "$dir"
  trap "rm -rf $dir; stop_service" EXIT
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b save -o "$dir/img.tar" "$IMG"
  since=$(date +%s)
  r load -q -i "$dir/img.tar" >/dev/null
  capture b events --stream=false --since "$since" --filter type=image --format '{{.Status}} {{.Name}}'
  assert_contains "$out" "loadfromarchive $IMG"
  capture podman --url "unix://$SVC_SOCK" events --stream=false --since "$since" --filter type=image \
    --format '{{.Status}} {{.Name}}'
  assert_rc 0 "podman 4.3 reads the event: $err"
  assert_contains "$out" "loadfromarchive $IMG"
  for cli in $(docker_clis); do
    capture env DOCKER_HOST="unix://$SVC_SOCK" "$cli" events --since "$since" --until "$(($(date +%s) + 1))" \
      --filter type=image --format '{{.Action}} {{.Actor.Attributes.name}}'
    assert_rc 0 "$cli events"
    assert_contains "$out" "load $IMG" "$cli names the action load"
  done
}

# The progress lines of save, load, commit and import: berth's service
# sends what the engine reported, and the client prints it as a local
# command does, or nothing with -q.
test_remote_archive_progress_matches_local() {
  start_service --time 0
  local dir=$E2E_ROOT/rgap-progress
  rm -rf "$dir" && mkdir -p "$dir"
  trap "rm -rf $dir; b rm -f rgap-prog >/dev/null 2>&1; stop_service" EXIT
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local blob config
  config=$(b inspect --format '{{.Id}}' "$IMG" | cut -c1-12)
  blob=$(b inspect --format '{{index .RootFS.Layers 0}}' "$IMG" | cut -c8-19)
  local expected
  expected=$(printf 'Getting image source signatures\nCopying blob %s done\nCopying config %s done\nWriting manifest to image destination' "$blob" "$config")

  local format
  for format in oci-archive docker-archive; do
    capture b save --format "$format" -o "$dir/local-$format.tar" "$IMG"
    assert_rc 0 "local save --format $format"
    assert_eq "$expected" "$err" "local save --format $format"
    capture r save --format "$format" -o "$dir/remote-$format.tar" "$IMG"
    assert_rc 0 "remote save --format $format"
    assert_eq "$expected" "$err" "remote save --format $format"
    assert_same_as_local "save -q --format $format" save -q --format "$format" -o /dev/null "$IMG"
    assert_eq "" "$err"
  done
  # To stdout no progress, as locally, and a directory with compressed
  # blobs, whose digests only the service can compute.
  r save "$IMG" 2>"$dir/stdout.err" | cmp -s - "$dir/local-docker-archive.tar" ||
    fail "remote save to stdout differs from the local archive"
  assert_eq "" "$(cat "$dir/stdout.err")" "remote save to stdout"
  capture b save --compress --format oci-dir -o "$dir/local-dir" "$IMG"
  assert_rc 0
  local local_err=$err
  assert_not_contains "$local_err" "$blob" "compressed blobs have other digests"
  capture r save --compress --format oci-dir -o "$dir/remote-dir" "$IMG"
  assert_rc 0
  assert_eq "$local_err" "$err" "remote save --compress --format oci-dir"

  # load: the layer is in the store already, which only the service can check.
  assert_same_as_local "load" load -i "$dir/local-oci-archive.tar"
  assert_rc 0
  assert_contains "$err" "Copying blob $blob skipped: already exists"
  assert_same_as_local "load -q" load -q -i "$dir/local-oci-archive.tar"
  assert_eq "" "$err"

  # commit and import make an image with a new config (with a new time)
  # each time, so the config line names the image each command printed.
  b rm -f rgap-prog >/dev/null 2>&1 || true
  b create --name rgap-prog "$IMG" true >/dev/null
  b export -o "$dir/rootfs.tar" rgap-prog
  local command
  for command in "commit rgap-prog" "import $dir/rootfs.tar"; do
    # shellcheck disable=SC2086
    capture b $command
    assert_rc 0 "local $command"
    local_err=$(sed "s/Copying config [0-9a-f]*/Copying config ID/" <<<"$err")
    assert_contains "$err" "Copying config $(cut -c1-12 <<<"${out#sha256:}") done"
    # shellcheck disable=SC2086
    capture r $command
    assert_rc 0 "remote $command"
    assert_contains "$err" "Copying config $(cut -c1-12 <<<"${out#sha256:}") done" \
      "remote $command names its image"
    assert_eq "$local_err" "$(sed 's/Copying config [0-9a-f]*/Copying config ID/' <<<"$err")" \
      "remote $command"
    assert_contains "$err" "Writing manifest to image destination"
    # shellcheck disable=SC2086
    capture r ${command%% *} -q ${command#* }
    assert_rc 0
    assert_eq "" "$err" "remote $command -q"
  done
}

# wait --condition with container states: Podman's client and berth's
# remote client send the conditions to the libpod wait route, which polls
# the container's state every interval and returns -1 until it has exited.
test_remote_wait_state_conditions() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  start_service --time 0
  trap 'b rm -f rgap-wait rgap-wait-run >/dev/null 2>&1; stop_service' EXIT
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local url="unix://$SVC_SOCK"
  b rm -f rgap-wait rgap-wait-run >/dev/null 2>&1 || true
  b create --name rgap-wait "$IMG" sh -c 'sleep 1.5; exit 4' >/dev/null
  (sleep 0.5; b start rgap-wait >/dev/null) &
  local starter=$!
  capture podman --url "$url" wait --condition running rgap-wait
  assert_rc 0 "podman wait --condition running"
  assert_eq "-1" "$out" "no exit code while it runs"
  assert_eq running "$(b inspect --format '{{.State.Status}}' rgap-wait)"
  capture r wait --condition running --interval 20ms rgap-wait
  assert_rc 0 "remote wait for a running container"
  assert_eq "-1" "$out"
  assert_contains "$(cat "$E2E_ROOT/service.log")" "/libpod/containers/rgap-wait/wait?interval=20ms&condition=running" \
    "the remote client waits through the route"
  capture podman --url "$url" wait --condition stopped rgap-wait
  assert_rc 0
  assert_eq "4" "$out" "stopped waits for the exit"
  wait "$starter"
  capture podman --url "$url" wait --condition exited --condition running rgap-wait
  assert_eq "4" "$out" "an exited container meets exited at once"
  capture r wait --condition created --condition exited rgap-wait
  assert_eq "4" "$out" "the remote client with several conditions"

  b run -d --name rgap-wait-run "$IMG" sleep 100 >/dev/null
  b pause rgap-wait-run >/dev/null
  capture podman --url "$url" wait --condition paused rgap-wait-run
  assert_rc 0 "podman wait --condition paused"
  assert_eq "-1" "$out"
  b unpause rgap-wait-run >/dev/null

  # Bad values fail alike locally and remotely, before any request.
  assert_same_as_local "unknown state" wait --condition bogus rgap-wait
  assert_rc 125
  assert_contains "$err" 'unknown container state "bogus": use one of configured, created'
  assert_same_as_local "zero interval" wait --interval 0 --condition running rgap-wait
  assert_rc 125
  assert_contains "$err" 'invalid --interval "0"'
}

test_service_libpod_wait_route() {
  start_service --time 0
  trap 'b rm -f rgap-lw rgap-lw-run >/dev/null 2>&1; stop_service' EXIT
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f rgap-lw rgap-lw-run >/dev/null 2>&1 || true
  b create --name rgap-lw "$IMG" sh -c 'exit 3' >/dev/null
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait?condition=created'
  assert_eq 200 "$code" "condition created: $out"
  assert_eq "-1" "$out" "a created container has not exited"
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait?condition=configured'
  assert_eq 200 "$code"
  assert_eq "-1" "$out" "configured matches created"
  b start rgap-lw >/dev/null
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait?condition=running&condition=exited&interval=10ms'
  assert_eq 200 "$code"
  assert_eq "3" "$out" "the exit code once exited"
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait'
  assert_eq 200 "$code"
  assert_eq "3" "$out" "no condition waits for the exit"

  # Bad input: each error names the value and the valid ones.
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait?condition=running&condition=bogus'
  assert_eq 400 "$code" "an unknown state"
  assert_eq 'unknown container state "bogus": use one of configured, created, exited, healthy, initialized, paused, removing, running, stopped, stopping, unhealthy' \
    "$(jq -r .message <<<"$out")"
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait?condition=next-exit'
  assert_eq 400 "$code" "Docker's conditions belong to the compat route"
  assert_contains "$(jq -r .message <<<"$out")" 'unknown container state "next-exit"'
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait?condition=running&interval=soon'
  assert_eq 400 "$code" "a malformed interval"
  assert_eq 'invalid interval "soon": time: invalid duration "soon"' "$(jq -r .message <<<"$out")"
  api POST '/v4.0.0/libpod/containers/rgap-lw/wait?condition=running&interval=-1s'
  assert_eq 400 "$code" "a negative interval"
  api POST '/v4.0.0/libpod/containers/rgap-nosuch/wait?condition=running'
  assert_eq 404 "$code" "an unknown container"
  assert_eq "no such container" "$(jq -r .cause <<<"$out")"
  api POST '/v1.41/containers/rgap-lw/wait?condition=running'
  assert_eq 400 "$code" "the compat route keeps Docker's conditions"
  assert_eq 'invalid wait condition "running": use not-running, next-exit or removed' \
    "$(jq -r .message <<<"$out")"

  # A client that hangs up ends the wait well before its 10 s interval.
  b run -d --name rgap-lw-run "$IMG" sleep 100 >/dev/null
  local before
  before=$(grep -c "the client went away" "$E2E_ROOT/service.log" || true)
  curl -s --max-time 1 --unix-socket "$SVC_SOCK" -X POST \
    'http://d/v4.0.0/libpod/containers/rgap-lw-run/wait?condition=paused&interval=10s' >/dev/null || true
  local ended=0
  for _ in $(seq 30); do
    if [ "$(grep -c "the client went away" "$E2E_ROOT/service.log" || true)" -gt "$before" ]; then
      ended=1
      break
    fi
    sleep 0.1
  done
  assert_eq 1 "$ended" "the wait ended when the client hung up"
}

# Replaces container and image IDs with ID, to compare the output of two
# prunes of alike stores.
without_ids() { sed -E 's/\b[0-9a-f]{64}\b/ID/g'; }

# Fills the store with one of each kind of object that system prune
# removes, and a running container whose image and network stay.
rgap_prune_setup() {
  b rm -af >/dev/null 2>&1 || true
  b pod rm -af >/dev/null 2>&1 || true
  b system prune -f -a --volumes >/dev/null
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b network create rgap-p-used >/dev/null
  b network create rgap-p-unused >/dev/null
  b volume create rgap-p-vol >/dev/null
  b create --name rgap-p-stopped "$IMG" true >/dev/null
  b pod create --infra=false --name rgap-p-pod >/dev/null
  b create --pod rgap-p-pod --name rgap-p-member "$IMG" true >/dev/null
  b run -d --name rgap-p-running --network rgap-p-used "$IMG" sleep 100 >/dev/null
  b tag "$IMG" localhost/rgap-p-extra:1
}

rgap_prune_cleanup() {
  b rm -af >/dev/null 2>&1 || true
  b pod rm -af >/dev/null 2>&1 || true
  b network rm -f rgap-p-used rgap-p-unused >/dev/null 2>&1 || true
  b volume rm -f rgap-p-vol >/dev/null 2>&1 || true
}

# system prune through Podman's client, berth's remote client and locally:
# the same objects go and the output lists them alike.
test_remote_system_prune() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  start_service --time 0
  trap 'rgap_prune_cleanup; stop_service' EXIT
  local url="unix://$SVC_SOCK"
  rgap_prune_setup
  local stopped pod
  stopped=$(b inspect --format '{{.Id}}' rgap-p-stopped)
  pod=$(b pod inspect --format '{{.Id}}' rgap-p-pod)
  capture podman --url "$url" system prune -f
  assert_rc 0 "podman system prune -f"
  assert_eq "$(printf 'Deleted Containers\n%s\nDeleted Pods\n%s\nDeleted Networks\nrgap-p-unused\nTotal reclaimed space: 0B' "$stopped" "$pod")" \
    "$out"
  local podman_out=$out
  capture b container exists rgap-p-stopped
  assert_rc 1 "the stopped container is gone"
  capture b container exists rgap-p-member
  assert_rc 1 "the pod's member went with its pod"
  capture b pod exists rgap-p-pod
  assert_rc 1
  capture b network exists rgap-p-unused
  assert_rc 1
  capture b network exists rgap-p-used
  assert_rc 0 "a network in use stays"
  capture b volume exists rgap-p-vol
  assert_rc 0 "volumes stay without --volumes"
  capture b image exists localhost/rgap-p-extra:1
  assert_rc 0 "named images stay without --all"
  assert_eq running "$(b inspect --format '{{.State.Status}}' rgap-p-running)"

  # The same store, pruned locally and by berth's remote client.
  rgap_prune_setup
  capture b system prune -f
  assert_rc 0
  assert_eq "$(without_ids <<<"$podman_out")" "$(without_ids <<<"$out")" "a local prune"
  rgap_prune_setup
  capture r system prune -f
  assert_rc 0
  assert_eq "$(without_ids <<<"$podman_out")" "$(without_ids <<<"$out")" "a remote prune"

  # --all and --volumes: unused images and volumes go too.
  b rm -f rgap-p-running >/dev/null
  b network rm rgap-p-used >/dev/null
  capture podman --url "$url" system prune -a --volumes -f
  assert_rc 0 "podman system prune -a --volumes -f"
  local image_id
  image_id=$(jq -r .[0].Id <<<"$(curl -s --unix-socket "$SVC_SOCK" http://d/v4.0.0/libpod/images/json)")
  assert_eq "null" "$image_id" "no image is left"
  assert_contains "$out" "$(printf 'Deleted Volumes\nrgap-p-vol\nDeleted Images\n')"
  assert_contains "$out" "Total reclaimed space: "
  assert_not_contains "$out" "Total reclaimed space: 0B" "the image's bytes were reclaimed"
  capture b volume exists rgap-p-vol
  assert_rc 1
  capture b images -q
  assert_eq "" "$out"
}

test_service_libpod_system_prune_route() {
  start_service --time 0
  trap 'rgap_prune_cleanup; stop_service' EXIT
  rgap_prune_setup
  b volume create --label keep=no rgap-p-labelled >/dev/null
  local stopped pod
  stopped=$(b inspect --format '{{.Id}}' rgap-p-stopped)
  pod=$(b pod inspect --format '{{.Id}}' rgap-p-pod)

  # Bad input first: nothing is removed.
  api POST '/v4.0.0/libpod/system/prune?filters=%7B%22color%22%3A%5B%22red%22%5D%7D'
  assert_eq 400 "$code" "an unknown filter"
  assert_contains "$(jq -r .message <<<"$out")" 'invalid filter "color=red"'
  api POST '/v4.0.0/libpod/system/prune?filters=%7Bbroken'
  assert_eq 400 "$code" "malformed filters JSON"
  api POST '/v4.0.0/libpod/system/prune?all=maybe'
  assert_eq 400 "$code" "a bad boolean"
  assert_contains "$(jq -r .message <<<"$out")" "all"
  capture b container exists rgap-p-stopped
  assert_rc 0 "a rejected prune removes nothing"

  # A label filter that matches only the labelled volume.
  api POST '/v4.0.0/libpod/system/prune?volumes=true&filters=%7B%22label%22%3A%5B%22keep%3Dno%22%5D%7D'
  assert_eq 200 "$code" "prune with a label filter: $out"
  assert_eq '[{"Id":"rgap-p-labelled","Err":null,"Size":0}]' "$(jq -c .VolumePruneReports <<<"$out")"
  assert_eq '[]' "$(jq -c .ContainerPruneReports <<<"$out")" "no container has the label"
  assert_eq '[]' "$(jq -c .PodPruneReport <<<"$out")" "pods have no labels to filter on"
  capture b pod exists rgap-p-pod
  assert_rc 0 "a filtered prune leaves pods alone"
  capture b volume exists rgap-p-vol
  assert_rc 0 "the unlabelled volume stays"

  api POST '/v4.0.0/libpod/system/prune?all=true&volumes=true'
  assert_eq 200 "$code"
  assert_eq '["PodPruneReport","ContainerPruneReports","ImagePruneReports","NetworkPruneReports","VolumePruneReports","ReclaimedSpace"]' \
    "$(jq -c keys_unsorted <<<"$out")" "Podman's SystemPruneReport fields"
  assert_eq "[{\"Id\":\"$pod\",\"Err\":null}]" "$(jq -c .PodPruneReport <<<"$out")"
  assert_eq "[{\"Id\":\"$stopped\",\"Err\":null,\"Size\":0}]" "$(jq -c .ContainerPruneReports <<<"$out")"
  assert_eq '[{"Name":"rgap-p-unused","Error":null}]' "$(jq -c .NetworkPruneReports <<<"$out")"
  assert_eq '[{"Id":"rgap-p-vol","Err":null,"Size":0}]' "$(jq -c .VolumePruneReports <<<"$out")"
  assert_eq '[]' "$(jq -c .ImagePruneReports <<<"$out")" "the running container's image stays"
  assert_eq 0 "$(jq .ReclaimedSpace <<<"$out")"
  capture b volume ls -q
  assert_eq "" "$out"
  assert_eq running "$(b inspect --format '{{.State.Status}}' rgap-p-running)"

  api GET '/v4.0.0/libpod/system/prune'
  assert_eq 405 "$code" "system prune takes POST only"
}
