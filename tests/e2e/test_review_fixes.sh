# Defects found in a review, each checked against Podman 4.3 on this
# machine: id entries for a numeric --user, workdir and flag messages, run
# exit codes, ps order, exec into a paused container, top's ps(1) rows,
# containers.conf detach_keys and detached exec sessions.

IMG=$REG/busybox:latest

# Pulls the image and removes what an earlier failed test left behind.
setup_image() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local left; left=$(b ps -aq)
  [ -z "$left" ] || b rm -f $left >/dev/null
}

# A tmux server of this file's own, so no other tmux session is touched.
TMUX_SOCKET=${E2E_ROOT}/tmux-fixes.sock

test_numeric_user_gets_passwd_entry() {
  setup_image
  local show='tail -1 /etc/passwd; tail -1 /etc/group; echo HOME=$HOME; id'
  capture b run --rm -u 1000 "$IMG" sh -c "$show"
  assert_rc 0
  assert_eq "1000:*:1000:0:container user:/:/bin/sh
1000:x:1000:1000
HOME=/" "$(head -3 <<<"$out")" "-u 1000: passwd and group lines as Podman writes them"
  assert_contains "$out" "uid=1000(1000) gid=0(root) groups=0(root)" \
    "id finds the name; --user puts the primary group in the group list, as Podman does"
  capture b run --rm -u 1000:2000 -w /tmp "$IMG" sh -c "$show"
  assert_rc 0
  assert_eq "1000:*:1000:2000:container user:/tmp:/bin/sh
2000:x:2000:1000
HOME=/tmp" "$(head -3 <<<"$out")" "the working directory is the home"
  assert_contains "$out" "uid=1000(1000) gid=2000(2000)"
  capture b run --rm -u 0:3000 "$IMG" sh -c "$show"
  assert_rc 0
  assert_contains "$out" "3000:x:3000:0" "a missing group alone gets a line"
  assert_contains "$out" "HOME=/root" "root keeps the image's home"
  capture b run --rm -u 65534 "$IMG" sh -c 'grep -c "container user" /etc/passwd; echo HOME=$HOME'
  assert_eq "0
HOME=/nonexistent" "$out" "a user the image has gets no line"
  capture b run --rm "$IMG" sh -c 'grep -c "container user" /etc/passwd'
  assert_eq "0" "$out" "no --user, no line"
}

test_numeric_user_entry_in_read_only_container() {
  setup_image
  capture b run --rm --read-only -u 1000 "$IMG" sh -c 'tail -1 /etc/passwd'
  assert_rc 0
  assert_eq "1000:*:1000:0:container user:/:/bin/sh" "$out"
}

test_workdir_naming_a_file() {
  setup_image
  capture b run --rm -w /etc/passwd "$IMG" true
  assert_rc 126
  assert_contains "$err" "workdir \"/etc/passwd\" exists on container"
  assert_contains "$err" "but is not a directory"
  capture b run --rm -w /nonexistent-dir "$IMG" true
  assert_rc 126
  assert_contains "$err" "workdir \"/nonexistent-dir\" does not exist on container"
}

test_flag_value_not_a_number() {
  setup_image
  b run --name tail-ct "$IMG" echo hi >/dev/null
  capture b logs --tail abc tail-ct
  assert_rc 125
  assert_contains "$err" "invalid argument \"abc\" for \"--tail\" flag: expected a number"
  assert_not_contains "$err" "Could not convert"
  capture b logs --tail -5 tail-ct
  assert_rc 0
  assert_eq "hi" "$out" "a negative --tail prints every line"
  capture b stop -t soon tail-ct
  assert_rc 125
  assert_contains "$err" "invalid argument \"soon\" for \"--time\" flag"
  b rm tail-ct >/dev/null
}

test_run_start_failures_exit_126() {
  setup_image
  printf secret-data | b secret create fixes-secret - >/dev/null
  capture b run --rm --secret fixes-secret,target=/etc "$IMG" true
  assert_rc 126 "a secret whose target is a directory"
  assert_contains "$err" "not a directory"
  capture b run -d --secret fixes-secret,target=/etc "$IMG" true
  assert_rc 126 "the same with -d"
  capture b run --rm --mount type=bind,src=/etc/hostname,dst=/etc "$IMG" true
  assert_rc 126 "a mount runc cannot make"
  capture b run --rm "$IMG" /etc
  assert_rc 126 "a directory as the command"
  capture b run --rm "$IMG" nosuch-command
  assert_rc 127 "a missing command"
  # start reports the same failure as an engine error, as Podman 4.3 does.
  b create --name bad-secret --secret fixes-secret,target=/etc "$IMG" true >/dev/null
  capture b start bad-secret
  assert_rc 125
  assert_eq "" "$(b ps -a --filter status=running -q)" "nothing was left running"
  b rm -f $(b ps -aq) >/dev/null
  b secret rm fixes-secret >/dev/null
}

test_ps_lists_oldest_first() {
  setup_image
  local name
  for name in ps-one ps-two ps-three; do
    b create --name "$name" "$IMG" true >/dev/null
    sleep 0.05
  done
  capture b ps -a --format '{{.Names}}'
  assert_eq "ps-one
ps-two
ps-three" "$out" "default order: oldest first"
  capture b ps -a --sort created --format '{{.Names}}'
  assert_eq "ps-one
ps-two
ps-three" "$out" "--sort created"
  capture b ps -a -n 2 --format '{{.Names}}'
  assert_eq "ps-two
ps-three" "$out" "-n keeps the newest, still oldest first"
  capture b ps -a --sort names --format '{{.Names}}'
  assert_eq "ps-one
ps-three
ps-two" "$out" "--sort names"
  b start ps-two >/dev/null
  b wait ps-two >/dev/null
  b start ps-one >/dev/null
  b wait ps-one >/dev/null
  capture b ps -a --sort runningfor --format '{{.Names}}'
  assert_eq "ps-three
ps-two
ps-one" "$out" "--sort runningfor: by start time, never started first"
  b rm ps-one ps-two ps-three >/dev/null
}

test_exec_into_paused_or_stopped_container() {
  setup_image
  b run -d --name paused-ct "$IMG" sleep 300 >/dev/null
  b pause paused-ct >/dev/null
  capture b exec paused-ct true
  assert_rc 255
  assert_contains "$err" "can only create exec sessions on running containers"
  assert_contains "$err" "container state improper"
  b unpause paused-ct >/dev/null
  capture b exec paused-ct echo back
  assert_rc 0
  assert_eq "back" "$out"
  b create --name created-ct "$IMG" true >/dev/null
  capture b exec created-ct true
  assert_rc 255 "exec into a created container"
  capture b exec -d created-ct true
  assert_rc 125 "exec -d fails as an engine error, as in Podman"
  b rm -f paused-ct created-ct >/dev/null
}

test_top_ps_fallback_omits_ps() {
  setup_image
  b run -d --name top-ct "$IMG" sleep 300 >/dev/null
  capture b top top-ct -o pid,args
  assert_rc 0
  assert_contains "$out" "sleep 300"
  assert_not_contains "$out" "ps -o" "the ps(1) process itself is not listed"
  assert_eq 2 "$(wc -l <<<"$out")" "a header and one process"
  b rm -f top-ct >/dev/null
}

test_detach_keys_from_containers_conf() {
  setup_image
  local conf=$E2E_ROOT/detach-keys.conf
  printf '[engine]\ndetach_keys = "ctrl-x,y"\n' >"$conf"
  trap stop_tmux EXIT
  t new-session -d -s e2e -x 80 -y 24 "CONTAINERS_CONF=$conf $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run -it --name keys-ct $IMG sh; echo RUN-EXIT=\$?; sleep 60"
  wait_for_screen "/ #"
  t send-keys -t e2e C-p C-q
  sleep 0.3
  t send-keys -t e2e 'echo still-attached' Enter
  wait_for_screen "still-attached"
  t send-keys -t e2e C-x y
  wait_for_screen "RUN-EXIT=0"
  stop_tmux
  assert_eq "running" "$(b inspect --format '{{.State.Status}}' keys-ct)" "detached by the configured keys"
  # --detach-keys still wins over the file.
  capture sh -c "echo | CONTAINERS_CONF=$conf $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run --rm -i --detach-keys ctrl-a $IMG echo flag-ok"
  assert_rc 0
  assert_eq "flag-ok" "$out"
  printf '[engine]\ndetach_keys = "bogus"\n' >"$conf"
  capture sh -c "CONTAINERS_CONF=$conf $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run --rm -i $IMG true </dev/null"
  assert_rc 125
  assert_contains "$err" "containers.conf [engine] detach_keys: invalid detach keys \"bogus\""
  capture sh -c "CONTAINERS_CONF=$conf $BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT run -d --name keys-d $IMG true"
  assert_rc 0 "-d needs no detach keys"
  b rm -f keys-ct keys-d >/dev/null
}

test_detached_exec_records_exec_died() {
  setup_image
  b run -d --name execd-ct "$IMG" sleep 300 >/dev/null
  local since session i line=""
  since=$(date +%s)
  session=$(b exec -d execd-ct sh -c 'exit 3')
  for i in $(seq 50); do
    line=$(b events --stream=false --since "$since" --filter event=exec_died --format json)
    [ -z "$line" ] || break
    sleep 0.1
  done
  assert_eq "exec_died" "$(jq -r .Status <<<"$line")" "the monitor recorded the end"
  assert_eq 3 "$(jq -r .ContainerExitCode <<<"$line")"
  assert_eq "execd-ct" "$(jq -r .Name <<<"$line")"
  assert_contains "$(b inspect --format '{{.ExecIDs}}' execd-ct)" "$session" \
    "the session stays listed after it ends, as in Podman"
  b rm -f execd-ct >/dev/null
}

# Arguments, labels and environment values that are not UTF-8 get U+FFFD
# for each bad byte, as in Podman, instead of failing the JSON encoder.
test_non_utf8_arguments_are_replaced() {
  setup_image
  capture b run --rm "$IMG" echo $'a\xffb'
  assert_rc 0
  assert_eq $'a\xef\xbf\xbdb' "$out" "the argument reaches the container with U+FFFD"
  b rm -f fixes-utf8 >/dev/null 2>&1 || true
  capture b create --name fixes-utf8 --label $'bad=\xff' --env $'BAD=\xfe' "$IMG" true
  assert_rc 0
  capture b inspect --format '{{index .Config.Labels "bad"}}' fixes-utf8
  assert_rc 0
  assert_eq $'\xef\xbf\xbd' "$out" "the label value"
  capture b inspect --format '{{range .Config.Env}}{{.}} {{end}}' fixes-utf8
  assert_contains "$out" $'BAD=\xef\xbf\xbd' "the environment value"
  b rm fixes-utf8 >/dev/null
}
