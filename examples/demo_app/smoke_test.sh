#!/usr/bin/env bash
# Self-check of tether-demo-app over real loopback HTTP (curl against 127.0.0.1 only).
#
#   examples/demo_app/smoke_test.sh BUILD/tether-demo-app
#
# Starts the app on 127.0.0.1 port 0 (it prints the port it got, so parallel runs never collide),
# checks login / whoami / logout / health / keep-alive and that a second instance does NOT know the
# first one's session (the property the tether demo relies on), then stops both by pid with
# SIGTERM and requires a clean exit 0. Exit status: 0 pass, 1 fail, 77 skipped (no curl; for
# ctest's SKIP_RETURN_CODE).
set -euo pipefail

app=${1:?usage: smoke_test.sh PATH/TO/tether-demo-app}
[[ -x "$app" ]] || { echo "FAIL: $app is not executable" >&2; exit 1; }
command -v curl >/dev/null || { echo "SKIP: curl not found" >&2; exit 77; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# start NAME -> sets $port; the app's stdout goes to $tmp/NAME.out
start() {
  local name=$1 out="$tmp/$1.out"
  "$app" --name "$name" --listen 127.0.0.1:0 >"$out" 2>&1 &
  pids+=($!)
  last_pid=$!
  for _ in $(seq 100); do  # up to 5 s for the "listening" line
    port=$(sed -n "s/^$name listening on 127\.0\.0\.1:\([0-9]*\)\$/\1/p" "$out")
    [[ -n "$port" ]] && return 0
    kill -0 "$last_pid" 2>/dev/null || fail "$name exited early: $(cat "$out")"
    sleep 0.05
  done
  fail "$name did not print its listening line"
}

# expect DESCRIPTION EXPECTED ACTUAL
expect() {
  [[ "$3" == "$2" ]] || fail "$1: expected '$2', got '$3'"
  echo "ok - $1"
}

c() { curl -sS --max-time 5 "$@"; }

start app1; p1=$port; pid1=$last_pid
start app2; p2=$port; pid2=$last_pid
jar="$tmp/jar"

expect "login body" "logged in as alice on app1" "$(c -c "$jar" "http://127.0.0.1:$p1/login?user=alice")"
grep -qE 'DEMOSESSION[[:space:]]+[0-9a-f]{32}$' "$jar" || fail "no 128-bit hex DEMOSESSION in cookie jar"
echo "ok - session cookie set"
expect "whoami after login" "alice on app1" "$(c -b "$jar" "http://127.0.0.1:$p1/whoami")"
token=$(awk '$6 == "DEMOSESSION" {print $7}' "$jar")
expect "whoami with several cookies" "alice on app1" \
  "$(c -H "Cookie: theme=dark;DEMOSESSION=$token ;  lang=en" "http://127.0.0.1:$p1/whoami")"
expect "session unknown to another process" "401 not logged in on app2" \
  "$(c -b "$jar" -w '%{http_code} ' -o "$tmp/body" "http://127.0.0.1:$p2/whoami")$(cat "$tmp/body")"
expect "X-Backend header" "X-Backend: app2" \
  "$(c -D - -o /dev/null "http://127.0.0.1:$p2/health" | tr -d '\r' | grep -i '^x-backend:')"
expect "logout" "logged out on app1" "$(c -b "$jar" -c "$jar" "http://127.0.0.1:$p1/logout")"
expect "whoami after logout (old token)" "401" \
  "$(c -H "Cookie: DEMOSESSION=$token" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p1/whoami")"
expect "health" "ok" "$(c "http://127.0.0.1:$p1/health")"
# Two URLs in one curl call reuse one keep-alive connection: exactly one connect.
expect "keep-alive reuse" "1 0" \
  "$(c -o /dev/null -o /dev/null -w '%{num_connects} ' "http://127.0.0.1:$p1/a" "http://127.0.0.1:$p1/b" | xargs)"

for pid in "$pid1" "$pid2"; do
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  [[ $rc -eq 0 ]] || fail "pid $pid exited $rc after SIGTERM (expected a clean 0)"
done
pids=()
echo "ok - clean exit on SIGTERM"
echo "PASS"
