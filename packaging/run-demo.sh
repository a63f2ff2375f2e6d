#!/usr/bin/env bash
# Runs the tether demo: three copies of examples/demo_app (a "legacy" service that keeps login
# sessions in process memory) behind tether on 127.0.0.1:8080, configured by examples/demo.yaml.
#
#   packaging/run-demo.sh [BUILD_DIR]        # default BUILD_DIR: build
#
# Starts app1..app3 on 127.0.0.1:19001-19003 (fails clearly if a port, or the admin API's 9901, is
# taken), prints the curl commands to try, then runs BUILD_DIR/tether in the foreground. Ctrl-C
# stops tether, and the exit trap stops the three apps by pid. Loopback only; nothing is installed or downloaded.
set -euo pipefail

build=${1:-build}
[[ -d "$build" ]] || { echo "run-demo: build dir '$build' not found (build first: see README 'Run')" >&2; exit 1; }
build=$(cd "$build" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# first_exe CANDIDATE...: the first executable path, or nothing.
first_exe() { for f in "$@"; do [[ -x "$f" ]] && { echo "$f"; return; }; done; }
tether=$(first_exe "$build/tether" "$build/proxy/tether")
app=$(first_exe "$build/tether-demo-app" "$build/examples/tether-demo-app")
[[ -n "$tether" ]] || { echo "run-demo: no tether binary in $build (ninja -C $build tether)" >&2; exit 1; }
[[ -n "$app" ]] || { echo "run-demo: no tether-demo-app in $build (ninja -C $build tether-demo-app)" >&2; exit 1; }
config=examples/demo.yaml
[[ -f "$config" ]] || { echo "run-demo: $root/$config is missing" >&2; exit 1; }

listen_port=8080
app_ports=(19001 19002 19003)
for port in "$listen_port" 9901 "${app_ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run-demo: 127.0.0.1:$port is already in use; stop whatever listens there (ss -ltnp 'sport = :$port')" >&2
    exit 1
  fi
done

logs=$(mktemp -d /tmp/tether-demo.XXXXXX)
app_pids=()
stop_apps() {
  local pid
  for pid in "${app_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${app_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap stop_apps EXIT
trap 'exit 130' INT TERM

for i in 1 2 3; do
  name=app$i
  "$app" --name "$name" --listen "127.0.0.1:${app_ports[i - 1]}" >"$logs/$name.log" 2>&1 &
  app_pids+=($!)
done
for i in 1 2 3; do
  name=app$i
  for _ in $(seq 50); do
    grep -q "^$name listening" "$logs/$name.log" && break
    kill -0 "${app_pids[i - 1]}" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "^$name listening" "$logs/$name.log" || {
    echo "run-demo: $name did not start: $(cat "$logs/$name.log")" >&2
    exit 1
  }
  echo "run-demo: $(cat "$logs/$name.log") (pid ${app_pids[i - 1]})"
done

cat <<EOF

tether will listen on http://127.0.0.1:$listen_port with backends app1..app3 (config: $config).
In another terminal, try:

  curl -c /tmp/jar -b /tmp/jar 'http://127.0.0.1:$listen_port/login?user=alice'
  curl -b /tmp/jar http://127.0.0.1:$listen_port/whoami     # repeat it: always the same app
  curl -si -b /tmp/jar http://127.0.0.1:$listen_port/whoami | grep -i '^x-backend'
  for u in bob carol dave erin; do curl -s "http://127.0.0.1:$listen_port/login?user=\$u"; done

Operate it (admin API on 127.0.0.1:9901):

  curl -s http://127.0.0.1:9901/status                      # states, bound sessions, health
  curl -s http://127.0.0.1:9901/metrics | grep tether_rebinds
  curl -s -X POST http://127.0.0.1:9901/backends/app2/drain  # no new sessions on app2
  curl -s -X POST http://127.0.0.1:9901/backends/app2/undrain
  curl -s -X POST http://127.0.0.1:9901/reload               # after editing $config

The demo apps keep sessions in their own memory, like many legacy services: a request that
reached another app would answer "401 not logged in". tether places each new session with
consistent hashing and bounded loads (the other users spread over the apps), learns which app
issued each DEMOSESSION cookie, and pins the browser with its own signed tether_affinity
cookie, so alice stays logged in. The access log shows why each request went where it did
(reason=placed_primary, learned, bound_cookie, ...). Edit examples/demo.yaml to compare:
strategy: round_robin with no key logs alice out on two requests out of three.

Ctrl-C stops tether and the three apps.

EOF

# Not exec: the EXIT trap must still run to stop the apps when tether exits.
"$tether" --config "$config"
