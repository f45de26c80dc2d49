# Small container commands: diff.

test_diff_lists_container_changes() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f cmds-diff >/dev/null 2>&1 || true
  b run --name cmds-diff "$REG/busybox:latest" sh -c \
    'echo x > /tmp/new; rm /etc/group; mkdir -p /a/b; echo y > /a/b/c; echo z >> /etc/passwd'
  capture b diff cmds-diff
  assert_rc 0
  assert_eq $'A /a\nA /a/b\nA /a/b/c\nC /etc\nD /etc/group\nC /etc/passwd\nC /tmp\nA /tmp/new' "$out"
  assert_not_contains "$out" "/etc/hosts" "runtime stubs are no change"
  capture b diff --format json cmds-diff
  assert_rc 0
  assert_eq '["/etc/group"]' "$(echo "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["deleted"], separators=(",", ":")))')"
  assert_contains "$out" '"/tmp/new"'
  b rm -f cmds-diff >/dev/null
}

test_diff_bad_input() {
  capture b diff no-such-container
  assert_rc 125 "unknown container"
  assert_contains "$err" "no-such-container"
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b rm -f cmds-diff-bad >/dev/null 2>&1 || true
  b create --name cmds-diff-bad "$REG/busybox:latest" true >/dev/null
  capture b diff --format yaml cmds-diff-bad
  assert_rc 125 "unsupported format"
  assert_contains "$err" '"yaml"'
  b rm -f cmds-diff-bad >/dev/null
}
