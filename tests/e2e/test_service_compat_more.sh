# Docker's shapes on the compat routes where they differ from Podman's:
# image inspect (which docker-compose reads to recreate a service), rename
# to the current name, event actions, container inspect and system df.
# Names start with "cm" so they never meet other tests'.

IMG=$REG/busybox:latest

# Stops the service and removes the test's containers, networks and volumes.
cleanup_compat_more() {
  stop_service
  local name
  for name in $(b ps -aq --filter name=^cm); do b rm -f -t 0 "$name" >/dev/null 2>&1 || true; done
  for name in $(b network ls -q --filter name=^cm); do b network rm -f "$name" >/dev/null 2>&1 || true; done
  for name in $(b volume ls -q --filter name=^cm); do b volume rm -f "$name" >/dev/null 2>&1 || true; done
}

test_compat_image_inspect_shape() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  api GET "/v1.41/images/$IMG/json"
  assert_eq 200 "$code" "compat image inspect: $out"
  assert_eq "sha256:" "$(jq -r '.Id[0:7]' <<<"$out")"
  assert_eq object "$(jq -r '.ContainerConfig | type' <<<"$out")"
  assert_eq '["sh"]' "$(jq -c .ContainerConfig.Cmd <<<"$out")"
  assert_eq '["sh"]' "$(jq -c .Config.Cmd <<<"$out")"
  assert_eq string "$(jq -r '.Container | type' <<<"$out")"
  assert_eq string "$(jq -r '.DockerVersion | type' <<<"$out")"
  assert_eq "0001-01-01T00:00:00Z" "$(jq -r .Metadata.LastTagTime <<<"$out")"
  local key
  for key in Hostname Domainname User AttachStdin Tty OpenStdin Env Image Volumes WorkingDir \
    Entrypoint OnBuild Labels; do
    assert_eq true "$(jq --arg k "$key" '.Config | has($k)' <<<"$out")" "Config.$key"
  done
  for key in RepoTags RepoDigests Parent Comment Created Author Architecture Os Size \
    VirtualSize GraphDriver RootFS; do
    assert_eq true "$(jq --arg k "$key" 'has($k)' <<<"$out")" "$key"
  done
  for key in Digest ManifestType NamesHistory User Version Labels; do
    assert_eq false "$(jq --arg k "$key" 'has($k)' <<<"$out")" "Podman's $key on the compat route"
  done
  api GET "/v5.0.0/libpod/images/$IMG/json"
  assert_eq 200 "$code" "libpod image inspect: $out"
  assert_eq false "$(jq 'has("ContainerConfig")' <<<"$out")" "libpod keeps Podman's shape"
  assert_eq true "$(jq 'has("NamesHistory")' <<<"$out")" "libpod keeps Podman's shape"
  stop_service
}

# A compose project with a named volume and a published port, so that
# compose's recreate reads the image's ContainerConfig.Volumes.
write_compat_compose_file() { # dir port
  cat >"$1/docker-compose.yml" <<EOF
version: "3.7"
services:
  web:
    image: $IMG
    command: sh -c 'echo web-started; sleep 300'
    ports: ["127.0.0.1:$2:80"]
    volumes: ["data:/data"]
volumes:
  data: {}
EOF
}

test_compat_compose_force_recreate() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  trap cleanup_compat_more EXIT
  local dir=$E2E_ROOT/compose-cm
  mkdir -p "$dir"
  write_compat_compose_file "$dir" 28311
  export DOCKER_HOST=unix://$SVC_SOCK
  dc() { docker-compose -p cmproj -f "$dir/docker-compose.yml" "$@"; }

  capture dc up -d
  assert_rc 0 "compose up"
  local first_id
  first_id=$(b inspect --format '{{.Id}}' cmproj_web_1)
  b exec cmproj_web_1 sh -c 'echo kept > /data/file'

  capture dc up -d --force-recreate
  assert_rc 0 "compose up --force-recreate"
  assert_not_contains "$err" "ContainerConfig"
  capture b ps -a --filter name=cmproj --format '{{.Names}} {{.State}}'
  assert_eq "cmproj_web_1 running" "$out" "one recreated container, no renamed leftover"
  local second_id
  second_id=$(b inspect --format '{{.Id}}' cmproj_web_1)
  [ "$first_id" != "$second_id" ] || fail "compose did not recreate cmproj_web_1"
  capture b exec cmproj_web_1 cat /data/file
  assert_eq kept "$out" "the named volume survives the recreate"

  capture dc down -v -t 0
  assert_rc 0 "compose down -v"
  capture b ps -a --format '{{.Names}}'
  assert_not_contains "$out" "cmproj_" "down removed the containers"
  capture b volume ls --format '{{.Name}}'
  assert_not_contains "$out" "cmproj_data" "down -v removed the volume"
}

test_compat_inspect_ports_networks() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  trap cleanup_compat_more EXIT
  b network create cm-net >/dev/null
  b run -d --name cm-insp --network cm-net -p 127.0.0.1:28312:80 "$IMG" sleep 300 >/dev/null
  local network_id
  network_id=$(b network inspect cm-net --format '{{.ID}}')
  [[ "$network_id" =~ ^[0-9a-f]{64}$ ]] || fail "cm-net has no ID: [$network_id]"
  # Docker lists published ports in ExposedPorts and gives the network's
  # ID as NetworkID.
  api GET /v1.41/containers/cm-insp/json
  assert_eq 200 "$code" "compat inspect: $out"
  assert_eq '{"80/tcp":{}}' "$(jq -c .Config.ExposedPorts <<<"$out")" "compat ExposedPorts"
  assert_eq "$network_id" "$(jq -r '.NetworkSettings.Networks["cm-net"].NetworkID' <<<"$out")" \
    "compat NetworkID"
  api GET '/v1.41/containers/json?filters=%7B%22name%22%3A%5B%22cm-insp%22%5D%7D'
  assert_eq "$network_id" "$(jq -r '.[0].NetworkSettings.Networks["cm-net"].NetworkID' <<<"$out")" \
    "compat list NetworkID"
  api GET /v5.0.0/libpod/containers/cm-insp/json
  assert_eq cm-net "$(jq -r '.NetworkSettings.Networks["cm-net"].NetworkID' <<<"$out")" \
    "libpod NetworkID keeps Podman's name"
  assert_eq false "$(jq '.Config | has("ExposedPorts")' <<<"$out")" \
    "libpod Config keeps Podman's fields"
}

test_compat_rename_same_name() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  trap cleanup_compat_more EXIT
  b create --name cm-rn --network none "$IMG" true >/dev/null
  api POST '/v1.41/containers/cm-rn/rename?name=cm-rn'
  assert_eq 400 "$code" "compat rename to the current name: $out"
  assert_contains "$(jq -r .message <<<"$out")" 'already named "cm-rn"'
  local id
  id=$(b inspect --format '{{.Id}}' cm-rn)
  api POST "/v1.41/containers/${id:0:12}/rename?name=/cm-rn"
  assert_eq 400 "$code" "compat rename by ID to the current name with a slash"
  export DOCKER_HOST=unix://$SVC_SOCK
  capture docker rename cm-rn cm-rn
  assert_rc 1 "docker rename to the current name"
  assert_contains "$err" "already named"
  # Podman 4.3 accepts it and changes nothing: the libpod route and the
  # local CLI do the same.
  api POST '/v5.0.0/libpod/containers/cm-rn/rename?name=cm-rn'
  assert_eq 204 "$code" "libpod rename to the current name: $out"
  capture b rename cm-rn cm-rn
  assert_rc 0 "local rename to the current name"
  assert_eq cm-rn "$(b inspect --format '{{.Name}}' cm-rn)"
}

test_compat_events_without_init() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  trap cleanup_compat_more EXIT
  local since
  since=$(date +%s)
  b run --name cm-ev --network none "$IMG" true >/dev/null
  local until=$(($(date +%s) + 1))
  local filter='%7B%22container%22%3A%5B%22cm-ev%22%5D%7D'
  api GET "/v1.41/events?since=$since&until=$until&filters=$filter"
  assert_eq 200 "$code"
  local actions
  actions=$(jq -r .Action <<<"$out" | tr '\n' ' ')
  assert_contains "$actions" "create start" "compat events: $actions"
  assert_contains "$actions" "die" "compat events: $actions"
  assert_not_contains "$actions" "init" "compat events have no Podman-only init"
  assert_not_contains "$actions" "cleanup" "compat events have no Podman-only cleanup"
  api GET "/v5.0.0/libpod/events?since=$since&until=$until&filters=$filter"
  assert_eq 200 "$code"
  actions=$(jq -r .Action <<<"$out" | tr '\n' ' ')
  assert_contains "$actions" "init" "libpod events keep init: $actions"
}

test_compat_system_df_status() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  trap cleanup_compat_more EXIT
  b run -d --name cm-df-up --network none "$IMG" sleep 300 >/dev/null
  b run --name cm-df-done --network none "$IMG" true >/dev/null
  api GET /v1.41/system/df
  assert_eq 200 "$code"
  local up done
  up=$(jq -c '.Containers[] | select(.Names == ["/cm-df-up"]) | [.State, .Status]' <<<"$out")
  done=$(jq -c '.Containers[] | select(.Names == ["/cm-df-done"]) | [.State, .Status]' <<<"$out")
  [[ "$up" =~ ^\[\"running\",\"Up\ [^\"]+\"\]$ ]] || fail "running container in df: $up"
  [[ "$done" =~ ^\[\"exited\",\"Exited\ \(0\)\ [^\"]+\ ago\"\]$ ]] ||
    fail "exited container in df: $done"
  api GET /v5.0.0/libpod/system/df
  assert_eq running "$(jq -r '.Containers[] | select(.Names == "cm-df-up") | .Status' <<<"$out")" \
    "libpod df keeps Podman's status"
}
