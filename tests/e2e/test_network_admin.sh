# network create, rm, prune and exists, and containers on a created
# network: addresses, connectivity between two containers and published
# ports. Network names start with "nvt" so they never meet other tests'.

busybox() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Removes the test's networks and containers, whatever state it stopped in.
cleanup_networks() {
  local name
  b rm -af -t 0 >/dev/null 2>&1 || true
  for name in $(b network ls -q --filter name=^nvt); do
    b network rm -f "$name" >/dev/null 2>&1 || true
  done
}

test_network_create_defaults() {
  trap cleanup_networks EXIT
  capture b network create nvt-defaults
  assert_rc 0
  assert_eq "nvt-defaults" "$out" "create prints the name"
  capture b network inspect nvt-defaults --format \
    '{{.Driver}} {{.NetworkInterface}} {{.DNSEnabled}} {{.Internal}} {{(index .Subnets 0).Subnet}} {{(index .Subnets 0).Gateway}}'
  assert_rc 0
  [[ "$out" =~ ^bridge\ berth[0-9]+\ true\ false\ 10\.([0-9]+)\.([0-9]+)\.0/24\ 10\.[0-9]+\.[0-9]+\.1$ ]] ||
    fail "defaults: want bridge, berthN, DNS on, a 10.89+.N.0/24 subnet and its .1 gateway, got [$out]"
  [ "${BASH_REMATCH[1]}" -ge 89 ] || fail "the subnet comes from 10.89.0.0 up, got [$out]"
  capture b network exists nvt-defaults
  assert_rc 0 "exists finds the network"
  capture b network ls --format '{{.Name}}'
  assert_contains "$out" "nvt-defaults"
  capture b network create nvt-defaults
  assert_rc 125 "a name in use"
  assert_contains "$err" "network name nvt-defaults already used: network already exists"
  capture b network create --ignore nvt-defaults
  assert_rc 0 "--ignore keeps the existing network"
  assert_eq "nvt-defaults" "$out"
}

test_network_create_flags() {
  trap cleanup_networks EXIT
  capture b network create --subnet 10.231.7.0/24 --gateway 10.231.7.9 --ip-range 10.231.7.128/25 \
    --label team=blue --label bare --internal --disable-dns --opt mtu=1400 nvt-flags
  assert_rc 0
  capture b network inspect nvt-flags
  assert_rc 0
  local json=$out
  assert_eq "10.231.7.0/24" "$(jq -r '.[0].subnets[0].subnet' <<<"$json")"
  assert_eq "10.231.7.9" "$(jq -r '.[0].subnets[0].gateway' <<<"$json")"
  assert_eq "10.231.7.129" "$(jq -r '.[0].subnets[0].lease_range.start_ip' <<<"$json")"
  assert_eq "10.231.7.255" "$(jq -r '.[0].subnets[0].lease_range.end_ip' <<<"$json")"
  assert_eq "blue" "$(jq -r '.[0].labels.team' <<<"$json")"
  assert_eq "" "$(jq -r '.[0].labels.bare' <<<"$json")" "a bare label has an empty value"
  assert_eq "true" "$(jq -r '.[0].internal' <<<"$json")"
  assert_eq "false" "$(jq -r '.[0].dns_enabled' <<<"$json")"
  assert_eq "1400" "$(jq -r '.[0].options.mtu' <<<"$json")"
  capture b network ls --filter label=team=blue --format '{{.Name}}'
  assert_eq "nvt-flags" "$out" "label filter"
}

test_network_create_rejects_bad_flags() {
  trap cleanup_networks EXIT
  b network create --subnet 10.232.0.0/24 nvt-taken >/dev/null
  local before
  before=$(b network ls -q | sort)
  local cases=(
    "subnet 10.232.0.0/24 is already used on the host or by another config|--subnet 10.232.0.0/24 nvt-bad"
    "subnet 10.232.0.0/25 is already used|--subnet 10.232.0.0/25 nvt-bad"
    "cannot set gateway or range without subnet|--gateway 10.1.1.1 nvt-bad"
    "gateway 10.97.0.1 not in subnet 10.98.0.0/24|--subnet 10.98.0.0/24 --gateway 10.97.0.1 nvt-bad"
    "unsupported driver macvlan|--driver macvlan nvt-bad"
    "network name bad/name invalid|bad/name"
    "unsupported bridge network option foo|--opt foo=1 nvt-bad"
    "only IPv4 subnets are supported|--subnet fd00::/64 nvt-bad"
  )
  local entry message args
  for entry in "${cases[@]}"; do
    message=${entry%%|*} args=${entry#*|}
    # shellcheck disable=SC2086 # the arguments are split on purpose
    capture b network create $args
    assert_rc 125 "network create $args"
    assert_contains "$err" "$message" "network create $args"
  done
  assert_eq "$before" "$(b network ls -q | sort)" "no network was added by a failed create"
}

test_network_rm_exit_codes() {
  trap cleanup_networks EXIT
  capture b network rm nvt-missing
  assert_rc 1 "rm of a missing network"
  assert_contains "$err" "unable to find network with name or ID nvt-missing: network not found"
  capture b network rm podman
  assert_rc 125 "the default network"
  assert_contains "$err" "default network podman cannot be removed"
  b network create nvt-rm >/dev/null
  capture b network rm nvt-rm
  assert_rc 0
  assert_eq "nvt-rm" "$out" "rm prints the name"
  capture b network exists nvt-rm
  assert_rc 1 "gone after rm"
}

test_network_rm_in_use_and_force() {
  trap cleanup_networks EXIT
  busybox
  b network create nvt-busy >/dev/null
  b run -d --name nvt-busy-ctr --network nvt-busy "$REG/busybox:latest" sleep 300 >/dev/null
  capture b network rm nvt-busy
  assert_rc 2 "a network in use"
  assert_contains "$err" '"nvt-busy" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used'
  capture b network exists nvt-busy
  assert_rc 0 "still there after the refused rm"
  capture b network ls --filter dangling=false --format '{{.Name}}'
  assert_contains "$out" "nvt-busy" "a network with a container is not dangling"
  capture b network rm -f -t 0 nvt-busy
  assert_rc 0
  assert_eq "nvt-busy" "$out"
  capture b ps -a --format '{{.Names}}'
  assert_not_contains "$out" "nvt-busy-ctr" "-f removed the container"
  capture b network exists nvt-busy
  assert_rc 1
}

test_network_prune() {
  trap cleanup_networks EXIT
  busybox
  b network create --label keep=yes nvt-prune-keep >/dev/null
  b network create nvt-prune-unused >/dev/null
  b network create nvt-prune-used >/dev/null
  b create --name nvt-prune-ctr --network nvt-prune-used "$REG/busybox:latest" true >/dev/null
  capture b network prune -f --filter label!=keep=yes
  assert_rc 0
  assert_eq "nvt-prune-unused" "$out" "prune removes only unused, matching networks"
  capture b network ls --format '{{.Name}}'
  assert_contains "$out" "nvt-prune-keep"
  assert_contains "$out" "nvt-prune-used"
  assert_contains "$out" "podman" "the default network stays"
  assert_not_contains "$out" "nvt-prune-unused"
}

test_network_containers_talk() {
  trap cleanup_networks EXIT
  busybox
  b network create --subnet 10.233.5.0/24 nvt-talk >/dev/null
  b run -d --name nvt-server --network nvt-talk -p 127.0.0.1:18931:8080 "$REG/busybox:latest" \
    sh -c 'while true; do echo served-by-nvt | nc -l -p 8080; done' >/dev/null
  local ip
  ip=$(b inspect nvt-server --format '{{(index .NetworkSettings.Networks "nvt-talk").IPAddress}}')
  [[ "$ip" == 10.233.5.* ]] || fail "the server has no address in 10.233.5.0/24: [$ip]"
  capture b ps --format '{{.Names}} {{.Networks}}' --filter name=nvt-server
  assert_eq "nvt-server nvt-talk" "$out" "ps shows the network"
  capture b run --rm --cap-add NET_RAW --network nvt-talk "$REG/busybox:latest" ping -c 1 -W 3 "$ip"
  assert_rc 0 "ping from a second container on the network"
  capture b run --rm --network nvt-talk "$REG/busybox:latest" nc -w 3 "$ip" 8080
  assert_rc 0
  assert_eq "served-by-nvt" "$out" "nc from a second container"
  capture curl -s --http0.9 --max-time 5 http://127.0.0.1:18931/
  assert_contains "$out" "served-by-nvt" "the published port"
  capture b run --rm --network nvt-missing "$REG/busybox:latest" true
  assert_rc 125 "an unknown network"
  assert_contains "$err" "unable to find network with name or ID nvt-missing"
}
