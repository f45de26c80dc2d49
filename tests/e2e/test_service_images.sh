# system service: the image routes of Docker's compat API and Podman's
# libpod API, driven with curl, both Docker CLIs and the Python docker SDK
# against the fixture registries.

IMG=$REG/busybox:latest

# Removes the images the tests make, ignoring the ones that are absent.
images_clean() {
  b rm -af >/dev/null 2>&1 || true
  b rmi -f "$IMG" "$REG/layered:latest" localhost/svc-img:v1 localhost/svc-img:v2 \
    localhost/svc-lp:v1 localhost/svc-imported:v1 >/dev/null 2>&1 || true
  b image prune -af >/dev/null 2>&1 || true
}

# Asserts that every line of $1 is a JSON document.
assert_json_lines() {
  local line
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    jq -e . >/dev/null 2>&1 <<<"$line" || fail "not a JSON line: [$line]"
  done <<<"$1"
}

test_service_images_pull_compat_stream() {
  images_clean
  start_service --time 0
  api POST "/v1.41/images/create?fromImage=$REG/busybox&tag=latest"
  assert_eq 200 "$code"
  assert_json_lines "$out"
  assert_eq "Pulling from busybox" "$(head -n 1 <<<"$out" | jq -r .status)"
  assert_eq latest "$(head -n 1 <<<"$out" | jq -r .id)"
  [ -n "$(jq -r 'select(.status == "Pull complete") | .id' <<<"$out")" ] ||
    fail "no Pull complete line: $out"
  assert_contains "$(jq -r .status <<<"$out")" "Digest: sha256:"
  assert_eq "Status: Downloaded newer image for $IMG" "$(tail -n 1 <<<"$out" | jq -r .status)"
  capture b images --format '{{.Repository}}:{{.Tag}}'
  assert_contains "$out" "$IMG" "the CLI sees the pulled image"

  api POST "/v1.41/images/create?fromImage=$REG/busybox&tag=latest"
  assert_eq "Status: Image is up to date for $IMG" "$(tail -n 1 <<<"$out" | jq -r .status)"

  api POST "/v1.41/images/create?fromImage=$REG/no-such-image&tag=latest"
  assert_eq 200 "$code" "a pull error comes inside the stream"
  assert_json_lines "$out"
  local message
  message=$(tail -n 1 <<<"$out" | jq -r .errorDetail.message)
  assert_contains "$message" "no-such-image"
  assert_eq "$message" "$(tail -n 1 <<<"$out" | jq -r .error)"

  api POST "/v1.41/images/create"
  assert_eq 400 "$code" "no fromImage"
  api POST "/v1.41/images/create?fromImage=Bad%20Name"
  assert_eq 400 "$code" "invalid reference"
  stop_service
}

test_service_images_pull_libpod_stream() {
  images_clean
  start_service --time 0
  api POST "/v5.0.0/libpod/images/pull?reference=$IMG&tlsVerify=false"
  assert_eq 200 "$code"
  assert_json_lines "$out"
  assert_eq "Trying to pull $IMG..." "$(head -n 1 <<<"$out" | jq -r .stream | tr -d '\n')"
  assert_contains "$(jq -r .stream <<<"$out")" "Writing manifest to image destination"
  local id
  id=$(tail -n 1 <<<"$out" | jq -r .id)
  assert_eq 64 "${#id}" "the last line carries the ID"
  assert_eq "$id" "$(tail -n 1 <<<"$out" | jq -r '.images[0]')"
  assert_eq "$id" "$(b image inspect --format '{{.Id}}' "$IMG")"

  api POST "/libpod/images/pull?reference=$IMG&policy=missing&quiet=true"
  assert_eq 1 "$(wc -l <<<"$out")" "quiet with a local image: only the result line"
  assert_eq "$id" "$(jq -r .id <<<"$out")"

  api POST "/libpod/images/pull?reference=$REG/no-such-image&tlsVerify=false"
  assert_eq 200 "$code"
  assert_contains "$(tail -n 1 <<<"$out" | jq -r .error)" "no-such-image"

  api POST "/libpod/images/pull?reference=$REG/no-such-image&policy=never"
  assert_eq 404 "$code" "policy never without a local image"
  api POST "/libpod/images/pull?reference=$IMG&policy=sometimes"
  assert_eq 400 "$code"
  stop_service
}

# A short name with two search registries: enforcing mode fails with
# Podman's message instead of prompting, permissive mode takes the
# registries in order.
test_service_images_short_name() {
  images_clean
  local conf=$E2E_ROOT/svc-images-registries.conf
  cat >"$conf" <<CONF
unqualified-search-registries = ["$REG", "$REG_TLS"]
short-name-mode = "enforcing"
[[registry]]
location = "$REG"
insecure = true
CONF
  export CONTAINERS_REGISTRIES_CONF=$conf
  start_service --time 0
  api POST "/libpod/images/pull?reference=layered"
  assert_eq 200 "$code"
  assert_contains "$(tail -n 1 <<<"$out" | jq -r .error)" \
    "short-name resolution enforced but cannot prompt without a TTY"
  api POST "/v1.41/images/create?fromImage=layered&tag=latest"
  assert_contains "$(tail -n 1 <<<"$out" | jq -r .error)" "short-name resolution enforced"
  stop_service
  sed -i 's/enforcing/permissive/' "$conf"
  start_service --time 0
  api POST "/v1.41/images/create?fromImage=layered&tag=latest"
  assert_eq "Status: Downloaded newer image for layered:latest" \
    "$(tail -n 1 <<<"$out" | jq -r .status)"
  capture b image exists "$REG/layered:latest"
  assert_rc 0 "the first search registry served the short name"
  stop_service
}

test_service_images_list_and_filters() {
  images_clean
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local id
  id=$(b image inspect --format '{{.Id}}' "$IMG")
  b create --name svc-img-user "$IMG" true >/dev/null
  start_service --time 0
  api GET /v1.41/images/json
  assert_eq 200 "$code"
  assert_eq "sha256:$id" "$(jq -r ".[] | select(.RepoTags[0] == \"$IMG\") | .Id" <<<"$out")"
  assert_eq -1 "$(jq -r ".[] | select(.Id == \"sha256:$id\") | .Containers" <<<"$out")"
  assert_eq object "$(jq -r '.[0].Labels | type' <<<"$out")"
  api GET '/v1.41/images/json?filters=%7B%22reference%22%3A%5B%22busybox%22%5D%7D'
  assert_eq 1 "$(jq length <<<"$out")" "reference=busybox"
  api GET '/v1.41/images/json?filters=%7B%22reference%22%3A%7B%22nomatch%2A%22%3Atrue%7D%7D'
  assert_eq 0 "$(jq length <<<"$out")" "reference in the map shape"
  api GET '/v1.41/images/json?filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D'
  assert_eq 0 "$(jq "[.[] | select(.Id == \"sha256:$id\")] | length" <<<"$out")"
  api GET '/v1.41/images/json?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D'
  assert_eq 400 "$code" "unknown filter"
  api GET /libpod/images/json
  assert_eq "$id" "$(jq -r ".[] | select(.Names[0] == \"$IMG\") | .Id" <<<"$out")"
  assert_eq 1 "$(jq -r ".[] | select(.Id == \"$id\") | .Containers" <<<"$out")"
  assert_eq false "$(jq -r ".[] | select(.Id == \"$id\") | .Dangling" <<<"$out")"
  api GET "/libpod/images/$IMG/exists"
  assert_eq 204 "$code"
  api GET /libpod/images/nosuch:1/exists
  assert_eq 404 "$code"
  b rm -f svc-img-user >/dev/null
  stop_service
}

test_service_images_tag_history_delete() {
  images_clean
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  api POST "/v1.41/images/$IMG/tag?repo=svc-img&tag=v1"
  assert_eq 201 "$code" "compat tag: $out"
  api POST "/libpod/images/$IMG/tag?repo=svc-img&tag=v2"
  assert_eq 201 "$code" "libpod tag: $out"
  capture b images --format '{{.Repository}}:{{.Tag}}'
  assert_contains "$out" "localhost/svc-img:v1"
  assert_contains "$out" "localhost/svc-img:v2"
  api POST /v1.41/images/nosuch:1/tag?repo=x
  assert_eq 404 "$code"

  api GET /v1.41/images/svc-img:v1/history
  assert_eq 200 "$code"
  assert_contains "$(jq -r '.[0].Id' <<<"$out")" "sha256:"
  assert_contains "$(jq -r '.[0].Tags | join(",")' <<<"$out")" "localhost/svc-img:v1"
  [ "$(jq -r '.[0].Created' <<<"$out")" -gt 0 ] || fail "history Created: $out"
  api GET /libpod/images/svc-img:v1/history
  assert_eq 64 "$(jq -r '.[0].Id | length' <<<"$out")" "libpod history IDs are bare"

  api POST /libpod/images/svc-img:v2/untag?repo=svc-img\&tag=v2
  assert_eq 201 "$code"
  capture b image exists localhost/svc-img:v2
  assert_rc 1 "untag removed the name"

  api DELETE /v1.41/images/svc-img:v1
  assert_eq 200 "$code"
  assert_eq '[{"Untagged":"localhost/svc-img:v1"}]' "$(jq -c . <<<"$out")"

  b create --name svc-img-user "$IMG" true >/dev/null
  api DELETE "/v1.41/images/$IMG"
  assert_eq 409 "$code" "an image a container uses"
  assert_contains "$(jq -r .message <<<"$out")" "in use"
  api DELETE "/libpod/images/$IMG"
  assert_eq 409 "$code"
  api DELETE "/libpod/images/remove?images=$IMG&images=nosuch:9"
  assert_eq 200 "$code"
  assert_eq 2 "$(jq '.Errors | length' <<<"$out")"
  assert_eq 2 "$(jq .ExitCode <<<"$out")" "the first failure's exit code: image in use"
  api DELETE /v1.41/images/nosuch:9
  assert_eq 404 "$code"
  assert_eq "No such image: nosuch:9" "$(jq -r .message <<<"$out")" "Docker's message"
  b rm -f svc-img-user >/dev/null

  local id
  id=$(b image inspect --format '{{.Id}}' "$IMG")
  api DELETE "/libpod/images/$IMG"
  assert_eq 200 "$code"
  assert_eq "$id" "$(jq -r '.Deleted[0]' <<<"$out")"
  assert_eq "$IMG" "$(jq -r '.Untagged[0]' <<<"$out")"
  assert_eq 0 "$(jq .ExitCode <<<"$out")"
  capture b image exists "$IMG"
  assert_rc 1
  stop_service
}

test_service_images_save_load_prune() {
  images_clean
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local id work=$E2E_ROOT/svc-images-save
  id=$(b image inspect --format '{{.Id}}' "$IMG")
  rm -rf "$work"
  mkdir -p "$work"
  start_service --time 0
  capture curl -s -o "$work/compat.tar" -w '%{http_code}' --unix-socket "$SVC_SOCK" \
    "http://d/v1.41/images/$IMG/get"
  assert_eq 200 "$out"
  assert_contains "$(tar -tf "$work/compat.tar")" "manifest.json"
  capture curl -s -o "$work/many.tar" -w '%{http_code}' --unix-socket "$SVC_SOCK" \
    "http://d/v1.41/images/get?names=$IMG"
  assert_eq 200 "$out"
  assert_contains "$(tar -tf "$work/many.tar")" "manifest.json"
  capture curl -s -o "$work/oci.tar" -w '%{http_code}' --unix-socket "$SVC_SOCK" \
    "http://d/libpod/images/$IMG/get?format=oci-archive"
  assert_eq 200 "$out"
  assert_contains "$(tar -tf "$work/oci.tar")" "index.json"
  api GET /v1.41/images/nosuch:1/get
  assert_eq 404 "$code" "save of an unknown image is an error status, not a cut tar"

  b rmi -f "$IMG" >/dev/null
  # Docker clients send the archive chunked; curl's --data-binary sends
  # it with a Content-Length.
  api POST /v1.41/images/load?quiet=0 -H 'Content-Type: application/x-tar' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$work/compat.tar"
  assert_eq 200 "$code"
  assert_eq "Loaded image: $IMG" "$(jq -r .stream <<<"$out" | tr -d '\n')"
  assert_eq "$id" "$(b image inspect --format '{{.Id}}' "$IMG")"
  b rmi -f "$IMG" >/dev/null
  api POST /libpod/images/load -H 'Transfer-Encoding: chunked' --data-binary "@$work/oci.tar"
  assert_eq 200 "$code"
  assert_eq "$IMG" "$(jq -r '.Names[0]' <<<"$out")"
  api POST /libpod/images/load --data-binary 'not a tar'
  assert_eq 400 "$code" "a body that is no archive: $out"
  assert_contains "$(jq -r .message <<<"$out")" "invalid archive"

  # An untagged copy of the image, made by import, is dangling: prune
  # removes it and reports its size.
  tar -C "$work" -cf "$work/rootfs.tar" compat.tar
  api POST /libpod/images/import -H 'Transfer-Encoding: chunked' \
    --data-binary "@$work/rootfs.tar"
  assert_eq 200 "$code" "import: $out"
  local imported
  imported=$(jq -r .Id <<<"$out")
  assert_contains "$imported" "sha256:"
  tar -C "$work" -cf "$work/rootfs2.tar" oci.tar
  api POST '/v1.41/images/create?fromSrc=-&repo=svc-imported&tag=v1' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$work/rootfs2.tar"
  assert_eq 200 "$code"
  capture b image exists localhost/svc-imported:v1
  assert_rc 0 "compat import named the image"
  api POST /v1.41/images/prune
  assert_eq 200 "$code"
  assert_contains "$(jq -r '.ImagesDeleted[].Deleted' <<<"$out")" "$imported"
  [ "$(jq -r .SpaceReclaimed <<<"$out")" -gt 0 ] || fail "SpaceReclaimed: $out"
  capture b image exists localhost/svc-imported:v1
  assert_rc 0 "prune keeps named images"
  api POST '/libpod/images/prune?all=true'
  assert_eq 200 "$code"
  assert_contains "$(jq -r '.[].Id' <<<"$out")" "$id"
  capture b image exists "$IMG"
  assert_rc 1 "prune all removed the unused image"
  stop_service
}

# An archive body larger than 1 MiB sent with a Content-Length, as curl
# --data-binary and Go clients that know the size send it.
test_service_images_load_with_length() {
  images_clean
  b pull -q --tls-verify=false "$IMG" >/dev/null
  local work=$E2E_ROOT/svc-images-length
  rm -rf "$work"
  mkdir -p "$work"
  b save -o "$work/busybox.tar" "$IMG"
  b rmi -f "$IMG" >/dev/null
  start_service --time 0
  api POST /libpod/images/load --data-binary "@$work/busybox.tar"
  assert_eq 200 "$code" "load: $out"
  assert_eq "$IMG" "$(jq -r '.Names[0]' <<<"$out")"
  stop_service
}

test_service_images_search_and_auth() {
  start_service --time 0
  # Other tests push many repositories to the registry: httpd stays rare.
  api GET "/v1.41/images/search?term=$REG/httpd&limit=100"
  assert_eq 200 "$code" "search: $out"
  assert_contains "$(jq -r '.[].name' <<<"$out")" "$REG/httpd"
  assert_eq boolean "$(jq -r '.[0].is_official | type' <<<"$out")"
  api GET "/libpod/images/search?term=$REG/httpd&limit=100&tlsVerify=false"
  assert_eq 200 "$code"
  assert_eq "$REG" "$(jq -r '.[0].Index' <<<"$out")"
  api GET "/libpod/images/search?term=$REG/busybox&listTags=true&tlsVerify=false"
  assert_eq 200 "$code" "list tags: $out"
  assert_contains "$(jq -r '.[].Tag' <<<"$out")" "latest"
  api GET /v1.41/images/search
  assert_eq 400 "$code" "no term"

  api POST /v1.41/auth -H 'Content-Type: application/json' \
    -d "{\"username\":\"tester\",\"password\":\"tester-pass\",\"serveraddress\":\"$REG_TLS\"}"
  assert_eq 200 "$code" "auth: $out"
  assert_eq "Login Succeeded" "$(jq -r .Status <<<"$out")"
  api POST /v1.41/auth -H 'Content-Type: application/json' \
    -d "{\"username\":\"tester\",\"password\":\"wrong\",\"serveraddress\":\"$REG_TLS\"}"
  assert_eq 401 "$code" "wrong password: $out"
  api POST /v1.41/auth -d '{"username":'
  assert_eq 400 "$code"
  stop_service
}

test_service_images_push_libpod() {
  images_clean
  b pull -q --tls-verify=false "$IMG" >/dev/null
  start_service --time 0
  api POST "/libpod/images/$IMG/push?destination=$REG/berth-test-images-lp:v1&tlsVerify=false"
  assert_eq 200 "$code"
  assert_json_lines "$out"
  assert_eq "" "$(jq -r 'select(.error) | .error' <<<"$out")" "no error line"
  assert_contains "$(jq -r .stream <<<"$out")" "Writing manifest to image destination"
  assert_contains "$(jq -r 'select(.manifestdigest) | .manifestdigest' <<<"$out")" "sha256:" \
    "the stream ends with the pushed digest"
  api POST "/libpod/images/$IMG/push?destination=$REG/berth-test-images-lp:v2&tlsVerify=false&quiet=true"
  assert_eq "" "$(jq -r 'select(.stream) | .stream' <<<"$out")" "quiet push sends no progress"
  assert_eq 1 "$(jq -s length <<<"$out")" "quiet push sends only the digest"
  api POST "/v4.3.1/libpod/images/$IMG/push?destination=$REG/berth-test-images-lp:v3&tlsVerify=false&quiet=true"
  assert_eq "" "$out" "Podman 4 clients get no digest line"
  api POST "/libpod/images/nosuch:1/push?destination=$REG/berth-test-images-lp:v3"
  assert_eq 404 "$code"
  api POST "/v1.41/images/$REG/busybox/push?tag=nosuch"
  assert_eq 404 "$code" "compat push of a tag that is not local"
  stop_service
  capture b pull -q --tls-verify=false "$REG/berth-test-images-lp:v1"
  assert_rc 0 "the pushed image is in the registry"
  b rmi -f "$REG/berth-test-images-lp:v1" >/dev/null
}

test_service_images_docker_clis() {
  images_clean
  start_service --time 0
  export DOCKER_HOST=unix://$SVC_SOCK
  local cli work=$E2E_ROOT/svc-images-docker n=0
  rm -rf "$work"
  mkdir -p "$work"
  for cli in $(docker_clis); do
    n=$((n + 1))
    capture "$cli" pull "$IMG"
    assert_rc 0 "$cli pull"
    assert_contains "$out" "Status: Downloaded newer image for $IMG"
    capture "$cli" images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
    assert_rc 0 "$cli images"
    assert_contains "$out" "$IMG "

    capture "$cli" tag "$IMG" "$REG/berth-test-images-cli$n:v1"
    assert_rc 0 "$cli tag"
    capture "$cli" push "$REG/berth-test-images-cli$n:v1"
    assert_rc 0 "$cli push"
    assert_contains "$out" "v1: digest: sha256:"
    capture "$cli" save -o "$work/cli$n.tar" "$IMG"
    assert_rc 0 "$cli save"
    assert_contains "$(tar -tf "$work/cli$n.tar")" "manifest.json"

    capture "$cli" rmi "$REG/berth-test-images-cli$n:v1"
    assert_rc 0 "$cli rmi of a second name"
    assert_contains "$out" "Untagged: $REG/berth-test-images-cli$n:v1"
    capture "$cli" rmi "$IMG"
    assert_rc 0 "$cli rmi"
    assert_contains "$out" "Deleted: sha256:"
    capture b image exists "$IMG"
    assert_rc 1 "the image is gone"
    capture "$cli" load -i "$work/cli$n.tar"
    assert_rc 0 "$cli load"
    assert_contains "$out" "Loaded image: $IMG"

    capture "$cli" rmi nosuch:1
    [ "$rc" != 0 ] || fail "$cli rmi of an unknown image succeeded"
    capture "$cli" pull "$REG/no-such-image:latest"
    [ "$rc" != 0 ] || fail "$cli pull of a missing image succeeded"
    assert_contains "$err" "no-such-image"

    # login goes through POST /auth; the pull sends the stored
    # credentials in X-Registry-Auth.
    capture env DOCKER_CONFIG="$work/config$n" sh -c \
      "echo tester-pass | $cli login -u tester --password-stdin $REG_TLS"
    assert_rc 0 "$cli login"
    assert_contains "$out" "Login Succeeded"
    capture env DOCKER_CONFIG="$work/config$n" "$cli" pull "$REG_TLS/busybox:v2s2"
    assert_rc 0 "$cli pull with credentials"
    capture "$cli" pull "$REG_TLS/busybox:oci"
    [ "$rc" != 0 ] || fail "$cli pull without credentials succeeded"
    assert_contains "$err" "401 Unauthorized"
    b rmi -f "$IMG" "$REG_TLS/busybox:v2s2" >/dev/null
  done
  # The pushed image is in the registry: berth pulls it back.
  capture b pull -q --tls-verify=false "$REG/berth-test-images-cli1:v1"
  assert_rc 0 "pull of the pushed image"
  b rmi -f "$REG/berth-test-images-cli1:v1" >/dev/null
  stop_service
}

test_service_images_python_sdk() {
  python3 -c 'import docker' 2>/dev/null || fail "python3-docker is not installed"
  images_clean
  start_service --time 0
  capture env SDK_REG="$REG" python3 - "unix://$SVC_SOCK" <<'PY'
import os, sys
import docker

client = docker.DockerClient(base_url=sys.argv[1])
reg = os.environ["SDK_REG"]
image = client.images.pull(reg + "/busybox", tag="latest")
print("pulled:", ",".join(image.tags))
print("listed:", any(reg + "/busybox:latest" in i.tags for i in client.images.list()))
print("tagged:", client.images.get(reg + "/busybox:latest").tag("svc-img", "v1"))
print("names:", ",".join(sorted(client.images.get(image.id).tags)))
client.images.remove("svc-img:v1")
client.images.remove(reg + "/busybox:latest")
try:
    client.images.get(reg + "/busybox:latest")
    print("still there")
except docker.errors.ImageNotFound:
    print("removed: yes")
PY
  assert_rc 0 "python SDK: $err"
  assert_contains "$out" "pulled: $REG/busybox:latest"
  assert_contains "$out" "listed: True"
  assert_contains "$out" "tagged: True"
  assert_contains "$out" "names: $REG/busybox:latest,localhost/svc-img:v1"
  assert_contains "$out" "removed: yes"
  stop_service
}
