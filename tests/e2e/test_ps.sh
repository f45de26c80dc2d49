# ps queries: filters, sorting, --last, --size, --ns, --pod, short flags
# with =value, container exists and container prune.

IMG=$REG/busybox:latest

# Creates three containers, oldest first: ps-a running with labels, ps-b
# exited with code 3, ps-c created and never started.
setup_containers() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f ps-a ps-b ps-c >/dev/null 2>&1 || true
  b run -d --name ps-a --label app=shop --label tier=edge "$IMG" sleep 300 >/dev/null
  b run --name ps-b --label app=db "$IMG" sh -c 'exit 3' >/dev/null || true
  b create --name ps-c "$IMG" true >/dev/null
}

cleanup_containers() { b rm -f ps-a ps-b ps-c >/dev/null 2>&1 || true; }

# Names that ps prints for the arguments, on one line.
ps_names() { b ps "$@" --filter name='^ps-' --format '{{.Names}}' | tr '\n' ' '; }

test_ps_filters() {
  setup_containers
  trap cleanup_containers EXIT
  assert_eq "ps-a " "$(ps_names)" "running only by default"
  assert_eq "ps-a ps-b ps-c " "$(ps_names -a)" "oldest first, as in Podman"
  assert_eq "ps-b " "$(ps_names --filter status=exited)" "a status filter implies --all"
  assert_eq "ps-c " "$(ps_names -a --filter status=created)"
  assert_eq "ps-a ps-c " "$(ps_names -a --filter status=created --filter status=running)" \
    "values of one key are ORed"
  assert_eq "ps-b " "$(ps_names -a --filter exited=3)"
  assert_eq "" "$(ps_names -a --filter exited=0)"
  assert_eq "ps-a " "$(ps_names -a --filter label=app=shop)"
  assert_eq "ps-a ps-b " "$(ps_names -a --filter label=app)"
  assert_eq "ps-a " "$(ps_names -a --filter label=app --filter label=tier=edge)" \
    "labels are ANDed"
  assert_eq "ps-c " "$(ps_names -a --filter label!=app)"
  assert_eq "ps-a " "$(ps_names -a --filter before=ps-b)"
  assert_eq "ps-c " "$(ps_names -a --filter since=ps-b)"
  assert_eq "ps-a ps-b ps-c " "$(ps_names -a --filter ancestor=busybox)"
  assert_eq "" "$(ps_names -a --filter ancestor=nosuchimage)"
  local id; id=$(b inspect --format '{{.Id}}' ps-b)
  assert_eq "ps-b " "$(ps_names -a --filter id="${id:0:8}")"
  assert_eq "ps-b" "$(b ps -a --filter name=ps-b --format '{{.Names}}')"
  assert_eq "ps-a ps-b " "$(ps_names -a --filter name=ps-b --filter status=exited --filter status=running)" \
    "names ORed, then ANDed with the status"
  assert_eq "ps-b " "$(ps_names -a --filter network=podman --filter status=exited)"
  assert_eq "" "$(ps_names -a --filter pod=nosuchpod)"
  assert_eq "ps-a ps-b ps-c " "$(ps_names -a --filter health=none)"
}

test_ps_bad_filters() {
  setup_containers
  trap cleanup_containers EXIT
  capture b ps --filter foo=bar
  assert_rc 125
  assert_eq 'Error: invalid filter "foo=bar": foo is not a valid filter key' "$err"
  capture b ps --filter status=bogus
  assert_rc 125
  assert_contains "$err" 'invalid status filter "bogus"'
  capture b ps --filter exited=abc
  assert_rc 125
  assert_contains "$err" 'invalid exited filter "abc"'
  capture b ps --filter health=sick
  assert_rc 125
  assert_contains "$err" 'invalid health filter "sick"'
  capture b ps --filter before=nosuch
  assert_rc 125
  assert_eq 'Error: no container with name or ID "nosuch" found: no such container' "$err"
  capture b ps --filter nokey
  assert_rc 125
  assert_contains "$err" '"nokey"'
  capture b ps --sort bogus
  assert_rc 125
  assert_contains "$err" 'invalid --sort "bogus"'
}

test_ps_sort_last_quiet() {
  setup_containers
  trap cleanup_containers EXIT
  assert_eq "ps-a ps-b ps-c " "$(ps_names -a --sort names)"
  assert_eq "ps-a ps-b ps-c " "$(ps_names -a --sort created)"
  assert_eq "ps-c ps-a ps-b " "$(ps_names -a --sort runningfor)" "by start time, never started first"
  assert_eq "ps-c ps-b ps-a " "$(ps_names -a --sort status)" "Created, Exited, Up"
  assert_eq "ps-b ps-a ps-c " "$(ps_names -a --sort command)" "sh, sleep, true: by text"
  local newest; newest=$(b ps -a --last 1 --format '{{.Names}}')
  assert_eq "ps-c" "$newest"
  assert_eq "ps-c" "$(b ps -l --format '{{.Names}}')"
  local id; id=$(b inspect --format '{{.Id}}' ps-c)
  assert_eq "${id:0:12}" "$(b ps -a -n 1 -q)"
  assert_eq "$id" "$(b ps -a -n 1 -q --no-trunc)"
}

test_ps_short_flags_with_values() {
  setup_containers
  trap cleanup_containers EXIT
  local running all
  running=$(b ps -q --filter name='^ps-')
  all=$(b ps -aq --filter name='^ps-')
  assert_eq "$all" "$(b ps -q=true -a=true --filter name='^ps-')"
  assert_eq "$running" "$(b ps -a=false -q --filter name='^ps-')"
  assert_eq "$(b ps -a -n 1 -q)" "$(b ps -n=1 -q=true)"
  assert_eq "$(b ps -a -n 1 -q)" "$(b ps -an=1 -q)"
  assert_eq "ps-b" "$(b ps -a -f=name=ps-b --format '{{.Names}}')"
  # Arguments of a container's command stay as they are.
  capture b run --rm "$IMG" echo -n=1
  assert_rc 0
  assert_eq "-n=1" "$out"
}

test_ps_size_ns_pod() {
  setup_containers
  trap cleanup_containers EXIT
  b exec ps-a sh -c 'head -c 5000 /dev/zero > /tmp/blob' 2>/dev/null ||
    b run --rm "$IMG" true >/dev/null
  capture b ps --filter name=ps-a --size
  assert_rc 0
  assert_eq "SIZE" "$(head -1 <<<"$out" | awk '{print $NF}')"
  assert_contains "$(sed -n 2p <<<"$out")" "(virtual "
  capture b ps --filter name=ps-a --size --format '{{.Size}}'
  assert_contains "$out" "B (virtual "
  capture b ps --filter name=ps-a --format json --size
  assert_contains "$out" '"rootFsSize"'
  capture b ps --filter name=ps-a --ns
  assert_eq "CONTAINER ID  NAMES       PID         CGROUPNS    IPC         MNT         NET         PIDNS       USERNS      UTS" \
    "$(head -1 <<<"$out")"
  local pid; pid=$(b inspect --format '{{.State.Pid}}' ps-a)
  local net; net=$(readlink /proc/"$pid"/ns/net | tr -dc 0-9)
  assert_eq "$net" "$(b ps --filter name=ps-a --format '{{.NET}}')"
  capture b ps --filter name=ps-a --pod
  assert_contains "$(head -1 <<<"$out")" "NAMES       POD ID      PODNAME"
}

test_container_exists_and_prune() {
  setup_containers
  trap cleanup_containers EXIT
  capture b container exists ps-a
  assert_rc 0
  assert_eq "" "$out"
  capture b container exists nosuch-container
  assert_rc 1
  assert_eq "" "$out$err"
  capture b container prune --filter bogus=1 -f
  assert_rc 125
  assert_contains "$err" 'bogus is not a valid filter key'
  local b_id c_id
  b_id=$(b inspect --format '{{.Id}}' ps-b)
  c_id=$(b inspect --format '{{.Id}}' ps-c)
  capture b container prune -f --filter label=app=db
  assert_rc 0
  assert_eq "$b_id" "$out" "only the labelled stopped container"
  capture b container exists ps-b
  assert_rc 1
  capture b container prune -f --filter until=1h
  assert_rc 0
  assert_eq "" "$out" "ps-c is newer than an hour"
  capture b container prune -f
  assert_rc 0
  assert_contains "$out" "$c_id"
  assert_not_contains "$out" "$(b inspect --format '{{.Id}}' ps-a)"
  capture b container exists ps-a
  assert_rc 0 "a running container is kept"
}
