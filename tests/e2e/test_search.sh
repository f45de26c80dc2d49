# search: the v2 catalog of the fixture registries, the v1 search endpoint
# of a fake registry (stars, official, automated), tag lists, pagination and
# errors.

FAKE=127.0.0.1:5097
CERT_DIR=$FIXTURES_DIR/certs.d/$REG_TLS

# Starts tests/e2e/fake_search_registry.py on $FAKE for this test.
start_search_registry() {
  python3 tests/e2e/fake_search_registry.py "${FAKE#*:}" &
  search_pid=$!
  trap 'kill $search_pid 2>/dev/null' EXIT
  for _ in $(seq 100); do curl -fs "http://$FAKE/v2/" >/dev/null && return; sleep 0.1; done
  fail "fake search registry did not start"
}

# Writes a registries.conf searching the given registries (all insecure)
# and points CONTAINERS_REGISTRIES_CONF at it.
use_search_registries() {
  local conf=$E2E_ROOT/search-registries.conf list="" r
  for r in "$@"; do list+="\"$r\", "; done
  {
    echo "unqualified-search-registries = [${list%, }]"
    for r in "$@"; do printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$r"; done
  } >"$conf"
  export CONTAINERS_REGISTRIES_CONF=$conf
}

test_search_catalog_substring() {
  capture b search --tls-verify=false --limit 1000 "$REG/busybox"
  assert_rc 0
  assert_eq "NAME DESCRIPTION" "$(head -1 <<<"$out" | xargs)" "header"
  grep -qx "$REG/busybox" <<<"$out" || fail "$REG/busybox missing from [$out]"
  capture b search --tls-verify=false --limit 1000 --format '{{.Name}}' "$REG/busy"
  assert_rc 0
  local line
  while read -r line; do
    assert_contains "$line" "busy" "every name contains the term"
  done <<<"$out"
  assert_contains "$out" "$REG/busybox"
  assert_not_contains "$out" "$REG/httpd"
}

test_search_whole_registry() {
  capture b search --tls-verify=false --limit 1000 --format '{{.Name}}' "$REG/"
  assert_rc 0
  local name
  for name in big busybox httpd layered multi; do
    grep -qx "$REG/$name" <<<"$out" || fail "$REG/$name missing from [$out]"
  done
  capture b search --tls-verify=false --limit 2 --format '{{.Name}}' "$REG/"
  assert_rc 0
  assert_eq 2 "$(wc -l <<<"$out")" "--limit 2 prints two results"
}

test_search_no_match_prints_nothing() {
  capture b search --tls-verify=false "$REG/no-such-repository-anywhere"
  assert_rc 0
  assert_eq "" "$out"
}

test_search_list_tags() {
  capture b search --tls-verify=false --list-tags "$REG/busybox"
  assert_rc 0
  assert_eq "NAME                    TAG" "$(head -1 <<<"$out")" "header"
  assert_eq "latest oci v2s2 zstd" "$(tail -n +2 <<<"$out" | awk '{print $2}' | sort | xargs)"
  assert_eq "$REG/busybox" "$(tail -n +2 <<<"$out" | awk '{print $1}' | sort -u)"
  capture b search --tls-verify=false --list-tags --limit 2 --format '{{.Name}}:{{.Tag}}' \
    "$REG/busybox"
  assert_rc 0
  assert_eq 2 "$(wc -l <<<"$out")" "--limit 2 lists two tags"
  assert_contains "$out" "$REG/busybox:"
  capture b image search --tls-verify=false --list-tags --format json "$REG/busybox"
  assert_rc 0
  assert_eq "$REG/busybox" "$(jq -r '.[0].Name' <<<"$out")"
  assert_eq "latest oci v2s2 zstd" "$(jq -r '.[0].Tags[]' <<<"$out" | sort | xargs)"
  assert_eq 1 "$(jq length <<<"$out")"
}

test_search_list_tags_bad_terms() {
  capture b search --tls-verify=false --list-tags "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" "busybox:latest"
  assert_contains "$err" "remove the tag"
  capture b search --tls-verify=false --list-tags "$REG/busybox@sha256:$(printf '0%.0s' $(seq 64))"
  assert_rc 125
  assert_contains "$err" "remove the digest"
  capture b search --tls-verify=false --list-tags "$REG/"
  assert_rc 125
  assert_contains "$err" "needs an image name"
  capture b search --tls-verify=false --list-tags "$REG/no-such-repository"
  assert_rc 125
  assert_contains "$err" "no-such-repository"
  capture b search --tls-verify=false --list-tags --filter stars=1 "$REG/busybox"
  assert_rc 125
  assert_contains "$err" "--filter does not apply to --list-tags"
}

# --limit 1000: other tests push repositories such as
# berth-test-push-*/busybox to this registry, and they sort before busybox.
test_search_tls_registry_with_creds() {
  capture b search --creds tester:tester-pass --cert-dir "$CERT_DIR" --format '{{.Name}}' \
    --limit 1000 "$REG_TLS/busy"
  assert_rc 0
  assert_contains "$out" "$REG_TLS/busybox"
  capture b search --creds tester:tester-pass --cert-dir "$CERT_DIR" --list-tags \
    --format '{{.Tag}}' "$REG_TLS/busybox"
  assert_rc 0
  assert_eq "latest oci v2s2 zstd" "$(sort <<<"$out" | xargs)"
  capture b search --authfile "$FIXTURES_DIR/auth/auth.json" --cert-dir "$CERT_DIR" \
    --format '{{.Name}}' --limit 1000 "$REG_TLS/busy"
  assert_rc 0 "credentials from --authfile"
  assert_contains "$out" "$REG_TLS/busybox"
}

test_search_tls_registry_errors() {
  capture b search --creds tester:wrong --cert-dir "$CERT_DIR" "$REG_TLS/busy"
  assert_rc 125
  assert_contains "$err" "searching registry \"$REG_TLS\""
  assert_contains "$err" "invalid username or password"
  capture b search --creds tester:tester-pass "$REG_TLS/busy"
  assert_rc 125 "an unknown CA fails TLS verification"
  assert_contains "$err" "--tls-verify=false"
  capture b search --cert-dir /nonexistent/certs "$REG_TLS/busy"
  assert_rc 125
  assert_contains "$err" "/nonexistent/certs"
}

test_search_v1_default_columns() {
  start_search_registry
  capture b search --tls-verify=false "$FAKE/srch"
  assert_rc 0
  local expected
  expected="NAME                                  DESCRIPTION
$FAKE/library/srch-official  The official one
$FAKE/someone/srch-auto      Built automatically from a repository
$FAKE/someone/srch-plain     An image whose description is far longer tha...
$FAKE/someone/srch-zero
$FAKE/srch/paged             Has many tags"
  assert_eq "$expected" "$out"
  capture b search --tls-verify=false --no-trunc --format '{{.Description}}' "$FAKE/srch-plain"
  assert_rc 0
  assert_eq "An image whose description is far longer than forty-four bytes, to be cut" "$out"
}

test_search_v1_compatible_and_format() {
  start_search_registry
  capture b search --tls-verify=false --compatible "$FAKE/srch-"
  assert_rc 0
  assert_eq "NAME DESCRIPTION STARS OFFICIAL AUTOMATED" "$(head -1 <<<"$out" | xargs)"
  assert_contains "$out" "$FAKE/library/srch-official  The official one"
  assert_eq "120 [OK]" "$(grep srch-official <<<"$out" | awk '{print $(NF-1), $NF}')"
  assert_eq "7 [OK]" "$(grep srch-auto <<<"$out" | awk '{print $(NF-1), $NF}')"
  capture b search --tls-verify=false --format json "$FAKE/srch-official"
  assert_rc 0
  assert_eq 1 "$(jq length <<<"$out")"
  assert_eq "$FAKE" "$(jq -r '.[0].Index' <<<"$out")"
  assert_eq "$FAKE/library/srch-official" "$(jq -r '.[0].Name' <<<"$out")"
  assert_eq "120" "$(jq -r '.[0].Stars' <<<"$out")"
  assert_eq "[OK]" "$(jq -r '.[0].Official' <<<"$out")"
  assert_eq "" "$(jq -r '.[0].Automated' <<<"$out")"
  assert_eq "" "$(jq -r '.[0].Tag' <<<"$out")"
  capture b search --tls-verify=false --format 'table {{.Index}} {{.Stars}}' "$FAKE/srch-auto"
  assert_rc 0
  assert_eq "INDEX           STARS
$FAKE  7" "$out"
}

test_search_v1_filters() {
  start_search_registry
  names() { b search --tls-verify=false --format '{{.Name}}' "$@" | sed "s|^$FAKE/||" | xargs; }
  assert_eq "library/srch-official someone/srch-auto" "$(names --filter stars=5 "$FAKE/srch")"
  assert_eq "library/srch-official" "$(names --filter is-official "$FAKE/srch")"
  assert_eq "someone/srch-auto" "$(names --filter is-automated=true "$FAKE/srch")"
  assert_eq "someone/srch-auto someone/srch-plain someone/srch-zero srch/paged" \
    "$(names --filter is-official=false "$FAKE/srch")"
  assert_eq "someone/srch-plain" \
    "$(names --filter is-official=false --filter is-automated=false --filter stars=2 "$FAKE/srch")"
  assert_eq "" "$(names --filter stars=1000 "$FAKE/srch")"
}

test_search_v1_limit() {
  start_search_registry
  capture b search --tls-verify=false --limit 2 --format '{{.Name}}' "$FAKE/srch"
  assert_rc 0
  assert_eq "$FAKE/library/srch-official $FAKE/someone/srch-auto" "$(xargs <<<"$out")"
  # As in Podman, the limit cuts the registry's results before the filter.
  capture b search --tls-verify=false --limit 2 --filter is-official=false --format '{{.Name}}' \
    "$FAKE/srch"
  assert_rc 0
  assert_eq "$FAKE/someone/srch-auto" "$out"
}

test_search_catalog_fallback_pages() {
  start_search_registry
  capture b search --tls-verify=false --format '{{.Name}}' "$FAKE/nosearch"
  assert_rc 0
  assert_eq "$FAKE/nosearch-one $FAKE/nosearch-two $FAKE/nosearch-three" "$(xargs <<<"$out")" \
    "names from three catalog pages"
  capture b search --tls-verify=false --limit 2 --format '{{.Name}}' "$FAKE/nosearch"
  assert_rc 0
  assert_eq "$FAKE/nosearch-one $FAKE/nosearch-two" "$(xargs <<<"$out")"
}

test_search_list_tags_pages() {
  start_search_registry
  capture b search --tls-verify=false --list-tags --limit 100 --format '{{.Tag}}' "$FAKE/srch/paged"
  assert_rc 0
  assert_eq 30 "$(wc -l <<<"$out")" "tags from three pages"
  assert_eq "t00" "$(head -1 <<<"$out")"
  assert_eq "t29" "$(tail -1 <<<"$out")"
  capture b search --tls-verify=false --list-tags --format '{{.Tag}}' "$FAKE/srch/paged"
  assert_rc 0
  assert_eq 25 "$(wc -l <<<"$out")" "25 tags by default"
}

test_search_unqualified_registries() {
  start_search_registry
  use_search_registries "$FAKE" 127.0.0.1:5999
  capture b search --format '{{.Index}} {{.Name}}' srch-zero
  assert_rc 0 "results from one registry outweigh the other's failure"
  assert_eq "$FAKE $FAKE/someone/srch-zero" "$out"
  capture b search fail-term
  assert_rc 125
  assert_contains "$err" "searching registry \"$FAKE\""
  assert_contains "$err" "search broke"
  assert_contains "$err" "searching registry \"127.0.0.1:5999\""
  use_search_registries
  capture b search busybox
  assert_rc 125
  assert_contains "$err" "no registry to search"
}

test_search_bad_input() {
  local start=$SECONDS
  capture b search --tls-verify=false 127.0.0.1:5999/busybox
  assert_rc 125
  [ $((SECONDS - start)) -lt 3 ] || fail "search retried a refused connection"
  assert_contains "$err" "searching registry \"127.0.0.1:5999\""
  assert_contains "$err" "onnection refused"
  capture b search --tls-verify=false --filter bogus "$REG/busybox"
  assert_rc 125
  assert_contains "$err" "invalid filter \"bogus\""
  capture b search --tls-verify=false --filter stars=many "$REG/busybox"
  assert_rc 125
  assert_contains "$err" "stars=many"
  capture b search --tls-verify=false --filter is-official=maybe "$REG/busybox"
  assert_rc 125
  assert_contains "$err" "is-official=maybe"
  capture b search --tls-verify=false --limit -1 "$REG/busybox"
  assert_rc 125
  assert_contains "$err" "--limit -1"
  capture b search --tls-verify=false --format '{{.Nope}}' "$REG/busybox"
  assert_rc 125
  assert_contains "$err" "Nope"
  capture b search
  assert_rc 125
}
