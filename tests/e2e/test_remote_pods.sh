# Pods through the service: berth's remote client next to the local CLI
# on the same store, Debian's podman 4.3 as a remote client, and the libpod
# pod routes' replies to bad requests.

r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

rpods_cleanup() {
  b pod rm -f rpod-local rpod-remote rpod-podman rpod-api rpod-dup >/dev/null 2>&1 || true
}


test_remote_pod_create_and_inspect_match_local() {
  start_service --time 0
  rpods_cleanup
  local flags=(--label team=a --hostname rpod-host --share ipc,net --exit-policy stop)
  capture b pod create --name rpod-local -p 127.0.0.1:18191:80 "${flags[@]}"
  assert_rc 0 "local pod create"
  capture r pod create --name rpod-remote -p 127.0.0.1:18192:80 "${flags[@]}"
  assert_rc 0 "remote pod create"
  assert_eq 64 "${#out}" "remote pod create prints the full ID"
  local id=$out
  assert_eq "$id" "$(b pod inspect rpod-remote --format '{{.Id}}')" "the ID names the pod"
  local template='{{.State}} {{.Hostname}} {{.ExitPolicy}} {{.Labels}} {{.SharedNamespaces}} {{.NumContainers}} {{.CreateInfra}}'
  assert_eq "$(b pod inspect rpod-local --format "$template")" \
    "$(b pod inspect rpod-remote --format "$template")" "a remote create stores what a local one does"
  capture b pod inspect rpod-remote --format '{{json .InfraConfig.PortBindings}}'
  assert_contains "$out" '"HostPort":"18192"' "the remote -p reaches the pod"

  # The remote client shows the same as the local one, field for field.
  assert_same_as_local "pod inspect" pod inspect rpod-remote rpod-local
  assert_same_as_local "pod ps" pod ps --filter name=rpod --ctr-names --ctr-status --no-trunc
  assert_same_as_local "pod ps -q" pod ps -q --filter label=team=a
  assert_same_as_local "pod exists" pod exists rpod-remote
  assert_same_as_local "pod exists of a missing pod" pod exists rpod-missing
  capture r pod exists rpod-missing
  assert_rc 1 "pod exists of a missing pod"
  rpods_cleanup
}

test_remote_pod_lifecycle_matches_local() {
  start_service --time 0
  rpods_cleanup
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local id
  id=$(r pod create --name rpod-remote)
  capture r run -d --pod rpod-remote --name rpod-remote-app "$REG/busybox:latest" sleep 100
  assert_rc 0 "remote run --pod"
  assert_eq "$id" "$(b inspect --format '{{.Pod}}' rpod-remote-app)" "run --pod joins the pod"

  capture r pod start rpod-remote
  assert_rc 0 "remote pod start"
  assert_eq "$id" "$out"
  assert_eq Running "$(b pod inspect rpod-remote --format '{{.State}}')"
  # Already running: the service replies 304 and the client still prints the ID.
  assert_same_as_local "pod start of a running pod" pod start rpod-remote
  assert_same_as_local "pod top" pod top rpod-remote pid args
  capture r pod top rpod-remote pid args
  assert_contains "$out" "sleep 100" "pod top shows the member's process"
  assert_same_as_local "pod rm of a running pod" pod rm rpod-remote
  assert_rc 125 "pod rm of a running pod"

  capture r pod pause rpod-remote
  assert_rc 0 "remote pod pause"
  assert_eq "$id" "$out"
  assert_eq Paused "$(b pod inspect rpod-remote --format '{{.State}}')"
  capture r pod unpause rpod-remote
  assert_rc 0 "remote pod unpause"
  assert_eq Running "$(b pod inspect rpod-remote --format '{{.State}}')"

  capture r pod stop -t 1 rpod-remote
  assert_rc 0 "remote pod stop"
  assert_eq "$id" "$out"
  assert_same_as_local "pod stop of a stopped pod" pod stop -t 1 rpod-remote
  assert_same_as_local "pod kill of a stopped pod" pod kill rpod-remote

  capture r pod restart rpod-remote
  assert_rc 0 "remote pod restart"
  assert_eq "$id" "$out"
  assert_eq Running "$(b pod inspect rpod-remote --format '{{.State}}')"
  capture r pod kill rpod-remote
  assert_rc 0 "remote pod kill"
  assert_eq "$id" "$out"

  capture r pod rm -f rpod-remote
  assert_rc 0 "remote pod rm -f"
  assert_eq "$id" "$out"
  capture b ps -a --filter name=rpod-remote-app -q
  assert_eq "" "$out" "pod rm removed the member"
  assert_same_as_local "pod rm of a missing pod" pod rm rpod-remote
  assert_same_as_local "pod inspect of a missing pod" pod inspect rpod-remote
  assert_same_as_local "pod start of a missing pod" pod start rpod-remote

  # Duplicate names and prune.
  b pod create --infra=false --name rpod-dup >/dev/null
  assert_same_as_local "pod create of a duplicate name" pod create --infra=false --name rpod-dup
  capture r pod create --infra=false --name rpod-dup --replace
  assert_rc 0 "remote pod create --replace"
  local dup_id=$out
  assert_eq "$dup_id" "$(b pod inspect rpod-dup --format '{{.Id}}')" "--replace made a new pod"
  capture r pod prune -f
  assert_rc 0 "remote pod prune"
  assert_contains "$out" "$dup_id" "prune printed the pod it removed"
  capture b pod exists rpod-dup
  assert_rc 1 "prune removed the pod"
  rpods_cleanup
}

# Debian's podman 4.3 as a remote client of berth's service.
test_remote_pods_podman_client() {
  [ -x /usr/bin/podman ] || fail "podman is not installed"
  start_service --time 0
  rpods_cleanup
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local url="unix://$SVC_SOCK"
  capture podman --url "$url" pod create --name rpod-podman --label via=podman -p 127.0.0.1:18193:80
  assert_rc 0 "podman pod create"
  local id=$out
  assert_eq "$id" "$(b pod inspect rpod-podman --format '{{.Id}}')"
  assert_eq "via=podman" "$(b pod inspect rpod-podman --format '{{range $k, $v := .Labels}}{{$k}}={{$v}}{{end}}')"
  capture podman --url "$url" pod ps --filter name=rpod-podman --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
  assert_rc 0 "podman pod ps"
  assert_eq "rpod-podman Created 1" "$out"
  capture podman --url "$url" pod inspect rpod-podman --format '{{.Name}} {{.State}} {{.InfraContainerID}}'
  assert_rc 0 "podman pod inspect"
  assert_eq "rpod-podman Created $(b pod inspect rpod-podman --format '{{.InfraContainerID}}')" "$out"
  capture podman --url "$url" pod start rpod-podman
  assert_rc 0 "podman pod start"
  assert_eq "$id" "$out"
  assert_eq Running "$(b pod inspect rpod-podman --format '{{.State}}')"
  capture podman --url "$url" pod start rpod-podman
  assert_rc 0 "podman pod start of a running pod"
  capture podman --url "$url" run -d --pod rpod-podman --name rpod-podman-app "$REG/busybox:latest" sleep 100
  assert_rc 0 "podman run --pod"
  assert_eq "$id" "$(b inspect --format '{{.Pod}}' rpod-podman-app)" "podman's run --pod joins the pod"
  capture podman --url "$url" pod top rpod-podman
  assert_rc 0 "podman pod top"
  assert_contains "$out" "sleep 100"
  capture podman --url "$url" pod pause rpod-podman
  assert_rc 0 "podman pod pause"
  assert_eq Paused "$(b pod inspect rpod-podman --format '{{.State}}')"
  capture podman --url "$url" pod unpause rpod-podman
  assert_rc 0 "podman pod unpause"
  assert_eq Running "$(b pod inspect rpod-podman --format '{{.State}}')"
  capture podman --url "$url" pod stop -t 1 rpod-podman
  assert_rc 0 "podman pod stop"
  assert_eq "$id" "$out"
  capture podman --url "$url" pod rm rpod-podman
  assert_rc 0 "podman pod rm"
  assert_eq "$id" "$out"
  capture b container exists rpod-podman-app
  assert_rc 1 "podman pod rm removed the member"
  capture b pod exists rpod-podman
  assert_rc 1 "podman pod rm removed the pod"
  capture podman --url "$url" pod inspect rpod-podman
  assert_rc 125 "podman pod inspect of a missing pod"
  assert_contains "$err" "no such pod"
}

test_remote_pod_routes_bad_requests() {
  start_service --time 0
  rpods_cleanup
  api POST /v5.0.0/libpod/pods/create -H 'Content-Type: application/json' -d '{"name": "rpod-api",'
  assert_eq 400 "$code" "malformed JSON"
  api POST /v5.0.0/libpod/pods/create -d '{"name": 5}'
  assert_eq 400 "$code" "a name that is not a string"
  assert_contains "$out" "name"
  capture b pod exists rpod-api
  assert_rc 1 "nothing was created by the bad requests"

  api POST /v5.0.0/libpod/pods/create -d '{"name": "rpod-api", "no_infra": true, "labels": {"k": "v"}}'
  assert_eq 201 "$code" "pod create"
  local id
  id=$(jq -r .Id <<<"$out")
  assert_eq "$id" "$(b pod inspect rpod-api --format '{{.Id}}')"
  api POST /v5.0.0/libpod/pods/create -d '{"name": "rpod-api", "no_infra": true}'
  assert_eq 409 "$code" "duplicate name"

  api GET /v5.0.0/libpod/pods/rpod-api/exists
  assert_eq 204 "$code" "exists"
  api GET /v5.0.0/libpod/pods/rpod-missing/exists
  assert_eq 404 "$code" "exists of a missing pod"
  api GET /v5.0.0/libpod/pods/rpod-missing/json
  assert_eq 404 "$code" "inspect of a missing pod"
  assert_eq "no such pod" "$(jq -r .cause <<<"$out")"
  api POST /v5.0.0/libpod/pods/rpod-missing/start
  assert_eq 404 "$code" "start of a missing pod"
  api DELETE /v5.0.0/libpod/pods/rpod-missing
  assert_eq 404 "$code" "delete of a missing pod"

  api GET "/v5.0.0/libpod/pods/json?filters=%7B%22label%22%3A%5B%22k%3Dv%22%5D%7D"
  assert_eq 200 "$code" "list"
  assert_eq "rpod-api $id" "$(jq -r '.[] | "\(.Name) \(.Id)"' <<<"$out")"
  api GET /v5.0.0/libpod/pods/rpod-api/json
  assert_eq 200 "$code" "inspect"
  assert_eq "rpod-api false 0" "$(jq -r '"\(.Name) \(.CreateInfra) \(.NumContainers)"' <<<"$out")"
  api POST /v5.0.0/libpod/pods/rpod-api/stop
  assert_eq 304 "$code" "stop of a pod that never ran"

  api DELETE "/v5.0.0/libpod/pods/rpod-api?force=true"
  assert_eq 200 "$code" "delete"
  assert_eq "$id" "$(jq -r .Id <<<"$out")"
  capture b pod exists rpod-api
  assert_rc 1 "delete removed the pod"
}

# The list routes apply Podman's pod= filter and name each member's pod.
test_remote_pod_filter_in_container_list() {
  start_service --time 0
  rpods_cleanup
  local image=$REG/busybox:latest pod_id infra_id member_id
  b pull -q --tls-verify=false "$image" >/dev/null
  b rm -f rpod-api-outside >/dev/null 2>&1 || true
  pod_id=$(b pod create --name rpod-api)
  member_id=$(b create --pod rpod-api --name rpod-api-member "$image" true)
  b create --name rpod-api-outside "$image" true >/dev/null
  infra_id=$(b pod inspect rpod-api --format '{{.InfraContainerID}}')
  api GET "/v5.0.0/libpod/containers/json?all=true&filters=%7B%22pod%22%3A%5B%22rpod-api%22%5D%7D"
  assert_eq 200 "$code" "list by pod name"
  assert_eq "$(printf '%s\n' "$infra_id true" "$member_id false" | sort)" \
    "$(jq -r '.[] | "\(.Id) \(.IsInfra)"' <<<"$out" | sort)" "the pod's members"
  assert_eq "$pod_id rpod-api" "$(jq -r '[.[] | "\(.Pod) \(.PodName)"] | unique | .[]' <<<"$out")"
  api GET "/v1.41/containers/json?all=1&filters=%7B%22pod%22%3A%5B%22${pod_id:0:12}%22%5D%7D"
  assert_eq 200 "$code" "compat list by pod ID prefix"
  assert_eq 2 "$(jq length <<<"$out")" "the compat route filters too"
  api GET "/v5.0.0/libpod/containers/json?all=true&filters=%7B%22pod%22%3A%5B%22rpod-missing%22%5D%7D"
  assert_eq "[]" "$(jq -c . <<<"$out")" "an unknown pod matches nothing"
  api GET "/v5.0.0/libpod/containers/json?all=true"
  assert_eq '""' "$(jq -c --arg n rpod-api-outside '.[] | select(.Names[0] == $n) | .Pod' <<<"$out")" \
    "a container outside pods names none"
  capture r ps -a --filter pod=rpod-api --format '{{.Names}}'
  assert_eq "$(b ps -a --filter pod=rpod-api --format '{{.Names}}')" "$out" "remote ps as local"
  # A member's events carry its pod, locally and through the service.
  capture b events --since 1m --stream=false --filter "pod=$pod_id" --filter type=container \
    --format '{{.Status}} {{.Name}} {{.PodID}}'
  assert_contains "$out" "create rpod-api-member $pod_id"
  local local_events=$out
  capture r events --since 1m --stream=false --filter "pod=$pod_id" --filter type=container \
    --format '{{.Status}} {{.Name}} {{.PodID}}'
  assert_eq "$local_events" "$out" "remote events of the pod as local"
  b rm -f rpod-api-outside >/dev/null
  b pod rm -f rpod-api >/dev/null
}
