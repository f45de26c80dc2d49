# --format Go templates on ps, images, inspect, history and version:
# fields, functions, control structures, tables and template errors.

IMG=$REG/busybox:latest

# Pulls busybox and starts one labelled container named fmt-web.
setup_container() {
  b pull -q --tls-verify=false "$IMG" >/dev/null
  b rm -f fmt-web >/dev/null 2>&1 || true
  b run -d --name fmt-web --label app=shop --label tier=edge "$IMG" sleep 300 >/dev/null
}

cleanup_container() { b rm -f fmt-web >/dev/null 2>&1 || true; }

test_format_ps_fields_and_functions() {
  setup_container
  trap cleanup_container EXIT
  local id; id=$(b inspect --format '{{.Id}}' fmt-web)
  capture b ps --filter name=fmt-web --format '{{.ID}} {{.Names}} {{.State}} {{.Image}}'
  assert_rc 0
  assert_eq "${id:0:12} fmt-web running $IMG" "$out"
  capture b ps --filter name=fmt-web --format '{{.Labels.app}}|{{.Labels.nope}}|{{index .Labels "tier"}}'
  assert_eq "shop|<no value>|edge" "$out"
  capture b ps --filter name=fmt-web --format '{{upper .Names}} {{lower "ABC"}} {{title "hello world"}} {{len .Names}}'
  assert_eq "FMT-WEB abc Hello World 7" "$out"
  capture b ps --filter name=fmt-web --format '{{printf "%-8s|%5d|%q" .Names .ExitCode .State}}'
  assert_eq 'fmt-web |    0|"running"' "$out"
  capture b ps --filter name=fmt-web --format '{{truncate .Names 3}} {{join (split "a:b:c" ":") "-"}} {{json .Labels.app}}'
  assert_eq 'fmt a-b-c "shop"' "$out"
  capture b ps --filter name=fmt-web --format '{{if eq .State "running"}}up{{else}}down{{end}} {{with .Labels.app}}{{.}}{{end}}'
  assert_eq "up shop" "$out"
  capture b ps --filter name=fmt-web --format '{{range $k, $v := .Labels}}{{if eq $k "app" "tier"}}{{$k}}={{$v}};{{end}}{{end}}'
  assert_eq "app=shop;tier=edge;" "$out"
  capture b ps --filter name=fmt-web --format '{{- /* comment */ -}} {{.Names}}\t{{.State}}'
  assert_eq "$(printf 'fmt-web\trunning')" "$out"
}

test_format_ps_table_and_json() {
  setup_container
  trap cleanup_container EXIT
  capture b ps --filter name=fmt-web --format 'table {{.Names}}\t{{.State}}\t{{.CreatedAt}}'
  assert_rc 0
  local header; header=$(head -1 <<<"$out")
  assert_eq "NAMES       STATE       CREATED AT" "$header"
  assert_contains "$(sed -n 2p <<<"$out")" "fmt-web     running     20"
  capture b ps --filter name=fmt-web --format 'table {{.ID}} {{.Names}}'
  assert_eq "CONTAINER ID  NAMES" "$(head -1 <<<"$out")"
  capture b ps --filter name=fmt-web --format '{{range .}}{{.Names}},{{end}}'
  assert_eq "fmt-web," "$out"
  capture b ps --filter name=fmt-web --format json
  assert_rc 0
  assert_contains "$out" '"Names": ['
  assert_contains "$out" '"app": "shop"'
}

test_format_errors_name_the_field() {
  setup_container
  trap cleanup_container EXIT
  capture b ps --format '{{.Foo}}'
  assert_rc 125
  assert_eq "" "$out" "no partial output"
  assert_eq 'Error: template: ps:1:2: executing "ps" at <.Foo>: can'"'"'t evaluate field Foo in type container' "$err"
  capture b ps --format '{{.Names'
  assert_rc 125
  assert_eq "Error: template: ps:1: unclosed action" "$err"
  capture b ps --format '{{.Names | nosuch}}'
  assert_rc 125
  assert_eq 'Error: template: ps:1: function "nosuch" not defined' "$err"
  capture b ps --format '{{if}}{{end}}'
  assert_rc 125
  assert_eq "Error: template: ps:1: missing value for if" "$err"
  capture b inspect --format '{{.Config.Nope}}' fmt-web
  assert_rc 125
  assert_contains "$err" "can't evaluate field Nope"
  capture b images --format '{{.Nope}}'
  assert_rc 125
  assert_contains "$err" 'template: images:1:2: executing "images" at <.Nope>'
}

test_format_images_inspect_version() {
  setup_container
  trap cleanup_container EXIT
  local id; id=$(b images --no-trunc -q "$IMG")
  capture b images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Containers}}' "$IMG"
  assert_rc 0
  assert_eq "$REG/busybox:latest ${id:7:12} 1" "$out"
  capture b images --format 'table {{.Repository}} {{.Tag}} {{.ID}}' "$IMG"
  assert_eq "REPOSITORY              TAG         IMAGE ID" "$(head -1 <<<"$out")"
  capture b inspect --format '{{.State.Status}} {{.Config.Labels.app}} {{len .Config.Labels}}' fmt-web
  assert_eq "running shop 4" "$out"
  capture b inspect --format '{{range .Config.Cmd}}<{{.}}>{{end}}' fmt-web
  assert_eq "<sleep><300>" "$out"
  capture b version --format '{{.Client.Version}} {{.Client.OsArch}}'
  assert_rc 0
  assert_contains "$out" "0.1.0 linux/"
  capture b version --format '{{.Client.Nope}}'
  assert_rc 125
}
