# pod stats: Podman's columns and values for running and stopped members,
# the pod selection flags, JSON and templates, streaming, and the same
# output through the service (berth's remote client, the libpod route and
# Debian's podman 4.3 as a remote client).

r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

pst_cleanup() { b pod rm -f pst-run pst-idle pst-empty pst-new >/dev/null 2>&1 || true; }

# Creates pst-run (infra container and a running member pst-run-app) and
# pst-idle (no infra container, one member pst-idle-app that never ran).
pst_setup() {
  pst_cleanup
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b pod create --name pst-run >/dev/null
  b run -d --pod pst-run --name pst-run-app "$REG/busybox:latest" sleep 300 >/dev/null
  b pod create --infra=false --name pst-idle >/dev/null
  b create --pod pst-idle --name pst-idle-app "$REG/busybox:latest" true >/dev/null
}


test_pod_stats_rows_and_columns() {
  trap pst_cleanup EXIT
  pst_setup
  local pod infra app
  pod=$(b pod inspect pst-run --format '{{.Id}}')
  infra=$(b pod inspect pst-run --format '{{.InfraContainerID}}')
  app=$(b inspect --format '{{.Id}}' pst-run-app)
  local infra_name
  infra_name=$(b inspect --format '{{.Name}}' "$infra")

  capture b pod stats --no-stream pst-run
  assert_rc 0
  local header
  header=$(head -1 <<<"$out")
  [[ $header =~ ^POD\ +CID\ +NAME\ +CPU\ %\ +MEM\ USAGE/\ LIMIT\ +MEM\ %\ +NET\ IO\ +BLOCK\ IO\ +PIDS$ ]] ||
    fail "Podman's header, got [$header]"
  assert_eq 3 "$(wc -l <<<"$out")" "the header and one row per member"
  assert_not_contains "$out" $'\033' "a pipe gets no screen clearing"

  # The infra container first, then the members; IDs cut to 12 digits.
  capture b pod stats --no-stream --format '{{.Pod}} {{.CID}} {{.Name}}' pst-run
  assert_rc 0
  assert_eq "POD CID NAME" "$(head -1 <<<"$out")" "the header line in the template's shape"
  assert_eq "$(printf '%s %s %s\n%s %s %s' "${pod:0:12}" "${infra:0:12}" "$infra_name" \
    "${pod:0:12}" "${app:0:12}" pst-run-app)" "$(tail -n +2 <<<"$out")"

  capture b pod stats --no-stream --format '{{.CPU}}|{{.MemUsage}}|{{.MemUsageBytes}}|{{.Mem}}|{{.PIDS}}' pst-run
  local row
  row=$(tail -1 <<<"$out")
  [[ $row =~ ^([0-9]+\.[0-9]{2}%|--)\|[0-9.]+[kMGT]?B\ /\ [0-9.]+[kMGT]?B\|[0-9.]+[KMGT]?i?B\ /\ [0-9.]+[KMGT]iB\|[0-9]+\.[0-9]{2}%\|[1-9][0-9]*$ ]] ||
    fail "the running member's values, got [$row]"

  # A member that never ran shows dashes, as in Podman.
  capture b pod stats --no-stream --format '{{.Name}} {{.CPU}} {{.MemUsage}} {{.Mem}} {{.NetIO}} {{.BlockIO}} {{.PIDS}}' pst-idle
  assert_rc 0
  assert_eq "pst-idle-app -- -- / -- -- -- / -- -- / -- --" "$(tail -n +2 <<<"$out")"

  # Podman renders a template without "table" over its headers too.
  capture b pod stats --no-stream --format '{{.Name}}:{{.Mem}}' pst-idle
  assert_rc 0
  assert_eq "$(printf 'NAME:MEM\npst-idle-app:--')" "$out"

  # A table template gets Podman's headers for the fields it names.
  capture b pod stats --no-stream --format 'table {{.Name}} {{.Mem}} {{.MemUsageBytes}} {{.NetIO}}' pst-idle
  assert_rc 0
  [[ $(head -1 <<<"$out") =~ ^NAME\ +MEM\ +MEM\ USAGE/\ LIMIT\ +NET\ IO$ ]] ||
    fail "template headers, got [$(head -1 <<<"$out")]"
}

test_pod_stats_json() {
  trap pst_cleanup EXIT
  pst_setup
  local pod app
  pod=$(b pod inspect pst-idle --format '{{.Id}}')
  app=$(b inspect --format '{{.Id}}' pst-idle-app)
  capture b pod stats --no-stream --format json pst-idle
  assert_rc 0
  local expected
  expected=$(printf '%s\n' '[' '     {' \
    '          "CPU": "--",' \
    '          "MemUsage": "-- / --",' \
    '          "MemUsageBytes": "-- / --",' \
    '          "Mem": "--",' \
    '          "NetIO": "-- / --",' \
    '          "BlockIO": "-- / --",' \
    '          "PIDS": "--",' \
    "          \"Pod\": \"${pod:0:12}\"," \
    "          \"CID\": \"${app:0:12}\"," \
    '          "Name": "pst-idle-app"' \
    '     }' ']')
  assert_eq "$expected" "$out" "Podman's JSON: its keys, order and indentation"
  capture b pod stats --no-stream --format '{{ json . }}' pst-idle
  assert_rc 0
  assert_eq "$expected" "$out" "a template of only {{json .}} is JSON output, as in Podman"
  capture b pod stats --no-stream --format json pst-run
  assert_rc 0
  assert_eq 2 "$(jq length <<<"$out")" "one entry per member"
  assert_eq "pst-run-app" "$(jq -r '.[1].Name' <<<"$out")"
}

test_pod_stats_pod_selection() {
  trap pst_cleanup EXIT
  pst_setup
  # No name and --all both mean every pod.
  capture b pod stats --no-stream --format '{{.Name}}'
  assert_rc 0
  assert_contains "$out" "pst-run-app"
  assert_contains "$out" "pst-idle-app"
  capture b pod stats --no-stream --all --format '{{.Name}}'
  assert_rc 0
  assert_contains "$out" "pst-run-app"
  assert_contains "$out" "pst-idle-app"
  capture b pod stats --no-stream --format '{{.Name}}' pst-run pst-idle
  assert_rc 0
  assert_contains "$out" "pst-run-app"
  assert_contains "$out" "pst-idle-app"

  b pod create --infra=false --name pst-new >/dev/null
  b create --pod pst-new --name pst-new-app "$REG/busybox:latest" true >/dev/null
  capture b pod stats --no-stream --latest --format '{{.Name}}'
  assert_rc 0
  assert_eq "pst-new-app" "$(tail -n +2 <<<"$out")" "--latest shows the newest pod"

  capture b pod stats --no-stream --all pst-run
  assert_rc 125
  assert_contains "$err" "--all, --latest and arguments cannot be used together"
  capture b pod stats --no-stream --all --latest
  assert_rc 125
  assert_contains "$err" "--all, --latest and arguments cannot be used together"
  capture b pod stats --no-stream pst-run pst-missing
  assert_rc 125
  assert_contains "$err" "no pod with name or ID pst-missing found"
  assert_eq "" "$out" "nothing is printed when a pod is unknown"
}

test_pod_stats_pod_without_members() {
  trap pst_cleanup EXIT
  pst_cleanup
  b pod create --infra=false --name pst-empty >/dev/null
  # The default table keeps its header and shows a row of dashes.
  capture b pod stats --no-stream pst-empty
  assert_rc 0
  assert_eq 2 "$(wc -l <<<"$out")"
  [[ $(tail -1 <<<"$out") =~ ^--(\ +--){8}$ ]] || fail "a row of dashes, got [$(tail -1 <<<"$out")]"
  # A template of the user's prints nothing, JSON an empty list.
  capture b pod stats --no-stream --format 'table {{.Name}}' pst-empty
  assert_rc 0
  assert_eq "" "$out"
  capture b pod stats --no-stream --format json pst-empty
  assert_rc 0
  assert_eq "[]" "$out"
}

test_pod_stats_streams_until_stopped() {
  trap pst_cleanup EXIT
  pst_setup
  capture timeout 3.5 "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    pod stats --format '{{.Name}}' pst-run
  assert_rc 124 "the stream runs until it is stopped"
  local rounds
  rounds=$(grep -c '^pst-run-app$' <<<"$out")
  [ "$rounds" -ge 3 ] || fail "a sample every second, got $rounds in 3.5 s: [$out]"
  assert_not_contains "$out" $'\033' "a pipe gets no screen clearing"
}

test_pod_stats_remote_matches_local() {
  pst_setup
  start_service --time 0
  # start_service's trap stops the service; this one also removes the pods.
  trap 'pst_cleanup; stop_service' EXIT
  # Counters of a running member move between two samples: compare the
  # fields that stay.
  assert_same_as_local "running pod" pod stats --no-stream \
    --format '{{.Pod}} {{.CID}} {{.Name}} {{.PIDS}}' pst-run
  assert_same_as_local "stopped member table" pod stats --no-stream pst-idle
  assert_same_as_local "stopped member json" pod stats --no-stream --format json pst-idle
  assert_same_as_local "unknown pod" pod stats --no-stream pst-missing
  assert_same_as_local "--all with a name" pod stats --no-stream --all pst-idle
  capture r pod stats --no-stream --latest
  assert_rc 125 "--latest is not available remotely"
  assert_contains "$err" "unknown flag: --latest"
}

test_pod_stats_libpod_route() {
  pst_setup
  start_service --time 0
  # start_service's trap stops the service; this one also removes the pods.
  trap 'pst_cleanup; stop_service' EXIT
  local pod app
  pod=$(b pod inspect pst-idle --format '{{.Id}}')
  app=$(b inspect --format '{{.Id}}' pst-idle-app)
  api GET "/v4.3.1/libpod/pods/stats?namesOrIDs=pst-idle"
  assert_eq 200 "$code"
  assert_eq "[{\"CPU\":\"--\",\"MemUsage\":\"-- / --\",\"MemUsageBytes\":\"-- / --\",\"Mem\":\"--\",\"NetIO\":\"-- / --\",\"BlockIO\":\"-- / --\",\"PIDS\":\"--\",\"Pod\":\"${pod:0:12}\",\"CID\":\"${app:0:12}\",\"Name\":\"pst-idle-app\"}]" \
    "$out" "Podman's PodStatsReport list"
  api GET "/v4.3.1/libpod/pods/stats?namesOrIDs=pst-idle&namesOrIDs=pst-run"
  assert_eq 200 "$code"
  assert_eq "pst-idle-app pst-run-app" "$(jq -r '[.[].Name] | map(select(startswith("pst-"))) | join(" ")' <<<"$out")"
  api GET "/v4.3.1/libpod/pods/stats?all=true"
  assert_eq 200 "$code"
  assert_contains "$out" '"Name":"pst-run-app"'
  assert_contains "$out" '"Name":"pst-idle-app"'
  api GET "/libpod/pods/stats?namesOrIDs=pst-missing"
  assert_eq 404 "$code"
  assert_contains "$out" "no pod with name or ID pst-missing found"
  api GET "/libpod/pods/stats?all=true&namesOrIDs=pst-run"
  assert_eq 400 "$code"
  assert_contains "$out" "--all, --latest and arguments cannot be used together"
}

# Debian's podman 4.3 as a remote client of berth's service.
test_pod_stats_podman_client() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  pst_setup
  start_service --time 0
  # start_service's trap stops the service; this one also removes the pods.
  trap 'pst_cleanup; stop_service' EXIT
  local url="unix://$SVC_SOCK"

  local template='table {{.Pod}} {{.CID}} {{.Name}} {{.CPU}} {{.MemUsage}} {{.Mem}} {{.PIDS}}'
  for args in "pst-idle" "--format json pst-idle"; do
    # shellcheck disable=SC2086 # split args into words
    capture b pod stats --no-stream $args
    local local_out=$out
    # shellcheck disable=SC2086
    capture podman --url "$url" pod stats --no-stream $args
    assert_rc 0 "podman pod stats $args"
    assert_eq "$local_out" "$out" "podman pod stats $args shows what berth does"
  done
  capture b pod stats --no-stream --format "$template" pst-idle
  local local_out=$out
  capture podman --url "$url" pod stats --no-stream --format "$template" pst-idle
  assert_rc 0
  assert_eq "$local_out" "$out" "podman pod stats with a table template"

  capture podman --url "$url" pod stats --no-stream --format '{{.Name}}' pst-run
  assert_rc 0
  local infra_name
  infra_name=$(b inspect --format '{{.Name}}' "$(b pod inspect pst-run --format '{{.InfraContainerID}}')")
  assert_eq "$(printf 'NAME\n%s\npst-run-app' "$infra_name")" "$out" \
    "the infra container and the member, after Podman's header line"
  capture podman --url "$url" pod stats --no-stream pst-missing
  assert_rc 125 "podman pod stats of an unknown pod"
  assert_contains "$err" "no pod with name or ID pst-missing found"
}
