# Secrets: the secret commands and --secret, checked inside real
# containers and on disk.

IMG=$REG/busybox:latest

setup_secrets() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f -a >/dev/null 2>&1 || true
  b secret rm -a >/dev/null 2>&1 || true
  SECRET_FILE=$E2E_ROOT/secret-data
  printf 'hunter2' >"$SECRET_FILE"
}

test_secret_create_ls_inspect_rm() {
  setup_secrets
  # Data that no command line of any test contains.
  local unique="data-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
  printf '%s' "$unique" >"$SECRET_FILE"
  capture b secret create e2esec-a "$SECRET_FILE"
  assert_rc 0
  [[ $out =~ ^[0-9a-f]{25}$ ]] || fail "a secret ID has 25 hex digits, got [$out]"
  local id_a=$out
  capture sh -c "printf 'from-stdin' | '$BERTH_BIN' --root '$E2E_ROOT/root' --runroot '$E2E_RUNROOT' secret create --label team=red e2esec-b -"
  assert_rc 0 "data from stdin"
  local id_b=$out
  capture env E2E_TOKEN=from-env "$BERTH_BIN" --root "$E2E_ROOT/root" --runroot "$E2E_RUNROOT" \
    secret create --env e2esec-c E2E_TOKEN
  assert_rc 0 "data from an environment variable"

  # The data is kept in a root-only file and nowhere in the database.
  local data_file=$E2E_ROOT/root/secrets/filedriver/$id_a
  assert_eq "$unique" "$(cat "$data_file")"
  assert_eq "600" "$(stat -c %a "$data_file")"
  assert_eq "700" "$(stat -c %a "$E2E_ROOT/root/secrets/filedriver")"
  if grep -q "$unique" "$E2E_ROOT/root/berth.db"*; then
    fail "the secret's data must not be in the state database"
  fi

  capture b secret ls
  assert_rc 0
  [[ $(head -1 <<<"$out") =~ ^ID\ +NAME\ +DRIVER\ +CREATED\ +UPDATED$ ]] ||
    fail "secret ls header, got [$(head -1 <<<"$out")]"
  assert_contains "$out" "$id_a  e2esec-a    file        "
  assert_eq "3" "$(b secret ls -q | wc -l)"
  assert_eq "$id_b" "$(b secret ls -q --filter label=team=red)"
  assert_eq "$id_a" "$(b secret ls -q --filter name=^e2esec-a$)"
  assert_eq "2" "$(b secret ls -q --filter name=e2esec-a --filter name=e2esec-b | wc -l)"
  assert_eq "e2esec-a file" "$(b secret ls --filter id="$id_a" --format '{{.Name}} {{.Driver}}')"
  assert_eq "$(b secret ls --noheading | wc -l)" "3"
  assert_eq "e2esec-b" "$(b secret ls --format json --filter name=e2esec-b | jq -r '.[0].Spec.Name')"
  capture b secret ls --filter color=red
  assert_rc 125 "an unknown filter"
  assert_contains "$err" '"color=red"'

  capture b secret inspect e2esec-b
  assert_rc 0
  assert_eq "$id_b" "$(jq -r '.[0].ID' <<<"$out")"
  assert_eq "file" "$(jq -r '.[0].Spec.Driver.Name' <<<"$out")"
  assert_eq "red" "$(jq -r '.[0].Spec.Labels.team' <<<"$out")"
  assert_eq "null" "$(jq -r '.[0].SecretData' <<<"$out")" "no data without --showsecret"
  assert_eq "from-stdin" "$(b secret inspect --showsecret e2esec-b | jq -r '.[0].SecretData')"
  assert_eq "from-env" "$(b secret inspect --showsecret --format '{{.SecretData}}' e2esec-c)"
  assert_eq "e2esec-a" "$(b secret inspect --format '{{.Spec.Name}}' "${id_a:0:8}")" \
    "an ID prefix finds the secret"
  capture b secret inspect --pretty e2esec-b
  assert_rc 0
  assert_contains "$out" "Name:            e2esec-b"
  assert_contains "$out" " - team=red"
  capture b secret inspect e2esec-a e2esec-nope
  assert_rc 125 "one missing secret"
  assert_eq "e2esec-a" "$(jq -r '.[0].Spec.Name' <<<"$out")" "the found ones still print"
  assert_contains "$err" 'no secret with name or id "e2esec-nope"'

  capture b secret exists e2esec-a
  assert_rc 0
  capture b secret exists e2esec-nope
  assert_rc 1

  capture b secret rm e2esec-a
  assert_rc 0
  assert_eq "$id_a" "$out"
  [ ! -e "$data_file" ] || fail "secret rm removes the data file"
  capture b secret rm e2esec-a
  assert_rc 125 "removing a missing secret"
  assert_contains "$err" 'no secret with name or id "e2esec-a": no such secret'
  capture b secret rm --ignore e2esec-a
  assert_rc 0
  capture b secret rm -a
  assert_rc 0
  assert_eq "2" "$(wc -l <<<"$out")"
  assert_eq "" "$(b secret ls -q)"
}

test_secret_bad_input() {
  setup_secrets
  capture b secret create "bad name" "$SECRET_FILE"
  assert_rc 125
  assert_contains "$err" '"bad name"'
  capture b secret create _lead "$SECRET_FILE"
  assert_rc 125 "a name starting with _"
  capture b secret create "$(printf 'a%.0s' $(seq 65))" "$SECRET_FILE"
  assert_rc 125 "a name of 65 characters"
  capture b secret create e2esec-missing /nonexistent/file
  assert_rc 125
  assert_contains "$err" '"/nonexistent/file"'
  capture b secret create e2esec-dir "$E2E_ROOT"
  assert_rc 125 "a directory"
  capture sh -c ": | '$BERTH_BIN' --root '$E2E_ROOT/root' --runroot '$E2E_RUNROOT' secret create e2esec-empty -"
  assert_rc 125 "empty data"
  assert_contains "$err" "1 to 511999 bytes"
  head -c 512000 /dev/zero >"$E2E_ROOT/big-secret"
  capture b secret create e2esec-big "$E2E_ROOT/big-secret"
  assert_rc 125 "512000 bytes are too many"
  capture b secret create --env e2esec-env E2E_SURELY_UNSET_VARIABLE
  assert_rc 125
  assert_contains "$err" "E2E_SURELY_UNSET_VARIABLE"
  capture b secret create --driver pass e2esec-pass "$SECRET_FILE"
  assert_rc 125
  assert_contains "$err" '"pass"'
  assert_eq "" "$(b secret ls -q)" "no failed create leaves a secret"
  assert_eq "" "$(ls "$E2E_ROOT/root/secrets/filedriver" 2>/dev/null)" "nor a data file"

  b secret create e2esec-dup "$SECRET_FILE" >/dev/null
  capture b secret create e2esec-dup "$SECRET_FILE"
  assert_rc 125 "a name in use"
  assert_contains "$err" '"e2esec-dup"'
  local id
  id=$(b secret ls -q)
  printf 'new-data' >"$E2E_ROOT/new-data"
  capture b secret create --replace e2esec-dup "$E2E_ROOT/new-data"
  assert_rc 0 "--replace"
  assert_eq "$id" "$out" "--replace keeps the ID"
  assert_eq "new-data" "$(b secret inspect --showsecret --format '{{.SecretData}}' e2esec-dup)"

  capture b run --rm --secret e2esec-nope "$IMG" true
  assert_rc 125 "an unknown secret"
  assert_contains "$err" 'no secret with name or id "e2esec-nope"'
  capture b run --rm --secret e2esec-dup,type=file "$IMG" true
  assert_rc 125 "an unknown type"
  assert_contains "$err" '"file"'
  capture b run --rm --secret e2esec-dup,bogus=1 "$IMG" true
  assert_rc 125 "an unknown option"
  assert_contains "$err" '"bogus=1"'
  capture b run --rm --secret e2esec-dup,type=env,uid=5 "$IMG" true
  assert_rc 125 "uid with an env secret"
  capture b run --rm --secret e2esec-dup,mode=999 "$IMG" true
  assert_rc 125 "a mode that is not octal"
  assert_contains "$err" "mode=999"
  assert_eq "" "$(b ps -a -q)" "no failed run leaves a container"
}

test_secret_in_containers() {
  setup_secrets
  b secret create e2esec-tok "$SECRET_FILE" >/dev/null

  capture b run --rm --secret e2esec-tok "$IMG" sh -c \
    'cat /run/secrets/e2esec-tok; echo; stat -c "%a %u %g" /run/secrets/e2esec-tok; grep " /run/secrets/e2esec-tok " /proc/mounts'
  assert_rc 0
  assert_eq "hunter2" "$(sed -n 1p <<<"$out")"
  assert_eq "444 0 0" "$(sed -n 2p <<<"$out")"
  assert_contains "$(sed -n 3p <<<"$out")" " ro," "the secret is mounted read-only"

  capture b run --rm --secret e2esec-tok,target=/etc/app/token,uid=5,gid=6,mode=0440 \
    --secret e2esec-tok,target=relative "$IMG" sh -c \
    'stat -c "%a %u %g" /etc/app/token; cat /etc/app/token; echo; cat /run/secrets/relative'
  assert_rc 0
  assert_eq "440 5 6" "$(sed -n 1p <<<"$out")"
  assert_eq "hunter2" "$(sed -n 2p <<<"$out")"
  assert_eq "hunter2" "$(sed -n 3p <<<"$out")" "a relative target goes under /run/secrets"

  capture b run --rm --secret e2esec-tok,type=env,target=API_TOKEN --secret e2esec-tok,type=env \
    "$IMG" sh -c 'echo "$API_TOKEN"; tr "\0" "\n" </proc/1/environ | grep hunter2 | sort'
  assert_rc 0
  assert_eq "hunter2" "$(sed -n 1p <<<"$out")"
  # A name with '-' is no shell variable, so sh keeps it from its children;
  # the process the runtime started (PID 1) has it.
  assert_eq "API_TOKEN=hunter2,e2esec-tok=hunter2" "$(sed -n '2,3p' <<<"$out" | paste -sd,)"

  # inspect lists the mount secrets without their data.
  b create --name e2esec-ctr --secret e2esec-tok --secret e2esec-tok,type=env,target=TOK \
    "$IMG" sleep 1000 >/dev/null
  capture b inspect e2esec-ctr
  assert_rc 0
  assert_eq "e2esec-tok" "$(jq -r '.[0].Config.Secrets[0].Name' <<<"$out")"
  assert_eq "292" "$(jq -r '.[0].Config.Secrets[0].Mode' <<<"$out")"
  assert_not_contains "$out" "hunter2" "inspect never shows the data"

  # The data is read at each start, so --replace reaches the next start,
  # and the file goes away with the container's run directory.
  printf 'rotated' >"$E2E_ROOT/rotated"
  b secret create --replace e2esec-tok "$E2E_ROOT/rotated" >/dev/null
  b start e2esec-ctr >/dev/null
  assert_eq "rotated" "$(b exec e2esec-ctr cat /run/secrets/e2esec-tok)"
  assert_eq "rotated" "$(b exec e2esec-ctr sh -c 'echo $TOK')" "exec sees env secrets"
  local id
  id=$(b inspect --format '{{.Id}}' e2esec-ctr)
  [ -d "$E2E_RUNROOT/containers/$id/secrets" ] || fail "the secret files live in the run directory"
  b stop -t 0 e2esec-ctr >/dev/null
  [ ! -e "$E2E_RUNROOT/containers/$id/secrets" ] || fail "stop removes the secret files"

  # A removed secret fails the next start with a clear error.
  b secret rm e2esec-tok >/dev/null
  capture b start e2esec-ctr
  assert_rc 125 "start without the secret"
  assert_contains "$err" 'secret "e2esec-tok" of container e2esec-ctr no longer exists'
  b rm -f e2esec-ctr >/dev/null
}
