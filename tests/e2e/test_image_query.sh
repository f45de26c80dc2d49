# image history, image diff, image tree, image prune and image sizes, on
# the fixture images. 127.0.0.1:5000/layered is busybox plus three small
# layers; Podman 4.3 gave the expected numbers below for the same images.
# The tests use stores of their own, so that the other test files' images
# never show up in the output and pruning never removes their images.

LAYERED_ID=7b803dab0f9e6cbf2fb0f69fec2996f3c0443b47560d259856d4b5581469dd0b
BUSYBOX_ID=f577aa5594c93a34d4f50a3010337b50ed7869b8e84d143be13f962b6b600372

# Pulls each reference with the given berth function.
pull_with() { # berth-function reference...
  local berth=$1 ref
  shift
  for ref in "$@"; do "$berth" pull -q --tls-verify=false "$ref" >/dev/null; done
}

pull_fixtures() { pull_with bq "$REG/layered:latest" "$REG/busybox:latest"; }

# berth with a store that only the query tests use.
bq() { "$BERTH_BIN" --root "$E2E_ROOT/image-query-root" --runroot "$E2E_RUNROOT/image-query" "$@"; }

# berth with a store that only the prune tests use.
bp() { "$BERTH_BIN" --root "$E2E_ROOT/prune-root" --runroot "$E2E_RUNROOT/prune" "$@"; }

test_image_size_matches_podman() {
  pull_fixtures
  capture bq image inspect "$REG/layered:latest" --format '{{.Size}} {{.VirtualSize}}'
  assert_rc 0
  assert_eq "2153690 2153690" "$out" "layer tars plus config and manifests"
  capture bq image inspect "$REG/busybox:latest" --format '{{.Size}}'
  assert_eq "2128652" "$out"
  capture bq images --format '{{.ID}} {{.Size}}' "$REG/layered"
  assert_eq "7b803dab0f9e 2.15 MB" "$out"
}

test_history_table() {
  pull_fixtures
  capture bq history --human=false "$REG/layered:latest"
  assert_rc 0
  local expected
  expected=$(printf '%s\n' \
    "ID            CREATED               CREATED BY  SIZE        COMMENT" \
    "7b803dab0f9e  2024-01-01T00:00:00Z  /bin/sh     3.07 kB     FROM localhost/layered-2:latest" \
    "<missing>     2024-01-01T00:00:00Z  /bin/sh     5.12 kB     FROM localhost/layered-1:latest" \
    "<missing>     2024-01-01T00:00:00Z  /bin/sh     15.4 kB     FROM localhost/busybox:latest" \
    "f577aa5594c9  2024-01-01T00:00:00Z  /bin/sh     2.13 MB")
  assert_eq "$expected" "$out"
  capture bq image history "$REG/layered:latest"
  assert_rc 0
  assert_contains "$out" "7b803dab0f9e  2 years ago  /bin/sh" "human times by default"
}

test_history_quiet_no_trunc_and_format() {
  pull_fixtures
  capture bq history -q "$REG/layered:latest"
  assert_eq "$(printf '7b803dab0f9e\n<missing>\n<missing>\nf577aa5594c9')" "$out"
  capture bq history -q --no-trunc "$REG/layered:latest"
  assert_eq "$(printf '%s\n<missing>\n<missing>\n%s' "$LAYERED_ID" "$BUSYBOX_ID")" "$out"
  capture bq history --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}|{{.CreatedAt}}' \
    "$REG/layered:latest"
  assert_rc 0
  assert_contains "$out" "7b803dab0f9e|/bin/sh|3.07 kB|FROM localhost/layered-2:latest|2024-01-01 00:00:00 +0000 UTC"
  assert_contains "$out" "f577aa5594c9|/bin/sh|2.13 MB||2024-01-01 00:00:00 +0000 UTC"
  capture bq history --format 'table {{.ID}} {{.Size}}' "$REG/layered:latest"
  assert_rc 0
  assert_eq "$(printf 'ID SIZE\n7b803dab0f9e 3.07 kB')" "$(head -2 <<<"$out")"
  capture bq history --format json "$REG/layered:latest"
  assert_rc 0
  assert_eq "4" "$(jq length <<<"$out")"
  assert_eq "$LAYERED_ID" "$(jq -r '.[0].id' <<<"$out")"
  assert_eq "3072" "$(jq -r '.[0].size' <<<"$out")"
  assert_eq "2024-01-01T00:00:00Z" "$(jq -r '.[0].created' <<<"$out")"
  assert_eq "FROM localhost/layered-2:latest" "$(jq -r '.[0].comment' <<<"$out")"
  assert_eq "<missing>" "$(jq -r '.[1].id' <<<"$out")"
  assert_eq "2127360" "$(jq -r '.[3].size' <<<"$out")"
  assert_eq "false" "$(jq 'has("comment")' <<<"$(jq '.[3]' <<<"$out")")" "empty comment left out"
}

test_history_unknown_image() {
  capture bq history localhost/no-such-image:latest
  assert_rc 125
  assert_contains "$err" "localhost/no-such-image:latest"
}

test_image_diff_top_layer() {
  pull_fixtures
  capture bq image diff "$REG/layered:latest"
  assert_rc 0
  assert_eq "$(printf 'C /etc\nC /etc/fixture\nA /etc/fixture/layer3.txt')" "$out"
  capture bq image diff --format json "$REG/layered:latest"
  assert_rc 0
  assert_eq '["/etc","/etc/fixture"]' "$(jq -c .changed <<<"$out")"
  assert_eq '["/etc/fixture/layer3.txt"]' "$(jq -c .added <<<"$out")"
  assert_eq "null" "$(jq -c .deleted <<<"$out")"
  capture bq image diff --format yaml "$REG/layered:latest"
  assert_rc 125
  assert_contains "$err" '"yaml"'
}

test_image_diff_single_layer_all_added() {
  pull_fixtures
  capture bq image diff "$REG/busybox:latest"
  assert_rc 0
  assert_contains "$out" "A /bin/busybox"
  assert_not_contains "$out" "C /"
}

# Two images: the first one's whole file system against the second's. The
# expected lines are what Podman 4.3 prints for the same fixture images.
test_image_diff_two_images() {
  pull_fixtures
  capture bq image diff "$REG/layered:latest" "$REG/busybox:latest"
  assert_rc 0
  assert_eq "C /etc|A /etc/fixture|A /etc/fixture/hardlink|A /etc/fixture/layer3.txt|A /etc/fixture/owned|A /etc/fixture/symlink|A /etc/fixture/target.txt|A /etc/fixture/xattr.txt|A /opt|A /opt/data|A /opt/data/new.txt|C /usr|A /usr/local|A /usr/local/bin|A /usr/local/bin/suid-tool|C /var|A /var/empty-dir|" \
    "$(tr '\n' '|' <<<"$out")"
  capture bq image diff "$REG/busybox:latest" "$REG/layered:latest"
  assert_rc 0
  assert_eq "C /etc|D /etc/fixture|D /opt|C /usr|D /usr/local|C /var|D /var/empty-dir|" \
    "$(tr '\n' '|' <<<"$out")" "a deleted directory stands for its contents"
  capture bq image diff "$REG/layered:latest" "$REG/layered:latest"
  assert_rc 0
  assert_eq "" "$out" "an image against itself"
  capture bq image diff "$REG/busybox:latest" localhost/no-such-image:1
  assert_rc 125
  assert_contains "$err" "localhost/no-such-image:1"
}

test_image_tree() {
  pull_fixtures
  capture bq image tree "$REG/layered:latest"
  assert_rc 0
  local expected
  expected=$(printf '%s\n' \
    "Image ID: 7b803dab0f9e" \
    "Tags:     [$REG/layered:latest]" \
    "Size:     2.154MB" \
    "Image Layers" \
    "├── ID: 2269e081e1fa Size: 2.127MB Top Layer of: [$REG/busybox:latest]" \
    "├── ID: d70268ddba5c Size: 15.36kB" \
    "├── ID: 92ca190881e0 Size:  5.12kB" \
    "└── ID: 054205d8a5da Size: 3.072kB Top Layer of: [$REG/layered:latest]")
  assert_eq "$expected" "$out"
}

test_image_tree_whatrequires() {
  # Layers are listed in the order they were added, so start from nothing.
  bq rmi -a -f >/dev/null 2>&1 || true
  pull_with bq "$REG/busybox:latest" "$REG/layered:latest" "$REG/httpd:latest"
  capture bq image tree --whatrequires "$REG/busybox:latest"
  assert_rc 0
  local expected
  expected=$(printf '%s\n' \
    "Image ID: f577aa5594c9" \
    "Tags:     [$REG/busybox:latest]" \
    "Size:     2.129MB" \
    "Image Layers" \
    "├── ID: 2269e081e1fa Size: 2.127MB Top Layer of: [$REG/busybox:latest]" \
    "├── ID: d70268ddba5c Size: 15.36kB" \
    "│   ├── ID: 92ca190881e0 Size:  5.12kB" \
    "│   └── ID: 054205d8a5da Size: 3.072kB Top Layer of: [$REG/layered:latest]" \
    "└── ID: af716bedbe19 Size:  2.56kB Top Layer of: [$REG/httpd:latest]")
  assert_eq "$expected" "$out"
  capture bq image tree --whatrequires "$REG/layered:latest"
  assert_rc 0
  assert_contains "$out" "└── ID: 054205d8a5da" "a leaf image lists only its top layer"
  assert_not_contains "$out" "2269e081e1fa"
}

test_image_exists_exit_codes() {
  pull_fixtures
  capture bq image exists "$REG/layered:latest"
  assert_rc 0
  assert_eq "" "$out$err" "no output"
  capture bq image exists localhost/no-such-image
  assert_rc 1
  assert_eq "" "$out$err" "no output"
}

# Empties the prune store.
clear_prune_store() { bp rmi -a -f >/dev/null 2>&1 || true; }

# Leaves busybox without a name in an empty prune store, next to named
# layered.
make_dangling_busybox() {
  clear_prune_store
  pull_with bp "$REG/layered:latest" "$REG/busybox:latest"
  bp untag "$REG/busybox:latest"
}

test_prune_removes_dangling_only() {
  make_dangling_busybox
  capture bp image prune -f
  assert_rc 0
  assert_eq "$BUSYBOX_ID" "$out"
  capture bp images -q --no-trunc
  assert_eq "sha256:$LAYERED_ID" "$out" "the named image stays"
  capture bp image diff "$REG/layered:latest"
  assert_rc 0 "layered's layers, busybox's base among them, stay"
}

test_prune_removes_unused_layers() {
  clear_prune_store
  pull_with bp "$REG/httpd:latest"
  local before after
  before=$(ls "$E2E_ROOT/prune-root/storage/overlay" | grep -c '^[0-9a-f]\{64\}$')
  bp untag "$REG/httpd:latest"
  capture bp image prune -f
  assert_rc 0
  after=$(ls "$E2E_ROOT/prune-root/storage/overlay" | grep -c '^[0-9a-f]\{64\}$' || true)
  [ "$before" -gt 0 ] || fail "httpd added no layers"
  assert_eq "0" "$after" "every layer of the pruned image is gone"
}

test_prune_keeps_image_in_use() {
  make_dangling_busybox
  local ctr
  ctr=$(bp create "$BUSYBOX_ID" true)
  capture bp image prune -a -f
  assert_rc 0
  assert_eq "$LAYERED_ID" "$out" "only the unused image goes"
  capture bp images -q --no-trunc
  assert_eq "sha256:$BUSYBOX_ID" "$out"
  bp rm "$ctr" >/dev/null
  capture bp image prune -f
  assert_eq "$BUSYBOX_ID" "$out" "once unused, the dangling image goes"
}

test_prune_filters() {
  make_dangling_busybox
  capture bp image prune -f --filter until=2023-01-01T00:00:00Z
  assert_rc 0
  assert_eq "" "$out" "the image was created later"
  capture bp image prune -f --filter label=no.such.label
  assert_eq "" "$out" "the image has no such label"
  capture bp image prune -a -f --filter until=1h --filter 'label!=no.such.label'
  assert_rc 0
  assert_eq "$(printf '%s\n%s' "$LAYERED_ID" "$BUSYBOX_ID" | sort)" "$(sort <<<"$out")"
}

test_prune_bad_filter_changes_nothing() {
  make_dangling_busybox
  local before
  before=$(bp images -a --no-trunc)
  for filter in until=garbage foo=bar label; do
    capture bp image prune -a -f --filter "$filter"
    assert_rc 125 "filter $filter"
    assert_contains "$err" "\"$filter\""
    assert_eq "" "$out"
  done
  assert_eq "$before" "$(bp images -a --no-trunc)" "store unchanged"
  bp image prune -a -f >/dev/null
}

test_prune_asks_on_stdin() {
  make_dangling_busybox
  capture bp image prune <<<"n"
  assert_rc 0
  assert_eq "$(printf 'WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ')" "$out"
  capture bp image prune </dev/null
  assert_rc 125 "stdin ended without an answer"
  assert_contains "$err" "-f"
  capture bp image prune -a <<<"y"
  assert_rc 0
  assert_contains "$out" "Are you sure you want to continue? [y/N] "
  assert_contains "$out" "$BUSYBOX_ID"
  assert_contains "$out" "$LAYERED_ID"
  capture bp images -q
  assert_eq "" "$out"
}

# images -f: the filters of the list routes, in the query tests' own store.
test_images_filter() {
  pull_fixtures
  bq tag "$REG/busybox:latest" localhost/filtered:v1 >/dev/null
  capture bq images -q --no-trunc -f reference=layered
  assert_rc 0
  assert_eq "sha256:$LAYERED_ID" "$out" "reference by short name"
  capture bq images --format '{{.Repository}}:{{.Tag}}' -f 'reference=*/busybox*'
  assert_eq "$REG/busybox:latest" "$out" "a reference glob keeps only the matching names"
  capture bq images -q -f "id=${BUSYBOX_ID:0:8}"
  assert_eq "${BUSYBOX_ID:0:12}" "$out" "id prefix"
  capture bq images -q -f reference=layered -f reference=filtered
  assert_eq "$(printf '%s\n%s' "${LAYERED_ID:0:12}" "${BUSYBOX_ID:0:12}" | sort)" "$(sort <<<"$out")" \
    "values of one key match when any matches"
  capture bq images -q -f dangling=true -f reference=layered
  assert_eq "" "$out" "different keys must all match"
  capture bq images -f nosuch=1
  assert_rc 125 "an unknown filter"
  assert_contains "$err" 'invalid filter "nosuch"'
  capture bq images -f before=missing-image
  assert_rc 125 "before an unknown image"
  bq rmi localhost/filtered:v1 >/dev/null
}
