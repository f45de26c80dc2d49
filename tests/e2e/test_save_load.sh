# save and load: round trips in every format, multi-image archives,
# archives written by Podman (or skopeo), and rejected input that must
# leave the store unchanged.

# A store of its own, so every layer was pulled by this berth and has the
# tar layout that save needs to rebuild an exact layer tar.
b() { "$BERTH_BIN" --root "$E2E_ROOT/root-save" --runroot "$E2E_RUNROOT-save" "$@"; }

WORK=$E2E_ROOT/save-load

# Pulls IMAGE from the plain registry and prints its full ID.
pulled_id() {
  b pull -q --tls-verify=false "$REG/$1" >/dev/null
  b image inspect "$REG/$1" --format '{{.Id}}'
}

fresh_work_dir() { rm -rf "$WORK"; mkdir -p "$WORK"; }

# Saves IMAGE in FORMAT to OUT, removes it, loads it back and checks the ID,
# the name and the load output.
round_trip() { # format image path
  local format=$1 image=$2 path=$3 id
  id=$(pulled_id "$image")
  capture b save --format "$format" -o "$path" "$REG/$image"
  assert_rc 0 "save --format $format"
  [ -e "$path" ] || fail "save wrote no $path"
  capture b rmi "$REG/$image"
  assert_rc 0
  capture b image exists "$REG/$image"
  assert_rc 1 "image removed before the load"
  capture b load -i "$path"
  assert_rc 0 "load of $format"
  if [ "$format" == docker-dir ]; then
    # The dir transport has no place for a name, in Podman as in berth.
    assert_eq "Loaded image: sha256:$id" "$out" "load output for $format"
    b tag "$id" "$REG/$image"
  else
    assert_eq "Loaded image: $REG/$image" "$out" "load output for $format"
  fi
  assert_eq "$id" "$(b image inspect "$REG/$image" --format '{{.Id}}')" "ID after $format round trip"
}

test_save_load_busybox_every_format() {
  local format
  fresh_work_dir
  for format in docker-archive oci-archive oci-dir docker-dir; do
    round_trip "$format" busybox:latest "$WORK/busybox-$format"
    capture b run --rm --network none "$REG/busybox:latest" sh -c 'echo hi; ls /bin/busybox'
    assert_rc 0 "run after $format"
    assert_eq $'hi\n/bin/busybox' "$out" "files after $format"
  done
}

test_save_load_layered_keeps_files() {
  local format script
  fresh_work_dir
  script='cat /etc/fixture/layer3.txt /etc/fixture/symlink /opt/data/new.txt
          ls /opt/data; ls /etc/fixture/old.txt 2>&1 | grep -c "No such"
          stat -c "%a %u:%g" /usr/local/bin/suid-tool /etc/fixture/owned
          stat -c "%h" /etc/fixture/hardlink'
  for format in docker-archive oci-archive oci-dir docker-dir; do
    round_trip "$format" layered:latest "$WORK/layered-$format"
    capture b run --rm --network none "$REG/layered:latest" sh -c "$script"
    assert_rc 0 "run after $format"
    assert_eq $'layer3\nlayer1 target\nlayer2 replaced\nnew.txt\n1\n4755 0:0\n644 1000:1000\n2' \
      "$out" "layered files after $format"
  done
}

test_save_docker_archive_layout() {
  local id
  fresh_work_dir
  id=$(pulled_id busybox:latest)
  b save -o "$WORK/bb.tar" "$REG/busybox:latest"
  tar -C "$WORK" -xf "$WORK/bb.tar" manifest.json repositories
  capture python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(len(m), m[0]["Config"], m[0]["RepoTags"], len(m[0]["Layers"]))
' "$WORK/manifest.json"
  assert_eq "1 $id.json ['$REG/busybox:latest'] 1" "$out" "manifest.json"
  assert_contains "$(cat "$WORK/repositories")" "\"$REG/busybox\":{\"latest\":"
  capture tar -tf "$WORK/bb.tar"
  assert_contains "$out" "$id.json"
  assert_contains "$out" "/layer.tar"
  assert_contains "$out" "/VERSION"
}

test_save_oci_archive_layout() {
  fresh_work_dir
  pulled_id busybox:latest >/dev/null
  b save --format oci-archive -o "$WORK/bb-oci.tar" "$REG/busybox:latest"
  tar -C "$WORK" -xf "$WORK/bb-oci.tar" index.json oci-layout
  assert_contains "$(cat "$WORK/oci-layout")" '"imageLayoutVersion":"1.0.0"'
  assert_contains "$(cat "$WORK/index.json")" \
    "\"org.opencontainers.image.ref.name\":\"$REG/busybox:latest\""
}

test_save_to_stdout_and_load_from_stdin() {
  local id
  fresh_work_dir
  id=$(pulled_id busybox:latest)
  b save "$REG/busybox:latest" >"$WORK/stdout.tar"
  b rmi "$REG/busybox:latest" >/dev/null
  capture sh -c "'$BERTH_BIN' --root '$E2E_ROOT/root-save' --runroot '$E2E_RUNROOT-save' load <'$WORK/stdout.tar'"
  assert_rc 0
  assert_contains "$out" "Loaded image: $REG/busybox:latest"
  assert_eq "$id" "$(b image inspect "$REG/busybox:latest" --format '{{.Id}}')"
}

test_save_gzipped_archive_and_quiet_load() {
  fresh_work_dir
  pulled_id busybox:latest >/dev/null
  b save -q -o "$WORK/bb.tar" "$REG/busybox:latest"
  gzip "$WORK/bb.tar"
  b rmi "$REG/busybox:latest" >/dev/null
  capture b load -q -i "$WORK/bb.tar.gz"
  assert_rc 0
  assert_eq "Loaded image: $REG/busybox:latest" "$out"
  assert_eq "" "$err" "quiet load prints no progress"
}

test_save_compress_dir_formats() {
  local blob id
  fresh_work_dir
  id=$(pulled_id busybox:latest)
  capture b save --compress --format oci-dir -o "$WORK/oci-gz" "$REG/busybox:latest"
  assert_rc 0
  capture python3 -c '
import json, sys
root = sys.argv[1]
index = json.load(open(root + "/index.json"))
digest = index["manifests"][0]["digest"][7:]
manifest = json.load(open(root + "/blobs/sha256/" + digest))
print(manifest["layers"][0]["mediaType"])
' "$WORK/oci-gz"
  assert_eq "application/vnd.oci.image.layer.v1.tar+gzip" "$out" "oci-dir layer type"
  capture b save --compress --format docker-dir -o "$WORK/docker-gz" "$REG/busybox:latest"
  assert_rc 0
  assert_contains "$(cat "$WORK/docker-gz/manifest.json")" "rootfs.diff.tar.gzip"
  blob=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' \
    "$WORK/docker-gz/manifest.json")
  assert_contains "$(file "$WORK/docker-gz/$blob")" "gzip compressed"
  assert_eq "644" "$(stat -c %a "$WORK/docker-gz/$blob")" "layer files are 0644, as Podman writes them"
  b rmi "$REG/busybox:latest" >/dev/null
  capture b load -i "$WORK/docker-gz"
  assert_rc 0
  assert_eq "Loaded image: sha256:$id" "$out"
  b tag "$id" "$REG/busybox:latest"
  capture b run --rm --network none "$REG/busybox:latest" echo from-gzip
  assert_eq "from-gzip" "$out"
  capture b save --compress -o "$WORK/x.tar" "$REG/busybox:latest"
  assert_rc 125 "--compress with an archive format"
  assert_contains "$err" "--compress can only be set when --format is 'oci-dir' or 'docker-dir'"
  [ ! -e "$WORK/x.tar" ] || fail "a rejected save left a file"
}

test_save_multi_image_archive() {
  local busybox layered
  fresh_work_dir
  busybox=$(pulled_id busybox:latest)
  layered=$(pulled_id layered:latest)
  capture b save -m -o "$WORK/two.tar" "$REG/busybox:latest" "$REG/layered:latest"
  assert_rc 0
  b rmi "$REG/busybox:latest" "$REG/layered:latest" >/dev/null
  capture b load -i "$WORK/two.tar"
  assert_rc 0
  assert_eq $"Loaded image: $REG/busybox:latest"$'\n'"Loaded image: $REG/layered:latest" "$out"
  assert_eq "$busybox" "$(b image inspect "$REG/busybox:latest" --format '{{.Id}}')"
  assert_eq "$layered" "$(b image inspect "$REG/layered:latest" --format '{{.Id}}')"
  capture b run --rm --network none "$REG/layered:latest" cat /etc/fixture/layer3.txt
  assert_eq "layer3" "$out"
  # The same image named twice is one entry with both names.
  b tag "$REG/busybox:latest" localhost/e2e-save-dup:1
  capture b save -m -o "$WORK/dup.tar" "$REG/busybox:latest" localhost/e2e-save-dup:1 \
    "$REG/busybox:latest"
  assert_rc 0
  assert_eq "[[\"$REG/busybox:latest\",\"localhost/e2e-save-dup:1\"]]" \
    "$(tar -xOf "$WORK/dup.tar" manifest.json | jq -c '[.[].RepoTags]')"
  b rmi localhost/e2e-save-dup:1 >/dev/null
  capture b save -m --format oci-archive -o "$WORK/bad.tar" "$REG/busybox:latest" "$REG/layered:latest"
  assert_rc 125 "-m with oci-archive"
  assert_contains "$err" "only docker-archive"
}

test_save_extra_names_are_tags() {
  fresh_work_dir
  pulled_id busybox:latest >/dev/null
  b save -o "$WORK/tags.tar" "$REG/busybox:latest" savetest-extra:v1
  tar -C "$WORK" -xf "$WORK/tags.tar" manifest.json
  assert_contains "$(cat "$WORK/manifest.json")" "\"RepoTags\":[\"$REG/busybox:latest\",\"localhost/savetest-extra:v1\"]"
  capture b save --format oci-archive -o "$WORK/x.tar" "$REG/busybox:latest" "$REG/layered:latest"
  assert_rc 125 "two names with oci-archive"
}

test_save_by_id_has_no_name() {
  local id
  fresh_work_dir
  id=$(pulled_id busybox:latest)
  b save -o "$WORK/byid.tar" "${id:0:12}"
  tar -C "$WORK" -xf "$WORK/byid.tar" manifest.json
  assert_contains "$(cat "$WORK/manifest.json")" '"RepoTags":[]'
  b rmi "$REG/busybox:latest" >/dev/null
  capture b load -i "$WORK/byid.tar"
  assert_rc 0
  assert_eq "Loaded image: sha256:$id" "$out"
  capture b images --format '{{.ID}} {{.Repository}}'
  assert_contains "$out" "${id:0:12} <none>"
  b rmi "$id" >/dev/null
}

test_save_rejects_bad_requests() {
  fresh_work_dir
  pulled_id busybox:latest >/dev/null
  capture b save --format tarball -o "$WORK/x" "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" 'unsupported format "tarball"'
  capture b save -o "$WORK/x" no-such-image
  assert_rc 125
  assert_contains "$err" "no-such-image: image not known"
  capture b save --format oci-dir "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" "name it with -o"
  mkdir -p "$WORK/full"; touch "$WORK/full/file"
  capture b save --format oci-dir -o "$WORK/full" "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" "already exists"
  [ ! -e "$WORK/x" ] || fail "a failed save left $WORK/x"
  capture ls -a "$WORK"
  assert_not_contains "$out" "berth-tmp" "temporary outputs are removed"
}

# Writes an archive of busybox made by another tool: podman save with its own
# store when podman runs here, else skopeo from the registry.
foreign_archive() { # out
  local root=$E2E_ROOT/podman-save run=$E2E_RUNROOT-podman-save conf
  conf=$(mktemp)
  printf '[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = []\n' >"$conf"
  if CONTAINERS_CONF=$conf podman --root "$root" --runroot "$run" \
      pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null 2>&1 &&
    CONTAINERS_CONF=$conf podman --root "$root" --runroot "$run" \
      save -q -o "$1" "$REG/busybox:latest" >/dev/null 2>&1; then
    echo podman
  else
    rm -f "$1"
    skopeo copy -q --src-tls-verify=false "docker://$REG/busybox:latest" \
      "docker-archive:$1:$REG/busybox:latest" >/dev/null
    echo skopeo
  fi
  rm -f "$conf"
}

test_load_archive_from_other_tool() {
  local id tool
  fresh_work_dir
  id=$(pulled_id busybox:latest)
  b rmi "$REG/busybox:latest" >/dev/null
  tool=$(foreign_archive "$WORK/foreign.tar")
  capture b load -i "$WORK/foreign.tar"
  assert_rc 0 "load of the $tool archive"
  assert_eq "Loaded image: $REG/busybox:latest" "$out" "$tool archive"
  assert_eq "$id" "$(b image inspect "$REG/busybox:latest" --format '{{.Id}}')"
  capture b run --rm --network none "$REG/busybox:latest" echo from-$tool
  assert_eq "from-$tool" "$out"
}

test_load_unqualified_repo_tag_goes_to_docker_io() {
  fresh_work_dir
  pulled_id busybox:latest >/dev/null
  b save -o "$WORK/bb.tar" "$REG/busybox:latest"
  mkdir "$WORK/x"; tar -C "$WORK/x" -xf "$WORK/bb.tar"
  sed -i "s|$REG/busybox:latest|savetest:v9|" "$WORK/x/manifest.json"
  tar -C "$WORK/x" -cf "$WORK/renamed.tar" .
  capture b load -i "$WORK/renamed.tar"
  assert_rc 0
  assert_eq "Loaded image: docker.io/library/savetest:v9" "$out"
  b untag docker.io/library/savetest:v9 >/dev/null
}

# Asserts that loading FILE fails with 125 and MESSAGE and changes nothing.
assert_load_rejected() { # file message
  local before layers
  before=$(store_snapshot)
  layers=$(ls "$E2E_ROOT/root-save/storage/overlay")
  capture b load -i "$1"
  assert_rc 125 "load of $1"
  assert_contains "$err" "$2"
  assert_eq "$before" "$(store_snapshot)" "the store after a rejected load"
  assert_eq "$layers" "$(ls "$E2E_ROOT/root-save/storage/overlay")" "layers after a rejected load"
  capture ls "$E2E_ROOT/root-save/tmp"
  assert_not_contains "$out" "load-" "no scratch directory is left"
}

test_load_rejects_bad_input() {
  local layer
  fresh_work_dir
  pulled_id layered:latest >/dev/null
  b save -o "$WORK/good.tar" "$REG/layered:latest"
  b rmi "$REG/layered:latest" >/dev/null

  head -c 300000 "$WORK/good.tar" >"$WORK/truncated.tar"
  assert_load_rejected "$WORK/truncated.tar" "invalid archive"

  head -c 5000 /dev/urandom >"$WORK/random.bin"
  assert_load_rejected "$WORK/random.bin" "invalid archive"

  echo "just text" >"$WORK/text.txt"
  assert_load_rejected "$WORK/text.txt" "invalid archive"

  assert_load_rejected "$WORK/missing.tar" "missing.tar"

  # The last layer of layered replaced by the first one's bytes: its diff ID
  # no longer matches, after the other layers were already added.
  mkdir "$WORK/x"; tar -C "$WORK/x" -xf "$WORK/good.tar"
  layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-1])' \
    "$WORK/x/manifest.json")
  cp "$WORK/x/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' \
    "$WORK/x/manifest.json")" "$WORK/x/$layer"
  tar -C "$WORK/x" -cf "$WORK/wrong-digest.tar" .
  assert_load_rejected "$WORK/wrong-digest.tar" "digest"

  rm -rf "$WORK/x"; mkdir "$WORK/x"; tar -C "$WORK/x" -xf "$WORK/good.tar"
  rm "$WORK/x/$layer"
  tar -C "$WORK/x" -cf "$WORK/missing-layer.tar" .
  assert_load_rejected "$WORK/missing-layer.tar" "is missing"

  rm -rf "$WORK/x"; mkdir "$WORK/x"; tar -C "$WORK/x" -xf "$WORK/good.tar"
  echo '[{"Config": 1}' >"$WORK/x/manifest.json"
  tar -C "$WORK/x" -cf "$WORK/bad-manifest.tar" .
  assert_load_rejected "$WORK/bad-manifest.tar" "invalid manifest.json"
}

test_load_legacy_layer_paths_gzipped() {
  local id
  fresh_work_dir
  id=$(pulled_id layered:latest)
  b save -o "$WORK/l.tar" "$REG/layered:latest"
  mkdir "$WORK/x"; tar -C "$WORK/x" -xf "$WORK/l.tar"
  # Point Layers at the <legacy id>/layer.tar symlinks, as older `docker
  # save` versions name them, and gzip the whole archive.
  python3 - "$WORK/x/manifest.json" <<'PY'
import json, os, sys
path = sys.argv[1]
root = os.path.dirname(path)
m = json.load(open(path))
links = {os.readlink(os.path.join(root, d, "layer.tar"))[3:]: d + "/layer.tar"
         for d in os.listdir(root) if os.path.islink(os.path.join(root, d, "layer.tar"))}
m[0]["Layers"] = [links[l] for l in m[0]["Layers"]]
json.dump(m, open(path, "w"))
PY
  assert_contains "$(cat "$WORK/x/manifest.json")" "/layer.tar"
  tar -C "$WORK/x" -czf "$WORK/legacy.tar.gz" .
  b rmi "$REG/layered:latest" >/dev/null
  capture b load -i "$WORK/legacy.tar.gz"
  assert_rc 0
  assert_eq "Loaded image: $REG/layered:latest" "$out"
  assert_eq "$id" "$(b image inspect "$REG/layered:latest" --format '{{.Id}}')"
}

test_save_to_a_device_keeps_it() {
  pulled_id busybox:latest >/dev/null
  capture b save -o /dev/null "$REG/busybox:latest"
  assert_rc 0 "save -o /dev/null"
  [ -c /dev/null ] || fail "/dev/null is no longer a character device"
  capture b save -o /dev/full "$REG/busybox:latest"
  assert_rc 125 "save -o /dev/full"
  assert_contains "$err" "No space left on device"
  [ -c /dev/full ] || fail "/dev/full is no longer a character device"
  ! ls /dev | grep -q "berth-tmp" || fail "a temporary output was left in /dev"
}
