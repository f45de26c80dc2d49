# login, logout and stored credentials against the TLS fixture registry
# (basic auth, tester / tester-pass). Every test uses its own auth file under
# $E2E_ROOT, so the machine's real auth files are never read or written.

login_setup() {
  source "$FIXTURES_DIR/env"
  AUTH_DIR=$E2E_ROOT/login/${FUNCNAME[1]}
  rm -rf "$AUTH_DIR"
  mkdir -p "$AUTH_DIR"
  export REGISTRY_AUTH_FILE=$AUTH_DIR/auth.json
  CERTS=(--cert-dir "$BERTH_REGISTRY_CERT_DIR")
}

# The "auth" value stored for a key, or "" when there is none.
stored_auth() { # file key
  jq -r --arg k "$2" '.auths[$k].auth // ""' "$1"
}

test_login_wrong_password_rejected() {
  login_setup
  echo '{"auths": {"other.example": {"auth": "YTpi"}}}' >"$REGISTRY_AUTH_FILE"
  local before; before=$(cat "$REGISTRY_AUTH_FILE")
  capture b login "${CERTS[@]}" -u tester -p wrong "$REG_TLS"
  assert_rc 125
  assert_contains "$err" "Error: logging into \"$REG_TLS\""
  assert_contains "$err" "invalid username or password"
  assert_not_contains "$out" "Login Succeeded"
  assert_eq "$before" "$(cat "$REGISTRY_AUTH_FILE")" "auth file untouched"

  capture b login "${CERTS[@]}" -u tester -p wrong --authfile "$AUTH_DIR/new.json" "$REG_TLS"
  assert_rc 125
  [ ! -e "$AUTH_DIR/new.json" ] || fail "a failed login created the auth file"
}

test_login_stores_credentials_0600() {
  login_setup
  capture b login "${CERTS[@]}" -u tester -p tester-pass "$REG_TLS"
  assert_rc 0
  assert_eq "Login Succeeded!" "$out"
  assert_eq 600 "$(stat -c %a "$REGISTRY_AUTH_FILE")" "auth file mode"
  assert_eq "$(printf tester:tester-pass | base64)" "$(stored_auth "$REGISTRY_AUTH_FILE" "$REG_TLS")"

  capture b login --get-login "$REG_TLS"
  assert_rc 0
  assert_eq "tester" "$out"
}

test_login_keeps_other_entries() {
  login_setup
  echo '{"auths": {"other.example": {"auth": "YTpi"}}, "credHelpers": {"x.example": "h"}}' \
    >"$REGISTRY_AUTH_FILE"
  capture b login "${CERTS[@]}" -u tester -p tester-pass "$REG_TLS"
  assert_rc 0
  assert_eq "YTpi" "$(stored_auth "$REGISTRY_AUTH_FILE" other.example)"
  assert_eq "h" "$(jq -r '.credHelpers["x.example"]' "$REGISTRY_AUTH_FILE")"
}

test_login_authfile_flag_and_verbose() {
  login_setup
  local file=$AUTH_DIR/sub/dir/auth.json
  capture b login "${CERTS[@]}" -v -u tester -p tester-pass --authfile "$file" "$REG_TLS"
  assert_rc 0
  assert_contains "$out" "Used: $file"
  assert_contains "$out" "Login Succeeded!"
  assert_eq 600 "$(stat -c %a "$file")"
  assert_eq 700 "$(stat -c %a "$AUTH_DIR/sub/dir")" "created directories are private"
  [ ! -e "$REGISTRY_AUTH_FILE" ] || fail "--authfile did not replace REGISTRY_AUTH_FILE"
  capture b login --get-login --authfile "$file" "$REG_TLS"
  assert_eq "tester" "$out"
}

test_get_login_when_absent() {
  login_setup
  capture b login --get-login "$REG_TLS"
  assert_rc 125
  assert_eq "Error: not logged into $REG_TLS" "$err"
}

test_login_password_stdin() {
  login_setup
  capture b login "${CERTS[@]}" -u tester --password-stdin "$REG_TLS" <<<"tester-pass"
  assert_rc 0
  assert_eq "Login Succeeded!" "$out"
  capture b login --get-login "$REG_TLS"
  assert_eq "tester" "$out"

  capture b login "${CERTS[@]}" --password-stdin "$REG_TLS" <<<"tester-pass"
  assert_rc 125
  assert_contains "$err" "--username"
  capture b login "${CERTS[@]}" -u tester -p x --password-stdin "$REG_TLS" <<<"tester-pass"
  assert_rc 125
  assert_contains "$err" "cannot be used together"
}

test_login_without_terminal_fails_clearly() {
  login_setup
  capture b login "${CERTS[@]}" -u tester "$REG_TLS" </dev/null
  assert_rc 125
  assert_contains "$err" "not a terminal"
  [ ! -e "$REGISTRY_AUTH_FILE" ] || fail "auth file written"
}

test_login_tls_verify_false() {
  login_setup
  capture b login --tls-verify=false -u tester -p tester-pass "$REG_TLS"
  assert_rc 0
  capture b login -u tester -p tester-pass "$REG_TLS"
  assert_rc 125 "without the CA"
  assert_contains "$err" "certificate"
}

test_login_repository_scope() {
  login_setup
  capture b login "${CERTS[@]}" -u tester -p tester-pass "$REG_TLS/team/app"
  assert_rc 0
  [ -n "$(stored_auth "$REGISTRY_AUTH_FILE" "$REG_TLS/team/app")" ] || fail "no scoped entry"
  capture b login --get-login "$REG_TLS/team/app"
  assert_eq "tester" "$out"
  capture b login --get-login "$REG_TLS"
  assert_rc 125 "a repository entry does not serve the whole registry"

  capture b login "${CERTS[@]}" -u tester -p tester-pass "$REG_TLS/team/app:tag"
  assert_rc 125
  assert_contains "$err" "tag or digest"
}

test_pull_uses_stored_credentials() {
  login_setup
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null 2>&1 || true
  capture b pull -q "${CERTS[@]}" "$REG_TLS/busybox:latest"
  assert_rc 125 "pull before login"
  assert_contains "$err" "authentication required"

  b login "${CERTS[@]}" -u tester -p tester-pass "$REG_TLS" >/dev/null
  capture b pull -q "${CERTS[@]}" "$REG_TLS/busybox:latest"
  assert_rc 0 "pull after login"
  [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not an image ID: $out"

  capture b logout "$REG_TLS"
  assert_rc 0
  assert_eq "Removed login credentials for $REG_TLS" "$out"
  assert_eq "" "$(stored_auth "$REGISTRY_AUTH_FILE" "$REG_TLS")" "entry removed"
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null
  capture b pull -q "${CERTS[@]}" "$REG_TLS/busybox:latest"
  assert_rc 125 "pull after logout"
  assert_contains "$err" "authentication required"
}

# A credential helper named in "credHelpers" supplies the credentials: a
# script of the test's own that speaks the docker-credential protocol.
test_pull_uses_credential_helper() {
  login_setup
  local bin=$AUTH_DIR/bin
  mkdir -p "$bin"
  cat >"$bin/docker-credential-e2e" <<EOF
#!/bin/sh
[ "\$1" = get ] || exit 2
read -r server || true
if [ "\$server" = "$REG_TLS" ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "\$server" \
    "$BERTH_REGISTRY_USER" "$BERTH_REGISTRY_PASSWORD"
else
  echo "credentials not found in native keychain"
  exit 1
fi
EOF
  chmod +x "$bin/docker-credential-e2e"
  echo "{\"credHelpers\": {\"$REG_TLS\": \"e2e\"}}" >"$REGISTRY_AUTH_FILE"
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null 2>&1 || true
  PATH=$bin:$PATH capture b pull -q "${CERTS[@]}" "$REG_TLS/busybox:latest"
  assert_rc 0 "pull with the helper's credentials"
  [[ $out =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not an image ID: $out"
  b rmi -f "$REG_TLS/busybox:latest" >/dev/null

  echo "{\"credHelpers\": {\"$REG_TLS\": \"e2e-not-installed\"}}" >"$REGISTRY_AUTH_FILE"
  capture b pull -q "${CERTS[@]}" "$REG_TLS/busybox:latest"
  assert_rc 125
  assert_contains "$err" "credential helper \"docker-credential-e2e-not-installed\" for $REG_TLS"
  assert_contains "$err" "is not installed"
}

test_pull_authfile_flag() {
  login_setup
  local file=$AUTH_DIR/pull.json
  unset REGISTRY_AUTH_FILE
  b login "${CERTS[@]}" -u tester -p tester-pass --authfile "$file" "$REG_TLS" >/dev/null
  b rmi -f "$REG_TLS/busybox:oci" >/dev/null 2>&1 || true
  capture b pull -q "${CERTS[@]}" --authfile "$file" "$REG_TLS/busybox:oci"
  assert_rc 0
  capture b pull -q "${CERTS[@]}" --authfile "$AUTH_DIR/missing.json" "$REG_TLS/busybox:oci"
  assert_rc 125
  assert_contains "$err" "missing.json"
}

test_pull_with_bad_auth_file_fails_clearly() {
  login_setup
  echo "{\"auths\": {\"$REG_TLS\": {\"auth\": \"%%%\"}}}" >"$REGISTRY_AUTH_FILE"
  capture b pull -q "${CERTS[@]}" "$REG_TLS/busybox:latest"
  assert_rc 125
  assert_contains "$err" "$REGISTRY_AUTH_FILE"
  assert_contains "$err" "base64"
  echo "{not json" >"$REGISTRY_AUTH_FILE"
  capture b pull -q "${CERTS[@]}" "$REG_TLS/busybox:latest"
  assert_rc 125
  assert_contains "$err" "$REGISTRY_AUTH_FILE"
  assert_contains "$err" "not valid JSON"
}

test_logout_when_not_logged_in() {
  login_setup
  echo '{"auths": {}}' >"$REGISTRY_AUTH_FILE"
  capture b logout "$REG_TLS"
  assert_rc 125
  assert_eq "Error: not logged into $REG_TLS" "$err"
  # A named auth file that does not exist is an error of its own, as in Podman.
  rm -f "$REGISTRY_AUTH_FILE"
  capture b logout "$REG_TLS"
  assert_rc 125
  assert_contains "$err" "$REGISTRY_AUTH_FILE"
}

test_logout_docker_credentials_left_alone() {
  login_setup
  unset REGISTRY_AUTH_FILE
  export HOME=$AUTH_DIR/home XDG_RUNTIME_DIR=$AUTH_DIR/run XDG_CONFIG_HOME=$AUTH_DIR/config
  mkdir -p "$HOME/.docker" "$XDG_RUNTIME_DIR"
  echo "{\"auths\": {\"https://$REG_TLS/v1/\": {\"auth\": \"$(printf tester:tester-pass | base64)\"}}}" \
    >"$HOME/.docker/config.json"
  capture b login --get-login "$REG_TLS"
  assert_rc 0
  assert_eq "tester" "$out" "docker config.json is read as a fallback"
  capture b logout "$REG_TLS"
  assert_rc 0
  assert_contains "$out" "Existing credentials were established via docker login"
  assert_contains "$(cat "$HOME/.docker/config.json")" "$REG_TLS" "docker's file untouched"
}

test_logout_all() {
  login_setup
  echo '{"auths": {"a.example": {"auth": "YTpi"}}, "credHelpers": {"x.example": "h"}}' \
    >"$REGISTRY_AUTH_FILE"
  b login "${CERTS[@]}" -u tester -p tester-pass "$REG_TLS" >/dev/null
  capture b logout -a
  assert_rc 0
  assert_eq "Removed login credentials for all registries" "$out"
  assert_eq "{}" "$(jq -c .auths "$REGISTRY_AUTH_FILE")"
  assert_eq "h" "$(jq -r '.credHelpers["x.example"]' "$REGISTRY_AUTH_FILE")"
  capture b login --get-login "$REG_TLS"
  assert_rc 125
}

# A registry on plain HTTP whose /v2/ takes only bearer tokens from its own
# token endpoint, which accepts tester / tester-pass. It logs the query of
# every token request to $1.
start_token_registry() {
  python3 - "$1" <<'PY' &
import base64, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
GOOD = "Basic " + base64.b64encode(b"tester:tester-pass").decode()

class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body=b"{}", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/token"):
            with open(LOG, "a") as log:
                log.write(self.path + "\n")
            if self.headers.get("Authorization") == GOOD:
                return self.reply(200, b'{"token": "good-token"}')
            return self.reply(401, b'{"details": "bad credentials"}')
        if self.headers.get("Authorization") == "Bearer good-token":
            return self.reply(200)
        challenge = 'Bearer realm="http://127.0.0.1:5098/token",service="fake"'
        body = b'{"errors": [{"code": "UNAUTHORIZED", "message": "token required"}]}'
        self.reply(401, body, [("WWW-Authenticate", challenge)])

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", 5098), Handler).serve_forever()
PY
  token_pid=$!
  trap 'kill $token_pid 2>/dev/null' EXIT
  for _ in $(seq 50); do
    curl -s -o /dev/null http://127.0.0.1:5098/v2/ && return
    sleep 0.1
  done
  fail "token registry did not start"
}

test_login_bearer_token_registry() {
  login_setup
  start_token_registry "$AUTH_DIR/token.log"
  capture b login --tls-verify=false -u tester -p wrong 127.0.0.1:5098
  assert_rc 125
  assert_contains "$err" "invalid username or password"
  [ ! -e "$REGISTRY_AUTH_FILE" ] || fail "a rejected login wrote the auth file"

  capture b login --tls-verify=false -u tester -p tester-pass 127.0.0.1:5098
  assert_rc 0
  assert_eq "Login Succeeded!" "$out"
  assert_contains "$(cat "$AUTH_DIR/token.log")" "service=fake"
  assert_not_contains "$(cat "$AUTH_DIR/token.log")" "scope=" "login asks for no scope"
}

test_logout_flags_and_missing_file() {
  login_setup
  local file="$AUTH_DIR/flags.json"
  printf 'tester-pass\n\n' | b login "${CERTS[@]}" -u tester --password-stdin --authfile "$file" \
    "$REG_TLS" >/dev/null || fail "--password-stdin with two trailing line breaks"
  # -v after the command is no version flag: logout must not report success.
  capture b logout -v --authfile "$file" "$REG_TLS"
  assert_rc 125 "logout -v"
  assert_contains "$(cat "$file")" "$REG_TLS" "the credentials are kept"
  capture b logout --authfile "$AUTH_DIR/missing/none.json" -a
  assert_rc 125 "logout of a missing auth file"
  assert_contains "$err" "none.json"
  capture b -v
  assert_rc 0
  assert_contains "$out" "berth version"
}
