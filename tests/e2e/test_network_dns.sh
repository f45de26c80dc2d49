# Container names on dns-enabled networks, served by aardvark-dns: names,
# aliases and short IDs resolve, resolv.conf points at the gateway, names
# go with rm and network disconnect, one server per host, and a killed
# server comes back. Network and container names start with "ndn" so they
# never meet other tests'.

IMG=$REG/busybox:latest
AARDVARK_DIR=/run/berth/network/aardvark-dns

busybox() { b pull -q --tls-verify=false "$IMG" >/dev/null; }

# Removes the test's containers and networks, whatever state it stopped in.
cleanup_ndn() {
  local name
  for name in $(b pod ps -q --filter name=^ndn); do b pod rm -f -t 0 "$name" >/dev/null 2>&1 || true; done
  for name in $(b ps -aq --filter name=^ndn); do b rm -f -t 0 "$name" >/dev/null 2>&1 || true; done
  for name in $(b network ls -q --filter name=^ndn); do
    b network rm -f "$name" >/dev/null 2>&1 || true
  done
}

# Creates network ndn-a and pulls the image.
dns_network() {
  trap cleanup_ndn EXIT
  cleanup_ndn
  busybox
  b network create ndn-a >/dev/null
}

# Prints the address container $1 has on network $2.
address_on() {
  b inspect "$1" --format "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}"
}

gateway_of() { b network inspect "$1" --format '{{(index .Subnets 0).Gateway}}'; }

# Prints the address that name $2 resolves to inside container $1, with
# the name server of its resolv.conf; empty when the name is unknown.
resolve_in() {
  b exec "$1" nslookup "$2" 2>/dev/null | awk '/^Address: / {print $2; exit}'
}

# Prints the number of aardvark-dns processes serving berth's config directory.
aardvark_count() { pgrep -fc -- "aardvark-dns --config $AARDVARK_DIR " || true; }

test_dns_names_aliases_short_id() {
  dns_network
  local web_id web_ip gateway
  web_id=$(b run -d --name ndn-web --network ndn-a --network-alias www "$IMG" sleep 300)
  b run -d --name ndn-api --network ndn-a:alias=api,alias=rest "$IMG" sleep 300 >/dev/null
  b run -d --name ndn-client --network ndn-a "$IMG" sleep 300 >/dev/null
  web_ip=$(address_on ndn-web ndn-a)
  gateway=$(gateway_of ndn-a)

  capture b exec ndn-client cat /etc/resolv.conf
  assert_rc 0
  assert_eq "search dns.podman" "$(head -1 <<<"$out" | awk '{print $1, $2}')" "search list"
  assert_contains "$out" "nameserver $gateway" "aardvark-dns is the name server"
  assert_eq 1 "$(grep -c '^nameserver' <<<"$out")" "only the gateway serves names"

  assert_eq "$web_ip" "$(resolve_in ndn-client ndn-web)" "container name"
  assert_eq "$web_ip" "$(resolve_in ndn-client www)" "--network-alias"
  assert_eq "$web_ip" "$(resolve_in ndn-client "${web_id:0:12}")" "short ID"
  assert_eq "$web_ip" "$(resolve_in ndn-client ndn-web.dns.podman)" "name in dns.podman"
  assert_eq "$(address_on ndn-api ndn-a)" "$(resolve_in ndn-client rest)" "NAME:alias= option"
  assert_eq "$(address_on ndn-client ndn-a)" "$(resolve_in ndn-web ndn-client)" "the other way"
  assert_eq "" "$(resolve_in ndn-client ndn-missing)" "unknown name"

  capture b inspect ndn-web --format '{{json .NetworkSettings.Networks}}'
  assert_eq "www,${web_id:0:12}" "$(jq -r '.["ndn-a"].Aliases | join(",")' <<<"$out")" "inspect aliases"
  capture b inspect ndn-web --format '{{json .Config.Annotations}}'
  assert_not_contains "$out" "alias" "the alias annotation stays internal"
}

test_dns_default_and_disabled_networks() {
  dns_network
  b network create --disable-dns ndn-off >/dev/null
  capture b run --rm "$IMG" cat /etc/resolv.conf
  assert_rc 0
  assert_not_contains "$out" "dns.podman" "default network"
  assert_not_contains "$out" "nameserver 10.88.0.1" "default network"
  capture b run --rm --network ndn-off "$IMG" cat /etc/resolv.conf
  assert_rc 0
  assert_not_contains "$out" "dns.podman" "--disable-dns network"
  assert_not_contains "$out" "nameserver $(gateway_of ndn-off)" "--disable-dns network"
  [ ! -e "$AARDVARK_DIR/ndn-off" ] || fail "a --disable-dns network got an aardvark-dns file"

  capture b run --rm --network ndn-a --dns 192.0.2.53 "$IMG" cat /etc/resolv.conf
  assert_rc 0
  assert_contains "$out" "nameserver 192.0.2.53" "--dns overrides aardvark-dns"
  assert_not_contains "$out" "nameserver $(gateway_of ndn-a)" "--dns overrides aardvark-dns"

  capture b run --network-alias x --network host "$IMG" true
  assert_rc 125 "alias on the host network"
  assert_contains "$err" "--network-alias can only be set when the network mode is bridge"
  capture b run --rm --network ndn-a:interface_name=eth5 "$IMG" true
  assert_rc 125 "unsupported network option"
  assert_contains "$err" 'option "interface_name=eth5" is not supported'
}

test_dns_rm_removes_name() {
  dns_network
  local id
  id=$(b run -d --name ndn-gone --network ndn-a "$IMG" sleep 300)
  b run -d --name ndn-client --network ndn-a "$IMG" sleep 300 >/dev/null
  [ -n "$(resolve_in ndn-client ndn-gone)" ] || fail "ndn-gone does not resolve before rm"
  assert_contains "$(cat "$AARDVARK_DIR/ndn-a")" "$id" "entry in aardvark-dns's file"
  b rm -f -t 0 ndn-gone >/dev/null
  assert_not_contains "$(cat "$AARDVARK_DIR/ndn-a")" "$id" "rm removes the entry"
  assert_eq "" "$(resolve_in ndn-client ndn-gone)" "name after rm"
  assert_eq "" "$(resolve_in ndn-client "${id:0:12}")" "short ID after rm"

  # A --rm container's name goes when it exits.
  b run --rm --name ndn-brief --network ndn-a "$IMG" true
  assert_not_contains "$(cat "$AARDVARK_DIR/ndn-a")" "ndn-brief" "--rm container"
  b rm -f -t 0 ndn-client >/dev/null
  [ ! -e "$AARDVARK_DIR/ndn-a" ] || fail "the file of a network without containers is left"
}

test_dns_connect_disconnect() {
  dns_network
  b network create ndn-b >/dev/null
  b run -d --name ndn-web --network ndn-a "$IMG" sleep 300 >/dev/null
  b run -d --name ndn-client --network ndn-b "$IMG" sleep 300 >/dev/null
  assert_eq "" "$(resolve_in ndn-client ndn-web)" "ndn-web is not on ndn-b yet"

  capture b network connect --alias bee ndn-b ndn-web
  assert_rc 0
  local ip
  ip=$(address_on ndn-web ndn-b)
  assert_eq "$ip" "$(resolve_in ndn-client bee)" "connect --alias"
  assert_eq "$ip" "$(resolve_in ndn-client ndn-web)" "name on the connected network"

  capture b network disconnect ndn-b ndn-web
  assert_rc 0
  assert_eq "" "$(resolve_in ndn-client bee)" "alias after disconnect"
  assert_eq "" "$(resolve_in ndn-client ndn-web)" "name after disconnect"
}

test_dns_one_server_survives_kill() {
  dns_network
  b network create ndn-b >/dev/null
  b run -d --name ndn-one --network ndn-a "$IMG" sleep 300 >/dev/null
  local bridge mac
  bridge=$(b network inspect ndn-a --format '{{.NetworkInterface}}')
  mac=$(cat "/sys/class/net/$bridge/address")
  b run -d --name ndn-two --network ndn-b "$IMG" sleep 300 >/dev/null
  b run -d --name ndn-three --network ndn-a "$IMG" sleep 300 >/dev/null
  assert_eq 1 "$(aardvark_count)" "one aardvark-dns for all networks"
  # A joining container must not change the gateway's MAC, or the others'
  # ARP entries for it go stale and their DNS queries are lost.
  assert_eq "$mac" "$(cat "/sys/class/net/$bridge/address")" "bridge MAC after a new port"

  local pid
  pid=$(cat "$AARDVARK_DIR/aardvark.pid")
  kill -9 "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  assert_eq "" "$(resolve_in ndn-three ndn-one)" "no answer while the server is down"
  b run -d --name ndn-four --network ndn-a "$IMG" sleep 300 >/dev/null
  assert_eq 1 "$(aardvark_count)" "the next start runs one server again"
  assert_eq "$(address_on ndn-one ndn-a)" "$(resolve_in ndn-four ndn-one)" "old names are back"
  assert_eq "$(address_on ndn-four ndn-a)" "$(resolve_in ndn-three ndn-four)" "new name"
  [ "$(cat "$AARDVARK_DIR/aardvark.pid")" != "$pid" ] || fail "the stale pid file was kept"
}

test_dns_aliases_through_service() {
  dns_network
  start_service --time 0
  trap 'stop_service; cleanup_ndn' EXIT
  b run -d --name ndn-client --network ndn-a "$IMG" sleep 300 >/dev/null
  # berth as a remote client sends the aliases in the libpod body.
  capture "$BERTH_BIN" --url "unix://$SVC_SOCK" run -d --name ndn-remote --network ndn-a \
    --network-alias rem "$IMG" sleep 300
  assert_rc 0 "remote run"
  assert_eq "$(address_on ndn-remote ndn-a)" "$(resolve_in ndn-client rem)" "remote --network-alias"
  # The Docker CLI sends them as EndpointsConfig Aliases.
  capture env DOCKER_HOST="unix://$SVC_SOCK" docker run -d --name ndn-docker --network ndn-a \
    --network-alias dk "$IMG" sleep 300
  assert_rc 0 "docker run"
  assert_eq "$(address_on ndn-docker ndn-a)" "$(resolve_in ndn-client dk)" "docker --network-alias"
  assert_eq "$(address_on ndn-docker ndn-a)" "$(resolve_in ndn-client ndn-docker)" "docker name"
}

test_dns_parallel_starts() {
  dns_network
  local i pids=()
  for i in 1 2 3 4 5 6; do
    b run -d --name "ndn-par$i" --network ndn-a "$IMG" sleep 300 >/dev/null &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || fail "a parallel run failed"; done
  assert_eq 1 "$(aardvark_count)" "one aardvark-dns after parallel starts"
  assert_eq 6 "$(tail -n +2 "$AARDVARK_DIR/ndn-a" | wc -l)" "an entry per container"
  for i in 1 2 3 4 5 6; do
    assert_eq "$(address_on "ndn-par$i" ndn-a)" "$(resolve_in ndn-par1 "ndn-par$i")" "ndn-par$i"
  done
  pids=()
  for i in 1 2 3 4 5 6; do
    b rm -f -t 0 "ndn-par$i" >/dev/null &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || fail "a parallel rm failed"; done
  [ ! -e "$AARDVARK_DIR/ndn-a" ] || fail "entries left after parallel rm: $(cat "$AARDVARK_DIR/ndn-a")"
}

test_dns_pod_name() {
  dns_network
  capture b pod create --name ndn-pod --network ndn-a
  assert_rc 0 "pod create: $err"
  b run -d --pod ndn-pod --name ndn-member "$IMG" sleep 300 >/dev/null
  b run -d --name ndn-client --network ndn-a "$IMG" sleep 300 >/dev/null
  local infra ip
  infra=$(b pod inspect ndn-pod --format '{{.InfraContainerID}}')
  ip=$(address_on "$infra" ndn-a)
  [ -n "$ip" ] || fail "the infra container has no address on ndn-a"
  assert_eq "$ip" "$(resolve_in ndn-client ndn-pod)" "the pod's name"
  assert_eq "$ip" "$(resolve_in ndn-client "${infra:0:12}")" "the infra container's short ID"
  capture b exec ndn-member cat /etc/resolv.conf
  assert_contains "$out" "nameserver $(gateway_of ndn-a)" "a pod member uses aardvark-dns"
  assert_eq "$(address_on ndn-client ndn-a)" "$(resolve_in ndn-member ndn-client)" "from a member"
}
