# Image builds through the service: Docker's POST /build and Podman's POST
# /libpod/build with curl, the Docker CLIs (classic builder), docker-compose
# and the Python docker SDK, and berth --url build compared with a local
# build on the same store. The service extracts each context under
# /var/tmp/berth-build-contexts and removes it after the build.

# berth through the service that start_service runs on $SVC_SOCK.
r() { "$BERTH_BIN" --url "unix://$SVC_SOCK" "$@"; }

CONTEXTS=/var/tmp/berth-build-contexts

# A fresh build context directory with a Dockerfile on the fixture busybox.
rbuild_context() {
  local dir=$E2E_ROOT/rbuild-ctx
  rm -rf "$dir"
  mkdir -p "$dir"
  printf 'FROM %s/busybox:latest\nRUN echo run-output\nCOPY a.txt /a.txt\nLABEL rbuild=yes\nCMD ["cat", "/a.txt"]\n' \
    "$REG" >"$dir/Dockerfile"
  echo file-a >"$dir/a.txt"
  echo "$dir"
}

rbuild_cleanup() {
  b rmi -f localhost/rbuild-local localhost/rbuild-remote rbuild-compat rbuild-docker \
    rbuild-compose_app rbuild-sdk localhost/rbuild-podman localhost/rbuild-ignore \
    localhost/rbuild-outside >/dev/null 2>&1 || true
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
}

# The contexts the service left behind (none once every build has ended).
leftover_contexts() { ls -A "$CONTEXTS" 2>/dev/null | grep -v '\.lock$' || true; }

test_build_api_compat_stream() {
  start_service --time 0
  rbuild_cleanup
  local dir id
  dir=$(rbuild_context)
  tar -C "$dir" -czf "$E2E_ROOT/rbuild-ctx.tar.gz" .
  api POST '/v1.41/build?t=rbuild-compat&dockerfile=Dockerfile&rm=1&nocache=1' \
    -H 'Content-Type: application/x-tar' --data-binary "@$E2E_ROOT/rbuild-ctx.tar.gz"
  assert_eq 200 "$code" "a gzip context builds"
  assert_contains "$out" '{"stream":"STEP 1/5: FROM '
  assert_contains "$out" '{"stream":"run-output\n"}'
  assert_contains "$out" '{"aux":{"ID":"sha256:'
  id=$(b inspect --format '{{.Id}}' rbuild-compat)
  assert_contains "$out" "{\"stream\":\"Successfully built ${id:0:12}\\n\"}"
  assert_contains "$out" '{"stream":"Successfully tagged rbuild-compat\n"}'
  assert_eq yes "$(b inspect --format '{{index .Config.Labels "rbuild"}}' rbuild-compat)"
  assert_eq "" "$(leftover_contexts)" "the context is removed after the build"
}

test_build_api_libpod_stream() {
  start_service --time 0
  rbuild_cleanup
  local dir id sum
  dir=$(rbuild_context)
  # A context larger than the service's 64 MiB limit for bodies in memory.
  head -c 80M /dev/urandom >"$dir/big.bin"
  sum=$(sha256sum <"$dir/big.bin" | cut -d' ' -f1)
  printf 'COPY big.bin /big.bin\n' >>"$dir/Dockerfile"
  tar -C "$dir" -cf "$E2E_ROOT/rbuild-ctx.tar" .
  # Chunked, as Podman's client sends it.
  api POST '/v5.0.0/libpod/build?t=rbuild-remote' -H 'Transfer-Encoding: chunked' \
    -H 'Content-Type: application/x-tar' --data-binary "@$E2E_ROOT/rbuild-ctx.tar"
  assert_eq 200 "$code"
  id=$(b inspect --format '{{.Id}}' localhost/rbuild-remote)
  # The last line is the full image ID, which Podman's client reads.
  assert_eq "{\"stream\":\"$id\\n\"}" "$(tail -n 1 <<<"$out")"
  assert_not_contains "$out" '"aux"'
  assert_eq "$sum  /big.bin" "$(b run --rm localhost/rbuild-remote sha256sum /big.bin)" \
    "the large file arrives intact"
  assert_eq "" "$(leftover_contexts)"
  rm -f "$dir/big.bin" "$E2E_ROOT/rbuild-ctx.tar"
}

test_build_api_bad_input() {
  start_service --time 0
  rbuild_cleanup
  local dir
  echo 'not a tar' >"$E2E_ROOT/rbuild-junk.tar"
  api POST '/v1.41/build?t=rbuild-compat' --data-binary "@$E2E_ROOT/rbuild-junk.tar"
  assert_eq 400 "$code" "a malformed tar is a bad request"
  assert_contains "$out" 'invalid build context: the request body is not a tar archive'
  api POST '/v5.0.0/libpod/build' --data-binary "@$E2E_ROOT/rbuild-junk.tar"
  assert_eq 400 "$code"
  assert_eq "" "$(leftover_contexts)" "nothing is left after a malformed tar"

  api POST '/v1.41/build?t=BAD:TAG:x' --data-binary "@$E2E_ROOT/rbuild-junk.tar"
  assert_eq 400 "$code" "a bad image name is a bad request before the context is read"
  assert_contains "$out" 'BAD:TAG:x'
  api POST '/v1.41/build' -H "X-Registry-Config: $(printf '{"a":' | base64)" \
    --data-binary "@$E2E_ROOT/rbuild-junk.tar"
  assert_eq 400 "$code" "a registry header whose JSON is cut off"
  assert_contains "$out" "invalid X-Registry-Config header: its JSON does not parse"
  api POST '/v1.41/build?buildargs=%7Bnot' --data-binary "@$E2E_ROOT/rbuild-junk.tar"
  assert_eq 400 "$code" "a malformed buildargs is a bad request"
  assert_contains "$out" 'buildargs'
  api POST '/v1.41/build?dockerfile=..%2F..%2Fetc%2Fpasswd' --data-binary "@$E2E_ROOT/rbuild-junk.tar"
  assert_eq 400 "$code" "a dockerfile outside the context is rejected"

  dir=$(rbuild_context)
  tar -C "$dir" -cf "$E2E_ROOT/rbuild-ctx.tar" .
  api POST '/v1.41/build?dockerfile=Nope' --data-binary "@$E2E_ROOT/rbuild-ctx.tar"
  assert_eq 200 "$code" "a missing Dockerfile is reported in the stream"
  assert_contains "$out" '"errorDetail":{"message":'
  assert_contains "$out" 'Nope'
  assert_not_contains "$out" 'berth-build' "the service's scratch directory stays hidden"

  printf 'FROM %s/busybox:latest\nRUN echo before; exit 3\n' "$REG" >"$dir/Dockerfile"
  tar -C "$dir" -cf "$E2E_ROOT/rbuild-ctx.tar" .
  api POST '/v1.41/build?t=rbuild-compat' --data-binary "@$E2E_ROOT/rbuild-ctx.tar"
  assert_eq 200 "$code"
  assert_contains "$out" 'before'
  assert_contains "$(tail -n 1 <<<"$out")" '"error":'
  assert_not_contains "$out" '"aux"'
  capture b image exists rbuild-compat
  assert_rc 1 "a failed build tags nothing"
  assert_eq "" "$(leftover_contexts)"
}

# The processes of a build step that runs "sleep 47" (none once stopped).
sleep47_count() { pgrep -xf "sleep 47" | wc -l; }

# Waits up to 10 s for the RUN step's "sleep 47" to run, and asserts it does.
wait_step_running() {
  for _ in $(seq 100); do
    [ "$(sleep47_count)" = 1 ] && break
    sleep 0.1
  done
  assert_eq 1 "$(sleep47_count)" "the RUN step runs"
}

# Waits up to 10 s for the build's step to stop and the context to go.
wait_build_gone() {
  for _ in $(seq 100); do
    [ -z "$(leftover_contexts)" ] && [ "$(sleep47_count)" = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

test_build_api_client_hangs_up() {
  start_service --time 0
  rbuild_cleanup
  local dir
  dir=$(rbuild_context)
  printf 'FROM %s/busybox:latest\nRUN sleep 47\n' "$REG" >"$dir/Dockerfile"
  tar -C "$dir" -cf "$E2E_ROOT/rbuild-ctx.tar" .
  timeout 2 curl -s --unix-socket "$SVC_SOCK" -X POST --data-binary "@$E2E_ROOT/rbuild-ctx.tar" \
    'http://d/v1.41/build?t=rbuild-compat&nocache=1' >/dev/null || true
  # The hang-up stops the step's container and the build at once.
  wait_build_gone || fail "the build went on after its client hung up: $(pgrep -xaf 'sleep 47')"
  capture b images -q rbuild-compat
  assert_eq "" "$out" "a stopped build tags nothing"
  capture b ps -a --format '{{.ID}}'
  assert_eq "" "$out" "a stopped build leaves no container"
  api GET /_ping
  assert_eq 200 "$code" "the service still serves"
  assert_contains "$(cat "$E2E_ROOT/service.log")" "the build's client has hung up"
}

test_build_remote_client_interrupted() {
  start_service --time 0
  rbuild_cleanup
  local dir pid
  dir=$(rbuild_context)
  printf 'FROM %s/busybox:latest\nRUN echo started && sleep 47\n' "$REG" >"$dir/Dockerfile"
  # Not through r(): $! must be berth's own PID.
  "$BERTH_BIN" --url "unix://$SVC_SOCK" build --no-cache -t rbuild-remote "$dir" \
    >"$E2E_ROOT/rbuild.out" 2>&1 &
  pid=$!
  wait_step_running
  # A background job of a script ignores SIGINT, so SIGTERM replaces
  # Ctrl-C here. With --url both keep their default action.
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  assert_eq 143 "$rc" "berth --url build exits 143 on SIGTERM"
  wait_build_gone || fail "the service's build went on after berth --url build was interrupted"
  capture b images -q localhost/rbuild-remote
  assert_eq "" "$out" "an interrupted build tags nothing"
  capture b ps -a --format '{{.ID}}'
  assert_eq "" "$out" "an interrupted build leaves no container"
}

# SIGTERM to the service stops a build in flight as a hang-up does: the
# RUN step's container and the context go before the service exits.
test_build_service_stopped_during_build() {
  start_service --time 0
  rbuild_cleanup
  local dir client
  dir=$(rbuild_context)
  printf 'FROM %s/busybox:latest\nRUN sleep 47\n' "$REG" >"$dir/Dockerfile"
  "$BERTH_BIN" --url "unix://$SVC_SOCK" build --no-cache -t rbuild-remote "$dir" \
    >"$E2E_ROOT/rbuild.out" 2>&1 &
  client=$!
  wait_step_running
  kill -TERM "$svc_pid"
  wait_for_exit 10 "$svc_pid" || fail "the service still runs 10 s after SIGTERM"
  local rc=0
  wait "$client" || rc=$?
  assert_eq 125 "$rc" "the client fails"
  assert_contains "$(cat "$E2E_ROOT/rbuild.out")" \
    "the service closed the connection in the middle of the reply to /v5.0.0/libpod/build:"
  assert_eq 0 "$(sleep47_count)" "the RUN step is killed"
  assert_eq "" "$(leftover_contexts)" "the context is removed"
  capture b ps -a --format '{{.ID}}'
  assert_eq "" "$out" "the step's container is removed"
  capture b images -q localhost/rbuild-remote
  assert_eq "" "$out" "nothing is tagged"
}

# FROM images behind a registry login: --creds and --authfile reach the
# pulls of a local build and, as headers, of a build through the service.
test_build_from_registry_with_creds() {
  source "$FIXTURES_DIR/env"
  start_service --time 0
  local dir=$E2E_ROOT/rbuild-creds creds="$BERTH_REGISTRY_USER:$BERTH_REGISTRY_PASSWORD"
  rm -rf "$dir" && mkdir -p "$dir"
  printf 'FROM %s/busybox:latest\nRUN echo built-on-tls\n' "$REG_TLS" >"$dir/Containerfile"
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null 2>&1 || true
  capture b build --tls-verify=false -t rbuild-creds "$dir"
  assert_rc 125 "a local build without credentials"
  assert_contains "$err" "401"
  capture r build --tls-verify=false -t rbuild-creds "$dir"
  assert_rc 125 "a remote build without credentials"
  assert_contains "$err" "401"

  capture b build --tls-verify=false --creds "$creds" -t rbuild-creds "$dir"
  assert_rc 0 "a local build with --creds"
  assert_contains "$out" "built-on-tls"
  b rmi -f rbuild-creds "$REG_TLS/busybox:latest" >/dev/null
  capture r build --tls-verify=false --creds "$creds" -t rbuild-creds "$dir"
  assert_rc 0 "a remote build with --creds"
  assert_contains "$out" "built-on-tls"
  b rmi -f rbuild-creds "$REG_TLS/busybox:latest" >/dev/null
  # An auth file on the client's host travels as a map of registries.
  b login --authfile "$E2E_ROOT/rbuild-auth.json" --tls-verify=false \
    -u "$BERTH_REGISTRY_USER" -p "$BERTH_REGISTRY_PASSWORD" "$REG_TLS" >/dev/null
  capture r build --tls-verify=false --authfile "$E2E_ROOT/rbuild-auth.json" -t rbuild-creds "$dir"
  assert_rc 0 "a remote build with --authfile"
  b rmi -f rbuild-creds "$REG_TLS/busybox:latest" >/dev/null
  capture b build --authfile "$E2E_ROOT/missing-auth.json" -t rbuild-creds "$dir"
  assert_rc 125 "a local build with a missing auth file"
  assert_contains "$err" "auth file \"$E2E_ROOT/missing-auth.json\" given with --authfile not found"
  local local_err=$err
  capture r build --authfile "$E2E_ROOT/missing-auth.json" -t rbuild-creds "$dir"
  assert_rc 125 "a remote build with a missing auth file"
  assert_eq "$local_err" "$err" "the same message remotely"
  capture r build --cert-dir /tmp -t rbuild-creds "$dir"
  assert_rc 125 "--cert-dir through the service"
  assert_contains "$err" "unknown flag: --cert-dir"
  # The service wrote the auth file into a scratch directory of its own
  # and removed it with the build.
  assert_eq "" "$(leftover_contexts)" "no scratch directory stays"
}

test_build_docker_clis() {
  start_service --time 0
  rbuild_cleanup
  local dir cli
  dir=$(rbuild_context)
  for cli in $(docker_clis); do
    b rmi -f rbuild-docker >/dev/null 2>&1 || true
    capture env DOCKER_HOST="unix://$SVC_SOCK" DOCKER_BUILDKIT=0 "$cli" build -t rbuild-docker "$dir"
    assert_rc 0 "$cli build"
    assert_contains "$out" 'STEP 2/5: RUN echo run-output'
    assert_contains "$out" 'Successfully built'
    assert_contains "$out" 'Successfully tagged rbuild-docker'
    capture env DOCKER_HOST="unix://$SVC_SOCK" DOCKER_BUILDKIT=0 "$cli" build -q "$dir"
    assert_rc 0 "$cli build -q"
    assert_eq "sha256:$(b inspect --format '{{.Id}}' rbuild-docker)" "$out" "$cli build -q prints the ID"
    capture env DOCKER_HOST="unix://$SVC_SOCK" "$cli" run --rm rbuild-docker
    assert_rc 0 "$cli run of the built image"
    assert_eq file-a "$out"

    printf 'FROM %s/busybox:latest\nRUN exit 4\n' "$REG" >"$dir/Failing"
    capture env DOCKER_HOST="unix://$SVC_SOCK" DOCKER_BUILDKIT=0 "$cli" build -f "$dir/Failing" "$dir"
    assert_rc 4 "$cli build of a failing RUN exits with its status"
    assert_contains "$err$out" 'exit'
  done
  assert_eq "" "$(leftover_contexts)"
}

# Docker treats registries on loopback addresses as insecure, so a Docker
# client's build pulls FROM such a registry without TLS checks and without
# a registries.conf entry, as its pull does. The credentials come from the
# client's config.json.
test_build_docker_clis_from_loopback_tls_registry() {
  source "$FIXTURES_DIR/env"
  start_service --time 0
  local dir=$E2E_ROOT/rbuild-docker-tls cfg=$E2E_ROOT/rbuild-docker-config cli auth
  rm -rf "$dir" "$cfg" && mkdir -p "$dir" "$cfg"
  printf 'FROM %s/busybox:latest\nRUN echo built-from-tls\n' "$REG_TLS" >"$dir/Dockerfile"
  auth=$(printf '%s:%s' "$BERTH_REGISTRY_USER" "$BERTH_REGISTRY_PASSWORD" | base64 -w0)
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_TLS" "$auth" >"$cfg/config.json"
  for cli in $(docker_clis); do
    b rmi -f rbuild-docker-tls "$REG_TLS/busybox:latest" >/dev/null 2>&1 || true
    capture env DOCKER_HOST="unix://$SVC_SOCK" DOCKER_CONFIG="$cfg" DOCKER_BUILDKIT=0 \
      "$cli" build -t rbuild-docker-tls "$dir"
    assert_rc 0 "$cli build FROM $REG_TLS: $err"
    assert_contains "$out" "built-from-tls"
    assert_contains "$out" "Successfully tagged rbuild-docker-tls"
  done
  b rmi -f rbuild-docker-tls "$REG_TLS/busybox:latest" >/dev/null
  assert_eq "" "$(leftover_contexts)"
}

test_build_docker_compose() {
  start_service --time 0
  rbuild_cleanup
  local project=$E2E_ROOT/rbuild-compose
  rm -rf "$project"
  mkdir -p "$project/app"
  printf 'FROM %s/busybox:latest\nRUN echo compose > /built\n' "$REG" >"$project/app/Dockerfile"
  printf 'version: "3"\nservices:\n  app:\n    build: ./app\n' >"$project/docker-compose.yml"
  capture env DOCKER_HOST="unix://$SVC_SOCK" DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 \
    docker-compose -p rbuild-compose -f "$project/docker-compose.yml" build
  assert_rc 0 "docker-compose build"
  assert_eq compose "$(b run --rm rbuild-compose_app cat /built)"
}

test_build_python_sdk() {
  start_service --time 0
  rbuild_cleanup
  local dir
  dir=$(rbuild_context)
  capture python3 - "unix://$SVC_SOCK" "$dir" <<'EOF'
import sys
import docker
client = docker.DockerClient(base_url=sys.argv[1])
image, logs = client.images.build(path=sys.argv[2], tag="rbuild-sdk")
print(image.id)
print("".join(item.get("stream", "") for item in logs))
EOF
  assert_rc 0 "images.build of the Python SDK"
  assert_eq "sha256:$(b inspect --format '{{.Id}}' rbuild-sdk)" "$(head -n 1 <<<"$out")"
  assert_contains "$out" 'run-output'
}

# The output of a build without the image IDs, which differ between two
# builds of the same Containerfile.
without_ids() { sed -E 's/[0-9a-f]{64}/ID/g; s/[0-9a-f]{11,12}/ID/g'; }

test_build_remote_matches_local() {
  start_service --time 0
  rbuild_cleanup
  local dir local_out remote_out
  dir=$(rbuild_context)
  capture b build --no-cache -t rbuild-local "$dir"
  assert_rc 0 "local build"
  local_out=$out
  capture r build --no-cache -t rbuild-remote "$dir"
  assert_rc 0 "remote build"
  remote_out=$out
  assert_eq "$(b inspect --format '{{.Id}}' localhost/rbuild-remote)" "$(tail -n 1 <<<"$remote_out")" \
    "the last line is the image ID"
  assert_eq "$(without_ids <<<"${local_out//rbuild-local/NAME}")" \
    "$(without_ids <<<"${remote_out//rbuild-remote/NAME}")" "remote and local output"
  local format='{{json .Config.Labels}} {{json .Config.Cmd}} {{json .Config.Env}} {{.Os}}/{{.Architecture}}'
  assert_eq "$(b inspect --format "$format" localhost/rbuild-local)" \
    "$(b inspect --format "$format" localhost/rbuild-remote)" "the same image config"
  assert_eq file-a "$(b run --rm localhost/rbuild-remote)"
}

test_build_remote_errors_match_local() {
  start_service --time 0
  rbuild_cleanup
  local dir local_err local_rc
  dir=$(rbuild_context)
  printf 'FROM %s/busybox:latest\nRUN echo before; exit 3\n' "$REG" >"$dir/Dockerfile"
  capture b build "$dir"
  local_err=$err local_rc=$rc
  capture r build "$dir"
  assert_rc "$local_rc" "a failing RUN exits as locally"
  assert_eq "$local_err" "$err" "the same error message"
  assert_contains "$out" 'before'

  printf 'FROM %s/busybox:latest\nUSER no-such-user\nRUN true\n' "$REG" >"$dir/Dockerfile"
  capture b build "$dir"
  local_err=$err local_rc=$rc
  capture r build "$dir"
  assert_rc 125 "an unknown USER"
  assert_eq "$local_rc" "$rc"
  assert_eq "$local_err" "$err" "the same error for an unknown USER"
  printf 'FROM %s/busybox:latest\nRUN ["no-such-command"]\n' "$REG" >"$dir/Dockerfile"
  capture b build "$dir"
  local_err=$err
  capture r build "$dir"
  assert_rc 1 "a RUN command that cannot be executed"
  assert_eq "$local_err" "$err" "the same error for a command that cannot be executed"

  capture b build -f "$dir/Nope" "$dir"
  local_err=$err local_rc=$rc
  capture r build -f "$dir/Nope" "$dir"
  assert_rc "$local_rc" "a missing Containerfile exits as locally"
  assert_eq "$local_err" "$err" "the same error for a missing Containerfile"

  capture b build "$E2E_ROOT/rbuild-no-such-dir"
  local_err=$err
  capture r build "$E2E_ROOT/rbuild-no-such-dir"
  assert_rc 125 "a missing context"
  assert_eq "$local_err" "$err" "the same error for a missing context"

  rm "$dir/Dockerfile"
  capture b build "$dir"
  local_err=$err
  capture r build "$dir"
  assert_rc 125 "a context without a Containerfile"
  assert_eq "$local_err" "$err" "the same error for a context without a Containerfile"
  assert_eq "" "$(leftover_contexts)"
}

test_build_remote_ignore_and_outside_containerfile() {
  start_service --time 0
  rbuild_cleanup
  local dir
  dir=$(rbuild_context)
  mkdir -p "$dir/secret"
  echo hidden >"$dir/secret/key"
  echo kept >"$dir/keep.txt"
  printf 'secret\n*.txt\n!keep.txt\n' >"$dir/.containerignore"
  printf 'FROM %s/busybox:latest\nCOPY . /ctx/\n' "$REG" >"$E2E_ROOT/rbuild-Containerfile"
  capture r build -t rbuild-outside -f "$E2E_ROOT/rbuild-Containerfile" "$dir"
  assert_rc 0 "remote build with a Containerfile outside the context"
  capture b run --rm localhost/rbuild-outside ls -A /ctx
  assert_contains "$out" 'keep.txt'
  assert_contains "$out" 'Dockerfile'
  assert_not_contains "$out" 'secret'
  assert_not_contains "$out" 'a.txt'
  assert_not_contains "$out" 'berth-containerfile'

  # Without an ignore file, none appears in the image.
  rm "$dir/.containerignore"
  capture r build -t rbuild-outside -f "$E2E_ROOT/rbuild-Containerfile" "$dir"
  assert_rc 0 "remote build without an ignore file"
  capture b run --rm localhost/rbuild-outside ls -A /ctx
  assert_contains "$out" 'a.txt'
  assert_not_contains "$out" 'containerignore'
  assert_not_contains "$out" 'berth-containerfile'
}

test_build_podman_remote() {
  command -v podman >/dev/null || return 0
  start_service --time 0
  rbuild_cleanup
  local dir
  dir=$(rbuild_context)
  capture podman --url "unix://$SVC_SOCK" build -t rbuild-podman "$dir"
  assert_rc 0 "podman --url build"
  assert_eq "$(b inspect --format '{{.Id}}' localhost/rbuild-podman)" "$(tail -n 1 <<<"$out")"
}
