# Layer transfers: parallel downloads with the containers.conf limit,
# retries of transient registry failures, blobs already present, and
# failed pulls that leave nothing behind. Broken transfers come from
# tests/e2e/flaky_registry.py, a proxy on 127.0.0.1:5095 in front of the
# fixture registry.

PROXY=127.0.0.1:5095

pull() { b pull --tls-verify=false "$@"; }

# Starts the proxy in MODE (see flaky_registry.py) with an empty log in
# $proxy_log, and removes every image so that layers are fetched again.
start_proxy() { # mode
  b rmi -a -f >/dev/null 2>&1 || true
  proxy_log=$E2E_ROOT/flaky-registry.log
  : >"$proxy_log"
  python3 tests/e2e/flaky_registry.py 5095 "$1" "$proxy_log" &
  proxy_pid=$!
  trap 'kill $proxy_pid 2>/dev/null' EXIT
  for _ in $(seq 50); do curl -fs "http://$PROXY/v2/" >/dev/null && return; sleep 0.1; done
  fail "flaky registry did not start"
}

# Prints the proxy log lines of layer blob GETs (the config blob excluded).
layer_gets() {
  local config
  config=$(grep -o 'sha256:[0-9a-f]*' <(curl -fs "http://$REG/v2/layered/manifests/latest" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json') | head -1)
  grep ' /v2/[^ ]*/blobs/' "$proxy_log" | grep -v "$config" || true
}

# The diff IDs listed in the config of REG/REPO:latest.
diff_ids() { # repository
  local manifest config
  manifest=$(curl -fs "http://$REG/v2/$1/manifests/latest" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json')
  config=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])' \
    <<<"$manifest")
  curl -fs "http://$REG/v2/$1/blobs/$config" |
    python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["rootfs"]["diff_ids"]))'
}

leftovers() {
  find "$E2E_ROOT/root/storage/overlay" -mindepth 1 -maxdepth 1 -name '*tmp*' 2>/dev/null
  find "$E2E_ROOT/root/tmp" -mindepth 1 2>/dev/null
}

test_transfer_all_layers_arrive_and_run() {
  b rmi -a -f >/dev/null 2>&1 || true
  local repo id
  for repo in layered big; do
    capture pull "$REG/$repo:latest"
    assert_rc 0 "pull $repo"
    [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not an image ID: $out"
    assert_eq "$(diff_ids $repo | wc -l)" "$(grep -c '^Copying blob ' <<<"$err")" \
      "one line per layer of $repo"
    for id in $(diff_ids $repo); do
      [ -d "$E2E_ROOT/root/storage/overlay/${id#sha256:}/diff" ] || fail "$repo layer $id missing"
    done
  done
  capture b run --rm --network none "$REG/layered:latest" cat /etc/fixture/layer3.txt
  assert_rc 0 "run layered"
  assert_eq "layer3" "$out"
  capture b run --rm --network none "$REG/big:latest" sh -c 'wc -c /data/blob* | tail -1'
  assert_rc 0 "run big"
  assert_eq "$((5 * 16 << 20)) total" "$(echo $out)"
  assert_eq "" "$(leftovers)" "no temporary files after pulls"
}

test_transfer_retries_503() {
  start_proxy fail-once
  capture pull "$PROXY/layered:latest"
  assert_rc 0
  assert_contains "$err" "Failed, retrying in 1s ... (1/3). Error: GET http://$PROXY/v2/layered/blobs/sha256:"
  assert_contains "$err" "service unavailable (HTTP 503)"
  local failed
  failed=$(awk '$3 == 503 {print $2}' "$proxy_log")
  [ -n "$failed" ] || fail "the proxy failed no request"
  assert_eq "2" "$(grep -c "^GET $failed " "$proxy_log")" "the failed blob is fetched again"
  capture b run --rm --network none "$PROXY/layered:latest" cat /etc/fixture/layer3.txt
  assert_rc 0
  assert_eq "layer3" "$out"
}

test_transfer_retry_zero_fails_clean() {
  start_proxy fail-once
  capture pull --retry 0 "$PROXY/layered:latest"
  assert_rc 125
  assert_contains "$err" "Error: pulling image \"$PROXY/layered:latest\": fetching blob sha256:"
  assert_contains "$err" "HTTP 503"
  assert_not_contains "$err" "retrying"
  capture b images --format '{{.Repository}}'
  assert_not_contains "$out" "$PROXY/layered"
  assert_eq "" "$(leftovers)" "no partial files"
}

test_transfer_containers_conf_retry_zero() {
  start_proxy fail-once
  printf '[engine]\nretry = 0\n' >"$E2E_ROOT/transfer-containers.conf"
  CONTAINERS_CONF=$E2E_ROOT/transfer-containers.conf capture pull "$PROXY/layered:latest"
  assert_rc 125
  assert_not_contains "$err" "retrying"
  # The flag wins over the file.
  CONTAINERS_CONF=$E2E_ROOT/transfer-containers.conf capture pull --retry 1 "$PROXY/layered:latest"
  assert_rc 0
}

test_transfer_fixed_retry_delay() {
  start_proxy fail-always
  capture pull --retry 2 --retry-delay 200ms "$PROXY/layered:latest"
  assert_rc 125
  assert_contains "$err" "Failed, retrying in 200ms ... (1/2)."
  assert_contains "$err" "Failed, retrying in 200ms ... (2/2)."
  # The layer that failed first had one attempt and two retries; the others
  # stop when it fails.
  assert_eq "3" "$(layer_gets | awk '{print $2}' | sort | uniq -c | sort -n | tail -1 | awk '{print $1}')" \
    "max attempts of one blob"
  assert_eq "" "$(leftovers)" "no partial files"
}

test_transfer_invalid_retry_flags() {
  capture pull --retry-delay foobar "$REG/layered:latest"
  assert_rc 125
  assert_contains "$err" 'time: invalid duration "foobar"'
  capture pull --retry -1 "$REG/layered:latest"
  assert_rc 125
  assert_contains "$err" 'invalid --retry value "-1"'
}

test_transfer_404_is_not_retried() {
  start_proxy missing
  capture pull "$PROXY/layered:latest"
  assert_rc 125
  assert_contains "$err" "blob unknown to registry"
  assert_not_contains "$err" "retrying"
  local repeated
  repeated=$(layer_gets | awk '{print $2}' | sort | uniq -d)
  assert_eq "" "$repeated" "a blob fetched twice"
  assert_eq "" "$(leftovers)" "no partial files"
}

test_transfer_present_layers_not_fetched() {
  start_proxy pass
  pull -q "$REG/layered:latest" >/dev/null
  capture pull "$PROXY/layered:latest"
  assert_rc 0
  assert_eq "4" "$(grep -c 'skipped: already exists' <<<"$err")" "every layer skipped"
  assert_eq "" "$(layer_gets)" "layer blobs fetched again"
}

test_transfer_parallel_copies_limit() {
  start_proxy slow
  printf '[engine]\nimage_parallel_copies = 2\n' >"$E2E_ROOT/transfer-containers.conf"
  CONTAINERS_CONF=$E2E_ROOT/transfer-containers.conf capture pull "$PROXY/layered:latest"
  assert_rc 0
  assert_eq "2" "$(layer_gets | awk '{print $4}' | sort -n | tail -1)" "max layers in flight"

  b rmi -a -f >/dev/null
  : >"$proxy_log"
  printf '[engine]\nimage_parallel_copies = 0\n' >"$E2E_ROOT/transfer-containers.conf"
  CONTAINERS_CONF=$E2E_ROOT/transfer-containers.conf capture pull "$PROXY/layered:latest"
  assert_rc 0
  local max
  max=$(layer_gets | awk '{print $4}' | sort -n | tail -1)
  [ "$max" -ge 3 ] || fail "the default of 6 ran only $max of 4 layers at once"
}

test_transfer_tty_shows_progress_bars() {
  b rmi -a -f >/dev/null 2>&1 || true
  local tty_out=$E2E_ROOT/transfer-tty.out
  # script(1) gives the pull a terminal on stdout and stderr.
  script -qec "$BERTH_BIN --root $E2E_ROOT/root --runroot $E2E_RUNROOT pull --tls-verify=false $REG/layered:latest" \
    /dev/null >"$tty_out"
  local text
  text=$(tr -d '\r' <"$tty_out")
  assert_contains "$text" $'\x1b[2KCopying blob ' "bars are redrawn in place"
  assert_contains "$text" " / " "bars show bytes done and total"
  # A failed pull of an earlier test may have left some layers in the store,
  # which show as skipped lines instead of bars.
  local done_bars skipped
  done_bars=$(grep -o $'\x1b\\[2KCopying blob [0-9a-f]* done' <<<"$text" | sort -u | wc -l)
  skipped=$(grep -c '^Copying blob [0-9a-f]* skipped: already exists$' <<<"$text" || true)
  [ "$done_bars" -ge 1 ] || fail "no finished bar"
  assert_eq "4" "$((done_bars + skipped))" "one finished bar or skipped line per layer"
  assert_contains "$text" "Writing manifest to image destination"
}

test_transfer_plain_lines_without_tty() {
  b rmi -a -f >/dev/null 2>&1 || true
  capture pull "$REG/layered:latest"
  assert_rc 0
  assert_not_contains "$err" $'\x1b[' "escape sequences without a terminal"
  assert_eq "4" "$(grep -c '^Copying blob [0-9a-f]\{12\} done$' <<<"$err")" "plain done lines"
}

test_transfer_push_retries_refused_connection() {
  pull -q "$REG/layered:latest" >/dev/null
  # Nothing listens on port 5094.
  capture b push --tls-verify=false --retry 1 --retry-delay 10ms "$REG/layered:latest" \
    127.0.0.1:5094/berth-test-transfer-push:1
  assert_rc 125
  assert_contains "$err" "Failed, retrying in 10ms ... (1/1). Error: GET https://127.0.0.1:5094/v2/: connection refused"
  assert_contains "$err" "connection refused"
}
