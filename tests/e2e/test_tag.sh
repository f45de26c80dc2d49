# tag, untag and rmi of one of several names, with Podman's name
# normalization and exit codes.

# Pulls the fixture busybox and prints its full ID.
busybox_id() {
  b pull -q --tls-verify=false "$REG/busybox:latest" >/dev/null
  b image inspect "$REG/busybox:latest" --format '{{.Id}}'
}

# Prints "repository:tag id" per listed name.
image_rows() { b images --format '{{.Repository}}:{{.Tag}} {{.ID}}'; }

test_tag_adds_normalized_names() {
  local id
  id=$(busybox_id)
  capture b tag "$REG/busybox:latest" tagtest-short tagtest/two:v1 quay.io/tagtest/three
  assert_rc 0
  assert_eq "" "$out" "tag prints nothing"
  capture image_rows
  assert_contains "$out" "localhost/tagtest-short:latest ${id:0:12}"
  assert_contains "$out" "localhost/tagtest/two:v1 ${id:0:12}"
  assert_contains "$out" "quay.io/tagtest/three:latest ${id:0:12}"
  assert_contains "$out" "$REG/busybox:latest ${id:0:12}" "the old name stays"
  b untag "$id" localhost/tagtest-short tagtest/two:v1 quay.io/tagtest/three
}

test_tag_then_run_by_new_name() {
  busybox_id >/dev/null
  b tag "$REG/busybox:latest" tagtest-run:v1
  capture b run --rm tagtest-run:v1 echo hello-from-tag
  assert_rc 0
  assert_eq "hello-from-tag" "$out"
  capture b run --rm localhost/tagtest-run:v1 true
  assert_rc 0 "run by the full name"
  b untag tagtest-run:v1 tagtest-run:v1
}

test_tag_by_id_and_image_subcommand() {
  local id
  id=$(busybox_id)
  capture b image tag "${id:0:12}" tagtest-sub
  assert_rc 0
  capture b image exists localhost/tagtest-sub:latest
  assert_rc 0
  capture b image untag tagtest-sub tagtest-sub
  assert_rc 0
  capture b image exists localhost/tagtest-sub:latest
  assert_rc 1 "the name is gone"
}

test_tag_moves_name_from_other_image() {
  local busybox httpd
  busybox=$(busybox_id)
  b pull -q --tls-verify=false "$REG/httpd:latest" >/dev/null
  httpd=$(b image inspect "$REG/httpd:latest" --format '{{.Id}}')
  b tag "$busybox" tagtest-moving
  capture b tag "$httpd" tagtest-moving
  assert_rc 0
  capture image_rows
  assert_contains "$out" "localhost/tagtest-moving:latest ${httpd:0:12}"
  assert_not_contains "$out" "localhost/tagtest-moving:latest ${busybox:0:12}"
  assert_contains "$out" "$REG/busybox:latest ${busybox:0:12}" "busybox keeps its other name"
  b untag "$httpd" tagtest-moving
}

test_untag_one_name() {
  local id
  id=$(busybox_id)
  b tag "$id" tagtest-a tagtest-b
  capture b untag "$id" tagtest-a
  assert_rc 0
  capture image_rows
  assert_not_contains "$out" "localhost/tagtest-a:latest"
  assert_contains "$out" "localhost/tagtest-b:latest ${id:0:12}"
  b untag "$id" tagtest-b
}

test_untag_all_leaves_none() {
  local id
  id=$(busybox_id)
  b tag "$id" tagtest-all
  capture b untag "$id"
  assert_rc 0
  # -a: images built on busybox by other tests make it an intermediate image.
  capture b images -a --format '{{.Tag}} {{.ID}}'
  assert_contains "$out" "<none> ${id:0:12}" "the image stays without names"
  capture b image inspect "$id"
  assert_rc 0
  assert_contains "$out" '"RepoTags": []'
  # Give the fixture its name back for the other tests.
  b tag "$id" "$REG/busybox:latest"
}

test_untag_unknown_name_fails() {
  local id
  id=$(busybox_id)
  b tag "$id" tagtest-keep
  capture b untag "$id" tagtest-keep tagtest-nothere
  assert_rc 125
  assert_contains "$err" "localhost/tagtest-nothere:latest: tag not known"
  capture image_rows
  assert_contains "$out" "localhost/tagtest-keep:latest" "a failed untag changes nothing"
  b untag "$id" tagtest-keep
}

test_rmi_of_one_of_two_names() {
  local id
  id=$(busybox_id)
  b tag "$id" tagtest-rmi
  capture b rmi tagtest-rmi
  assert_rc 0
  assert_eq "Untagged: localhost/tagtest-rmi:latest" "$out"
  capture b image exists "$id"
  assert_rc 0 "the image stays"
  capture b image exists localhost/tagtest-rmi
  assert_rc 1 "the name is gone"
}

test_rmi_by_id_with_two_names_needs_force() {
  local id
  id=$(busybox_id)
  b tag "$id" tagtest-force
  capture b rmi "${id:0:12}"
  assert_rc 125 "Podman's exit code; 2 means in use by a container"
  assert_contains "$err" "more than one tag"
  capture b image exists localhost/tagtest-force
  assert_rc 0 "nothing removed"
  b untag "$id" tagtest-force
}

test_tag_bad_names_fail() {
  busybox_id >/dev/null
  local before
  before=$(store_snapshot)
  capture b tag "$REG/busybox:latest" BAD
  assert_rc 125
  assert_contains "$err" '"BAD"'
  capture b tag "$REG/busybox:latest" 'x:bad tag!'
  assert_rc 125
  assert_contains "$err" '"x:bad tag!"'
  capture b tag "$REG/busybox:latest" "a@sha256:$(printf '0%.0s' {1..64})"
  assert_rc 125
  assert_contains "$err" "tag by digest not supported"
  capture b tag "$REG/busybox:latest" tagtest-ok BAD
  assert_rc 125 "one bad name among good ones"
  capture b tag "$REG/busybox:latest"
  assert_rc 125 "no target name"
  assert_eq "$before" "$(store_snapshot)" "store after bad tags"
}

test_tag_unknown_image_fails() {
  capture b tag tagtest-nosuch tagtest-x
  assert_rc 125
  assert_contains "$err" "tagtest-nosuch: image not known"
  capture b untag tagtest-nosuch
  assert_rc 125
  assert_contains "$err" "tagtest-nosuch: image not known"
}
