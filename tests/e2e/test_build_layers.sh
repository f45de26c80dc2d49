# Builds whose layers repeat or pile up: two steps with the same content
# give one layer twice, which overlayfs refuses as a repeated lower
# directory, and deep images need short lower paths to fit the mount
# options in one page. Also the remote build's output arriving while the
# build runs.

# berth through the service that start_service runs on $SVC_SOCK.
r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

blayers_dir() {
  local dir=$E2E_ROOT/blayers-$1
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

test_build_with_repeated_layers_runs() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local dir
  dir=$(blayers_dir twice)
  printf 'FROM %s\nRUN true\nRUN true\nCOPY f.txt /x\nCOPY f.txt /x\nRUN echo built-ok\n' \
    "$REG/busybox:latest" >"$dir/Containerfile"
  echo hello >"$dir/f.txt"
  capture b build --no-cache -t localhost/blayers-twice "$dir"
  assert_rc 0 "a build with repeated layers"
  assert_contains "$out" "built-ok"
  capture b run --rm localhost/blayers-twice cat /x
  assert_rc 0 "the image runs"
  assert_eq "hello" "$out"
  b rmi -f localhost/blayers-twice >/dev/null
}

test_build_of_ninety_layers() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local dir i
  dir=$(blayers_dir deep)
  {
    echo "FROM $REG/busybox:latest"
    for i in $(seq 1 90); do echo "RUN echo $i > /f$i"; done
  } >"$dir/Containerfile"
  capture b build -q --no-cache -t localhost/blayers-deep "$dir"
  assert_rc 0 "a build of 90 layers"
  capture b run --rm localhost/blayers-deep sh -c 'cat /f1 /f90'
  assert_rc 0 "a container of the deep image"
  assert_eq "$(printf '1\n90')" "$out"
  capture b image tree localhost/blayers-deep
  assert_eq 92 "$(grep -c 'ID: ' <<<"$out")" "the image has 91 layers"
  b rmi -f localhost/blayers-deep >/dev/null
}

test_remote_build_output_arrives_while_it_runs() {
  start_service --time 0
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local dir fifo pid line
  dir=$(blayers_dir live)
  printf 'FROM %s\nRUN echo live-first; sleep 6; echo live-second\n' "$REG/busybox:latest" \
    >"$dir/Containerfile"
  fifo=$dir/out
  mkfifo "$fifo"
  r build --no-cache -t localhost/blayers-live "$dir" >"$fifo" 2>/dev/null &
  pid=$!
  exec 7<"$fifo"
  while read -r -t 30 line <&7; do
    [ "$line" = "live-first" ] && break
  done
  [ "$line" = "live-first" ] || fail "the remote build printed no live-first line"
  kill -0 "$pid" 2>/dev/null || fail "the first line arrived only after the build ended"
  cat <&7 >/dev/null
  exec 7<&-
  wait "$pid" || fail "the remote build failed"
  b rmi -f localhost/blayers-live >/dev/null
}

test_images_hides_build_steps_unless_all() {
  start_service --time 0
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local dir id
  dir=$(blayers_dir steps)
  printf 'FROM %s\nENV A=1\nRUN echo x > /x\nLABEL k=v\nCMD ["sh"]\n' "$REG/busybox:latest" \
    >"$dir/Containerfile"
  # Other tests may leave dangling images in the store: the step images
  # are the ones -a adds.
  local before
  before=$(b images -a -q | sort -u)
  id=$(b build -q --no-cache -t localhost/blayers-steps "$dir")
  local steps
  steps=$(comm -13 <(echo "$before") <(b images -a -q | sort -u) | grep -v "^${id:0:12}$")
  assert_eq 3 "$(grep -c . <<<"$steps")" "images -a shows the three step images"
  local step
  for step in $steps; do
    capture b images -q
    assert_not_contains "$out" "$step" "images leaves step image $step out"
    capture r images -q
    assert_not_contains "$out" "$step" "remote images leaves step image $step out"
    capture r images -a -q
    assert_contains "$out" "$step" "remote images -a shows step image $step"
    api GET /v1.41/images/json
    assert_not_contains "$out" "$step" "the compat list leaves step image $step out"
  done
  capture b images -q
  assert_contains "$out" "${id:0:12}" "images shows the built image"
  b rmi -f localhost/blayers-steps >/dev/null
  b image prune -f >/dev/null
}
