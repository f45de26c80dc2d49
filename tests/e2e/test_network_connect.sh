# network connect and disconnect: a second network for running and
# stopped containers, inspect fields, /etc/hosts, network rm refusal,
# Podman's errors, the Docker CLI and berth's remote client through the
# service, and cleanup of interfaces, addresses and rules. Network and
# container names start with "nct" so they never meet other tests'.

IMG=$REG/busybox:latest
IPAM_DIR=/run/berth/network/networks

busybox() { b pull -q --tls-verify=false "$IMG" >/dev/null; }

# Removes the test's containers and networks, whatever state it stopped in.
cleanup_nct() {
  local name
  for name in $(b ps -aq --filter name=^nct); do b rm -f -t 0 "$name" >/dev/null 2>&1 || true; done
  for name in $(b network ls -q --filter name=^nct); do
    b network rm -f "$name" >/dev/null 2>&1 || true
  done
}

# Creates networks nct-a and nct-b and pulls the image.
two_networks() {
  trap cleanup_nct EXIT
  cleanup_nct
  busybox
  b network create nct-a >/dev/null
  b network create nct-b >/dev/null
}

# Prints the address in network $1's subnet whose last byte is $2.
subnet_address() {
  local subnet
  subnet=$(b network inspect "$1" --format '{{(index .Subnets 0).Subnet}}')
  echo "${subnet%.*/*}.$2"
}

# Prints field $3 of network $2 in container $1's NetworkSettings.Networks.
endpoint() {
  b inspect "$1" --format '{{json .NetworkSettings.Networks}}' | jq -r --arg n "$2" ".[\$n].$3"
}

# Prints the number of interfaces enslaved to network $1's bridge.
bridge_ports() {
  local bridge
  bridge=$(b network inspect "$1" --format '{{.NetworkInterface}}')
  ip -o link show master "$bridge" 2>/dev/null | wc -l
}

# Waits up to 3 seconds for network $1's bridge to have $2 interfaces,
# because the kernel deletes the veth pairs of a removed namespace in the
# background, and fails with message $3 when it does not.
assert_bridge_ports() {
  for _ in $(seq 30); do
    [ "$(bridge_ports "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$3: want $2 interfaces on the bridge of $1, have $(bridge_ports "$1")"
}

# Fails when container ID $1 still has an address on network $2.
assert_no_allocation() {
  if [ -f "$IPAM_DIR/$2-ipam.json" ]; then
    assert_not_contains "$(cat "$IPAM_DIR/$2-ipam.json")" "$1" "address of $1 on $2 released"
  fi
}

test_connect_running_container_and_ping() {
  two_networks
  local id short ip
  id=$(b run -d --name nct-run --network nct-a "$IMG" sleep 1000)
  short=${id:0:12}
  # busybox ping needs a raw socket, which the default capabilities lack.
  b run -d --name nct-peer --cap-add NET_RAW --network nct-b "$IMG" sleep 1000 >/dev/null
  capture b network connect --alias web --alias api nct-b nct-run
  assert_rc 0
  assert_eq "" "$out" "connect prints nothing"
  assert_eq "" "$err"

  ip=$(endpoint nct-run nct-b IPAddress)
  [[ $ip == "$(subnet_address nct-b "")"* ]] || fail "nct-b address [$ip] is outside the subnet"
  assert_eq "$(b network inspect nct-b --format '{{(index .Subnets 0).Gateway}}')" \
    "$(endpoint nct-run nct-b Gateway)" "gateway"
  assert_eq "24" "$(endpoint nct-run nct-b IPPrefixLen)"
  assert_eq "web,api,$short" "$(endpoint nct-run nct-b 'Aliases | join(",")')" "aliases"
  assert_eq "$short" "$(endpoint nct-run nct-a 'Aliases | join(",")')" "first network aliases"
  [ -n "$(endpoint nct-run nct-a IPAddress)" ] || fail "the first network lost its address"

  capture b exec nct-run ip -4 -o addr show eth1
  assert_rc 0 "eth1 exists"
  assert_contains "$out" "inet $ip/24"
  capture b exec nct-run ip link show eth1
  assert_contains "$out" "$(endpoint nct-run nct-b MacAddress)" "inspect shows eth1's MAC"
  capture b exec nct-run ip route
  assert_contains "$out" "default via $(endpoint nct-run nct-a Gateway) dev eth0"
  assert_not_contains "$out" "default via $(endpoint nct-run nct-b Gateway)" "no second default route"

  capture b exec nct-peer ping -c 1 -W 2 "$ip"
  assert_rc 0 "the peer on nct-b reaches the new address"
  capture b exec nct-run cat /etc/hosts
  assert_contains "$out" "$ip	$short nct-run" "/etc/hosts names the new address"
  capture b ps --filter name=^nct-run --format '{{.Networks}}'
  assert_eq "nct-a,nct-b" "$out" "ps lists both networks"
  capture b network inspect nct-b
  assert_eq "nct-run" "$(jq -r --arg id "$id" '.[0].containers[$id].name' <<<"$out")"
  assert_eq "$ip/24" "$(jq -r --arg id "$id" '.[0].containers[$id].interfaces.eth1.subnets[0].ipnet' <<<"$out")"
  assert_eq "$(endpoint nct-run nct-b MacAddress)" \
    "$(jq -r --arg id "$id" '.[0].containers[$id].interfaces.eth1.mac_address' <<<"$out")"
  capture b network inspect nct-b --format '{{range .Containers}}{{.Name}} {{end}}'
  assert_contains "$out" "nct-run" "--format .Containers"
  assert_contains "$out" "nct-peer" "--format .Containers"

  capture b network connect nct-b nct-run
  assert_rc 125 "connecting twice"
  assert_contains "$err" "container $id is already connected to network \"nct-b\": network is already connected"

  capture b network disconnect nct-b nct-run
  assert_rc 0
  assert_eq "" "$out" "disconnect prints nothing"
  capture b exec nct-run ip link show eth1
  [ "$rc" != 0 ] || fail "eth1 is still there: $out"
  capture b exec nct-peer ping -c 1 -W 1 "$ip"
  [ "$rc" != 0 ] || fail "the old address still answers"
  capture b exec nct-run cat /etc/hosts
  assert_not_contains "$out" "$ip	" "/etc/hosts drops the address"
  assert_eq "null" "$(endpoint nct-run nct-b IPAddress)" "inspect drops the network"
  capture b network inspect nct-b
  assert_eq "null" "$(jq -r --arg id "$id" '.[0].containers[$id]' <<<"$out")" "network inspect drops it"
  assert_no_allocation "$id" nct-b
  assert_bridge_ports nct-b 1 "only the peer's veth is left on nct-b"
}

test_connect_stopped_container_then_start() {
  two_networks
  local id static
  id=$(b create --name nct-stopped --network nct-a "$IMG" sleep 1000)
  static=$(subnet_address nct-b 77)
  # docker-compose gives the short ID as an alias too; inspect lists it once.
  capture b network connect --ip "$static" --mac-address 02:11:22:33:44:55 --alias db \
    --alias "${id:0:12}" nct-b nct-stopped
  assert_rc 0
  assert_eq "" "$(endpoint nct-stopped nct-b IPAddress)" "no address before start"
  assert_eq "db,${id:0:12}" "$(endpoint nct-stopped nct-b 'Aliases | join(",")')"
  capture b network connect nct-b nct-stopped
  assert_rc 0 "connecting a stopped container twice does nothing, as in Podman"

  b start nct-stopped >/dev/null
  assert_eq "$static" "$(endpoint nct-stopped nct-b IPAddress)" "--ip"
  assert_eq "02:11:22:33:44:55" "$(endpoint nct-stopped nct-b MacAddress)" "--mac-address"
  capture b exec nct-stopped ip -4 -o addr show eth1
  assert_contains "$out" "inet $static/24"
  capture b exec nct-stopped ip link show eth1
  assert_contains "$out" "link/ether 02:11:22:33:44:55"
  capture b exec nct-stopped cat /etc/hosts
  assert_contains "$out" "$static	${id:0:12} nct-stopped"
  assert_bridge_ports nct-b 1 "one veth on nct-b"

  b stop -t 0 nct-stopped >/dev/null
  assert_no_allocation "$id" nct-b
  assert_no_allocation "$id" nct-a
  assert_bridge_ports nct-b 0 "stop removes the veth"
  b start nct-stopped >/dev/null
  assert_eq "$static" "$(endpoint nct-stopped nct-b IPAddress)" "the second start joins again"
  b rm -f -t 0 nct-stopped >/dev/null
  assert_no_allocation "$id" nct-b
  assert_bridge_ports nct-b 0 "rm removes the veth"
  assert_bridge_ports nct-a 0 "rm removes the first network's veth"
  capture nft list table inet berth
  assert_not_contains "$out" "ctr-$id" "rm removes the firewall chain"
}

test_disconnect_stopped_first_network() {
  two_networks
  local id
  id=$(b create --name nct-first --network nct-a "$IMG" sleep 1000)
  b network connect --alias db --alias sql nct-b nct-first
  capture b network disconnect nct-a nct-first
  assert_rc 0
  capture b inspect nct-first --format '{{json .NetworkSettings.Networks}}'
  assert_eq '["nct-b"]' "$(jq -c 'keys' <<<"$out")" "nct-b is the only network left"
  assert_eq "db,sql,${id:0:12}" "$(jq -r '.["nct-b"].Aliases | join(",")' <<<"$out")" \
    "the new first network keeps its aliases"
  # They still resolve once the container runs.
  b start nct-first >/dev/null
  b run -d --name nct-asker --network nct-b "$IMG" sleep 1000 >/dev/null
  capture b exec nct-asker nslookup sql
  assert_rc 0 "sql resolves: $out"
  assert_contains "$out" "Address: $(endpoint nct-first nct-b IPAddress)"
  b rm -f -t 0 nct-asker >/dev/null
  b stop -t 0 nct-first >/dev/null
  capture b network disconnect nct-b nct-first
  assert_rc 125 "the only network"
  assert_contains "$err" "disconnecting container nct-first from its only network nct-b is not supported"
}

test_network_rm_refuses_connected_network() {
  two_networks
  b create --name nct-rm --network nct-a "$IMG" true >/dev/null
  b network connect nct-b nct-rm
  capture b network rm nct-b
  assert_rc 2
  assert_contains "$err" "\"nct-b\" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used"
  capture b network ls --filter dangling=true --format '{{.Name}}'
  assert_not_contains "$out" "nct-b" "a connected network is not dangling"
  b network disconnect nct-b nct-rm
  capture b network rm nct-b
  assert_rc 0 "rm after disconnect"
}

test_connect_errors() {
  two_networks
  b create --name nct-err --network nct-a "$IMG" true >/dev/null
  b create --name nct-host --network host "$IMG" true >/dev/null
  local cases=(
    "unable to find network with name or ID nct-nope: network not found|connect nct-nope nct-err"
    "no container with name or ID \"nct-nope\" found: no such container|connect nct-b nct-nope"
    "container nct-err is not connected to network nct-b|disconnect nct-b nct-err"
    "requested static ip 1.2.3.4 not in any subnet on network nct-b|connect --ip 1.2.3.4 nct-b nct-err"
    "address zz: invalid MAC address|connect --mac-address zz nct-b nct-err"
    "invalid alias \"-x\": use letters, digits|connect --alias -x nct-b nct-err"
    "\"host\" is not supported: invalid network mode|connect nct-b nct-host"
    "\"host\" is not supported: invalid network mode|disconnect nct-b nct-host"
  )
  local entry message args
  for entry in "${cases[@]}"; do
    message=${entry%%|*} args=${entry#*|}
    # shellcheck disable=SC2086 # the arguments are split on purpose
    capture b network $args
    assert_rc 125 "network $args"
    assert_contains "$err" "$message" "network $args"
  done
  assert_eq '["nct-a"]' "$(b inspect nct-err --format '{{json .NetworkSettings.Networks}}' | jq -c keys)" \
    "failed connects change nothing"
}

test_docker_cli_connect_disconnect() {
  two_networks
  start_service --time 0
  trap 'stop_service; cleanup_nct' EXIT
  local id cli
  id=$(b run -d --name nct-docker --network nct-a "$IMG" sleep 1000)
  export DOCKER_HOST=unix://$SVC_SOCK
  for cli in $(docker_clis); do
    capture "$cli" network connect --alias dweb nct-b nct-docker
    assert_rc 0 "$cli network connect"
    assert_eq "" "$out"
    [ -n "$(endpoint nct-docker nct-b IPAddress)" ] || fail "$cli: no address on nct-b"
    assert_eq "dweb,${id:0:12}" "$(endpoint nct-docker nct-b 'Aliases | join(",")')"
    capture "$cli" network inspect nct-b --format '{{range .Containers}}{{.Name}}{{end}}'
    assert_eq "nct-docker" "$out" "$cli network inspect lists the container"
    capture "$cli" network disconnect nct-b nct-docker
    assert_rc 0 "$cli network disconnect"
    assert_eq "null" "$(endpoint nct-docker nct-b IPAddress)"
    capture "$cli" network disconnect nct-b nct-docker
    [ "$rc" != 0 ] || fail "$cli: disconnecting twice succeeded"
  done
}

test_remote_and_libpod_connect() {
  two_networks
  start_service --time 0
  trap 'stop_service; cleanup_nct' EXIT
  local id static
  id=$(b run -d --name nct-remote --network nct-a "$IMG" sleep 1000)
  static=$(subnet_address nct-b 66)
  capture "$BERTH_BIN" --url "unix://$SVC_SOCK" network connect --ip "$static" --alias r1 nct-b nct-remote
  assert_rc 0 "remote connect"
  assert_eq "" "$out"
  assert_eq "$static" "$(endpoint nct-remote nct-b IPAddress)"
  assert_eq "r1,${id:0:12}" "$(endpoint nct-remote nct-b 'Aliases | join(",")')"
  capture "$BERTH_BIN" --url "unix://$SVC_SOCK" network connect nct-b nct-remote
  assert_rc 125 "remote connect twice"
  assert_contains "$err" "is already connected to network \"nct-b\""
  capture "$BERTH_BIN" --url "unix://$SVC_SOCK" network disconnect nct-b nct-remote
  assert_rc 0 "remote disconnect"
  assert_eq "null" "$(endpoint nct-remote nct-b IPAddress)"
  capture "$BERTH_BIN" --url "unix://$SVC_SOCK" network disconnect nct-b nct-remote
  assert_rc 125 "remote disconnect twice"
  assert_contains "$err" "container nct-remote is not connected to network nct-b"

  # Podman's body on the libpod route, Docker's on the compat route.
  api POST /v4.0.0/libpod/networks/nct-b/connect -H 'Content-Type: application/json' \
    -d '{"container":"nct-remote","aliases":["lp"],"static_ips":["'"$static"'"],"static_mac":"02:aa:bb:cc:dd:ee"}'
  assert_eq "200" "$code" "libpod connect: $out"
  assert_eq "02:aa:bb:cc:dd:ee" "$(endpoint nct-remote nct-b MacAddress)"
  api POST /v4.0.0/libpod/networks/nct-b/disconnect -H 'Content-Type: application/json' \
    -d '{"Container":"nct-remote","Force":false}'
  assert_eq "200" "$code" "libpod disconnect: $out"
  api POST /v1.41/networks/nct-b/connect -H 'Content-Type: application/json' \
    -d '{"Container":"nct-remote","EndpointConfig":{"IPAMConfig":{"IPv4Address":"'"$static"'"},"Aliases":["dk"]}}'
  assert_eq "200" "$code" "compat connect: $out"
  assert_eq "$static" "$(endpoint nct-remote nct-b IPAddress)"
  api POST /v1.41/networks/nct-nope/connect -H 'Content-Type: application/json' \
    -d '{"Container":"nct-remote"}'
  assert_eq "404" "$code" "compat connect to an unknown network"
  api POST /v1.41/networks/nct-b/disconnect -H 'Content-Type: application/json' \
    -d '{"Container":"nct-remote","Force":true}'
  assert_eq "200" "$code" "compat disconnect: $out"
  api POST /v1.41/networks/nct-b/connect -H 'Content-Type: application/json' -d '[1]'
  assert_eq "400" "$code" "a body that is not an object"
}
