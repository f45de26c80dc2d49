# Networks, volumes and system df through the REST service: the routes of
# both APIs, the Docker CLIs and docker-compose. Names start with "nvs" so
# they never meet other tests'.

busybox() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Stops the service and removes the test's containers, networks and volumes.
cleanup_netvol() {
  stop_service
  local name
  b rm -af -t 0 >/dev/null 2>&1 || true
  for name in $(b network ls -q --filter name=^nvs); do b network rm -f "$name" >/dev/null 2>&1 || true; done
  for name in $(b volume ls -q --filter name=^nvs); do b volume rm -f "$name" >/dev/null 2>&1 || true; done
}

test_service_network_routes() {
  start_service --time 0
  trap cleanup_netvol EXIT
  api POST /v1.41/networks/create -H 'Content-Type: application/json' \
    -d '{"Name":"nvs-compat","Labels":{"a":"b"},"Internal":true,"IPAM":{"Config":[{"Subnet":"10.234.1.0/24","Gateway":"10.234.1.7"}]}}'
  assert_eq 201 "$code" "compat create: $out"
  local id
  id=$(jq -r .Id <<<"$out")
  [[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "compat create returns no ID: $out"
  assert_eq "" "$(jq -r .Warning <<<"$out")"
  capture b network inspect nvs-compat --format '{{(index .Subnets 0).Subnet}} {{(index .Subnets 0).Gateway}} {{.Internal}} {{.Labels}}'
  assert_eq "10.234.1.0/24 10.234.1.7 true map[a:b]" "$out" "the network berth stored"
  api POST /v1.41/networks/create -d '{"Name":"nvs-compat"}'
  assert_eq 409 "$code" "a name in use"
  api GET /v1.41/networks/nvs-compat
  assert_eq 200 "$code"
  assert_eq "$id" "$(jq -r .Id <<<"$out")"
  assert_eq "10.234.1.0/24" "$(jq -r '.IPAM.Config[0].Subnet' <<<"$out")"
  api GET /v1.41/networks
  assert_eq 200 "$code"
  assert_eq '["nvs-compat","podman"]' "$(jq -c '[.[].Name] | sort' <<<"$out")"
  api GET '/v1.41/networks?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D'
  assert_eq '["nvs-compat"]' "$(jq -c '[.[].Name]' <<<"$out")" "label filter"
  api GET /v1.41/networks/nvs-missing
  assert_eq 404 "$code"
  api DELETE /v1.41/networks/podman
  assert_eq 403 "$code" "the default network"
  api DELETE /v1.41/networks/nvs-compat
  assert_eq 204 "$code"
  capture b network exists nvs-compat
  assert_rc 1 "compat delete removed it"

  api POST /v5.0.0/libpod/networks/create -d '{"name":"nvs-libpod","subnets":[{"subnet":"10.234.2.0/24"}],"dns_enabled":false}'
  assert_eq 200 "$code" "libpod create: $out"
  assert_eq "10.234.2.1" "$(jq -r '.subnets[0].gateway' <<<"$out")"
  assert_eq "false" "$(jq -r .dns_enabled <<<"$out")"
  api GET /v5.0.0/libpod/networks/nvs-libpod/exists
  assert_eq 204 "$code"
  api GET /v5.0.0/libpod/networks/nvs-nope/exists
  assert_eq 404 "$code"
  api GET /v5.0.0/libpod/networks/nvs-libpod/json
  assert_eq "nvs-libpod" "$(jq -r .name <<<"$out")"
  api GET /v5.0.0/libpod/networks/json
  assert_contains "$(jq -r '.[].name' <<<"$out")" "nvs-libpod"
  api POST /v5.0.0/libpod/networks/prune
  assert_eq 200 "$code"
  # Other tests' unused networks may go too; this one must.
  assert_eq "nvs-libpod" "$(jq -r '.[].Name | select(. == "nvs-libpod")' <<<"$out")"
  api DELETE /v5.0.0/libpod/networks/nvs-libpod
  assert_eq 404 "$code" "pruned already"
}

test_service_network_in_use() {
  busybox
  start_service --time 0
  trap cleanup_netvol EXIT
  b network create nvs-busy >/dev/null
  b run -d --name nvs-busy-ctr --network nvs-busy "$REG/busybox:latest" sleep 300 >/dev/null
  api GET /v1.41/networks/nvs-busy
  local ip
  ip=$(b inspect nvs-busy-ctr --format '{{(index .NetworkSettings.Networks "nvs-busy").IPAddress}}')
  assert_contains "$(jq -r '.Containers[].IPv4Address' <<<"$out")" "$ip/24" "inspect lists the container"
  api DELETE /v1.41/networks/nvs-busy
  assert_eq 403 "$code" "compat delete of a network in use"
  assert_contains "$(jq -r .message <<<"$out")" "network is being used"
  api POST /v1.41/networks/prune
  assert_eq 200 "$code"
  assert_eq "" "$(jq -r '.NetworksDeleted[]? | select(. == "nvs-busy")' <<<"$out")" \
    "prune keeps a network in use"
  api DELETE '/v5.0.0/libpod/networks/nvs-busy?force=true&timeout=0'
  assert_eq 200 "$code"
  assert_eq "nvs-busy" "$(jq -r '.[0].Name' <<<"$out")"
  capture b ps -a --format '{{.Names}}'
  assert_not_contains "$out" "nvs-busy-ctr" "force removed the container"
}

test_service_compat_create_on_network() {
  busybox
  start_service --time 0
  trap cleanup_netvol EXIT
  b network create --subnet 10.234.3.0/24 nvs-net >/dev/null
  api POST '/v1.41/containers/create?name=nvs-ep' -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$REG/busybox:latest\",\"Cmd\":[\"sleep\",\"300\"],\"NetworkingConfig\":{\"EndpointsConfig\":{\"nvs-net\":{\"Aliases\":[\"ep\"]}}}}"
  assert_eq 201 "$code" "create with EndpointsConfig: $out"
  api POST '/v1.41/containers/create?name=nvs-mode' -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$REG/busybox:latest\",\"Cmd\":[\"sleep\",\"300\"],\"HostConfig\":{\"NetworkMode\":\"nvs-net\",\"CapAdd\":[\"NET_RAW\"]}}"
  assert_eq 201 "$code" "create with NetworkMode: $out"
  b start nvs-ep nvs-mode >/dev/null
  local ip
  ip=$(b inspect nvs-ep --format '{{(index .NetworkSettings.Networks "nvs-net").IPAddress}}')
  [[ "$ip" == 10.234.3.* ]] || fail "nvs-ep has no address on nvs-net: [$ip]"
  capture b exec nvs-mode ping -c 1 -W 3 "$ip"
  assert_rc 0 "the two containers reach each other"
  api POST '/v1.41/containers/create' -d "{\"Image\":\"$REG/busybox:latest\",\"HostConfig\":{\"NetworkMode\":\"nvs-none\"}}"
  assert_eq 404 "$code" "an unknown network"
}

test_service_volume_routes() {
  busybox
  start_service --time 0
  trap cleanup_netvol EXIT
  api POST /v1.41/volumes/create -d '{"Name":"nvs-vol","Labels":{"k":"v"}}'
  assert_eq 201 "$code" "compat create: $out"
  assert_eq "nvs-vol" "$(jq -r .Name <<<"$out")"
  assert_eq "v" "$(jq -r .Labels.k <<<"$out")"
  api GET /v1.41/volumes
  assert_eq '[]' "$(jq -c .Warnings <<<"$out")"
  assert_contains "$(jq -r '.Volumes[].Name' <<<"$out")" "nvs-vol"
  api GET /v1.41/volumes/nvs-vol
  assert_eq 200 "$code"
  assert_eq "local" "$(jq -r .Driver <<<"$out")"
  api GET /v1.41/volumes/nvs-nope
  assert_eq 404 "$code"
  assert_eq 'no volume with name "nvs-nope" found: no such volume' "$(jq -r .message <<<"$out")" \
    "the service's message names no CLI command"
  api DELETE /v1.41/volumes/nvs-nope
  assert_eq 404 "$code"
  assert_eq 'no volume with name "nvs-nope" found: no such volume' "$(jq -r .message <<<"$out")"
  b run -d --name nvs-vol-ctr -v nvs-vol:/data "$REG/busybox:latest" sh -c 'echo hi > /data/f; sleep 300' >/dev/null
  api DELETE /v1.41/volumes/nvs-vol
  assert_eq 409 "$code" "a volume in use"
  api DELETE '/v1.41/volumes/nvs-vol?force=true'
  assert_eq 204 "$code" "force removes the volume and its container"
  capture b volume exists nvs-vol
  assert_rc 1

  api POST /v5.0.0/libpod/volumes/create -d '{"Name":"nvs-pod","Label":{"x":"y","nvs":"1"}}'
  assert_eq 201 "$code" "libpod create: $out"
  assert_eq "y" "$(jq -r .Labels.x <<<"$out")"
  api GET /v5.0.0/libpod/volumes/nvs-pod/exists
  assert_eq 204 "$code"
  api GET /v5.0.0/libpod/volumes/json
  assert_contains "$(jq -r '.[].Name' <<<"$out")" "nvs-pod"
  api POST /v1.41/volumes/create -d '{"Name":"nvs-prune","Labels":{"nvs":"1"}}'
  # The label keeps the prune to this test's volumes.
  api POST '/v1.41/volumes/prune?filters=%7B%22label%22%3A%5B%22nvs%3D1%22%5D%7D'
  assert_eq 200 "$code"
  assert_eq '["nvs-pod","nvs-prune"]' "$(jq -c '.VolumesDeleted | sort' <<<"$out")"
  assert_eq "number" "$(jq -r '.SpaceReclaimed | type' <<<"$out")"
  api POST '/v5.0.0/libpod/volumes/prune?filters=%7B%22label%22%3A%5B%22nvs%3D1%22%5D%7D'
  assert_eq '[]' "$out" "nothing left to prune"
}

test_service_system_df() {
  busybox
  start_service --time 0
  trap cleanup_netvol EXIT
  b volume create nvs-df >/dev/null
  api GET /v1.41/system/df
  assert_eq 200 "$code"
  assert_contains "$(jq -r '.Images[].RepoTags[]' <<<"$out")" "$REG/busybox:latest"
  assert_contains "$(jq -r '.Volumes[].Name' <<<"$out")" "nvs-df"
  assert_eq "number" "$(jq -r '.LayersSize | type' <<<"$out")"
  api GET /v5.0.0/libpod/system/df
  assert_eq 200 "$code"
  assert_contains "$(jq -r '.Volumes[].VolumeName' <<<"$out")" "nvs-df"
  assert_contains "$(jq -r '.Images[].Repository' <<<"$out")" "$REG/busybox"
}

test_service_docker_cli_networks_volumes() {
  busybox
  start_service --time 0
  trap cleanup_netvol EXIT
  local cli
  for cli in $(docker_clis); do
    export DOCKER_HOST=unix://$SVC_SOCK
    capture "$cli" network create nvs-cli
    assert_rc 0 "$cli network create"
    [[ "$out" =~ ^[0-9a-f]{64}$ ]] || fail "$cli network create prints no ID: [$out]"
    capture "$cli" network ls --format '{{.Name}} {{.Driver}}'
    assert_rc 0 "$cli network ls"
    assert_contains "$out" "nvs-cli bridge"
    capture "$cli" network inspect nvs-cli --format '{{.Name}} {{.Scope}}'
    assert_eq "nvs-cli local" "$out" "$cli network inspect"
    capture b network exists nvs-cli
    assert_rc 0 "berth sees the network"
    capture "$cli" network rm nvs-cli
    assert_rc 0 "$cli network rm"
    capture b network exists nvs-cli
    assert_rc 1 "the network is gone"

    capture "$cli" volume create nvs-cli-vol
    assert_rc 0 "$cli volume create"
    assert_eq "nvs-cli-vol" "$out"
    capture "$cli" volume ls --format '{{.Name}}'
    assert_contains "$out" "nvs-cli-vol" "$cli volume ls"
    capture "$cli" volume inspect nvs-cli-vol --format '{{.Name}} {{.Driver}}'
    assert_eq "nvs-cli-vol local" "$out" "$cli volume inspect"
    capture "$cli" system df
    assert_rc 0 "$cli system df"
    assert_contains "$out" "Local Volumes"
    capture "$cli" volume rm nvs-cli-vol
    assert_rc 0 "$cli volume rm"
    capture b volume exists nvs-cli-vol
    assert_rc 1 "the volume is gone"
  done
}

# The Docker CLIs send --mount options in the Mounts entry's
# VolumeOptions and TmpfsOptions: driver options of the volume it creates,
# and the size and mode of a tmpfs.
test_service_docker_cli_mount_options() {
  busybox
  start_service --time 0
  trap cleanup_netvol EXIT
  local cli img=$REG/busybox:latest
  local show='grep " /data " /proc/mounts | cut -d" " -f1,3; df -k /data | tail -1 | tr -s " " | cut -d" " -f2'
  for cli in $(docker_clis); do
    export DOCKER_HOST=unix://$SVC_SOCK
    b volume rm -f nvs-vo >/dev/null 2>&1 || true
    capture "$cli" run --rm --network none \
      --mount type=volume,source=nvs-vo,target=/data,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=2m \
      "$img" sh -c "$show"
    assert_rc 0 "$cli run --mount with volume-opt: $err"
    assert_eq "$(printf 'tmpfs tmpfs\n2048')" "$out" "$cli: a 2 MiB tmpfs volume"
    capture b volume inspect nvs-vo --format '{{.Options}}'
    assert_contains "$out" "size=2m" "$cli: the volume keeps its options"
    capture "$cli" run --rm --network none --mount type=tmpfs,target=/data,tmpfs-size=1048576,tmpfs-mode=1770 \
      "$img" sh -c "$show; stat -c %a /data"
    assert_rc 0 "$cli run --mount type=tmpfs: $err"
    assert_eq "$(printf 'tmpfs tmpfs\n1024\n1770')" "$out" "$cli: tmpfs size and mode"

    # -v creates a missing host directory, as the Docker daemon does;
    # --mount refuses it with 400, so the CLI does not take it for a
    # missing image and pull.
    local missing=$E2E_ROOT/nvs-missing-bind
    rm -rf "$missing"
    capture "$cli" run --rm --network none -v "$missing/sub:/m" "$img" sh -c 'echo made >/m/file'
    assert_rc 0 "$cli run -v with a missing host directory: $err"
    assert_eq "made" "$(cat "$missing/sub/file")" "$cli: the directory was created and mounted"
    rm -rf "$missing"
    capture "$cli" run --rm --network none --mount "type=bind,src=$missing,dst=/m" "$img" true
    assert_rc 125 "$cli run --mount with a missing source"
    assert_contains "$err" "bind mount source \"$missing\" for \"/m\" does not exist"
    assert_not_contains "$err" "Unable to find image"
    [ ! -e "$missing" ] || fail "$cli: --mount created $missing"

    capture "$cli" run --rm --network none --mount type=volume,src=nvs-bogus,dst=/x,volume-driver=bogus \
      "$img" true
    assert_rc 125 "$cli run --mount with another volume driver"
    assert_contains "$err" 'volume driver "bogus" is not supported'
    capture b volume exists nvs-bogus
    assert_rc 1 "$cli: no volume was created"
  done
  api POST /v4.0.0/libpod/containers/create -H 'Content-Type: application/json' \
    -d "{\"image\":\"$img\",\"mounts\":[{\"destination\":\"/m\",\"type\":\"bind\",\"source\":\"$E2E_ROOT/nvs-missing-bind\"}]}"
  assert_eq 400 "$code" "libpod create with a missing bind source: $out"
  assert_contains "$out" "does not exist"
}

# A compose project with two services on a user network, one with a named
# volume.
write_compose_file() { # dir
  cat >"$1/docker-compose.yml" <<EOF
version: "3.7"
services:
  web:
    image: $REG/busybox:latest
    command: sh -c 'echo web-started; sleep 300'
    cap_add: [NET_RAW]
    networks: [back]
  db:
    image: $REG/busybox:latest
    command: sh -c 'echo db-started; sleep 300'
    volumes: ["data:/data"]
    networks: [back]
networks:
  back: {}
volumes:
  data: {}
EOF
}

test_service_docker_compose() {
  busybox
  start_service --time 0
  trap cleanup_netvol EXIT
  local dir=$E2E_ROOT/compose-nvs
  mkdir -p "$dir"
  write_compose_file "$dir"
  export DOCKER_HOST=unix://$SVC_SOCK
  dc() { docker-compose -p nvsproj -f "$dir/docker-compose.yml" "$@"; }

  capture dc up -d
  assert_rc 0 "compose up"
  capture b ps --format '{{.Names}} {{.Networks}}'
  assert_contains "$out" "nvsproj_web_1 nvsproj_back"
  assert_contains "$out" "nvsproj_db_1 nvsproj_back"
  capture b network ls --format '{{.Name}}'
  assert_contains "$out" "nvsproj_back"
  capture b volume ls --format '{{.Name}}'
  assert_contains "$out" "nvsproj_data"
  local db_ip
  db_ip=$(b inspect nvsproj_db_1 --format '{{(index .NetworkSettings.Networks "nvsproj_back").IPAddress}}')
  [ -n "$db_ip" ] || fail "db has no address on nvsproj_back"
  capture b exec nvsproj_web_1 ping -c 1 -W 3 "$db_ip"
  assert_rc 0 "web reaches db by IP: $out"
  # Names: the service name is the alias docker-compose sends in
  # EndpointsConfig, and aardvark-dns serves it on the network.
  capture b exec nvsproj_web_1 nslookup db
  assert_rc 0 "web looks up db: $out"
  assert_eq "$db_ip" "$(awk '/^Address: / {print $2; exit}' <<<"$out")" "db's service name"
  capture b exec nvsproj_web_1 ping -c 1 -W 3 db
  assert_rc 0 "web reaches db by its service name"
  capture b exec nvsproj_db_1 nslookup nvsproj_web_1
  assert_rc 0 "db looks up web's container name: $out"

  capture dc ps
  assert_rc 0 "compose ps"
  assert_contains "$out" "nvsproj_web_1"
  assert_contains "$out" "nvsproj_db_1"
  assert_contains "$out" "Up"
  capture dc logs --no-color
  assert_rc 0 "compose logs"
  assert_contains "$out" "web-started"
  assert_contains "$out" "db-started"

  capture dc down -t 0
  assert_rc 0 "compose down"
  capture b ps -a --format '{{.Names}}'
  assert_not_contains "$out" "nvsproj_" "down removed the containers"
  capture b network ls --format '{{.Name}}'
  assert_not_contains "$out" "nvsproj_back" "down removed the network"
  capture b volume ls --format '{{.Name}}'
  assert_contains "$out" "nvsproj_data" "down keeps the volume"

  capture dc up -d
  assert_rc 0 "compose up again"
  capture dc down -v -t 0
  assert_rc 0 "compose down -v"
  capture b volume ls --format '{{.Name}}'
  assert_not_contains "$out" "nvsproj_data" "down -v removed the volume"
  capture b ps -a --format '{{.Names}}'
  assert_not_contains "$out" "nvsproj_"
}
