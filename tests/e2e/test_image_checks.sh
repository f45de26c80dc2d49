# Input checks of image commands that must fail before anything changes:
# trust set scopes, push --digestfile paths, manifest platform values, and
# the --retry flags of run and create. Pushes go only to
# berth-test-checks-* repositories.

# A store of its own, so that these tests neither see nor disturb the
# images of other test files.
b() { "$BERTH_BIN" --root "$E2E_ROOT/root-checks" --runroot "$E2E_RUNROOT-checks" "$@"; }

CHECKS_DIR=$E2E_ROOT/checks

# Nothing listens on this port: a pull from it fails with connection refused.
CLOSED_REG=127.0.0.1:5093

# A repository name unique to this test run.
new_repo() { echo "$REG/berth-test-checks-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

# Prints the HTTP status of the plain registry's tag list of REPOSITORY
# (without registry): 404 while nothing was pushed to it.
tags_status() { curl -s -o /dev/null -w '%{http_code}' "http://$REG/v2/$1/tags/list"; }

pull_busybox() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Writes a policy.json that accepts everything, alone in a new directory,
# and prints its path.
accepting_policy() {
  rm -rf "$CHECKS_DIR/policy"
  mkdir -p "$CHECKS_DIR/policy"
  local policy=$CHECKS_DIR/policy/policy.json
  printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$policy"
  echo "$policy"
}

test_check_trust_bad_scope() {
  local policy before
  policy=$(accepting_policy)
  before=$(cat "$policy")
  capture b image trust set --policypath "$policy" -t accept 'bad scope!!'
  assert_rc 125
  assert_eq "" "$out" "nothing on stdout"
  assert_contains "$err" 'Error: invalid trust scope "bad scope!!": invalid registry host "bad scope!!" (use "default", HOST[:PORT], HOST[:PORT]/REPOSITORY[:TAG|@DIGEST] or *.DOMAIN)'
  assert_eq "$before" "$(cat "$policy")" "policy.json untouched"
  assert_eq "policy.json" "$(ls -A "$CHECKS_DIR/policy")" "no temporary file beside policy.json"
}

test_check_trust_scope_rules() {
  local policy before
  policy=$(accepting_policy)
  before=$(cat "$policy")
  local -A reasons=(
    ['example.com:abc']='invalid port "abc": the port is a number from 1 to 65535'
    ['localhost:99999']='invalid port "99999"'
    ['docker.io/Library']='repository name must be lowercase'
    ['docker.io/busybox:bad tag']='invalid tag "bad tag"'
    ['*.example.com/app']='a wildcard scope is "*." and a domain name, without port or path'
    ['x*.example.com']='invalid registry host "x*.example.com"'
  )
  local scope
  for scope in "${!reasons[@]}"; do
    capture b image trust set --policypath "$policy" -t reject "$scope"
    assert_rc 125 "scope [$scope]"
    assert_contains "$err" "Error: invalid trust scope \"$scope\": "
    assert_contains "$err" "${reasons[$scope]}"
  done
  assert_eq "$before" "$(cat "$policy")" "policy.json untouched"
}

test_check_trust_no_new_file() {
  local policy=$CHECKS_DIR/new/policy.json
  rm -rf "$CHECKS_DIR/new"
  capture b image trust set --policypath "$policy" -t reject 'a b'
  assert_rc 125
  assert_contains "$err" 'invalid trust scope "a b"'
  [ ! -e "$CHECKS_DIR/new" ] || fail "a rejected scope created $CHECKS_DIR/new"
}

test_check_trust_valid_scopes() {
  local policy scope
  policy=$(accepting_policy)
  for scope in docker.io "$REG" "$REG/berth-test-checks/app" docker.io/library/busybox:latest \
    '*.example.com' '[::1]:5000'; do
    capture b image trust set --policypath "$policy" -t reject "$scope"
    assert_rc 0 "scope [$scope]"
    assert_eq reject "$(jq -r --arg s "$scope" '.transports.docker[$s][0].type' "$policy")" \
      "scope [$scope] written"
  done
  capture b image trust set --policypath "$policy" -t accept default
  assert_rc 0
  assert_eq insecureAcceptAnything "$(jq -r '.default[0].type' "$policy")"
}

test_check_digestfile_missing_dir() {
  pull_busybox
  local dest repo missing
  dest=$(new_repo):1
  repo=${dest#$REG/}
  repo=${repo%:1}
  missing=$CHECKS_DIR/missing-$$/dir
  capture b push --tls-verify=false --digestfile "$missing/file" "$REG/busybox:latest" "$dest"
  assert_rc 125
  assert_eq "Error: directory \"$missing\" of digest file \"$missing/file\" does not exist: create it or choose another --digestfile" "$err"
  assert_not_contains "$err" "Copying blob" "nothing uploaded"
  assert_eq 404 "$(tags_status "$repo")" "nothing pushed to $repo"
  [ ! -e "$CHECKS_DIR/missing-$$" ] || fail "push created the missing directory"
}

test_check_digestfile_bad_paths() {
  pull_busybox
  local dest repo
  dest=$(new_repo):1
  repo=${dest#$REG/}
  repo=${repo%:1}
  mkdir -p "$CHECKS_DIR"
  capture b push --tls-verify=false --digestfile "$CHECKS_DIR" "$REG/busybox:latest" "$dest"
  assert_rc 125 "a directory"
  assert_contains "$err" "digest file \"$CHECKS_DIR\" is a directory"
  echo plain >"$CHECKS_DIR/plain"
  capture b push --tls-verify=false --digestfile "$CHECKS_DIR/plain/file" \
    "$REG/busybox:latest" "$dest"
  assert_rc 125 "a file as directory"
  assert_contains "$err" "\"$CHECKS_DIR/plain\" in digest file path \"$CHECKS_DIR/plain/file\" is not a directory"
  assert_eq plain "$(cat "$CHECKS_DIR/plain")" "the file in the way is untouched"
  assert_eq 404 "$(tags_status "$repo")" "nothing pushed to $repo"
}

test_check_digestfile_devices_links() {
  pull_busybox
  local dest repo digest
  dest=$(new_repo):1
  repo=${dest#$REG/}
  repo=${repo%:1}
  capture b push -q --tls-verify=false --digestfile /dev/null "$REG/busybox:latest" "$dest"
  assert_rc 0 "/dev/null"
  [ -c /dev/null ] || fail "/dev/null is no longer a device"
  digest=$(curl -sfI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REG/v2/$repo/manifests/1" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
  [[ $digest == sha256:* ]] || fail "no digest for the pushed image: [$digest]"

  # Standard output as a pipe.
  out=$(b push -q --tls-verify=false --digestfile /dev/stdout "$REG/busybox:latest" "$dest" | cat)
  assert_eq "$digest" "$out" "digest on a piped /dev/stdout"
  [ -L /dev/stdout ] || fail "/dev/stdout is no longer a link"

  # Standard output as a regular file, through a link like /dev/stdout's:
  # the digest goes into the open file and the link stays.
  mkdir -p "$CHECKS_DIR"
  ln -sfn /proc/self/fd/1 "$CHECKS_DIR/stdout-link"
  capture b push -q --tls-verify=false --digestfile "$CHECKS_DIR/stdout-link" \
    "$REG/busybox:latest" "$dest"
  assert_rc 0 "a link to standard output"
  assert_eq "$digest" "$out" "digest through the link"
  [ -L "$CHECKS_DIR/stdout-link" ] || fail "the link was replaced by a file"
}

test_check_manifest_push_digestfile() {
  pull_busybox
  b manifest rm berth-test-checks-plist >/dev/null 2>&1 || true
  b manifest create berth-test-checks-plist "$REG/busybox:latest" >/dev/null
  local dest repo missing
  dest=$(new_repo):1
  repo=${dest#$REG/}
  repo=${repo%:1}
  missing=$CHECKS_DIR/missing-$$/dir
  capture b manifest push --tls-verify=false --digestfile "$missing/file" \
    berth-test-checks-plist "docker://$dest"
  assert_rc 125
  assert_contains "$err" "directory \"$missing\" of digest file \"$missing/file\" does not exist"
  assert_not_contains "$err" "Copying" "nothing uploaded"
  assert_eq 404 "$(tags_status "$repo")" "nothing pushed to $repo"
  b manifest rm berth-test-checks-plist >/dev/null
}

# Prints the list's index as `manifest inspect` shows it.
inspect_list() { b manifest inspect berth-test-checks-mlist; }

test_check_manifest_add_platform() {
  pull_busybox
  b manifest rm berth-test-checks-mlist >/dev/null 2>&1 || true
  b manifest create berth-test-checks-mlist >/dev/null
  local before
  before=$(inspect_list)
  capture b manifest add --arch 'a b' berth-test-checks-mlist "$REG/busybox:latest"
  assert_rc 125 "arch with a space"
  assert_contains "$err" "Error: invalid --arch value \"a b\": use only letters, digits, '.', '_' and '-' (such as amd64)"
  capture b manifest add --os '' berth-test-checks-mlist "$REG/busybox:latest"
  assert_rc 125 "empty os"
  assert_contains "$err" 'Error: invalid --os value "": the value is empty (such as linux)'
  capture b manifest add --variant 'v8/x' berth-test-checks-mlist "$REG/busybox:latest"
  assert_rc 125 "variant with a slash"
  assert_contains "$err" 'invalid --variant value "v8/x"'
  capture b manifest add --os-version '10 0' berth-test-checks-mlist "$REG/busybox:latest"
  assert_rc 125 "os version with a space"
  assert_contains "$err" "invalid --os-version value \"10 0\": whitespace, control characters and '/' are not allowed"
  assert_eq "$before" "$(inspect_list)" "the list is unchanged"
  assert_eq 0 "$(inspect_list | jq '.manifests | length')" "no entry was added"

  capture b manifest add --arch arm64 --variant v8 --os-version 1.0 \
    berth-test-checks-mlist "$REG/busybox:latest"
  assert_rc 0 "valid values"
  assert_eq "arm64 v8 1.0" \
    "$(inspect_list | jq -r '.manifests[0].platform | "\(.architecture) \(.variant) \(."os.version")"')"
  b manifest rm berth-test-checks-mlist >/dev/null
}

test_check_manifest_annotate_platform() {
  pull_busybox
  b manifest rm berth-test-checks-mlist >/dev/null 2>&1 || true
  b manifest create berth-test-checks-mlist "$REG/busybox:latest" >/dev/null
  local digest before
  digest=$(inspect_list | jq -r '.manifests[0].digest')
  before=$(inspect_list)
  local flag value
  for flag in --arch --os --variant --os-version; do
    for value in '' 'a b' 'a/b'; do
      capture b manifest annotate "$flag" "$value" berth-test-checks-mlist "$digest"
      assert_rc 125 "annotate $flag [$value]"
      assert_contains "$err" "invalid $flag value \"$value\""
    done
  done
  capture b manifest annotate --arch $'arm\t64' berth-test-checks-mlist "$digest"
  assert_rc 125 "a tab"
  assert_contains "$err" 'invalid --arch value "arm\t64"' "the tab is shown escaped"
  assert_eq "$before" "$(inspect_list)" "the list is unchanged"

  capture b manifest annotate --os linux --arch riscv64 berth-test-checks-mlist "$digest"
  assert_rc 0 "valid values"
  assert_eq "linux riscv64" \
    "$(inspect_list | jq -r '.manifests[0].platform | "\(.os) \(.architecture)"')"
  b manifest rm berth-test-checks-mlist >/dev/null
}

# Prints the number of containers in the store.
container_count() { b ps -a -q | wc -l; }

test_check_run_retry_closed_port() {
  local before verb
  before=$(container_count)
  for verb in run create; do
    capture b "$verb" --retry 1 --retry-delay 10ms "$CLOSED_REG/berth-test-checks:1" true
    assert_rc 125 "$verb from a closed port"
    assert_contains "$err" "Failed, retrying in 10ms ... (1/1). Error: GET https://$CLOSED_REG/v2/: connection refused"
    assert_eq 1 "$(grep -c 'retrying in' <<<"$err")" "$verb retries once"
    assert_contains "$err" "Error: pulling image \"$CLOSED_REG/berth-test-checks:1\": pinging registry $CLOSED_REG"
    assert_eq "$before" "$(container_count)" "$verb created no container"
  done

  capture b run --retry 0 "$CLOSED_REG/berth-test-checks:1" true
  assert_rc 125 "run with no retries"
  assert_not_contains "$err" "retrying"
}

test_check_run_retry_good_image() {
  b rmi -f "$REG/busybox:latest" >/dev/null 2>&1 || true
  capture b run --rm --retry 1 --retry-delay 10ms --tls-verify=false "$REG/busybox:latest" \
    echo pulled-and-ran
  assert_rc 0
  assert_eq "pulled-and-ran" "$out"
  assert_contains "$err" "Trying to pull $REG/busybox:latest..." "run pulled the image"
  assert_not_contains "$err" "retrying"
  capture b image exists "$REG/busybox:latest"
  assert_rc 0 "the pulled image is stored"

  capture b create --retry 2 --retry-delay 1s --name berth-test-checks-created "$REG/busybox:latest" true
  assert_rc 0 "create with a local image"
  b rm berth-test-checks-created >/dev/null
}

test_check_run_bad_retry_values() {
  local before
  before=$(store_snapshot)
  capture b run --retry -1 "$REG/busybox:latest" true
  assert_rc 125
  assert_eq 'Error: invalid --retry value "-1": use a number of retries, 0 or more' "$err"
  capture b create --retry many "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" 'invalid --retry value "many"'
  capture b run --retry-delay bogus "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" 'invalid duration "bogus"'
  capture b create --retry-delay bogus "$REG/busybox:latest" true
  assert_rc 125
  assert_contains "$err" 'invalid duration "bogus"'
  assert_eq "$before" "$(store_snapshot)" "nothing created or pulled"
}
