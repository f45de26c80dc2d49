# Pods: pod create, ps, inspect, start, stop, kill, pause, rm, prune and
# exists, members that join the infra container's namespaces, and the
# requests Podman rejects.

pods_busybox() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Removes the pods a test made, whatever state they are in.
pods_cleanup() { b pod rm -f "$@" >/dev/null 2>&1 || true; }

test_pod_create_without_infra_and_inspect() {
  capture b pod create --infra=false --name podt-plain --label team=a --exit-policy stop
  assert_rc 0
  local id=$out
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "pod create prints the pod ID, got [$id]"
  capture b pod inspect podt-plain --format '{{.Name}} {{.State}} {{.CreateInfra}} {{.NumContainers}} {{.ExitPolicy}} {{index .Labels "team"}}'
  assert_rc 0
  assert_eq "podt-plain Created false 0 stop a" "$out"
  capture b pod inspect podt-plain
  assert_contains "$out" "\"Id\": \"$id\""
  capture b pod exists podt-plain
  assert_rc 0
  capture b pod exists "${id:0:12}"
  assert_rc 0 "an ID prefix finds the pod"
  capture b pod exists podt-missing
  assert_rc 1
  capture b pod create --infra=false --name podt-plain
  assert_rc 125 "a name in use"
  capture b pod create --infra=false --name podt-plain --replace
  assert_rc 0 "--replace removes the old pod"
  [ "$out" != "$id" ] || fail "--replace made a new pod"
  pods_cleanup podt-plain
}

test_pod_rejections_match_podman() {
  capture b pod create --infra=false --share net podt-bad
  assert_rc 125
  assert_contains "$err" "cannot set share(net) namespaces without an infra container"
  capture b pod create --infra=false -p 8080:80 podt-bad
  assert_rc 125
  assert_contains "$err" "you must have an infra container to publish port bindings to the host"
  capture b pod create --share mnt podt-bad
  assert_rc 125
  assert_contains "$err" '"mnt"'
  capture b pod exists podt-bad
  assert_rc 1 "nothing is left of a rejected pod"
  capture b pod rm podt-missing
  assert_rc 1 "pod rm of a missing pod exits 1, as in Podman"
  assert_contains "$err" "no pod with name or ID podt-missing found: no such pod"
  capture b pod inspect podt-missing
  assert_rc 125
}

test_pod_members_share_the_infra_namespaces() {
  pods_busybox
  capture b pod create --name podt-net --hostname podt-host
  assert_rc 0
  local pod=$out
  capture b pod inspect podt-net --format '{{.InfraContainerID}}'
  local infra=$out
  capture b ps -a --filter "id=$infra" --format '{{.Names}} {{.Image}}'
  assert_eq "${pod:0:12}-infra localhost/berth-pause:0.1.0" "$out" "infra container name and pause image"
  capture b run -d --pod podt-net --name podt-web "$REG/busybox:latest" sleep 300
  assert_rc 0
  local web=$out
  capture b inspect podt-web --format '{{.Pod}}'
  assert_eq "$pod" "$out" "inspect shows the member's pod"
  capture b pod inspect podt-net --format '{{.State}} {{.NumContainers}}'
  assert_eq "Running 2" "$out" "running a member starts the infra container"
  # The members see each other's network, IPC and host name.
  capture b run --rm --pod podt-net "$REG/busybox:latest" hostname
  assert_eq "podt-host" "$out"
  local infra_pid web_pid
  infra_pid=$(b inspect "$infra" --format '{{.State.Pid}}')
  web_pid=$(b inspect podt-web --format '{{.State.Pid}}')
  for ns in net ipc uts; do
    assert_eq "$(readlink /proc/$infra_pid/ns/$ns)" "$(readlink /proc/$web_pid/ns/$ns)" "$ns namespace"
  done
  [ "$(readlink /proc/$infra_pid/ns/pid)" != "$(readlink /proc/$web_pid/ns/pid)" ] ||
    fail "the pid namespace is not shared by default"
  capture b ps --pod --filter pod=podt-net --format '{{.Names}} {{.PodName}} {{.Pod}}'
  assert_contains "$out" "podt-web podt-net ${pod:0:12}"
  assert_contains "$out" "${pod:0:12}-infra podt-net ${pod:0:12}"
  capture b pod ps --filter name=podt-net --ctr-names --format '{{.Name}} {{.Status}} {{.ContainerNames}}'
  assert_eq "podt-net Running ${pod:0:12}-infra,podt-web" "$out"
  capture b pod top podt-net
  assert_rc 0
  assert_contains "$out" "sleep 300"
  assert_contains "$out" "/catatonit -P"
  pods_cleanup podt-net
}

test_pod_member_rejections() {
  pods_busybox
  b pod create --name podt-reject >/dev/null
  capture b create --pod podt-reject -p 8081:80 "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" "published or exposed ports must be defined when the pod is created"
  capture b create --pod podt-reject --hostname x "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" "cannot set hostname when joining the pod UTS namespace"
  capture b create --pod podt-reject --network host "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" "networks must be defined when the pod is created"
  capture b create --pod podt-missing "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" "no pod with name or ID podt-missing found"
  local infra
  infra=$(b pod inspect podt-reject --format '{{.InfraContainerID}}')
  capture b rm -f "$infra"
  assert_rc 2 "the infra container goes only with its pod (exit 2 like a state conflict)"
  assert_contains "$err" "is the infra container of pod"
  pods_cleanup podt-reject
}

test_pod_lifecycle_and_rm() {
  pods_busybox
  b pod create --name podt-life -p 127.0.0.1:18093:80 >/dev/null
  b create --pod podt-life --name podt-life-a "$REG/busybox:latest" sleep 300 >/dev/null
  capture b pod inspect podt-life --format '{{.State}}'
  assert_eq "Created" "$out"
  capture b pod start podt-life
  assert_rc 0
  capture b pod inspect podt-life --format '{{.State}} {{range .Containers}}{{.State}} {{end}}'
  assert_eq "Running running running " "$out"
  capture b pod inspect podt-life --format '{{json .InfraConfig.PortBindings}}'
  assert_contains "$out" '"80/tcp"'
  assert_contains "$out" '"HostPort":"18093"'
  capture b pod pause podt-life
  assert_rc 0
  capture b pod inspect podt-life --format '{{.State}}'
  assert_eq "Paused" "$out"
  b pod unpause podt-life >/dev/null
  capture b pod rm podt-life
  assert_rc 125 "a running pod needs --force"
  assert_contains "$err" "cannot be removed without force"
  capture b pod stop -t 1 podt-life
  assert_rc 0
  capture b pod inspect podt-life --format '{{.State}}'
  assert_eq "Exited" "$out"
  capture b pod kill podt-life
  assert_rc 0 "kill of a stopped pod is no error, as in Podman"
  b pod start podt-life >/dev/null
  capture b pod rm -f podt-life
  assert_rc 0
  capture b ps -a --filter name=podt-life --format '{{.Names}}'
  assert_eq "" "$out" "pod rm removes the members and the infra container"
  capture b pod exists podt-life
  assert_rc 1
  capture b events --since 1m --filter type=pod --format '{{.Status}} {{.Name}}' --stream=false
  assert_contains "$out" "create podt-life"
  assert_contains "$out" "start podt-life"
  assert_contains "$out" "stop podt-life"
  assert_contains "$out" "remove podt-life"
}

test_pod_prune_and_ps_format() {
  pods_busybox
  b pod create --infra=false --name podt-prune-a >/dev/null
  b pod create --name podt-prune-b >/dev/null
  b run -d --pod podt-prune-b --name podt-prune-run "$REG/busybox:latest" sleep 300 >/dev/null
  capture b pod ps --filter name=podt-prune --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
  assert_eq $'podt-prune-b Running 2\npodt-prune-a Created 0' "$out" "the newest pod first"
  capture b pod ps --filter name=podt-prune --sort name --noheading
  [[ $(echo "$out" | head -1) == *podt-prune-a* ]] || fail "--sort name: [$out]"
  capture b pod ps --filter status=running -q
  assert_eq "$(b pod inspect podt-prune-b --format '{{.Id}}')" "$out"
  capture b pod prune -f
  assert_rc 0
  assert_eq "$(b pod ps -q --filter name=podt-prune)" "$(b pod inspect podt-prune-b --format '{{.Id}}')" \
    "prune keeps the running pod only"
  pods_cleanup podt-prune-b
}

test_namespace_flags_join_containers() {
  pods_busybox
  b rm -f podt-ns-owner >/dev/null 2>&1 || true
  b run -d --name podt-ns-owner "$REG/busybox:latest" sleep 300 >/dev/null
  capture b run --rm --ipc container:podt-ns-owner --uts host --pid host --network container:podt-ns-owner \
    "$REG/busybox:latest" sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/net; hostname'
  assert_rc 0
  local owner_pid
  owner_pid=$(b inspect podt-ns-owner --format '{{.State.Pid}}')
  assert_contains "$out" "$(readlink /proc/$owner_pid/ns/ipc)"
  assert_contains "$out" "$(readlink /proc/$owner_pid/ns/net)"
  assert_contains "$out" "$(hostname)" "--uts host gives the host's name"
  capture b run --rm --ipc bogus "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" 'invalid --ipc "bogus"'
  b rm -f podt-ns-owner >/dev/null
}

test_pod_share_pid_and_exit_policy() {
  pods_busybox
  pods_cleanup podt-exit
  b pod create --name podt-exit --exit-policy stop --share +pid >/dev/null
  capture b pod inspect podt-exit --format '{{.SharedNamespaces}} {{.ExitPolicy}}'
  assert_eq "[ipc net pid uts] stop" "$out"
  capture b run --pod podt-exit --name podt-exit-a "$REG/busybox:latest" sh -c 'ps -o pid,args'
  assert_rc 0
  assert_contains "$out" "1 /catatonit -P" "the member sees the infra container's PID 1"
  # The cleanup of the last member stops the infra container.
  local state="" i
  for i in $(seq 50); do
    state=$(b pod inspect podt-exit --format '{{.State}}')
    [ "$state" = "Exited" ] && break
    sleep 0.1
  done
  assert_eq "Exited" "$state" "--exit-policy stop"
  pods_cleanup podt-exit
}

test_run_pod_new_creates_pod() {
  pods_busybox
  pods_cleanup podt-new podt-new2
  capture b run -d --pod new:podt-new -p 127.0.0.1:18094:80 --name podt-new-a "$REG/busybox:latest" sleep 300
  assert_rc 0
  capture b pod ps --filter name=podt-new --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
  assert_eq "podt-new Running 2" "$out"
  capture b pod inspect podt-new --format '{{json .InfraConfig.PortBindings}}'
  assert_eq '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18094"}]}' "$out" "-p moves to the infra container"
  capture b run --pod new:podt-new2 --name podt-new-a "$REG/busybox:latest" true
  assert_rc 125 "a container name in use"
  capture b pod exists podt-new2
  assert_rc 1 "the new pod goes when its container fails"
  pods_cleanup podt-new
}

test_rm_all_removes_pods_with_their_containers() {
  pods_busybox
  pods_cleanup podt-rmall
  b pod create --name podt-rmall >/dev/null
  local member infra
  member=$(b run -d --pod podt-rmall "$REG/busybox:latest" sleep 100)
  infra=$(b pod inspect podt-rmall --format '{{.InfraContainerID}}')
  capture b rm -a
  assert_rc 2 "rm -a of running pod members without -f"
  capture b pod exists podt-rmall
  assert_rc 0 "the pod is kept after the refusal"
  capture b rm -af
  assert_rc 0 "rm -af removes the pod's containers too"
  assert_contains "$out" "$member"
  assert_contains "$out" "$infra"
  capture b pod exists podt-rmall
  assert_rc 1 "the pod went with its infra container"
  assert_eq "" "$(b ps -aq)" "no container is left"
}
