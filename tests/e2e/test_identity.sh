# Identity and plumbing flags of run and create: --hostname, --add-host,
# --dns*, --no-hosts, labels and annotations, environment flags,
# --cidfile, --conmon-pidfile and --replace.

IMG=$REG/busybox:latest

setup_image() { b pull -q --tls-verify=false "$IMG" >/dev/null; }

test_identity_hostname_and_hosts() {
  setup_image
  capture b run --rm --hostname myhost --add-host foo:1.2.3.4 --add-host 'bar;baz:10.0.0.9' \
    --add-host gw:host-gateway "$IMG" sh -c 'hostname; cat /etc/hosts'
  assert_rc 0
  assert_eq "myhost" "$(head -1 <<<"$out")"
  assert_contains "$out" "1.2.3.4	foo"
  assert_contains "$out" "10.0.0.9	bar baz"
  local gateway
  gateway=$(grep host.containers.internal <<<"$out" | awk '{print $1}')
  assert_contains "$out" "$gateway	gw" "host-gateway is the bridge gateway"
  assert_eq "1.2.3.4	foo" "$(sed -n 2p <<<"$out")" "added hosts come first"
  capture b run --rm --add-host foo "$IMG" true
  assert_rc 125 "--add-host without an address"
  assert_contains "$err" '"foo"'
  capture b run --rm --add-host foo:notip "$IMG" true
  assert_rc 125 "--add-host with an invalid address"
  assert_contains "$err" "notip"
  capture b run --rm --no-hosts --add-host a:1.1.1.1 "$IMG" true
  assert_rc 125 "--no-hosts with --add-host"
  local id
  id=$(b create --add-host foo:1.2.3.4 "$IMG" true)
  assert_eq '["foo:1.2.3.4"]' "$(b inspect "$id" --format '{{json .HostConfig.ExtraHosts}}')"
  b rm "$id" >/dev/null
}

test_identity_no_hosts_keeps_image_file() {
  setup_image
  local name=berth-e2e-nohosts
  capture b run --rm --name "$name" --no-hosts "$IMG" sh -c 'cat /etc/hosts 2>/dev/null || echo none'
  assert_rc 0
  assert_not_contains "$out" "$name" "the container's name is not added"
  assert_not_contains "$out" "host.containers.internal"
}

test_identity_dns() {
  setup_image
  capture b run --rm --dns 1.1.1.1 --dns 9.9.9.9 --dns-search example.com,example.org \
    --dns-option ndots:2 "$IMG" cat /etc/resolv.conf
  assert_rc 0
  assert_contains "$out" "nameserver 1.1.1.1
nameserver 9.9.9.9"
  assert_contains "$out" "search example.com example.org"
  assert_contains "$out" "options ndots:2"
  assert_eq "2" "$(grep -c nameserver <<<"$out")" "only the given servers"
  capture b run --rm --dns-search . "$IMG" cat /etc/resolv.conf
  assert_not_contains "$out" "search" "--dns-search . removes the search list"
  capture b run --rm --dns notip "$IMG" true
  assert_rc 125 "an invalid --dns address"
  assert_contains "$err" "notip"
  local id
  id=$(b create --dns 1.1.1.1 --dns-search example.com --dns-option ndots:2 "$IMG" true)
  assert_eq '["1.1.1.1"] ["example.com"] ["ndots:2"]' "$(b inspect "$id" --format \
    '{{json .HostConfig.Dns}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}}')"
  b rm "$id" >/dev/null
}

test_identity_labels_and_annotations() {
  setup_image
  local file=$E2E_ROOT/labels.txt
  printf '# a comment\nfrom.file=yes\nshared=file\n\n' >"$file"
  local id
  id=$(b create -l a=b --label shared=flag --label empty --label-file "$file" \
    --annotation x=y "$IMG" true)
  assert_eq "b flag yes  y" "$(b inspect "$id" --format \
    '{{index .Config.Labels "a"}} {{index .Config.Labels "shared"}} {{index .Config.Labels "from.file"}} {{index .Config.Labels "empty"}} {{index .Config.Annotations "x"}}')"
  assert_eq "busybox" "$(b inspect "$id" --format '{{index .Config.Labels "org.opencontainers.image.title"}}')" \
    "the image's labels stay"
  b rm "$id" >/dev/null
  capture b create --annotation novalue "$IMG" true
  assert_rc 125 "an annotation without a value"
  capture b create --label-file /nonexistent-labels "$IMG" true
  assert_rc 125 "a missing label file"
  assert_contains "$err" "/nonexistent-labels"
}

test_identity_environment_flags() {
  setup_image
  capture env BERTH_E2E_HOST_VAR=from-host "$BERTH_BIN" --root "$E2E_ROOT/root" \
    --runroot "$E2E_RUNROOT" run --rm --env-host -e OWN=1 "$IMG" env
  assert_rc 0
  assert_contains "$out" "BERTH_E2E_HOST_VAR=from-host"
  assert_contains "$out" "OWN=1"
  capture b run --rm --env-merge 'PATH=/custom:${PATH}' --unsetenv TERM "$IMG" env
  assert_contains "$out" "PATH=/custom:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  assert_not_contains "$out" "TERM=" "--unsetenv TERM"
  capture b run --rm --unsetenv-all -e ONLY=me "$IMG" /usr/bin/env
  assert_contains "$out" "ONLY=me"
  assert_not_contains "$out" "container=podman" "--unsetenv-all removes the defaults"
  assert_not_contains "$out" "PATH=" "--unsetenv-all removes PATH too"
  capture b run --rm --unsetenv PATH "$IMG" /usr/bin/env
  assert_rc 0
  assert_not_contains "$out" "PATH=" "--unsetenv PATH"
  capture b run --rm --unsetenv PATH "$IMG" env
  assert_rc 127 "a command found only through PATH, as in Podman"
}

test_identity_cidfile() {
  setup_image
  local file=$E2E_ROOT/cid-$$
  rm -f "$file"
  local id
  id=$(b create --cidfile "$file" "$IMG" true)
  assert_eq "$id" "$(cat "$file")"
  local before
  before=$(b ps -aq)
  capture b create --cidfile "$file" "$IMG" true
  assert_rc 125 "an existing --cidfile"
  assert_contains "$err" "$file"
  assert_eq "$before" "$(b ps -aq)" "nothing was created"
  b rm "$id" >/dev/null
  rm -f "$file"
  capture b run --rm --cidfile "$file" "$IMG" true
  assert_rc 0
  assert_eq 64 "$(wc -c <"$file")" "run writes the full ID"
  rm -f "$file"
}

test_identity_conmon_pidfile() {
  setup_image
  local file=$E2E_ROOT/monitor-pid-$$
  rm -f "$file"
  local id
  id=$(b run -d --conmon-pidfile "$file" "$IMG" sleep 30)
  local pid
  pid=$(cat "$file")
  assert_contains "$(cat "/proc/$pid/comm")" "berth-monitor"
  b stop -t 0 "$id" >/dev/null
  rm -f "$file"
  b start "$id" >/dev/null
  local restarted
  restarted=$(cat "$file")
  [ "$restarted" != "$pid" ] || fail "each start writes its own monitor's pid"
  assert_contains "$(cat "/proc/$restarted/comm")" "berth-monitor"
  b rm -f "$id" >/dev/null
  rm -f "$file"
}

test_identity_replace() {
  setup_image
  local name=berth-e2e-replace
  b rm -f "$name" >/dev/null 2>&1 || true
  local first second
  first=$(b create --name "$name" "$IMG" true)
  capture b create --name "$name" "$IMG" true
  assert_rc 125 "a second container with the same name"
  second=$(b create --replace --name "$name" "$IMG" true)
  [ "$first" != "$second" ] || fail "--replace made a new container"
  assert_eq "$second" "$(b inspect "$name" --format '{{.Id}}')"
  capture b inspect "$first"
  assert_rc 125 "the replaced container is gone"
  capture b run --rm --replace "$IMG" true
  assert_rc 125 "--replace without --name"
  assert_contains "$err" "--name"
  b rm -f "$name" >/dev/null
}
