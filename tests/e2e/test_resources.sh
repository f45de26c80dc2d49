# Security and resource flags of run and create: capabilities,
# --privileged, --security-opt, --device, cgroup limits, --ulimit,
# --sysctl, --shm-size and --oom-score-adj, each checked inside a busybox
# container, and invalid values rejected with exit code 125.

IMG=$REG/busybox:latest

setup_image() { b pull -q --tls-verify=false "$IMG" >/dev/null; }

# Prints the capability bounding set of a container run with the given
# flags, as a number.
cap_bounding() {
  local hex
  hex=$(b run --rm "$@" "$IMG" grep CapBnd /proc/self/status | awk '{print $2}')
  echo $((16#$hex))
}

has_cap() { (( ($1 >> $2) & 1 )); }  # bounding-set bit

# Reads a cgroup file of the container: the v1 path on a v1 or hybrid
# host, the v2 path on a pure v2 host.
cgroup_read() { # V1-PATH V2-PATH FLAGS...
  local v1=$1 v2=$2
  shift 2
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    b run --rm "$@" "$IMG" cat "/sys/fs/cgroup/$v2"
  else
    b run --rm "$@" "$IMG" cat "/sys/fs/cgroup/$v1"
  fi
}

is_cgroup_v2() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

test_resources_cap_add_and_drop() {
  setup_image
  local caps
  caps=$(cap_bounding)
  has_cap "$caps" 0 || fail "CAP_CHOWN is a default capability"
  ! has_cap "$caps" 12 || fail "CAP_NET_ADMIN is not a default capability"
  caps=$(cap_bounding --cap-add net_admin --cap-drop CAP_CHOWN)
  has_cap "$caps" 12 || fail "--cap-add net_admin gives CAP_NET_ADMIN"
  ! has_cap "$caps" 0 || fail "--cap-drop CAP_CHOWN removes it"
  caps=$(cap_bounding --cap-drop all --cap-add Sys_Time)
  assert_eq $((1 << 25)) "$caps" "--cap-drop ALL leaves only the added CAP_SYS_TIME"
  caps=$(cap_bounding --cap-add sys_admin,sys_ptrace)
  has_cap "$caps" 21 || fail "comma-separated --cap-add gives CAP_SYS_ADMIN"
  has_cap "$caps" 19 || fail "comma-separated --cap-add gives CAP_SYS_PTRACE"
  capture b run --rm --cap-add foo "$IMG" true
  assert_rc 125 "an unknown capability"
  assert_contains "$err" '"foo"'
  local id
  id=$(b create --cap-add net_admin --cap-drop chown "$IMG" true)
  assert_eq '["CAP_NET_ADMIN"] ["CAP_CHOWN"]' \
    "$(b inspect "$id" --format '{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}')"
  b rm "$id" >/dev/null
}

test_resources_privileged() {
  setup_image
  capture b run --rm "$IMG" grep Seccomp: /proc/self/status
  assert_contains "$out" "2" "seccomp filter by default"
  capture b run --rm --privileged "$IMG" sh -c \
    'grep -E "CapBnd|Seccomp:" /proc/self/status; ls /dev; grep " /sys " /proc/mounts'
  assert_rc 0
  assert_contains "$out" "CapBnd:	$(awk '/CapBnd/ {print $2}' /proc/self/status)" \
    "every capability this host grants"
  assert_contains "$out" "Seccomp:	0" "no seccomp filter"
  assert_contains "$out" "kmsg" "host devices"
  assert_contains "$out" "sysfs rw" "writable /sys"
  capture b run --rm --privileged "$IMG" sh -c 'grep -c " /proc/kcore " /proc/mounts'
  assert_eq "0" "$out" "no masked paths"
  capture b run --rm "$IMG" sh -c 'ls /dev'
  assert_not_contains "$out" "kmsg" "no host devices without --privileged"
}

test_resources_security_opts() {
  setup_image
  capture b run --rm --security-opt no-new-privileges "$IMG" grep NoNewPrivs /proc/self/status
  assert_contains "$out" "1" "no-new-privileges"
  capture b run --rm --security-opt mask=/proc/cpuinfo "$IMG" sh -c 'wc -c </proc/cpuinfo'
  assert_eq "0" "$out" "a masked path reads empty"
  capture b run --rm --security-opt unmask=ALL "$IMG" sh -c 'grep " /proc/sys " /proc/mounts | grep -c " ro,"'
  assert_eq "0" "$out" "unmask=ALL leaves /proc/sys writable"
  capture b run --rm --security-opt unmask=/proc/sys "$IMG" sh -c 'grep " /proc/sys " /proc/mounts | grep -c " ro,"'
  assert_eq "0" "$out" "unmask of one path"
  capture b run --rm --security-opt label=disable --security-opt label=type:spc_t "$IMG" true
  assert_rc 0 "label options are accepted"
  local profile=$E2E_ROOT/deny-mkdir.json
  cat >"$profile" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
  capture b run --rm --security-opt "seccomp=$profile" "$IMG" mkdir /tmp/x
  assert_rc 1 "the profile denies mkdir"
  assert_contains "$err" "not permitted"
  capture b run --rm --security-opt seccomp=unconfined "$IMG" grep Seccomp: /proc/self/status
  assert_contains "$out" "0"
  capture b run --rm --security-opt foo=bar "$IMG" true
  assert_rc 125 "an unknown security option"
  assert_contains "$err" "foo=bar"
  capture b run --rm --security-opt seccomp=/nonexistent.json "$IMG" true
  assert_rc 125 "a missing seccomp profile"
  assert_contains "$err" "/nonexistent.json"
}

test_resources_device() {
  setup_image
  capture b run --rm --device /dev/null:/dev/mynull:rw "$IMG" sh -c \
    'stat -c "%t,%T %F" /dev/mynull; echo hello >/dev/mynull && echo written'
  assert_rc 0
  assert_eq "1,3 character special file
written" "$out"
  capture b run --rm --device /dev/zero "$IMG" sh -c 'head -c 4 /dev/zero | wc -c'
  assert_eq "4" "$out"
  capture b run --rm --device /dev/nonexistent "$IMG" true
  assert_rc 125 "a missing device"
  assert_contains "$err" "/dev/nonexistent"
  capture b run --rm --device /dev/null:/dev/x:rwx "$IMG" true
  assert_rc 125 "invalid device permissions"
}

test_resources_memory() {
  setup_image
  local flags=(--memory 64m --memory-reservation 32m --memory-swap 128m)
  if is_cgroup_v2; then
    assert_eq "67108864" "$(cgroup_read - memory.max "${flags[@]}")"
    assert_eq "67108864" "$(cgroup_read - memory.swap.max "${flags[@]}")" "swap beyond memory"
  else
    assert_eq "67108864" "$(cgroup_read memory/memory.limit_in_bytes - "${flags[@]}")"
    assert_eq "33554432" "$(cgroup_read memory/memory.soft_limit_in_bytes - "${flags[@]}")"
    assert_eq "134217728" "$(cgroup_read memory/memory.memsw.limit_in_bytes - "${flags[@]}")"
    assert_eq "10" "$(cgroup_read memory/memory.swappiness - --memory-swappiness 10)"
  fi
  local id
  id=$(b create "${flags[@]}" "$IMG" true)
  assert_eq "67108864 33554432 134217728" \
    "$(b inspect "$id" --format '{{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}} {{.HostConfig.MemorySwap}}')"
  b rm "$id" >/dev/null
  id=$(b create --memory 1g --memory-swap -1 "$IMG" true)
  assert_eq "-1" "$(b inspect "$id" --format '{{.HostConfig.MemorySwap}}')"
  b rm "$id" >/dev/null
}

test_resources_cpu_and_pids() {
  setup_image
  if is_cgroup_v2; then
    assert_eq "50000 100000" "$(cgroup_read - cpu.max --cpus 0.5)"
    assert_eq "100" "$(cgroup_read - pids.max --pids-limit 100)"
    assert_eq "0" "$(cgroup_read - cpuset.cpus --cpuset-cpus 0)"
  else
    assert_eq "50000" "$(cgroup_read cpu/cpu.cfs_quota_us - --cpus 0.5)"
    assert_eq "100000" "$(cgroup_read cpu/cpu.cfs_period_us - --cpus 0.5)"
    assert_eq "512" "$(cgroup_read cpu/cpu.shares - --cpu-shares 512)"
    assert_eq "25000" "$(cgroup_read cpu/cpu.cfs_quota_us - --cpu-period 50000 --cpu-quota 25000)"
    assert_eq "0" "$(cgroup_read cpuset/cpuset.cpus - --cpuset-cpus 0)"
    assert_eq "0" "$(cgroup_read cpuset/cpuset.mems - --cpuset-mems 0)"
    assert_eq "100" "$(cgroup_read pids/pids.max - --pids-limit 100)"
    assert_eq "2048" "$(cgroup_read pids/pids.max -)" "Podman's default pids limit"
    assert_eq "max" "$(cgroup_read pids/pids.max - --pids-limit -1)"
  fi
  local id
  id=$(b create --cpus 1.5 --cpu-shares 256 --cpuset-cpus 0 --pids-limit 99 "$IMG" true)
  assert_eq "1500000000 100000 150000 256 0 99" "$(b inspect "$id" --format \
    '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}}')"
  b rm "$id" >/dev/null
}

test_resources_ulimit() {
  setup_image
  capture b run --rm --ulimit nofile=100:200 --ulimit core=0 "$IMG" sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
  assert_rc 0
  assert_eq "100
200
0" "$out"
  # Podman's default of 1048576 open files, lowered to this process's hard limit.
  local hard expected
  hard=$(ulimit -Hn)
  expected=$(( hard < 1048576 ? hard : 1048576 ))
  capture b run --rm "$IMG" sh -c 'ulimit -n'
  assert_eq "$expected" "$out" "the default nofile limit"
  local conf=$E2E_ROOT/ulimits.conf
  printf '[containers]\ndefault_ulimits = ["nofile=500:1000", "nproc=99999999999:99999999999"]\n' >"$conf"
  capture env CONTAINERS_CONF="$conf" "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    run --rm "$IMG" sh -c 'ulimit -n; ulimit -Hn; ulimit -Hu'
  assert_rc 0
  assert_eq "500
1000
$(ulimit -Hu)" "$out" "containers.conf defaults, nproc lowered to the host's hard limit"
  capture env CONTAINERS_CONF="$conf" "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    run --rm --ulimit nofile=300 "$IMG" sh -c 'ulimit -n'
  assert_eq "300" "$out" "--ulimit beats the containers.conf default"
  local id
  id=$(b create --ulimit nofile=100:200 "$IMG" true)
  assert_eq '[{"Hard":200,"Name":"RLIMIT_NOFILE","Soft":100}]' \
    "$(b inspect "$id" --format '{{json .HostConfig.Ulimits}}')"
  b rm "$id" >/dev/null
  capture b run --rm --ulimit foo=1 "$IMG" true
  assert_rc 125 "an unknown ulimit"
  assert_contains "$err" "foo=1"
  capture b run --rm --ulimit nofile=10:5 "$IMG" true
  assert_rc 125 "soft above hard"
}

test_resources_sysctl_shm_oom() {
  setup_image
  capture b run --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=123456 "$IMG" \
    sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
  assert_rc 0
  assert_eq "1
123456" "$out"
  capture b run --rm --sysctl vm.swappiness=1 "$IMG" true
  assert_rc 125 "a sysctl outside the container's namespaces"
  assert_contains "$err" "vm.swappiness"
  capture b run --rm --network host --sysctl net.ipv4.ip_forward=1 "$IMG" true
  assert_rc 125 "a net sysctl on the host network"
  capture b run --rm --shm-size 32m "$IMG" sh -c "df -k /dev/shm | tail -1 | awk '{print \$2}'"
  assert_eq "32768" "$out" "--shm-size"
  capture b run --rm "$IMG" sh -c "df -k /dev/shm | tail -1 | awk '{print \$2}'"
  assert_eq "65536" "$out" "the default /dev/shm size"
  capture b run --rm --oom-score-adj 100 "$IMG" cat /proc/self/oom_score_adj
  assert_eq "100" "$out"
  capture b run --rm --oom-score-adj 5000 "$IMG" true
  assert_rc 125 "an oom score out of range"
  assert_contains "$err" "5000"
  local id
  # Sysctls also contains the machine's containers.conf default_sysctls.
  id=$(b create --shm-size 32m --oom-score-adj -10 --sysctl net.ipv4.ip_forward=1 "$IMG" true)
  assert_eq '33554432 -10 1' "$(b inspect "$id" --format \
    '{{.HostConfig.ShmSize}} {{.HostConfig.OomScoreAdj}} {{index .HostConfig.Sysctls "net.ipv4.ip_forward"}}')"
  b rm "$id" >/dev/null
}

# containers.conf default_sysctls reach every container with its own
# network namespace; --sysctl replaces one, and --network host leaves the
# net.* ones out.
test_resources_default_sysctls() {
  setup_image
  local conf=$E2E_ROOT/sysctls.conf
  printf '[containers]\ndefault_sysctls = ["net.ipv4.ping_group_range=0 0", "kernel.msgmax=4096"]\n' \
    >"$conf"
  local cmd='cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/msgmax'
  capture env CONTAINERS_CONF="$conf" "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    run --rm "$IMG" sh -c "$cmd"
  assert_rc 0
  assert_eq "$(printf '0\t0\n4096')" "$out" "both defaults applied"
  capture env CONTAINERS_CONF="$conf" "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    run --rm --sysctl kernel.msgmax=2048 "$IMG" sh -c "$cmd"
  assert_eq "$(printf '0\t0\n2048')" "$out" "--sysctl beats the default"
  capture env CONTAINERS_CONF="$conf" "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    run --rm --network host "$IMG" cat /proc/sys/kernel/msgmax
  assert_rc 0 "a host-network container starts without the net.* default"
  assert_eq "4096" "$out"
  printf '[containers]\ndefault_sysctls = ["vm.swappiness=1"]\n' >"$conf"
  capture env CONTAINERS_CONF="$conf" "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    run --rm "$IMG" true
  assert_rc 125 "a default that is not namespaced"
  assert_contains "$err" "containers.conf default_sysctls"
}

test_resources_invalid_values() {
  setup_image
  local before
  before=$(b ps -aq)
  local -a cases=(
    "--memory abc|abc"
    "--memory 1x|1x"
    "--cpus -1|-1"
    "--cpus many|many"
    "--cpu-shares x|x"
    "--memory-swappiness 200|200"
    "--memory-swap 100m|--memory"
    "--pids-limit lots|lots"
    "--shm-size 1q|1q"
    "--cpuset-cpus a|a"
    "--blkio-weight 5|5"
  )
  local entry flags value
  for entry in "${cases[@]}"; do
    flags=${entry%%|*} value=${entry#*|}
    # shellcheck disable=SC2086 # flags is a word list on purpose
    capture b run --rm $flags "$IMG" true
    assert_rc 125 "$flags"
    assert_contains "$err" "$value" "the error for $flags names the value"
  done
  capture b run --rm --cpus 1 --cpu-quota 50000 "$IMG" true
  assert_rc 125 "--cpus with --cpu-quota"
  assert_eq "$before" "$(b ps -aq)" "no container was created"
}
