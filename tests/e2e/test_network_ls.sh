# network ls, inspect and exists: the default network and definition files
# in netavark's format under ROOT/networks.

add_network_file() { # name id
  mkdir -p "$E2E_ROOT/root/networks"
  cat >"$E2E_ROOT/root/networks/$1.json" <<EOF
{
     "name": "$1",
     "id": "$2",
     "driver": "bridge",
     "network_interface": "e2ebr0",
     "created": "2026-01-02T03:04:05.000000006Z",
     "subnets": [
          {
               "subnet": "10.231.5.0/24",
               "gateway": "10.231.5.1"
          }
     ],
     "ipv6_enabled": false,
     "internal": true,
     "dns_enabled": false,
     "labels": {
          "team": "red"
     },
     "ipam_options": {
          "driver": "host-local"
     }
}
EOF
}

test_network_ls_formats() {
  rm -rf "$E2E_ROOT/root/networks"
  capture b network ls
  assert_rc 0
  assert_eq "NETWORK ID    NAME        DRIVER
2f259bab93aa  podman      bridge" "$out"
  assert_eq "2f259bab93aa  podman      bridge" "$(b network ls --noheading)"
  assert_eq "podman" "$(b network ls -q)"
  assert_eq "podman bridge podman0 false" \
    "$(b network ls --format '{{.Name}} {{.Driver}} {{.NetworkInterface}} {{.Internal}}')"
  assert_eq "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9" \
    "$(b network ls --no-trunc --format '{{.ID}}')"
  assert_eq "10.88.0.0/16 via 10.88.0.1" \
    "$(b network ls --format '{{range .Subnets}}{{.Subnet}} via {{.Gateway}}{{end}}')"
  capture b network ls --format json
  assert_rc 0
  assert_eq "podman0" "$(jq -r '.[0].network_interface' <<<"$out")"
  assert_eq "10.88.0.1" "$(jq -r '.[0].subnets[0].gateway' <<<"$out")"

  local id=5e2e0000000000000000000000000000000000000000000000000000000000aa
  add_network_file e2enet "$id"
  assert_eq "e2enet,podman" "$(b network ls -q | paste -sd,)"
  assert_eq "e2enet" "$(b network ls -q --filter label=team=red)"
  assert_eq "podman" "$(b network ls -q --filter label!=team)"
  assert_eq "e2enet" "$(b network ls -q --filter name=^e2e)"
  assert_eq "e2enet" "$(b network ls -q --filter id=5e2e)"
  assert_eq "e2enet,podman" "$(b network ls -q --filter driver=bridge | paste -sd,)"
  assert_eq "" "$(b network ls -q --filter driver=macvlan)"
  capture b network ls --filter color=red
  assert_rc 125 "an unknown filter"
  assert_contains "$err" '"color=red"'
  capture b network ls --format '{{.Nope}}'
  assert_rc 125 "a template naming a missing field"
  assert_contains "$err" "Nope"
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f e2e-net-user >/dev/null 2>&1 || true
  b create --name e2e-net-user "$REG/busybox:latest" true >/dev/null
  assert_eq "podman" "$(b network ls -q --filter dangling=false)" \
    "a container uses the default network"
  assert_eq "e2enet" "$(b network ls -q --filter until=2026-06-01)" \
    "until= keeps networks created before it"
  assert_eq "e2enet" "$(b network ls -q --filter dangling=true)"
  b rm e2e-net-user >/dev/null
  assert_eq "2f259bab93aa  podman      bridge" "$(b network ls -n --filter name=^podman$)"

  # A broken file is skipped with a warning that names it.
  printf '{broken' >"$E2E_ROOT/root/networks/broken.json"
  capture b network ls -q
  assert_rc 0 "a broken network file does not hide the others"
  assert_eq "e2enet,podman" "$(paste -sd, <<<"$out")"
  assert_contains "$err" "broken.json"
  capture b network exists podman
  assert_rc 0
  rm -rf "$E2E_ROOT/root/networks"
}

test_network_inspect_exists() {
  rm -rf "$E2E_ROOT/root/networks"
  local id=5e2e0000000000000000000000000000000000000000000000000000000000bb
  add_network_file e2enet "$id"
  capture b network inspect e2enet podman
  assert_rc 0
  assert_eq "e2enet,podman" "$(jq -r '.[].name' <<<"$out" | paste -sd,)"
  assert_eq "true" "$(jq -r '.[0].internal' <<<"$out")"
  assert_eq "red" "$(jq -r '.[0].labels.team' <<<"$out")"
  assert_eq '     {' "$(sed -n 2p <<<"$out")" "five-space indentation, as Podman"
  assert_eq "e2enet 10.231.5.0/24 true" \
    "$(b network inspect --format '{{.Name}} {{range .Subnets}}{{.Subnet}}{{end}} {{.Internal}}' "${id:0:10}")" \
    "an ID prefix finds the network"
  capture b network inspect e2enet e2e-no-such-net
  assert_rc 125 "one missing network"
  assert_eq "e2enet" "$(jq -r '.[0].name' <<<"$out")" "the found ones still print"
  assert_contains "$err" "network e2e-no-such-net"
  assert_contains "$err" "network not found"

  capture b network exists podman
  assert_rc 0
  capture b network exists e2enet
  assert_rc 0
  capture b network exists e2e-no-such-net
  assert_rc 1
  rm -rf "$E2E_ROOT/root/networks"
}
