# Static addresses: run and create with --ip, --mac-address and
# --network NAME:ip=ADDRESS,mac=ADDRESS, their errors, restarts, network
# disconnect, and the same through berth's remote client, Podman's and
# the Docker CLI. Names start with "nst" so they never meet other tests'.

IMG=$REG/busybox:latest
NST_SUBNET=10.231.90
NST_OTHER=10.231.91

r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

# Removes the test's containers and networks, whatever state it stopped in.
cleanup_nst() {
  local name
  for name in $(b pod ps -q --filter name=^nst); do b pod rm -f "$name" >/dev/null 2>&1 || true; done
  for name in $(b ps -aq --filter name=^nst); do b rm -f -t 0 "$name" >/dev/null 2>&1 || true; done
  for name in $(b network ls -q --filter name=^nst); do
    b network rm -f "$name" >/dev/null 2>&1 || true
  done
}

# Creates network nst-a on $NST_SUBNET.0/24 and pulls the image.
static_network() {
  trap cleanup_nst EXIT
  cleanup_nst
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b network create --subnet "$NST_SUBNET.0/24" nst-a >/dev/null
}

# Prints the IPv4 address and the MAC address of eth0 in container $1.
eth0_of() {
  b exec "$1" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"; cat /sys/class/net/eth0/address'
}

test_static_ip_and_mac_flags() {
  static_network
  b run -d --name nst-flags --network nst-a --ip "$NST_SUBNET.50" --mac-address 92:d0:c6:0a:29:50 \
    "$IMG" sleep 300 >/dev/null
  assert_eq "$(printf '%s\n%s' "$NST_SUBNET.50/24" 92:d0:c6:0a:29:50)" "$(eth0_of nst-flags)" \
    "--ip and --mac-address inside the container"
  assert_eq "$NST_SUBNET.50 92:d0:c6:0a:29:50" \
    "$(b inspect nst-flags --format '{{with index .NetworkSettings.Networks "nst-a"}}{{.IPAddress}} {{.MacAddress}}{{end}}')" \
    "inspect"
  assert_eq "{}" "$(b inspect nst-flags --format '{{json .Config.Annotations}}' | jq -c 'with_entries(select(.key | startswith("io.berth")))')" \
    "the stored addresses stay out of the annotations inspect shows"

  # The options form, with an alias as well.
  b run -d --name nst-opts --network "nst-a:ip=$NST_SUBNET.51,mac=92:d0:c6:0a:29:51,alias=nst-web" \
    "$IMG" sleep 300 >/dev/null
  assert_eq "$(printf '%s\n%s' "$NST_SUBNET.51/24" 92:d0:c6:0a:29:51)" "$(eth0_of nst-opts)" \
    "NAME:ip=,mac= options"
  assert_contains "$(b inspect nst-opts --format '{{json .NetworkSettings.Networks}}')" '"nst-web"' \
    "the alias of the same value"

  # A restart gets the same address again.
  b stop -t 0 nst-flags >/dev/null
  b start nst-flags >/dev/null
  assert_eq "$(printf '%s\n%s' "$NST_SUBNET.50/24" 92:d0:c6:0a:29:50)" "$(eth0_of nst-flags)" \
    "the address after a restart"

  # The default network takes --ip too.
  local default_subnet
  default_subnet=$(b network inspect podman --format '{{(index .Subnets 0).Subnet}}')
  local address=${default_subnet%.*/*}.213
  capture b run --rm --ip "$address" "$IMG" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"'
  assert_rc 0 "--ip on the default network"
  assert_eq "$address/${default_subnet#*/}" "$out"
}

test_static_ip_errors() {
  static_network
  local before
  before=$(b ps -aq | wc -l)
  capture b run --rm --network nst-a --ip abc "$IMG" true
  assert_rc 125 "an address that does not parse"
  assert_eq 'Error: "abc" is not an IPv4 address: give --ip an address such as 10.88.0.5' "$err"
  capture b run --rm --network nst-a --ip fd00::5 "$IMG" true
  assert_rc 125 "an IPv6 address"
  assert_contains "$err" '"fd00::5" is not an IPv4 address'
  capture b run --rm --network nst-a --ip "$NST_OTHER.5" "$IMG" true
  assert_rc 125 "an address outside the subnet"
  assert_eq "Error: requested static ip $NST_OTHER.5 not in any subnet on network nst-a" "$err"
  capture b create --network host --ip "$NST_SUBNET.5" "$IMG" true
  assert_rc 125 "--ip with the host network"
  assert_eq "Error: --ip can only be set when the network mode is bridge, not --network host: drop --ip or use a bridge network" "$err"
  capture b create --network none --mac-address 92:d0:c6:0a:29:52 "$IMG" true
  assert_rc 125 "--mac-address with no network"
  assert_contains "$err" "--mac-address can only be set when the network mode is bridge"
  capture b run --rm --network nst-a --mac-address zz "$IMG" true
  assert_rc 125 "a MAC address that does not parse"
  assert_eq "Error: address zz: invalid MAC address" "$err"
  capture b run --rm --network nst-a:ip6=fd00::5 "$IMG" true
  assert_rc 125 "an option berth does not have"
  assert_contains "$err" 'option "ip6=fd00::5" is not supported, use alias=NAME, ip=ADDRESS or mac=ADDRESS'
  capture b create --network "nst-a:ip=$NST_SUBNET.5" --ip "$NST_SUBNET.6" "$IMG" true
  assert_rc 125 "--ip with ip= in --network"
  assert_contains "$err" "ip= is given twice: give one address, with the option or the flag"
  capture b create --network "nst-a:mac=" "$IMG" true
  assert_rc 125 "an empty mac="
  assert_contains "$err" "mac= needs an address"
  capture b create --network nst-a --mac-address 01:00:5e:00:00:01 "$IMG" true
  assert_rc 125 "a multicast MAC address"
  assert_contains "$err" "address 01:00:5e:00:00:01: invalid MAC address: it is a multicast address"
  capture b create --network nst-a --mac-address 00:00:00:00:00:00 "$IMG" true
  assert_rc 125 "an all-zero MAC address"
  assert_contains "$err" "it is all zeros"
  assert_eq "$before" "$(b ps -aq | wc -l)" "bad values leave no container"
  # The gateway passes the subnet check at create and fails the start.
  capture b run --rm --network nst-a --ip "$NST_SUBNET.1" "$IMG" true
  assert_rc 126 "the gateway's address"
  assert_contains "$err" "requested address $NST_SUBNET.1 cannot be used in subnet $NST_SUBNET.0/24: it is the gateway"

  # An address in use: the second container fails to start, as in Podman,
  # and the error names the container that has it.
  local owner
  owner=$(b run -d --name nst-owner --network nst-a --ip "$NST_SUBNET.60" "$IMG" sleep 300)
  capture b run --rm --network nst-a --ip "$NST_SUBNET.60" "$IMG" true
  assert_rc 126 "an address in use"
  assert_contains "$err" "requested address $NST_SUBNET.60 is already in use in subnet $NST_SUBNET.0/24 by container $owner"
  # Once the owner stops, the address is free.
  b stop -t 0 nst-owner >/dev/null
  capture b run --rm --network nst-a --ip "$NST_SUBNET.60" "$IMG" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"'
  assert_rc 0 "the address after its owner stopped"
  assert_eq "$NST_SUBNET.60/24" "$out"
}

# A container that has just exited keeps its address until its cleanup
# ends, so a start with that address waits up to 2 s for it. Each container
# here still runs for half a second when the next one starts.
test_static_ip_reused_in_a_loop() {
  static_network
  local i
  for i in 1 2 3 4; do
    capture b run -d --name "nst-loop$i" --network nst-a --ip "$NST_SUBNET.90" "$IMG" sleep 0.5
    assert_rc 0 "run -d --ip number $i, while the one before still runs"
  done
}

# --ip-range bounds only the addresses handed out on their own: a static
# address may lie outside it, as in Podman and Docker.
test_static_ip_outside_ip_range() {
  static_network
  b network create --subnet "$NST_OTHER.0/24" --ip-range "$NST_OTHER.128/25" nst-b >/dev/null
  capture b run --rm --network nst-b --ip "$NST_OTHER.5" "$IMG" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"'
  assert_rc 0 "an address outside --ip-range"
  assert_eq "$NST_OTHER.5/24" "$out"
  capture b run --rm --network nst-b "$IMG" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"'
  assert_rc 0
  [[ "$out" == "$NST_OTHER".1[2-9][0-9]/24 || "$out" == "$NST_OTHER".2[0-9][0-9]/24 ]] ||
    fail "an address handed out on its own lies outside --ip-range: $out"
}

# Disconnecting the first network of a stopped container makes the next
# network the first, with its --ip and --mac-address.
test_static_ip_moves_with_disconnect() {
  static_network
  b network create --subnet "$NST_OTHER.0/24" nst-b >/dev/null
  b create --name nst-move --network nst-a --ip "$NST_SUBNET.70" "$IMG" sleep 300 >/dev/null
  b network connect --ip "$NST_OTHER.71" --mac-address 92:d0:c6:0a:29:71 nst-b nst-move
  b network disconnect nst-a nst-move
  b start nst-move >/dev/null
  assert_eq "$(printf '%s\n%s' "$NST_OTHER.71/24" 92:d0:c6:0a:29:71)" "$(eth0_of nst-move)" \
    "the next network keeps its addresses"
}

test_static_ip_remote_clients() {
  static_network
  start_service --time 0
  trap 'cleanup_nst; stop_service' EXIT
  capture r run -d --name nst-remote --network nst-a --ip "$NST_SUBNET.80" \
    --mac-address 92:d0:c6:0a:29:80 "$IMG" sleep 300
  assert_rc 0 "berth --url run --ip"
  assert_eq "$(printf '%s\n%s' "$NST_SUBNET.80/24" 92:d0:c6:0a:29:80)" "$(eth0_of nst-remote)" \
    "berth's remote client"
  capture r run -d --name nst-remote-opts --network "nst-a:ip=$NST_SUBNET.81,alias=nst-ro" "$IMG" sleep 300
  assert_rc 0 "berth --url run --network NAME:ip="
  assert_eq "$NST_SUBNET.81/24" "$(eth0_of nst-remote-opts | head -1)"
  assert_contains "$(b inspect nst-remote-opts --format '{{json .NetworkSettings.Networks}}')" '"nst-ro"'
  assert_same_as_local "a bad address" run --rm --network nst-a --ip abc "$IMG" true
  assert_rc 125
  assert_same_as_local "outside the subnet" create --network nst-a --ip "$NST_OTHER.5" "$IMG" true
  assert_rc 125
  assert_same_as_local "an unknown option" create --network nst-a:ip6=fd00::1 "$IMG" true
  assert_rc 125

  [ -x /usr/bin/podman ] || fail "podman is not installed"
  capture podman --url "unix://$SVC_SOCK" run -d --name nst-podman --network nst-a \
    --ip "$NST_SUBNET.82" --mac-address 92:d0:c6:0a:29:82 "$IMG" sleep 300
  assert_rc 0 "podman --url run --ip"
  assert_eq "$(printf '%s\n%s' "$NST_SUBNET.82/24" 92:d0:c6:0a:29:82)" "$(eth0_of nst-podman)" \
    "Podman's client"
  # Podman's client sends the default network's addresses under "default".
  local default_subnet address
  default_subnet=$(b network inspect podman --format '{{(index .Subnets 0).Subnet}}')
  address=${default_subnet%.*/*}.214
  capture podman --url "unix://$SVC_SOCK" run -d --name nst-podman-default --ip "$address" "$IMG" sleep 300
  assert_rc 0 "podman --url run --ip on the default network"
  assert_eq "$address/${default_subnet#*/}" "$(eth0_of nst-podman-default | head -1)"

  capture env DOCKER_HOST="unix://$SVC_SOCK" /usr/bin/docker run -d --name nst-docker --network nst-a \
    --ip "$NST_SUBNET.83" --mac-address 92:d0:c6:0a:29:83 "$IMG" sleep 300
  assert_rc 0 "docker run --ip"
  assert_eq "$(printf '%s\n%s' "$NST_SUBNET.83/24" 92:d0:c6:0a:29:83)" "$(eth0_of nst-docker)" \
    "the Docker CLI"
}

# A pod's infra container takes --ip, --mac-address and the network's
# options, locally and through both remote clients; its members share
# the address.
test_static_ip_pods() {
  static_network
  b pod create --name nst-pod --network nst-a --ip "$NST_SUBNET.100" \
    --mac-address 92:d0:c6:0a:29:64 >/dev/null
  capture b run --rm --pod nst-pod "$IMG" sh -c \
    'ip -4 -o addr show eth0 | awk "{print \$4}"; cat /sys/class/net/eth0/address'
  assert_rc 0 "a member of the pod"
  assert_eq "$(printf '%s\n%s' "$NST_SUBNET.100/24" 92:d0:c6:0a:29:64)" "$out"
  assert_eq "nst-pod nst-a" "$(b pod ps --filter name=nst-pod --format '{{.Name}} {{.Networks}}')" \
    "the pod lists its network by name"
  capture b pod create --name nst-pod-host --network host --ip "$NST_SUBNET.101"
  assert_rc 125 "--ip with the host network"
  assert_contains "$err" "--ip can only be set when the network mode is bridge, not host"

  start_service --time 0
  trap 'cleanup_nst; stop_service' EXIT
  capture r pod create --name nst-pod-remote --network nst-a:alias=nst-pa --ip "$NST_SUBNET.102"
  assert_rc 0 "berth --url pod create --ip"
  capture b run --rm --pod nst-pod-remote "$IMG" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"'
  assert_eq "$NST_SUBNET.102/24" "$out" "the remote pod's address"
  local infra
  infra=$(b pod inspect nst-pod-remote --format '{{.InfraContainerID}}')
  assert_contains "$(b inspect "$infra" --format '{{json .NetworkSettings.Networks}}')" '"nst-pa"' \
    "the remote pod's alias"
  assert_same_as_local "pod create with the host network and --ip" \
    pod create --name nst-pod-host --network host --ip "$NST_SUBNET.103"
  assert_rc 125
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  capture podman --url "unix://$SVC_SOCK" pod create --name nst-pod-podman --network nst-a \
    --ip "$NST_SUBNET.104"
  assert_rc 0 "podman --url pod create --ip"
  capture b run --rm --pod nst-pod-podman "$IMG" sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"'
  assert_eq "$NST_SUBNET.104/24" "$out" "the address from Podman's client"
}
