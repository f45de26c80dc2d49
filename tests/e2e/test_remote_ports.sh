# Published ports (-p) through berth's remote client and through Podman's
# client: port ranges, host addresses, protocols and bad values give the
# same container, output and exit codes as the local CLI on the same store.

r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

IMG="$REG/busybox:latest"

# Two busybox httpd servers, on ports 80 and 81, that serve /etc.
HTTPD=(sh -c 'httpd -p 81 -h /etc; exec httpd -f -p 80 -h /etc')

rports_cleanup() {
  b rm -f rports-local rports-remote rports-random rports-podman rports-c-local \
    rports-c-remote >/dev/null 2>&1 || true
}

# Waits until http://127.0.0.1:PORT/hostname replies, and prints the body:
# the container's hostname, which is its short ID.
fetch_hostname() { # port
  local i
  for i in $(seq 50); do
    if curl -sf --max-time 2 "http://127.0.0.1:$1/hostname"; then return 0; fi
    sleep 0.1
  done
  fail "nothing answered on 127.0.0.1:$1"
}

test_remote_publish_range_matches_local() {
  start_service --time 0
  trap 'rports_cleanup; stop_service' EXIT
  rports_cleanup
  b pull -q --tls-verify=false "$IMG" >/dev/null
  # Created containers hold no ports, so both take the same flags.
  local flags=(-p 18600-18601:80-81 -p 127.0.0.1:18610-18611:90-91/udp -p 127.0.0.1:18620:100
    -p 0.0.0.0:18621:101/tcp)
  b create --name rports-c-local "${flags[@]}" "$IMG" true >/dev/null
  capture r create --name rports-c-remote "${flags[@]}" "$IMG" true
  assert_rc 0 "remote create with port ranges"
  local bindings='{{json .HostConfig.PortBindings}}'
  capture b inspect --format "$bindings" rports-c-remote
  assert_eq '{"100/tcp":[{"HostIp":"127.0.0.1","HostPort":"18620"}],"101/tcp":[{"HostIp":"","HostPort":"18621"}],"80/tcp":[{"HostIp":"","HostPort":"18600"}],"81/tcp":[{"HostIp":"","HostPort":"18601"}],"90/udp":[{"HostIp":"127.0.0.1","HostPort":"18610"}],"91/udp":[{"HostIp":"127.0.0.1","HostPort":"18611"}]}' \
    "$out" "one binding per port of each range"
  assert_eq "$(b inspect --format "$bindings" rports-c-local)" "$out" "the bindings of a local create"
  assert_eq "$(b inspect --format '{{json .NetworkSettings.Ports}}' rports-c-local)" \
    "$(b inspect --format '{{json .NetworkSettings.Ports}}' rports-c-remote)" "NetworkSettings.Ports"
  b rm rports-c-local rports-c-remote >/dev/null

  # Running servers: each replies on the host port of its range.
  capture b run -d --name rports-local -p 18630-18631:80-81 "$IMG" "${HTTPD[@]}"
  assert_rc 0 "local run with a range"
  capture r run -d --name rports-remote -p 18640-18641:80-81 "$IMG" "${HTTPD[@]}"
  assert_rc 0 "remote run with a range"
  local id=$out
  assert_eq "$id" "$(b inspect --format '{{.Id}}' rports-remote)" "run -d prints the ID"
  assert_eq "${id:0:12}" "$(fetch_hostname 18640)" "port 80 through host port 18640"
  assert_eq "${id:0:12}" "$(fetch_hostname 18641)" "port 81 through host port 18641"
  assert_eq "$(b inspect --format "{{.Id}}" rports-local | cut -c1-12)" "$(fetch_hostname 18631)" \
    "the local container on 18631"
  capture r port rports-remote
  assert_rc 0
  assert_eq "$(printf '80/tcp -> 0.0.0.0:18640\n81/tcp -> 0.0.0.0:18641')" "$out" "port"
  assert_same_as_local "port" port rports-remote
  assert_same_as_local "port of one port" port rports-remote 81/tcp
  assert_eq "0.0.0.0:18641" "$out"
  capture b port rports-local
  assert_eq "$(printf '80/tcp -> 0.0.0.0:18630\n81/tcp -> 0.0.0.0:18631')" "$out" "local port"
  # ps joins consecutive ports into one range, as Podman does, and its
  # JSON (also the libpod list's) carries them as one entry with a range.
  assert_same_as_local "ps ports" ps --filter name=rports-remote --format '{{.Ports}}'
  assert_eq "0.0.0.0:18640-18641->80-81/tcp" "$out" "ps joins the range"
  capture b ps --filter name=rports-local --format json
  assert_eq '[{"host_ip":"","container_port":80,"host_port":18630,"range":2,"protocol":"tcp"}]' \
    "$(jq -c '.[0].Ports' <<<"$out")" "ps --format json"
  api GET '/v4.0.0/libpod/containers/json?filters=%7B%22name%22%3A%5B%22rports-remote%22%5D%7D'
  assert_eq '[{"host_ip":"","container_port":80,"host_port":18640,"range":2,"protocol":"tcp"}]' \
    "$(jq -c '.[0].Ports' <<<"$out")" "the libpod list"
}

# A range without host ports gets consecutive free ports on the service's
# host, as locally.
test_remote_publish_range_picks_free_ports() {
  start_service --time 0
  trap 'rports_cleanup; stop_service' EXIT
  rports_cleanup
  b pull -q --tls-verify=false "$IMG" >/dev/null
  capture r run -d --name rports-random -p 127.0.0.1::80-81 "$IMG" "${HTTPD[@]}"
  assert_rc 0 "remote run with 127.0.0.1::80-81"
  local id=$out first second
  first=$(b inspect --format '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}' rports-random)
  second=$(b inspect --format '{{(index (index .NetworkSettings.Ports "81/tcp") 0).HostPort}}' rports-random)
  assert_eq "$((first + 1))" "$second" "consecutive host ports"
  assert_eq "127.0.0.1" \
    "$(b inspect --format '{{(index (index .NetworkSettings.Ports "81/tcp") 0).HostIp}}' rports-random)"
  assert_eq "${id:0:12}" "$(fetch_hostname "$first")"
  assert_eq "${id:0:12}" "$(fetch_hostname "$second")"
  assert_same_as_local "port" port rports-random
}

test_remote_publish_bad_values_match_local() {
  start_service --time 0
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local before
  before=$(store_snapshot)
  local value
  for value in bad:port 18600:80-81 18600-18601:80 81-80 18600-18600:80-81 0-1:80-81 \
    70000:80 80/sctp '[::1]:8080:80' 1.2.3:8080:80 a:b:c:d 8080:0 ''; do
    assert_same_as_local "run -p '$value'" run --rm -p "$value" "$IMG" true
    assert_rc 125 "run -p '$value'"
    assert_contains "$err" "invalid port mapping \"$value\""
  done
  assert_same_as_local "bad port" create -p bad:port "$IMG" true
  assert_eq 'Error: invalid port mapping "bad:port": "port" is not a port number between 1 and 65535' "$err"
  assert_same_as_local "ranges of different lengths" create -p 18600:80-81 "$IMG" true
  assert_contains "$err" "host and container port ranges have different lengths: 1 vs 2"
  assert_same_as_local "host address not on this host" create -p 10.231.99.1::80-81 "$IMG" true
  assert_rc 125
  assert_contains "$err" "host IP 10.231.99.1 is not an address of this host"
  assert_eq "$before" "$(store_snapshot)" "bad values leave no container"
}

# Podman 4.3's client sends a range as one portmappings entry with range 2.
test_remote_publish_range_podman_client() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  start_service --time 0
  trap 'rports_cleanup; stop_service' EXIT
  rports_cleanup
  b pull -q --tls-verify=false "$IMG" >/dev/null
  capture podman --url "unix://$SVC_SOCK" run -d --name rports-podman -p 18650-18651:80-81 \
    -p 127.0.0.1::90-91/udp "$IMG" "${HTTPD[@]}"
  assert_rc 0 "podman run -p 18650-18651:80-81"
  local id=$out
  assert_eq "${id:0:12}" "$(fetch_hostname 18650)"
  assert_eq "${id:0:12}" "$(fetch_hostname 18651)"
  capture b port rports-podman 81/tcp
  assert_eq "0.0.0.0:18651" "$out"
  local udp
  udp=$(b inspect --format '{{(index (index .NetworkSettings.Ports "90/udp") 0).HostPort}}' rports-podman)
  assert_eq "127.0.0.1:$((udp + 1))" "$(b port rports-podman 91/udp)" "consecutive udp ports"
  capture podman --url "unix://$SVC_SOCK" ps --filter name=rports-podman --format '{{.Ports}}'
  assert_eq "0.0.0.0:18650-18651->80-81/tcp, 127.0.0.1:$udp-$((udp + 1))->90-91/udp" "$out" \
    "podman ps through the service"
  capture podman --url "unix://$SVC_SOCK" create -p 18600:80-81 "$IMG" true
  assert_rc 125 "podman checks the lengths itself"
}
