# build: Containerfile instructions, the layer cache, multi-stage builds,
# ignore files and failures, compared with what podman build 4.3 prints.

# Pulls the fixture busybox, which the builds here start FROM.
build_base() { b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null; }

# Makes a fresh context directory and prints its path.
new_context() {
  local dir="$E2E_ROOT/build-ctx-$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

test_build_steps_config_and_tag() {
  build_base
  local ctx
  ctx=$(new_context steps)
  echo content > "$ctx/a.txt"
  cat > "$ctx/Containerfile" <<CF
ARG BASE=$REG/busybox
FROM \$BASE AS first
ARG FOO=bar
ENV A="hello world" B=\$FOO
RUN echo "run \$A \$B" && mkdir -p /out && echo hi > /out/f
COPY a.txt /app/
WORKDIR /app
LABEL x=y
EXPOSE 8080
USER 1:2
STOPSIGNAL SIGINT
VOLUME /data
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat a.txt"]
CF
  capture b build --no-cache -t buildtest-steps --build-arg UNUSED=1 "$ctx"
  assert_rc 0
  assert_contains "$out" "STEP 1/13: FROM $REG/busybox AS first"
  assert_contains "$out" "STEP 4/13: RUN echo \"run \$A \$B\" && mkdir -p /out && echo hi > /out/f"
  assert_contains "$out" "run hello world bar" "RUN output with ENV and ARG expanded by the shell"
  assert_contains "$out" "COMMIT buildtest-steps"
  assert_contains "$out" "[Warning] one or more build args were not consumed: [UNUSED]"
  assert_contains "$out" "Successfully tagged localhost/buildtest-steps:latest"
  local id
  id=$(b image inspect localhost/buildtest-steps:latest --format '{{.Id}}')
  assert_eq "$id" "$(echo "$out" | tail -n 1)" "the full ID comes last"
  capture b image inspect buildtest-steps --format \
    '{{.Config.Env}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{.Config.Labels.x}}|{{.Config.StopSignal}}|{{.Config.Entrypoint}}|{{.Config.Cmd}}'
  assert_contains "$out" "A=hello world B=bar]|/app|1:2|y|SIGINT|[/bin/sh -c]|[cat a.txt]"
  capture b image inspect buildtest-steps
  assert_contains "$out" '"8080/tcp"'
  assert_contains "$out" '"/data"'
  capture b run --rm --user 0 buildtest-steps "cat /app/a.txt /out/f"
  assert_rc 0
  assert_eq "content
hi" "$out"
  capture b history buildtest-steps --format '{{.CreatedBy}}'
  assert_contains "$out" "/bin/sh -c #(nop) WORKDIR /app"
  capture b ps -a -q
  assert_eq "" "$out" "no build container is left"
  b rmi buildtest-steps >/dev/null
}

test_build_cache_and_no_cache() {
  build_base
  local ctx
  ctx=$(new_context cache)
  echo one > "$ctx/f"
  printf 'FROM %s/busybox\nRUN echo ran-$((40+2))\nCOPY f /f\n' "$REG" > "$ctx/Containerfile"
  capture b build --no-cache -t buildtest-cache "$ctx"
  assert_rc 0
  assert_contains "$out" "ran-42"
  local first=$(echo "$out" | tail -n 1)
  capture b build -t buildtest-cache "$ctx"
  assert_rc 0
  assert_not_contains "$out" "ran-42" "the cached RUN does not run"
  assert_contains "$out" "--> Using cache "
  assert_eq "$first" "$(echo "$out" | tail -n 1)" "same image from the cache"
  echo two > "$ctx/f"
  capture b build -t buildtest-cache "$ctx"
  assert_rc 0
  assert_not_contains "$out" "ran-42" "RUN is still cached"
  [ "$first" != "$(echo "$out" | tail -n 1)" ] || fail "a changed COPY source gives a new image"
  capture b build --no-cache -t buildtest-cache "$ctx"
  assert_rc 0
  assert_contains "$out" "ran-42" "--no-cache runs RUN again"
  assert_not_contains "$out" "Using cache"
  capture b run --rm buildtest-cache cat /f
  assert_eq "two" "$out"
  b rmi buildtest-cache >/dev/null
}

test_build_failing_run() {
  build_base
  local ctx before
  ctx=$(new_context fail)
  printf 'FROM %s/busybox\nRUN echo before; exit 3\n' "$REG" > "$ctx/Containerfile"
  before=$(b images -q | sort)
  capture b build -t buildtest-fail "$ctx"
  assert_rc 3 "the RUN's exit status"
  assert_contains "$out" "before"
  assert_contains "$err" 'Error: building at STEP "RUN echo before; exit 3": while running runtime: exit status 3'
  capture b image exists buildtest-fail
  assert_rc 1 "no tag after a failure"
  capture b ps -a -q
  assert_eq "" "$out" "no build container is left"
}

# As in Podman, a RUN step's stderr goes to stderr, also with -q, which
# hides its stdout. A command the runtime cannot exec exits with 1, and an
# unknown USER with 125.
test_build_run_streams_and_start_failures() {
  build_base
  local ctx
  ctx=$(new_context streams)
  printf 'FROM %s/busybox\nRUN echo to-out; echo to-err >&2; exit 4\n' "$REG" >"$ctx/Containerfile"
  capture b build "$ctx"
  assert_rc 4
  assert_contains "$out" "to-out"
  assert_eq "to-out" "$(grep -x 'to-[a-z]*' <<<"$out")" "stderr stays off stdout"
  assert_eq "to-err" "$(grep -x 'to-[a-z]*' <<<"$err")" "stderr goes to stderr"
  capture b build -q "$ctx"
  assert_rc 4 "build -q of a failing RUN"
  assert_eq "" "$out" "-q prints nothing on stdout for a failed build"
  assert_eq "to-err
Error: building at STEP \"RUN echo to-out; echo to-err >&2; exit 4\": while running runtime: exit status 4" "$err"

  printf 'FROM %s/busybox\nRUN ["no-such-command"]\n' "$REG" >"$ctx/Containerfile"
  capture b build "$ctx"
  assert_rc 1 "a RUN command that cannot be executed"
  assert_contains "$err" 'Error: building at STEP "RUN ["no-such-command"]": exec: "no-such-command": executable file not found in $PATH'
  printf 'FROM %s/busybox\nUSER no-such-user\nRUN true\n' "$REG" >"$ctx/Containerfile"
  capture b build "$ctx"
  assert_rc 125 "an unknown USER"
  assert_contains "$err" 'Error: building at STEP "RUN true": unable to find user no-such-user'
  capture b ps -a -q
  assert_eq "" "$out" "no build container is left"
}

test_build_multistage_target_and_scratch() {
  build_base
  local ctx
  ctx=$(new_context multi)
  cat > "$ctx/Containerfile" <<CF
FROM $REG/busybox AS builder
RUN mkdir /out && echo built > /out/result
FROM scratch AS final
COPY --from=builder /out/result /result
FROM $REG/busybox AS other
RUN echo other-stage
CF
  capture b build -t buildtest-multi --target final "$ctx"
  assert_rc 0
  assert_contains "$out" "[1/2] STEP 1/2: FROM $REG/busybox AS builder"
  assert_contains "$out" "[2/2] STEP 2/2: COPY --from=builder /out/result /result"
  assert_contains "$out" "[2/2] COMMIT buildtest-multi"
  assert_not_contains "$out" "other-stage" "--target stops at final"
  capture b image inspect buildtest-multi --format '{{len .RootFS.Layers}}'
  assert_eq "1" "$out" "a scratch stage has only its COPY layer"
  local cid
  cid=$(b create buildtest-multi /x)
  capture b cp "$cid:/result" -
  assert_contains "$out" "built"
  b rm "$cid" >/dev/null
  b rmi buildtest-multi >/dev/null
}

test_build_ignore_file_and_add_tar() {
  build_base
  local ctx
  ctx=$(new_context ignore)
  mkdir -p "$ctx/src/sub" "$ctx/tarsrc"
  echo keep > "$ctx/src/keep.txt"
  echo skip > "$ctx/src/skip.log"
  echo deep > "$ctx/src/sub/deep.txt"
  echo intar > "$ctx/tarsrc/in-tar.txt"
  tar -C "$ctx/tarsrc" -czf "$ctx/files.tar.gz" in-tar.txt
  printf '*/*.log\n' > "$ctx/.containerignore"
  printf 'FROM %s/busybox\nCOPY src /dst/\nADD files.tar.gz /unpacked/\nCOPY --chmod=600 --chown=5:6 src/keep.txt /owned\n' \
    "$REG" > "$ctx/Containerfile"
  capture b build -q -t buildtest-ignore "$ctx"
  assert_rc 0
  assert_eq 1 "$(echo "$out" | wc -l)" "-q prints only the ID"
  capture b run --rm buildtest-ignore sh -c 'ls /dst /dst/sub; cat /unpacked/in-tar.txt; stat -c "%a %u %g" /owned'
  assert_rc 0
  assert_eq "/dst:
keep.txt
sub

/dst/sub:
deep.txt
intar
600 5 6" "$out"
  b rmi buildtest-ignore >/dev/null
}

test_build_errors() {
  build_base
  local ctx
  ctx=$(new_context errors)
  printf 'FROM %s/busybox\nFROBNICATE x\n' "$REG" > "$ctx/Containerfile"
  capture b build "$ctx"
  assert_rc 125
  assert_contains "$err" "line 2: unknown instruction \"FROBNICATE\""
  printf 'FROM %s/busybox\nADD http://example.invalid/x /x\n' "$REG" > "$ctx/Containerfile"
  capture b build "$ctx"
  assert_rc 125
  assert_contains "$err" "remote source \"http://example.invalid/x\" is not supported"
  printf 'FROM %s/busybox\nCOPY missing.txt /x\n' "$REG" > "$ctx/Containerfile"
  capture b build "$ctx"
  assert_rc 125
  assert_contains "$err" "missing.txt"
  capture b build "$E2E_ROOT/no-such-context"
  assert_rc 125
  assert_contains "$err" "no-such-context"
  capture b build --target nope "$ctx"
  assert_rc 125
  assert_contains "$err" "\"nope\""
}

test_build_stdin_file_and_iidfile() {
  build_base
  local ctx
  ctx=$(new_context stdin)
  capture sh -c "printf 'FROM $REG/busybox\nLABEL from=stdin\n' | '$BERTH_BIN' --root '$E2E_ROOT/root' --runroot '$E2E_RUNROOT' image build -f - --iidfile '$ctx/iid' --label extra=1 '$ctx'"
  assert_rc 0
  local id
  id=$(echo "$out" | tail -n 1)
  assert_eq "sha256:$id" "$(cat "$ctx/iid")"
  capture b image inspect "$id" --format '{{.Config.Labels.from}} {{.Config.Labels.extra}}'
  assert_eq "stdin 1" "$out"
  b rmi "$id" >/dev/null
}

test_build_docker_format_keeps_healthcheck() {
  build_base
  local ctx
  ctx=$(new_context docker-format)
  printf 'FROM %s/busybox\nHEALTHCHECK --interval=5s --retries=2 CMD ["true"]\nONBUILD RUN echo child\nSHELL ["/bin/sh", "-ec"]\nRUN echo shell-$((1+1))\nMAINTAINER someone\n' \
    "$REG" > "$ctx/Containerfile"
  capture b build --no-cache --format docker -t buildtest-docker "$ctx"
  assert_rc 0
  assert_contains "$out" "shell-2" "RUN uses the SHELL"
  capture b image inspect buildtest-docker --format '{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} {{.Config.OnBuild}} {{.Author}}'
  assert_eq "[CMD true] 5000000000 [RUN echo child] someone" "$out"
  capture b image inspect buildtest-docker --format '{{.ManifestType}}'
  assert_eq "application/vnd.docker.distribution.manifest.v2+json" "$out"
  capture b build --no-cache --format oci -t buildtest-oci "$ctx"
  assert_rc 0
  assert_contains "$err" "HEALTHCHECK is not supported for the OCI image format"
  capture b image inspect buildtest-oci --format '{{json .Config}}'
  assert_not_contains "$out" "Healthcheck" "the OCI config has no health check"
  capture b build --format docker -t buildtest-docker "$ctx"
  assert_rc 0
  assert_contains "$out" "--> Using cache"
  capture b image inspect buildtest-docker --format '{{.Config.Healthcheck.Test}}'
  assert_eq "[CMD true]" "$out" "the cache keeps the formats apart"
  b rmi buildtest-docker buildtest-oci >/dev/null
}

test_build_rmi_of_cached_step_image() {
  build_base
  local ctx
  ctx=$(new_context rmi-cache)
  printf 'FROM %s/busybox\nENV STEP=one\nLABEL two=2\n' "$REG" > "$ctx/Containerfile"
  capture b build -t buildtest-rmi "$ctx"
  assert_rc 0
  local final=$(echo "$out" | tail -n 1)
  b rmi buildtest-rmi >/dev/null
  capture b image exists "$final"
  assert_rc 1 "rmi removes the cached final image"
  capture b build -t buildtest-rmi "$ctx"
  assert_rc 0
  assert_contains "$out" "--> Using cache" "the ENV step is still cached"
  b rmi buildtest-rmi >/dev/null
}

test_build_workdir_then_copy_into_it() {
  build_base
  local ctx
  ctx=$(new_context workdir)
  echo hello > "$ctx/hello.txt"
  cat > "$ctx/Containerfile" <<CF
FROM $REG/busybox
WORKDIR /app
COPY hello.txt .
ADD hello.txt ./added.txt
WORKDIR /srv/sub
COPY hello.txt /srv/sub
RUN ls /app /srv/sub && pwd
CF
  capture b build --no-cache -t buildtest-workdir "$ctx"
  assert_rc 0
  assert_contains "$out" "added.txt
hello.txt"
  assert_contains "$out" "/srv/sub"
  capture b run --rm buildtest-workdir cat /app/hello.txt /app/added.txt /srv/sub/hello.txt
  assert_rc 0
  assert_eq "hello
hello
hello" "$out"
  capture b run --rm buildtest-workdir stat -c %F /app
  assert_eq "directory" "$out" "WORKDIR made /app a directory"

  # The same from scratch: WORKDIR is the only thing that makes /data.
  cat > "$ctx/Containerfile" <<CF
FROM scratch
WORKDIR /data
COPY hello.txt .
CF
  capture b build --no-cache -t buildtest-workdir-scratch "$ctx"
  assert_rc 0
  capture b image inspect buildtest-workdir-scratch --format '{{len .RootFS.Layers}}'
  assert_eq "2" "$out" "a WORKDIR layer and a COPY layer"
  b rmi buildtest-workdir buildtest-workdir-scratch >/dev/null
}

test_build_sigint_stops_run_step() {
  build_base
  local ctx
  ctx=$(new_context sigint)
  cat > "$ctx/Containerfile" <<CF
FROM $REG/busybox
VOLUME /data
RUN echo started && sleep 60
CF
  local sig code log="$E2E_ROOT/build-sigint.log" containers_before volumes_before
  # Other tests may leave containers and volumes in the shared store: the
  # build must add none.
  containers_before=$(b ps -a -q --no-trunc | sort)
  volumes_before=$(b volume ls -q | sort)
  for sig in INT TERM; do
    case $sig in INT) code=130 ;; TERM) code=143 ;; esac
    "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" build --no-cache \
      -t buildtest-sigint "$ctx" >"$log" 2>&1 &
    local pid=$! waited=0
    until grep -q started "$log"; do
      sleep 0.2
      waited=$((waited + 1))
      [ "$waited" -lt 150 ] || fail "the RUN step did not start: $(cat "$log")"
    done
    local start=$SECONDS
    kill -s "$sig" "$pid"
    set +e
    wait "$pid"
    rc=$?
    set -e
    assert_rc "$code" "exit code after SIG$sig"
    [ $((SECONDS - start)) -lt 10 ] || fail "the build took $((SECONDS - start))s to stop on SIG$sig"
    assert_eq "$containers_before" "$(b ps -a -q --no-trunc | sort)" \
      "no step container is left after SIG$sig"
    assert_eq "$volumes_before" "$(b volume ls -q | sort)" \
      "no anonymous volume is left after SIG$sig"
    capture b image exists buildtest-sigint
    assert_rc 1 "nothing is tagged after SIG$sig"
    capture grep -c " $E2E_ROOT/root/" /proc/self/mounts
    assert_eq "0" "$out" "no overlay stays mounted after SIG$sig"
  done
}

test_build_run_after_volume_leaves_no_volume() {
  build_base
  local ctx
  ctx=$(new_context volume)
  cat > "$ctx/Containerfile" <<CF
FROM $REG/busybox
VOLUME /data
RUN echo one > /one
COPY Containerfile /cf
RUN echo two > /two
CF
  local before
  before=$(b volume ls -q | wc -l)
  capture b build --no-cache -t buildtest-volume "$ctx"
  assert_rc 0
  capture b volume ls -q
  assert_eq "$before" "$(echo -n "$out" | grep -c . || true)" "the build leaves no volume"
  b rmi buildtest-volume >/dev/null
}

test_build_copy_follows_top_level_symlinks() {
  build_base
  local ctx
  ctx=$(new_context symlink)
  mkdir -p "$ctx/real/dir"
  echo target > "$ctx/real/file.txt"
  echo inner > "$ctx/real/dir/inner.txt"
  ln -s real/file.txt "$ctx/link.txt"
  ln -s real/dir "$ctx/linkdir"
  ln -s file.txt "$ctx/real/kept-link"
  ln -s real/file.txt "$ctx/glob-link.txt"
  cat > "$ctx/Containerfile" <<CF
FROM $REG/busybox
COPY link.txt /out/
COPY linkdir /out/d/
COPY glob-*.txt /out/g/
COPY real /out/r/
CF
  capture b build --no-cache -t buildtest-symlink "$ctx"
  assert_rc 0
  capture b run --rm buildtest-symlink sh -c \
    'cat /out/link.txt /out/d/inner.txt /out/g/glob-link.txt; stat -c %F /out/link.txt /out/g/glob-link.txt; readlink /out/r/kept-link'
  assert_rc 0
  assert_eq "target
inner
target
regular file
regular file
file.txt" "$out"

  ln -s /etc/passwd "$ctx/outside"
  printf 'FROM %s\nCOPY outside /x\n' "$REG/busybox" > "$ctx/Containerfile"
  capture b build "$ctx"
  assert_rc 125
  assert_contains "$err" 'source "outside" is a symbolic link to "/etc/passwd", outside the build context'
  b rmi buildtest-symlink >/dev/null
}

test_build_add_detects_archives_by_content() {
  build_base
  local ctx
  ctx=$(new_context addmagic)
  echo "just text" > "$ctx/fake.tar"
  mkdir -p "$ctx/src"
  echo packed > "$ctx/src/packed.txt"
  tar -C "$ctx/src" -cjf "$ctx/a.tgz.bz2" packed.txt
  tar -C "$ctx/src" -czf "$ctx/plain.data" packed.txt
  cat > "$ctx/Containerfile" <<CF
FROM $REG/busybox
ADD fake.tar /fake/
ADD a.tgz.bz2 /bz/
ADD plain.data /gz/
CF
  capture b build --no-cache -t buildtest-addmagic "$ctx"
  assert_rc 0
  capture b run --rm buildtest-addmagic sh -c 'cat /fake/fake.tar /bz/packed.txt /gz/packed.txt; ls /bz; ls /gz'
  assert_rc 0
  assert_eq "just text
packed
packed
packed.txt
packed.txt" "$out"
  b rmi buildtest-addmagic >/dev/null
}

test_build_stdin_context_and_file_lookup() {
  build_base
  local ctx
  ctx=$(new_context stdinctx)
  printf 'FROM %s\nRUN ls -A /ctxcheck 2>&1 || echo no-context\nLABEL from=stdin\n' "$REG/busybox" \
    > "$ctx/Stdin.Containerfile"
  capture b build -t buildtest-stdinctx - < "$ctx/Stdin.Containerfile"
  assert_rc 0
  capture b image inspect buildtest-stdinctx --format '{{.Config.Labels.from}}'
  assert_eq "stdin" "$out"

  # -f relative to the working directory falls back to the context's file.
  mkdir -p "$ctx/sub"
  printf 'FROM %s\nLABEL from=context\n' "$REG/busybox" > "$ctx/sub/Other.Containerfile"
  capture bash -c "cd '$E2E_ROOT' && '$BERTH_BIN' --root '$E2E_ROOT/root' --runroot '$E2E_RUNROOT' build -t buildtest-stdinctx -f Other.Containerfile '$ctx/sub'"
  assert_rc 0
  capture b image inspect buildtest-stdinctx --format '{{.Config.Labels.from}}'
  assert_eq "context" "$out"

  capture b build "$ctx/Stdin.Containerfile"
  assert_rc 125
  assert_contains "$err" "\"$ctx/Stdin.Containerfile\" is not a directory"
  b rmi buildtest-stdinctx >/dev/null
}

test_build_onbuild_triggers_run_after_from() {
  build_base
  local ctx
  ctx=$(new_context onbuild)
  echo from-context > "$ctx/data.txt"
  cat > "$ctx/Base.Containerfile" <<CF
FROM $REG/busybox
ONBUILD COPY data.txt /ob/data.txt
ONBUILD RUN echo trigger-ran > /ob/ran
CF
  capture b build --format docker -t buildtest-onbuild-base -f "$ctx/Base.Containerfile" "$ctx"
  assert_rc 0
  cat > "$ctx/Containerfile" <<CF
FROM buildtest-onbuild-base
RUN cat /ob/ran /ob/data.txt
CF
  capture b build --no-cache -t buildtest-onbuild "$ctx"
  assert_rc 0
  # Podman 4.3 counts the triggers only from the step after FROM on.
  assert_contains "$out" "STEP 1/2: FROM buildtest-onbuild-base
STEP 2/4: COPY data.txt /ob/data.txt"
  assert_contains "$out" "STEP 3/4: RUN echo trigger-ran > /ob/ran"
  assert_contains "$out" "STEP 4/4: RUN cat /ob/ran /ob/data.txt
trigger-ran
from-context"
  capture b image inspect buildtest-onbuild --format '{{json .Config}}'
  assert_rc 0
  assert_not_contains "$out" "trigger-ran" "the triggers are not carried on"

  # A stage with ONBUILD used by a later FROM runs its triggers there.
  cat > "$ctx/Containerfile" <<CF
FROM $REG/busybox AS parent
ONBUILD RUN echo stage-trigger > /st
FROM parent
RUN cat /st
CF
  capture b build --no-cache --format docker -t buildtest-onbuild "$ctx"
  assert_rc 0
  assert_contains "$out" "[2/2] STEP 2/3: RUN echo stage-trigger > /st"
  assert_contains "$out" "[2/2] STEP 3/3: RUN cat /st
stage-trigger"
  b rmi buildtest-onbuild buildtest-onbuild-base >/dev/null
}
