# Image trust: policy.json enforced on pull and push, push --sign-by into a
# lookaside store from registries.d, signature checks on pull, and
# `image trust show/set`. GnuPG keys are made in a private GNUPGHOME.

TRUST_DIR=$E2E_ROOT/trust
TRUST_HTTP_PORT=18191

# Makes the two keys (trusted and other), their exported public keys and a
# registries.d that sends every image's signatures to a file:// store, once
# per E2E root. Exports GNUPGHOME and BERTH_REGISTRIES_D.
trust_setup() {
  export GNUPGHOME=$TRUST_DIR/gnupg BERTH_REGISTRIES_D=$TRUST_DIR/registries.d
  if [ ! -f "$TRUST_DIR/ready" ]; then
    # gpg-agent keeps running for the key store it signed with: stop it
    # before that store goes.
    if [ -d "$GNUPGHOME" ]; then gpgconf --kill gpg-agent 2>/dev/null || true; fi
    rm -rf "$TRUST_DIR"
    mkdir -p "$GNUPGHOME" "$BERTH_REGISTRIES_D" "$TRUST_DIR/sigs"
    chmod 700 "$GNUPGHOME"
    gpg --batch --passphrase '' --quick-gen-key 'Trusted <trusted@berth.test>' ed25519 sign never
    gpg --batch --passphrase '' --quick-gen-key 'Other <other@berth.test>' ed25519 sign never
    gpg --export trusted@berth.test >"$TRUST_DIR/trusted.gpg"
    gpg --armor --export other@berth.test >"$TRUST_DIR/other.asc"
    printf 'default-docker:\n  lookaside: file://%s/sigs\n' "$TRUST_DIR" \
      >"$BERTH_REGISTRIES_D/default.yaml"
    printf '{"default": [{"type": "reject"}]}' >"$TRUST_DIR/reject.json"
    printf '{"default": [{"type": "insecureAcceptAnything"}]}' >"$TRUST_DIR/accept.json"
    cat >"$TRUST_DIR/signed.json" <<EOF
{"default": [{"type": "insecureAcceptAnything"}],
 "transports": {"docker": {"$REG/berth-test-trust": [{"type": "signedBy",
   "keyType": "GPGKeys", "keyPath": "$TRUST_DIR/trusted.gpg"}]}}}
EOF
    touch "$TRUST_DIR/ready"
  fi
  TRUSTED=$(gpg --list-keys --with-colons trusted@berth.test | awk -F: '/^fpr/ {print $10; exit}')
  OTHER=$(gpg --list-keys --with-colons other@berth.test | awk -F: '/^fpr/ {print $10; exit}')
}

# Pushes the fixture busybox to $REG/$1 with the remaining push flags and
# prints the pushed manifest digest.
push_busybox() {
  local repo=$1
  shift
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b push --tls-verify=false --signature-policy "$TRUST_DIR/accept.json" \
    --digestfile "$TRUST_DIR/digest" "$@" "$REG/busybox:latest" "$REG/$repo:latest" >&2
  cat "$TRUST_DIR/digest"
}

# Removes a pulled test image, so that the next pull starts from nothing.
forget() { b rmi -f "$REG/$1:latest" >/dev/null 2>&1 || true; }

# Stops the HTTP server PID when the test ends, and waits until it accepts
# requests on $TRUST_HTTP_PORT.
watch_http_server() {
  TRUST_HTTP_PID=$1
  trap 'kill "$TRUST_HTTP_PID" 2>/dev/null' EXIT
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$TRUST_HTTP_PORT/" && break
    sleep 0.1
  done
}

sig_dir() { echo "$TRUST_DIR/sigs/$1@sha256=${2#sha256:}"; }

test_trust_push_sign_by_writes_signature() {
  trust_setup
  capture push_busybox berth-test-trust/signed --sign-by "$TRUSTED"
  assert_rc 0
  assert_contains "$err" "Signing manifest using simple signing"
  assert_contains "$err" "Storing signatures"
  local digest=$out dir
  dir=$(sig_dir berth-test-trust/signed "$digest")
  [ -f "$dir/signature-1" ] || fail "no signature-1 in $dir"
  [ ! -e "$dir/signature-2" ] || fail "unexpected signature-2"
  capture gpg --decrypt "$dir/signature-1"
  assert_rc 0
  assert_eq "$REG/berth-test-trust/signed:latest" \
    "$(jq -r '.critical.identity["docker-reference"]' <<<"$out")"
  assert_eq "$digest" "$(jq -r '.critical.image["docker-manifest-digest"]' <<<"$out")"
  assert_eq "atomic container signature" "$(jq -r '.critical.type' <<<"$out")"
  assert_contains "$err" "$TRUSTED" "gpg names the signing key"
}

test_trust_signed_pull_accepted() {
  trust_setup
  push_busybox berth-test-trust/signed --sign-by "$TRUSTED" >/dev/null 2>&1
  forget berth-test-trust/signed
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/signed.json" \
    "$REG/berth-test-trust/signed:latest"
  assert_rc 0
  capture b image exists "$REG/berth-test-trust/signed:latest"
  assert_rc 0 "the signed image is stored"
}

test_trust_unsigned_pull_rejected() {
  trust_setup
  local digest before
  digest=$(push_busybox berth-test-trust/unsigned 2>/dev/null)
  rm -rf "$(sig_dir berth-test-trust/unsigned "$digest")"
  forget berth-test-trust/unsigned
  before=$(store_snapshot)
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/signed.json" \
    "$REG/berth-test-trust/unsigned:latest"
  assert_rc 125
  assert_contains "$err" "Source image rejected: A signature was required, but no signature exists"
  assert_contains "$err" "$REG/berth-test-trust/unsigned:latest"
  assert_eq "$before" "$(store_snapshot)" "the store is unchanged"
  assert_eq "" "$(ls "$E2E_ROOT/root/tmp" 2>/dev/null | grep -v '\.lock$' || true)" \
    "no download left behind"
}

test_trust_other_key_rejected() {
  trust_setup
  push_busybox berth-test-trust/otherkey --sign-by "$OTHER" >/dev/null 2>&1
  forget berth-test-trust/otherkey
  local before
  before=$(store_snapshot)
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/signed.json" \
    "$REG/berth-test-trust/otherkey:latest"
  assert_rc 125
  assert_contains "$err" "no signature of $REG/berth-test-trust/otherkey:latest was accepted"
  assert_contains "$err" "signed by key $OTHER, which is not among the policy's keys"
  assert_eq "$before" "$(store_snapshot)" "the store is unchanged"
}

test_trust_copied_signature_rejected() {
  trust_setup
  local digest
  digest=$(push_busybox berth-test-trust/signed --sign-by "$TRUSTED" 2>/dev/null)
  push_busybox berth-test-trust/copied >/dev/null 2>&1
  # The same manifest under another name: the signature's identity differs.
  mkdir -p "$(sig_dir berth-test-trust/copied "$digest")"
  cp "$(sig_dir berth-test-trust/signed "$digest")/signature-1" \
    "$(sig_dir berth-test-trust/copied "$digest")/"
  forget berth-test-trust/copied
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/signed.json" \
    "$REG/berth-test-trust/copied:latest"
  assert_rc 125
  assert_contains "$err" \
    "Signature for identity $REG/berth-test-trust/signed:latest is not accepted"
}

test_trust_second_signature_checked() {
  trust_setup
  local digest dir
  digest=$(push_busybox berth-test-trust/twosigs --sign-by "$TRUSTED" 2>/dev/null)
  dir=$(sig_dir berth-test-trust/twosigs "$digest")
  # A signature by the other key first, the trusted one second.
  mv "$dir/signature-1" "$dir/signature-2"
  push_busybox berth-test-trust/tmp-other --sign-by "$OTHER" >/dev/null 2>&1
  cp "$(sig_dir berth-test-trust/tmp-other "$digest")/signature-1" "$dir/signature-1"
  forget berth-test-trust/twosigs
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/signed.json" \
    "$REG/berth-test-trust/twosigs:latest"
  assert_rc 0
}

test_trust_reject_policy() {
  trust_setup
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/reject.json" \
    "$REG/berth-test-trust/signed:latest"
  assert_rc 125
  assert_contains "$err" \
    "Source image rejected: Running image docker://$REG/berth-test-trust/signed:latest is rejected by policy."
  capture b push --tls-verify=false --signature-policy "$TRUST_DIR/reject.json" \
    "$REG/busybox:latest" "$REG/berth-test-trust/pushrejected:latest"
  assert_rc 125
  assert_contains "$err" "Running image containers-storage:"
  assert_contains "$err" "is rejected by policy"
}

test_trust_missing_and_invalid_policy() {
  trust_setup
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/none.json" "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" "open $TRUST_DIR/none.json: no such file or directory"
  printf '{"default": [{"type": "reject"}], "extra": 1}' >"$TRUST_DIR/bad.json"
  capture b pull --tls-verify=false --signature-policy "$TRUST_DIR/bad.json" "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" "invalid policy in \"$TRUST_DIR/bad.json\": unknown field \"extra\""
}

test_trust_sign_by_unknown_key() {
  trust_setup
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  local repo
  repo=berth-test-trust/nokey-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
  capture b push --tls-verify=false --signature-policy "$TRUST_DIR/accept.json" \
    --sign-by nobody@berth.test "$REG/busybox:latest" "$REG/$repo:latest"
  assert_rc 125
  assert_contains "$err" "signing key \"nobody@berth.test\" not found"
  assert_eq "404" "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REG/v2/$repo/manifests/latest")" "nothing pushed without a key"
}

# A lookaside URL that points at a server returning 200 for every path
# (here with the same junk) must not keep a pull reading signatures forever.
test_trust_endless_signature_store_stops() {
  trust_setup
  local regd=$TRUST_DIR/registries-junk.d
  push_busybox berth-test-trust/signed --sign-by "$TRUSTED" >/dev/null 2>&1
  mkdir -p "$regd"
  printf 'docker:\n  %s/berth-test-trust:\n    lookaside: http://127.0.0.1:%s\n' \
    "$REG" "$TRUST_HTTP_PORT" >"$regd/junk.yaml"
  python3 -c '
import http.server, sys
class Junk(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"junk")
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Junk).serve_forever()
' "$TRUST_HTTP_PORT" &
  watch_http_server $!
  forget berth-test-trust/signed
  BERTH_REGISTRIES_D=$regd capture timeout 60 "$BERTH_BIN" --root "$E2E_ROOT/root" \
    --runroot "$E2E_RUNROOT" pull --tls-verify=false \
    --signature-policy "$TRUST_DIR/signed.json" "$REG/berth-test-trust/signed:latest"
  assert_rc 125 "the pull ends with an error instead of reading on"
  assert_contains "$err" "has more than 128 signatures"
  capture b image exists "$REG/berth-test-trust/signed:latest"
  assert_rc 1 "nothing stored"
  rm -rf "$regd"
}

test_trust_http_lookaside() {
  trust_setup
  local digest regd=$TRUST_DIR/registries-http.d
  digest=$(push_busybox berth-test-trust/signed --sign-by "$TRUSTED" 2>/dev/null)
  mkdir -p "$regd"
  printf 'docker:\n  %s/berth-test-trust:\n    lookaside: http://127.0.0.1:%s\n' \
    "$REG" "$TRUST_HTTP_PORT" >"$regd/http.yaml"
  python3 -m http.server --bind 127.0.0.1 --directory "$TRUST_DIR/sigs" "$TRUST_HTTP_PORT" \
    >/dev/null 2>&1 &
  watch_http_server $!
  forget berth-test-trust/signed
  BERTH_REGISTRIES_D=$regd capture b pull --tls-verify=false \
    --signature-policy "$TRUST_DIR/signed.json" "$REG/berth-test-trust/signed:latest"
  assert_rc 0
  forget berth-test-trust/otherkey
  push_busybox berth-test-trust/otherkey --sign-by "$OTHER" >/dev/null 2>&1
  forget berth-test-trust/otherkey
  BERTH_REGISTRIES_D=$regd capture b pull --tls-verify=false \
    --signature-policy "$TRUST_DIR/signed.json" "$REG/berth-test-trust/otherkey:latest"
  assert_rc 125
  assert_contains "$err" "which is not among the policy's keys"
  rm -rf "$regd"
}

test_trust_set_show_round_trip() {
  trust_setup
  local policy=$TRUST_DIR/set/policy.json
  rm -rf "$TRUST_DIR/set"
  capture b image trust set --policypath "$policy" -t accept docker.io
  assert_rc 125
  assert_contains "$err" "default trust policy must be set"
  [ ! -e "$policy" ] || fail "a failed set wrote $policy"

  b image trust set --policypath "$policy" -t reject default
  b image trust set --policypath "$policy" -t accept docker.io
  b image trust set --policypath "$policy" -f "$TRUST_DIR/trusted.gpg" "$REG/berth-test-trust"
  assert_eq reject "$(jq -r '.default[0].type' "$policy")"
  assert_eq insecureAcceptAnything "$(jq -r '.transports.docker["docker.io"][0].type' "$policy")"
  assert_eq "$TRUST_DIR/trusted.gpg" \
    "$(jq -r ".transports.docker[\"$REG/berth-test-trust\"][0].keyPath" "$policy")"

  capture b image trust show --policypath "$policy"
  assert_rc 0
  assert_contains "$out" "TRANSPORT   NAME"
  assert_contains "$out" "all         default"
  assert_contains "$out" "repository  docker.io"
  assert_contains "$out" "signed      trusted@berth.test  file://$TRUST_DIR/sigs"
  capture b image trust show --policypath "$policy" --json
  assert_rc 0
  assert_eq "* (default)" "$(jq -r '.[0].name' <<<"$out")"
  assert_eq reject "$(jq -r '.[0].type' <<<"$out")"
  assert_eq "trusted@berth.test" "$(jq -r '.[] | select(.type == "signed") | .gpg_id' <<<"$out")"
  capture b image trust show --policypath "$policy" --raw
  assert_eq "$(cat "$policy")" "$out"
  capture b image trust show --policypath "$policy" -n
  assert_not_contains "$out" "TRANSPORT"

  # The policy set here is enforced.
  capture b pull --tls-verify=false --signature-policy "$policy" "$REG/busybox:latest"
  assert_rc 125
  assert_contains "$err" "rejected by policy"

  capture b image trust set --policypath "$policy" -t signedBy quay.io
  assert_rc 125
  assert_contains "$err" "at least one public key must be defined"
  capture b image trust set --policypath "$policy" -t maybe quay.io
  assert_rc 125
  assert_contains "$err" "invalid trust type \"maybe\""
}
