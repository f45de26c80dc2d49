# The short-name prompt and the short-name alias cache. A short name that
# could mean an image on several unqualified-search registries is asked
# about on a terminal (stdin and stdout both terminals), and the choice is
# recorded in the alias cache after a successful pull. The tests drive a
# real pseudo-terminal with script(1) from util-linux, type into it through
# a FIFO, and point BERTH_SHORT_NAME_ALIAS_CACHE at a file of their own, so
# /var/cache/containers is never touched. The candidates are the two fixture
# registries. The tests pull "layered" because the system's
# registries.conf.d may alias common names such as busybox to docker.io.

PROMPT_LINE="Enter a number from 1 to 2: "

# Makes $CONF_DIR with a private HOME, a registries.conf listing both
# fixture registries in short-name-mode $1, an auth file for the TLS
# registry, and an alias cache path ($CACHE) whose directory does not exist.
setup_prompt_conf() { # mode
  CONF_DIR=$(mktemp -d "$E2E_ROOT/prompt.XXXXXX")
  mkdir -p "$CONF_DIR/home"
  export HOME=$CONF_DIR/home
  cat >"$CONF_DIR/registries.conf" <<EOF
unqualified-search-registries = ["$REG", "$REG_TLS"]
short-name-mode = "$1"
[[registry]]
location = "$REG"
insecure = true
[[registry]]
location = "$REG_TLS"
insecure = true
EOF
  export CONTAINERS_REGISTRIES_CONF=$CONF_DIR/registries.conf
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_TLS" \
    "$(printf tester:tester-pass | base64)" >"$CONF_DIR/auth.json"
  export REGISTRY_AUTH_FILE=$CONF_DIR/auth.json
  CACHE=$CONF_DIR/cache/containers/short-name-aliases.conf
  export BERTH_SHORT_NAME_ALIAS_CACHE=$CACHE
  b rmi -f "$REG/layered:latest" "$REG_TLS/layered:latest" "$REG_TLS/layered:oci" \
    >/dev/null 2>&1 || true
}

# Starts `berth ARGS...` (with the test roots) on a pseudo-terminal. Its
# output goes to $PTY_DIR/out; pty_type writes to its terminal.
pty_start() {
  PTY_DIR=$(mktemp -d "$E2E_ROOT/pty.XXXXXX")
  mkfifo "$PTY_DIR/in"
  local command
  command=$(printf '%q ' "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" "$@")
  script -qefc "$command" /dev/null <"$PTY_DIR/in" >"$PTY_DIR/out" 2>&1 &
  PTY_PID=$!
  exec {PTY_IN}>"$PTY_DIR/in"
  trap 'kill "$PTY_PID" 2>/dev/null || true' EXIT
}

# Prints the terminal output so far, without carriage returns.
pty_output() { tr -d '\r' <"$PTY_DIR/out"; }

# Waits up to 20 seconds until the terminal output contains text $2 for
# the $1-th time.
pty_wait_for() { # count text
  local i
  for i in $(seq 200); do
    [ "$(pty_output | grep -cF -- "$2")" -ge "$1" ] && return 0
    sleep 0.1
  done
  fail "timed out waiting for [$2] (${1}x) on the terminal: [$(pty_output)]"
}

# Types text on the terminal; printf escapes such as \n and \004 apply.
pty_type() { printf "$1" >&"$PTY_IN"; }

# Closes the terminal's input, waits for berth, and sets $rc and $out (the
# whole terminal output).
pty_finish() {
  exec {PTY_IN}>&-
  set +e
  wait "$PTY_PID"
  rc=$?
  set -e
  trap - EXIT
  out=$(pty_output)
}

assert_no_cache() {
  [ ! -e "$CACHE" ] || fail "alias cache written: [$(cat "$CACHE")]"
}

test_prompt_choice_pulls_and_records() {
  setup_prompt_conf enforcing
  mkdir -p "$(dirname "$CACHE")"
  printf '[aliases]\n  "other" = "%s/other"\n' "$REG" >"$CACHE"

  pty_start pull layered
  pty_wait_for 1 "$PROMPT_LINE"
  pty_type '2\n'
  pty_finish
  assert_eq 0 "$rc" "pull exit code (terminal: $out)"
  local listing="? Please select an image:
  1) $REG/layered:latest
  2) $REG_TLS/layered:latest
${PROMPT_LINE}2
Trying to pull $REG_TLS/layered:latest..."
  assert_contains "$out" "$listing" "candidates in search order, then the echoed choice"
  assert_not_contains "$out" "Trying to pull $REG/layered" "only the chosen registry is tried"

  capture b images --format '{{.Repository}}:{{.Tag}}'
  assert_contains "$out" "$REG_TLS/layered:latest" "stored under the chosen name"
  assert_not_contains "$out" "$REG/layered:latest"

  capture cat "$CACHE"
  assert_contains "$out" '[aliases]'
  assert_contains "$out" "layered = \"$REG_TLS/layered\"" "the alias has no tag"
  assert_contains "$out" "other = \"$REG/other\"" "the earlier alias is kept"
  assert_eq "600" "$(stat -c %a "$CACHE")" "cache file mode"
  assert_eq "" "$(find "$(dirname "$CACHE")" -name '*.tmp-*')" "no temporary file left"
}

test_cached_alias_skips_prompt() {
  setup_prompt_conf enforcing
  pty_start pull layered
  pty_wait_for 1 "$PROMPT_LINE"
  pty_type '2\n'
  pty_finish
  assert_eq 0 "$rc" "first pull exit code (terminal: $out)"
  [ -f "$CACHE" ] || fail "no alias cache at $CACHE"
  assert_eq "700" "$(stat -c %a "$(dirname "$CACHE")")" "cache directory mode"

  pty_start pull layered:oci
  pty_finish
  assert_eq 0 "$rc" "second pull exit code (terminal: $out)"
  assert_not_contains "$out" "Please select an image" "no prompt once the alias is cached"
  assert_contains "$out" "Resolved \"layered\" as an alias ($CACHE)"
  assert_contains "$out" "Trying to pull $REG_TLS/layered:oci..." "the tag is carried over"

  capture b pull layered </dev/null
  assert_rc 0 "the cached alias works without a terminal"
  assert_contains "$err" "Resolved \"layered\" as an alias ($CACHE)"
  assert_contains "$err" "Trying to pull $REG_TLS/layered:latest..."
}

test_prompt_asks_again_after_invalid_input() {
  setup_prompt_conf enforcing
  pty_start pull layered
  pty_wait_for 1 "$PROMPT_LINE"
  pty_type 'abc\n'
  pty_wait_for 2 "$PROMPT_LINE"
  pty_type '0\n'
  pty_wait_for 3 "$PROMPT_LINE"
  pty_type ' 3 \n'
  pty_wait_for 4 "$PROMPT_LINE"
  pty_type '\n'
  pty_wait_for 5 "$PROMPT_LINE"
  pty_type ' 1\n'
  pty_finish
  assert_eq 0 "$rc" "pull exit code (terminal: $out)"
  assert_contains "$out" 'invalid choice "abc": enter a number from 1 to 2'
  assert_contains "$out" 'invalid choice "0": enter a number from 1 to 2'
  assert_contains "$out" 'invalid choice " 3 ": enter a number from 1 to 2'
  assert_contains "$out" 'invalid choice "": enter a number from 1 to 2'
  assert_eq 1 "$(grep -cF "? Please select an image:" <<<"$out")" "the list is shown once"
  assert_contains "$out" "Trying to pull $REG/layered:latest..."
  assert_not_contains "$out" "Trying to pull $REG_TLS/layered"
  capture cat "$CACHE"
  assert_contains "$out" "layered = \"$REG/layered\""
}

test_prompt_end_of_input_aborts() {
  setup_prompt_conf enforcing
  local before
  before=$(store_snapshot)
  pty_start pull layered
  pty_wait_for 1 "$PROMPT_LINE"
  pty_type '\004'
  pty_finish
  assert_eq 125 "$rc" "exit code (terminal: $out)"
  assert_contains "$out" "Error: selecting an image for short name \"layered:latest\": end of input before a choice"
  assert_contains "$out" "pull a fully qualified name such as \"$REG/layered:latest\""
  assert_not_contains "$out" "Trying to pull"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
  assert_no_cache
}

test_prompt_ctrl_c_aborts() {
  setup_prompt_conf enforcing
  local before
  before=$(store_snapshot)
  pty_start pull layered
  pty_wait_for 1 "$PROMPT_LINE"
  pty_type '1\003'
  pty_finish
  assert_eq 125 "$rc" "exit code (terminal: $out)"
  assert_contains "$out" "Error: selecting an image for short name \"layered:latest\": interrupted"
  assert_not_contains "$out" "Trying to pull"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
  assert_no_cache
}

test_permissive_mode_prompts_too() {
  setup_prompt_conf permissive
  pty_start pull layered
  pty_wait_for 1 "$PROMPT_LINE"
  pty_type '2\n'
  pty_finish
  assert_eq 0 "$rc" "pull exit code (terminal: $out)"
  assert_contains "$out" "Trying to pull $REG_TLS/layered:latest..."
  assert_not_contains "$out" "Trying to pull $REG/layered"
  capture cat "$CACHE"
  assert_contains "$out" "layered = \"$REG_TLS/layered\""
}

test_no_terminal_fails_as_before() {
  setup_prompt_conf enforcing
  capture b pull layered </dev/null
  assert_rc 125
  assert_contains "$err" "Error: short-name resolution enforced but cannot prompt without a TTY"
  assert_contains "$err" "$REG/layered:latest, $REG_TLS/layered:latest"
  assert_not_contains "$out$err" "Please select an image"

  # stdin is a terminal but stdout is not: no prompt either.
  local redirected
  redirected=$(mktemp "$CONF_DIR/stdout.XXXXXX")
  PTY_DIR=$(mktemp -d "$E2E_ROOT/pty.XXXXXX")
  set +e
  script -qefc "$(printf '%q ' "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    pull layered) >$redirected" /dev/null </dev/null >"$PTY_DIR/out" 2>&1
  rc=$?
  set -e
  assert_eq 125 "$rc" "exit code with stdout redirected ($(pty_output))"
  assert_contains "$(pty_output)" "cannot prompt without a TTY"
  assert_not_contains "$(cat "$redirected")" "Please select an image"
  assert_no_cache
}
