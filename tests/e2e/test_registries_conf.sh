# registries.conf: mirrors, location rewrites, blocked prefixes, aliases,
# short-name modes, drop-ins and the user file. Every test writes its own
# registries.conf and points CONTAINERS_REGISTRIES_CONF (or HOME) at it.
# Names such as example.test only appear in prefixes: every location and
# mirror is on 127.0.0.1, so no test contacts another host. The tests expect
# nothing to listen on 127.0.0.1:5096 and 127.0.0.1:5093, which play
# registries that are down.

DOWN=127.0.0.1:5096
DOWN2=127.0.0.1:5093

# Makes a directory for config files in $CONF_DIR and a private HOME in it,
# so that no user registries.conf applies.
setup_conf_dir() {
  CONF_DIR=$(mktemp -d "$E2E_ROOT/regconf.XXXXXX")
  mkdir -p "$CONF_DIR/home"
  export HOME=$CONF_DIR/home
}

# Writes stdin to $CONF_DIR/registries.conf and makes berth read it.
use_conf() {
  cat >"$CONF_DIR/registries.conf"
  export CONTAINERS_REGISTRIES_CONF=$CONF_DIR/registries.conf
}

image_id() { b image inspect "$1" --format '{{.Id}}'; }

# Prints the registry's digest of a manifest on the plain fixture registry.
registry_digest() { # repository tag
  curl -sfI -H "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" \
    "http://$REG/v2/$1/manifests/$2" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}

# Fails unless line $2 appears before line $3 in text $1.
assert_order() {
  local first second
  first=$(grep -nF -- "$2" <<<"$1" | head -1 | cut -d: -f1)
  second=$(grep -nF -- "$3" <<<"$1" | head -1 | cut -d: -f1)
  [ -n "$first" ] && [ -n "$second" ] && [ "$first" -lt "$second" ] ||
    fail "expected [$2] before [$3] in [$1]"
}

test_mirror_down_falls_back_to_next_mirror() {
  setup_conf_dir
  use_conf <<EOF
[[registry]]
prefix = "example.test"
location = "$DOWN2"
[[registry.mirror]]
location = "$DOWN"
insecure = true
[[registry.mirror]]
location = "$REG"
insecure = true
EOF
  b rmi -f example.test/busybox:latest >/dev/null 2>&1 || true
  capture b pull example.test/busybox:latest
  assert_rc 0
  assert_contains "$err" "Trying to pull example.test/busybox:latest..."
  assert_not_contains "$err" "Trying to pull $REG" "mirrors are not announced as candidates"
  [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not an image ID: $out"

  capture b images --format '{{.Repository}}:{{.Tag}}'
  assert_contains "$out" "example.test/busybox:latest" "stored under the requested name"
  assert_not_contains "$out" "$DOWN" "not stored under the mirror's name"
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  assert_eq "$(image_id "$REG/busybox:latest")" "$(image_id example.test/busybox:latest)" \
    "the mirror served the fixture image"
  capture b image inspect example.test/busybox:latest --format '{{.RepoDigests}}'
  assert_contains "$out" "example.test/busybox@sha256:"
}

test_mirrors_and_primary_all_fail() {
  setup_conf_dir
  use_conf <<EOF
[[registry]]
prefix = "example.test"
location = "$DOWN2"
[[registry.mirror]]
location = "$DOWN"
insecure = true
[[registry.mirror]]
location = "$REG"
insecure = true
EOF
  local before
  before=$(store_snapshot)
  capture b pull example.test/berth-test-regconf-missing:latest
  assert_rc 125
  assert_contains "$err" "Error: pulling image \"example.test/berth-test-regconf-missing:latest\""
  assert_contains "$err" "pinging registry $DOWN2" "the primary is named"
  assert_contains "$err" "mirrors also failed"
  assert_contains "$err" "pinging registry $DOWN " "the first mirror is named"
  assert_contains "$err" "$REG/berth-test-regconf-missing:latest: manifest unknown" \
    "the second mirror is named"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_location_rewrites_namespace() {
  setup_conf_dir
  use_conf <<EOF
[[registry]]
prefix = "example.test/team"
location = "$REG"
insecure = true
EOF
  b rmi -f example.test/team/layered:latest >/dev/null 2>&1 || true
  capture b pull example.test/team/layered:latest
  assert_rc 0
  assert_contains "$err" "Trying to pull example.test/team/layered:latest..."
  b pull -q --tls-verify=false "$REG/layered:latest" >/dev/null
  assert_eq "$(image_id "$REG/layered:latest")" "$(image_id example.test/team/layered:latest)"
}

test_digest_only_mirror_skipped_for_tag() {
  setup_conf_dir
  use_conf <<EOF
[[registry]]
prefix = "example.test"
location = "$DOWN2"
[[registry.mirror]]
location = "$REG"
insecure = true
pull-from-mirror = "digest-only"
EOF
  capture b pull example.test/busybox:v2s2
  assert_rc 125 "by tag only the primary, which is down, is tried"
  assert_contains "$err" "$DOWN2"
  assert_not_contains "$err" "mirrors also failed"

  local digest
  digest=$(registry_digest busybox v2s2)
  [ -n "$digest" ] || fail "no digest for busybox:v2s2"
  capture b pull "example.test/busybox@$digest"
  assert_rc 0 "by digest the mirror is used"
  assert_contains "$err" "Trying to pull example.test/busybox@$digest..."
}

test_blocked_prefix_rejects_pull() {
  setup_conf_dir
  use_conf <<EOF
[[registry]]
prefix = "blocked.test"
location = "$REG"
insecure = true
blocked = true
EOF
  local before
  before=$(store_snapshot)
  capture b pull blocked.test/busybox:latest
  assert_rc 125
  assert_contains "$err" "registry \"blocked.test\" is blocked in registries.conf"
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_blocked_repository_longest_prefix() {
  setup_conf_dir
  use_conf <<EOF
[[registry]]
location = "$REG"
insecure = true
[[registry]]
prefix = "$REG/berth-test-regconf-blocked"
location = "$REG/berth-test-regconf-blocked"
insecure = true
blocked = true
EOF
  capture b pull "$REG/berth-test-regconf-blocked/busybox:latest"
  assert_rc 125
  assert_contains "$err" "registry \"$REG/berth-test-regconf-blocked\" is blocked"

  capture b pull -q "$REG/busybox:latest"
  assert_rc 0 "the shorter prefix is not blocked, and its insecure applies"

  capture b push "$REG/busybox:latest" "$REG/berth-test-regconf-blocked/busybox:v1"
  assert_rc 125
  assert_contains "$err" "pushing image \"$REG/berth-test-regconf-blocked/busybox:v1\""
  assert_contains "$err" "is blocked in registries.conf"
  capture curl -s -o /dev/null -w '%{http_code}' \
    "http://$REG/v2/berth-test-regconf-blocked/busybox/tags/list"
  assert_eq "404" "$out" "nothing was pushed"
}

test_alias_resolves_short_name() {
  setup_conf_dir
  use_conf <<EOF
unqualified-search-registries = ["$DOWN", "$REG"]
short-name-mode = "enforcing"
[[registry]]
location = "$REG"
insecure = true
[aliases]
"regconf-app" = "$REG/layered"
EOF
  capture b pull regconf-app </dev/null
  assert_rc 0 "an alias is no ambiguity, even when enforcing"
  assert_contains "$err" "Trying to pull $REG/layered:latest..."
  assert_not_contains "$err" "Trying to pull $DOWN"
  capture b pull regconf-app:oci </dev/null
  assert_rc 0
  assert_contains "$err" "Trying to pull $REG/layered:oci..." "the tag is carried over"
  capture b images --format '{{.Repository}}:{{.Tag}}'
  assert_contains "$out" "$REG/layered:oci"
}

# Writes a registries.conf in enforcing mode whose search registries are a
# registry that is down and the plain fixture registry.
use_enforcing_conf_with_down_registry() {
  setup_conf_dir
  use_conf <<EOF
unqualified-search-registries = ["$DOWN", "$REG"]
short-name-mode = "enforcing"
[[registry]]
location = "$REG"
insecure = true
EOF
}

test_enforcing_ambiguous_short_name_fails() {
  use_enforcing_conf_with_down_registry
  b rmi -f "$REG/layered:latest" >/dev/null 2>&1 || true
  capture b pull layered </dev/null
  assert_rc 125
  assert_contains "$err" "Error: short-name resolution enforced but cannot prompt without a TTY"
  assert_not_contains "$err" "Trying to pull" "nothing is tried"
}

# A candidate that names a stored image is the answer, without a prompt.
test_enforcing_short_name_of_stored_image_pulls() {
  use_enforcing_conf_with_down_registry
  b pull -q "$REG/layered:latest" >/dev/null
  capture b pull layered </dev/null
  assert_rc 0 "the stored image's name resolves the short name"
  assert_contains "$err" "Trying to pull $REG/layered:latest..."
  assert_not_contains "$err" "$DOWN" "the other candidate is not tried"
  [ ! -e "$BERTH_SHORT_NAME_ALIAS_CACHE" ] ||
    assert_not_contains "$(cat "$BERTH_SHORT_NAME_ALIAS_CACHE")" '"layered"' "no alias recorded"
}

test_enforcing_single_search_registry_pulls() {
  setup_conf_dir
  use_conf <<EOF
unqualified-search-registries = ["$REG"]
short-name-mode = "enforcing"
[[registry]]
location = "$REG"
insecure = true
EOF
  capture b pull layered </dev/null
  assert_rc 0 "one search registry is no ambiguity"
  assert_contains "$err" "Trying to pull $REG/layered:latest..."
}

test_permissive_tries_search_registries_in_order() {
  setup_conf_dir
  for mode in permissive disabled ""; do
    use_conf <<EOF
unqualified-search-registries = ["$DOWN", "$REG"]
${mode:+short-name-mode = \"$mode\"}
[[registry]]
location = "$REG"
insecure = true
[[registry]]
location = "$DOWN"
insecure = true
EOF
    # A stored layered:latest would resolve the short name by itself.
    b rmi -f "$REG/layered:latest" >/dev/null 2>&1 || true
    capture b pull layered </dev/null
    assert_rc 0 "mode [$mode]"
    assert_order "$err" "Trying to pull $DOWN/layered:latest..." \
      "Trying to pull $REG/layered:latest..."
  done

  capture b pull berth-test-regconf-none </dev/null
  assert_rc 125
  assert_contains "$err" "2 errors occurred while pulling"
  assert_contains "$err" "$DOWN/berth-test-regconf-none:latest"
  assert_contains "$err" "$REG/berth-test-regconf-none:latest"
}

test_user_file_and_drop_ins() {
  setup_conf_dir
  unset CONTAINERS_REGISTRIES_CONF
  local user_dir=$HOME/.config/containers
  mkdir -p "$user_dir/registries.conf.d"
  cat >"$user_dir/registries.conf" <<EOF
unqualified-search-registries = ["$DOWN"]
short-name-mode = "enforcing"
[[registry]]
location = "$REG"
insecure = true
[aliases]
"regconf-tool" = "$DOWN/layered"
EOF
  cat >"$user_dir/registries.conf.d/10-first.conf" <<EOF
unqualified-search-registries = ["$DOWN2"]
[aliases]
"regconf-tool" = "$DOWN2/layered"
EOF
  cat >"$user_dir/registries.conf.d/20-second.conf" <<EOF
[aliases]
"regconf-tool" = "$REG/layered"
EOF
  echo "not toml [" >"$user_dir/registries.conf.d/30-ignored.txt"

  capture b pull regconf-tool </dev/null
  assert_rc 0 "the last drop-in's alias wins"
  assert_contains "$err" "Trying to pull $REG/layered:latest..."

  capture b pull berth-test-regconf-none </dev/null
  assert_rc 125
  assert_contains "$err" "Trying to pull $DOWN2/berth-test-regconf-none:latest..." \
    "a drop-in replaces the search list"
}

test_missing_registries_conf_from_env_fails() {
  local before; before=$(store_snapshot)
  CONTAINERS_REGISTRIES_CONF=/nonexistent/registries.conf capture b pull "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" '"/nonexistent/registries.conf" (CONTAINERS_REGISTRIES_CONF): the file does not exist'
  assert_eq "$before" "$(store_snapshot)" "store unchanged"
}

test_invalid_registries_conf_names_file() {
  setup_conf_dir
  use_conf <<EOF
short-name-mode = "bogus"
EOF
  capture b pull "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" "$CONF_DIR/registries.conf"
  assert_contains "$err" "invalid short-name-mode \"bogus\""

  use_conf <<EOF
[[registry]]
prefix = "example.test"
EOF
  capture b pull example.test/busybox
  assert_rc 125
  assert_contains "$err" "prefix \"example.test\" has no location"
}
