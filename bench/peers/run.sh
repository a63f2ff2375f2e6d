#!/usr/bin/env bash
# tether against real peers, with real in-memory-session backends: throughput and session survival.
#
# Usage (from anywhere; paths are relative to the repository root):
#   packaging/setup.sh --bench                      # haproxy, nginx, wrk (Debian packages)
#   cmake --build build -j2 --target tether tether-demo-app
#   bench/peers/run.sh                              # every peer, defaults below
#   TETHER=build-rel/tether DEMO_APP=build-rel/tether-demo-app ROUNDS=5 DURATION=20 bench/peers/run.sh
#   PEERS="tether haproxy-hash" SURVIVAL=0 bench/peers/run.sh
#
# Environment (defaults):
#   TETHER=build/tether  DEMO_APP=build/tether-demo-app   binaries under test / backends
#   PEERS="tether haproxy-hash haproxy-cookie nginx-hash"  a peer whose binary is missing is skipped
#   THROUGHPUT=1 SURVIVAL=1          which runs to do
#   ROUNDS=3 DURATION=8 WARMUP=2 CONNS=64 KEYS=10000   throughput: alternating rounds, wrk seconds,
#                                    warm-up seconds, connections, logged-in users drawn from
#   USERS=2000 CHURN=0.5 GRACE=2 DOWN_WAIT=3 RECOVER_WAIT=4 SETTLE=1 MAX_TRIES=30
#                                    survival: users, share of users whose session ends (and who log
#                                    in again) during the drain's grace period, grace seconds, wait
#                                    after the kill, wait after the restart, wait after a reload, login
#                                    attempts before a user gives up
#   CONN_PER_USER=0                  users.py: 0 = the users of a step take turns on one keep-alive
#                                    connection (fast); 1 = one keep-alive connection per user
#   PORT_BASE=19300                  all on 127.0.0.1: throughput backends +1..+3, proxies +10..+13,
#                                    tether admin +19; survival backends +21..+24, proxies +30..+33,
#                                    tether admin +39
#   PIN=1  RESULTS_DIR=bench/results  KEEP_TMP=0
#   PROXY_CPU=                       e.g. 50: cap each proxy at 50% of its core (a cgroup CPU quota,
#                                    v1 cpu controller or v2 cpu.max, 10 ms period), so that the
#                                    proxy, not wrk and the backends on the other core, limits req/s
#
# The peers, each with ONE worker (tether workers: 1, HAProxy nbthread 1, nginx worker_processes 1)
# on its own loopback port, in front of the same tether-demo-app backends (sessions in process
# memory; X-Backend names the app that answered):
#   tether          ring + balance_factor 1.25, key cookie DEMOSESSION, learn_cookie + stick table,
#                   signed affinity cookie, active health checks, admin API (drain, reload)
#   haproxy-hash    balance hash req.cook(DEMOSESSION), hash-type consistent, hash-balance-factor 125
#   haproxy-cookie  balance roundrobin + cookie SRV insert indirect nocache
#   nginx-hash      hash $cookie_DEMOSESSION consistent
# HAProxy gets the same active checks as tether (1 s, fall 2, rise 2) and option redispatch; nginx
# OSS has no active checks: max_fails=1 fail_timeout=2s. bench/peers/README.md has every config.
#
# Throughput: KEYS users log in through each proxy (users.py), then wrk with sessions.lua sends
# GET /whoami with one random user's cookies per request, rounds alternating between proxies. A 401
# there is a request that reached a backend without its session. Reports req/s, p50/p99, proxy
# CPU, per-backend requests (peak over mean), peak RSS, tether's ratios.
# Survival: per proxy, fresh backends app1..app3, USERS users log in, then in order: (1) add app4,
# (2) drain app2, let CHURN of the users end their session and log in again, remove app2 after GRACE,
# (3) SIGKILL app1 and restart it. After each step every user GETs /whoami; log-outs (401/5xx) are
# counted per event, and logged-out users log in again before the next event.
#
# CPU pinning as bench/e2e/run.sh: the proxy alone on CPU 0; wrk, users.py and the backends on
# CPU 1 (backends on CPU 2.. when there are more than 2). Safety: loopback only; every process is
# started by this script and stopped by its pid (trap on EXIT); nothing is installed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
root=$(cd "$here/../.." && pwd)
cd "$root"
invocation=$(invocation bench/peers/run.sh TETHER DEMO_APP PEERS THROUGHPUT SURVIVAL ROUNDS DURATION \
  WARMUP CONNS KEYS USERS CHURN GRACE DOWN_WAIT RECOVER_WAIT SETTLE MAX_TRIES CONN_PER_USER PORT_BASE \
  PIN PROXY_CPU)

first_exe() { for f in "$@"; do [[ -x "$f" ]] && { echo "$f"; return; }; done; }
TETHER=${TETHER:-build/tether}
DEMO_APP=${DEMO_APP:-$(first_exe build/tether-demo-app build/examples/tether-demo-app)}
PEERS=${PEERS:-"tether haproxy-hash haproxy-cookie nginx-hash"}
THROUGHPUT=${THROUGHPUT:-1}
SURVIVAL=${SURVIVAL:-1}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
KEYS=${KEYS:-10000}
USERS=${USERS:-2000}
CHURN=${CHURN:-0.5}
GRACE=${GRACE:-2}
DOWN_WAIT=${DOWN_WAIT:-3}
RECOVER_WAIT=${RECOVER_WAIT:-4}
SETTLE=${SETTLE:-1}
MAX_TRIES=${MAX_TRIES:-30}
CONN_PER_USER=${CONN_PER_USER:-0}
PORT_BASE=${PORT_BASE:-19300}
PIN=${PIN:-1}
RESULTS_DIR=${RESULTS_DIR:-bench/results}
KEEP_TMP=${KEEP_TMP:-0}
PROXY_CPU=${PROXY_CPU:-}

log() { echo "peers $(date +%T): $*" >&2; }
die() { echo "peers: ERROR: $*" >&2; exit 1; }

for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (packaging/setup.sh installs it)"
done
[[ -n "$DEMO_APP" && -x "$DEMO_APP" ]] ||
  die "tether-demo-app not found (set DEMO_APP=path; cmake --build build --target tether-demo-app)"
if [[ "$THROUGHPUT" == 1 ]] && ! command -v wrk >/dev/null; then
  log "skipping the throughput run: wrk is not installed (packaging/setup.sh --bench installs it)"
  THROUGHPUT=0
fi
NGINX=${NGINX:-$(find_bin nginx)}
HAPROXY=${HAPROXY:-$(find_bin haproxy)}

# --- pinning (bench/lib/common.sh) ---------------------------------------------------------------
setup_pinning "$PIN" "wrk and users.py"


ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fd_limit=$(ulimit -n)
max_conns=8192

# --- which peers can run -------------------------------------------------------------------------
active=()
for peer in $PEERS; do
  case $peer in
    tether)
      if [[ -x "$TETHER" ]]; then active+=(tether)
      else log "skipping tether: $TETHER not found (set TETHER=path/to/tether)"; fi ;;
    haproxy-hash | haproxy-cookie)
      if [[ -n "$HAPROXY" ]]; then active+=("$peer")
      else log "skipping $peer: haproxy is not installed (packaging/setup.sh --bench installs it)"; fi ;;
    nginx-hash)
      if [[ -n "$NGINX" ]]; then active+=("$peer")
      else log "skipping $peer: nginx is not installed (packaging/setup.sh --bench installs it)"; fi ;;
    *) die "unknown peer '$peer' (use tether, haproxy-hash, haproxy-cookie, nginx-hash)" ;;
  esac
done
((${#active[@]})) || die "no proxy to run"

declare -A peer_index=([tether]=0 [haproxy-hash]=1 [haproxy-cookie]=2 [nginx-hash]=3)
tp_backend_port() { echo $((PORT_BASE + $1)); }           # app1..app3 -> +1..+3
sv_backend_port() { echo $((PORT_BASE + 20 + $1)); }      # app1..app4 -> +21..+24
tp_proxy_port() { echo $((PORT_BASE + 10 + ${peer_index[$1]})); }
sv_proxy_port() { echo $((PORT_BASE + 30 + ${peer_index[$1]})); }

for off in 1 2 3 10 11 12 13 19 21 22 23 24 30 31 32 33 39; do
  port_busy $((PORT_BASE + off)) &&
    die "127.0.0.1:$((PORT_BASE + off)) is already in use (set PORT_BASE to move every port)"
done

load_at_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
if awk -v l="$load_at_start" 'BEGIN {exit !(l + 0 > 0.5)}'; then
  log "load average is $load_at_start before starting: other work is running, numbers will be noisy"
fi

# --- process bookkeeping: every pid we start, with its command name, stopped by pid on exit ------
tmp=$(mktemp -d /tmp/tether-peers.XXXXXX)
declare -A started=()     # pid -> its program's command name (checked before signalling: pid reuse)
notes=$tmp/notes.txt
: >"$notes"
note() { echo "$*" >>"$notes"; log "$*"; }

# remember PID PROGRAM: PROGRAM's basename, cut to 15 bytes, is what /proc/PID/comm shows once
# taskset has exec'd it (reading comm right after `&` could still see bash or taskset).
remember() { local c; c=$(basename "$2"); started[$1]=${c:0:15}; }
# ours PID: still the process we started (or its zombie), not an unrelated one that reused the pid.
ours() { [[ -n "${started[$1]:-}" && "$(cat "/proc/$1/comm" 2>/dev/null)" == "${started[$1]}" ]]; }
stop_pid() {
  local pid=$1 sig=${2:-TERM}
  if ! ours "$pid"; then
    # Gone (reaped elsewhere, e.g. an nginx worker) or never exec'd: nothing of ours to signal.
    kill -0 "$pid" 2>/dev/null || wait "$pid" 2>/dev/null || true
    unset "started[$pid]"
    return 0
  fi
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]; then
    log "pid $pid ignored SIG$sig for 5 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "started[$pid]"
}
cleanup() {
  local pid
  for pid in "${!started[@]}"; do stop_pid "$pid"; done
  release_proxy_cpu_cap
  if [[ "$KEEP_TMP" == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- optional CPU cap on the proxy (bench/lib/common.sh) ----------------------------------------
# Every process started through on_proxy_cpu (tether, HAProxy and its reloads, nginx and its
# worker) joins the capped group first.
cap_proxy_cpu "$PROXY_CPU" tether-peers

# --- backends ------------------------------------------------------------------------------------
declare -A app_pid=()
# start_app SET NAME PORT: one tether-demo-app, waits for its "listening" line.
start_app() {
  local set=$1 name=$2 port=$3 out=$tmp/$1/apps/$2.log
  mkdir -p "$tmp/$set/apps"
  "${on_backend_cpus[@]}" "$DEMO_APP" --name "$name" --listen "127.0.0.1:$port" >>"$out" 2>&1 &
  local pid=$!
  remember "$pid" "$DEMO_APP"
  app_pid[$set/$name]=$pid
  for _ in $(seq 50); do
    grep -q "^$name listening" "$out" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  die "backend $name did not start on 127.0.0.1:$port: $(cat "$out")"
}
stop_app() { stop_pid "${app_pid[$1/$2]}" "${3:-TERM}"; unset "app_pid[$1/$2]"; }

# --- proxy configs -------------------------------------------------------------------------------
# Each writer takes: DIR PORT ADMIN_PORT BACKEND_SPEC... where a spec is NAME:PORT.
write_tether() {
  local dir=$1 port=$2 admin=$3 spec
  shift 3
  {
    echo "listen: [\"127.0.0.1:$port\"]"
    echo "workers: 1"
    echo "backends:"
    for spec in "$@"; do echo "  - {name: ${spec%%:*}, address: \"127.0.0.1:${spec#*:}\"}"; done
    cat <<EOF
routing:
  strategy: ring
  balance_factor: 1.25
  key:
    - cookie: DEMOSESSION
  on_missing_key: assign
  learn_cookie: DEMOSESSION
  stick_table: { size: 100000, idle_ttl: 30m }
  affinity_cookie:
    name: tether_affinity
    ttl: 8h
    idle_ttl: 30m
    secrets: ["peers-bench-secret-0123456789abcdef"]
health:
  active: { type: http, path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
admin:
  listen: 127.0.0.1:$admin
timeouts:
  client_idle: 120s
limits:
  max_connections: $max_conns
upstream:
  max_idle_per_backend: 64
logging:
  level: warn
  access_log: "off"
EOF
  } >"$dir/tether.yaml.new"
  mv "$dir/tether.yaml.new" "$dir/tether.yaml"
}

# write_haproxy MODE DIR PORT ADMIN SPEC...   MODE: hash | cookie
write_haproxy() {
  local mode=$1 dir=$2 port=$3 spec name
  shift 4
  {
    cat <<EOF
global
    nbthread 1
    maxconn $max_conns
    stats socket $dir/admin.sock mode 600 level admin expose-fd listeners
defaults
    mode http
    maxconn $max_conns
    option http-keep-alive
    http-reuse always
    retries 2
    option redispatch
    timeout connect 2s
    timeout client 120s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 120s
frontend fe
    bind 127.0.0.1:$port
    default_backend be
backend be
EOF
    if [[ $mode == hash ]]; then
      echo "    balance hash req.cook(DEMOSESSION)"
      echo "    hash-type consistent"
      echo "    hash-balance-factor 125"
    else
      echo "    balance roundrobin"
      echo "    cookie SRV insert indirect nocache"
    fi
    echo "    option httpchk GET /health"
    echo "    default-server check inter 1s fall 2 rise 2"
    # Explicit ids: consistent hashing places a server on the ring by its id, which otherwise is
    # its position in the list, so removing app2 would renumber app3 and app4 and move their keys.
    for spec in "$@"; do
      name=${spec%%:*}
      if [[ $mode == hash ]]; then echo "    server $name 127.0.0.1:${spec#*:} id ${name#app}"
      else echo "    server $name 127.0.0.1:${spec#*:} id ${name#app} cookie $name"; fi
    done
  } >"$dir/haproxy.cfg.new"
  mv "$dir/haproxy.cfg.new" "$dir/haproxy.cfg"
}
write_haproxy-hash() { write_haproxy hash "$@"; }
write_haproxy-cookie() { write_haproxy cookie "$@"; }

write_nginx-hash() {
  local dir=$1 port=$2 spec
  shift 3
  {
    echo "worker_processes 1; daemon off; pid $dir/nginx.pid; error_log $dir/error.log warn;"
    echo "worker_rlimit_nofile $fd_limit;"
    echo "events { worker_connections $((max_conns + max_conns / 8)); }"
    echo "http {"
    echo "  access_log off;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $dir/$t;"; done
    echo "  keepalive_requests 1000000;"
    echo "  keepalive_timeout 120s;"
    echo "  upstream be {"
    echo "    hash \$cookie_DEMOSESSION consistent;"
    for spec in "$@"; do echo "    server 127.0.0.1:${spec#*:} max_fails=1 fail_timeout=2s;"; done
    echo "    keepalive 64;"
    echo "    keepalive_requests 1000000;"
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:$port;"
    echo "    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
    echo "  }"
    echo "}"
  } >"$dir/nginx.conf.new"
  mv "$dir/nginx.conf.new" "$dir/nginx.conf"
}

config_file() {  # config_file PEER DIR
  case $1 in tether) echo "$2/tether.yaml" ;; haproxy-*) echo "$2/haproxy.cfg" ;; *) echo "$2/nginx.conf" ;; esac
}

# --- proxy lifecycle -----------------------------------------------------------------------------
declare -A proxy_pid=()    # KEY=set/peer -> pid to signal (tether, haproxy current process, nginx master)
declare -A measure_pid=()  # KEY -> pid whose CPU and RSS are measured (nginx: its worker)

haproxy_cmd() {  # haproxy_cmd DIR SOCKET_PATH: one runtime-API command, answer on stdout
  python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
EOF
}

nginx_worker() { pgrep -P "$1" | head -n1; }

# wait_http PID PORT: until GET /health through the proxy answers 200 (5 s), or PID dies.
wait_http() {
  for _ in $(seq 50); do
    kill -0 "$1" 2>/dev/null || return 1
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$2/health")" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# start_proxy SET PEER PORT: starts it from DIR=$tmp/SET/PEER (config already written).
start_proxy() {
  local set=$1 peer=$2 port=$3 dir=$tmp/$1/$2 pid
  case $peer in
    tether) "${on_proxy_cpu[@]}" "$TETHER" --config "$dir/tether.yaml" >>"$dir/proxy.log" 2>&1 & ;;
    haproxy-*) "${on_proxy_cpu[@]}" "$HAPROXY" -db -f "$dir/haproxy.cfg" >>"$dir/proxy.log" 2>&1 & ;;
    nginx-hash) "${on_proxy_cpu[@]}" "$NGINX" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" \
      >>"$dir/proxy.log" 2>&1 & ;;
  esac
  pid=$!
  case $peer in tether) remember "$pid" "$TETHER" ;; haproxy-*) remember "$pid" "$HAPROXY" ;;
    *) remember "$pid" "$NGINX" ;; esac
  proxy_pid[$set/$peer]=$pid
  measure_pid[$set/$peer]=$pid
  if ! wait_http "$pid" "$port"; then
    log "skipping $peer: it did not answer 200 on 127.0.0.1:$port within 5 s. Its output:"
    sed 's/^/    /' "$dir"/*.log >&2 || true
    stop_pid "$pid"
    return 1
  fi
  if [[ $peer == nginx-hash ]]; then
    local w
    w=$(nginx_worker "$pid")
    if [[ -n "$w" ]]; then measure_pid[$set/$peer]=$w; fi  # stopped with its master
  fi
}

declare -A replaced_pids=()  # KEY -> HAProxy processes replaced by a reload (they exit by themselves)
stop_proxy() {
  local key=$1/$2 pid
  stop_pid "${proxy_pid[$key]}"
  for pid in ${replaced_pids[$key]:-}; do stop_pid "$pid"; done
}

# reload_proxy SET PEER ADMIN_PORT: apply the rewritten config the peer's native way.
reload_proxy() {
  local set=$1 peer=$2 admin=$3 dir=$tmp/$1/$2 key=$1/$2 old new answer
  case $peer in
    tether)
      answer=$(curl -s --max-time 10 -X POST "http://127.0.0.1:$admin/reload")
      [[ "$answer" == *'"result":"ok"'* ]] || { note "$peer: POST /reload answered: $answer"; return 1; } ;;
    haproxy-*)
      # A fresh process takes the listening sockets over the stats socket (-x) and tells the old one
      # to finish its connections and exit (-sf): HAProxy's seamless reload without master-worker.
      old=${proxy_pid[$key]}
      "${on_proxy_cpu[@]}" "$HAPROXY" -db -f "$dir/haproxy.cfg" -x "$dir/admin.sock" -sf "$old" \
        >>"$dir/proxy.log" 2>&1 &
      new=$!
      remember "$new" "$HAPROXY"
      replaced_pids[$key]+=" $old"
      proxy_pid[$key]=$new
      measure_pid[$key]=$new
      for _ in $(seq 50); do
        answer=$(haproxy_cmd "$dir/admin.sock" "show info" 2>/dev/null | sed -n 's/^Pid: //p')
        [[ "$answer" == "$new" ]] && break
        kill -0 "$new" 2>/dev/null || break
        sleep 0.1
      done
      [[ "$answer" == "$new" ]] || { note "$peer: reload failed: $(tail -n 5 "$dir/proxy.log")"; return 1; } ;;
    nginx-hash)
      old=$(pgrep -P "${proxy_pid[$key]}" | sort | tr '\n' ' ')
      kill -HUP "${proxy_pid[$key]}"
      for _ in $(seq 50); do
        new=$(pgrep -P "${proxy_pid[$key]}" | sort | while read -r p; do
          [[ " $old " == *" $p "* ]] || echo "$p"; done | head -n1)
        [[ -n "$new" ]] && break
        sleep 0.1
      done
      [[ -n "$new" ]] || { note "$peer: nginx -s reload (SIGHUP) started no new worker"; return 1; }
      measure_pid[$key]=$new ;;
  esac
  sleep "$SETTLE"
}

# drain_proxy SET PEER ADMIN_PORT BACKEND
drain_proxy() {
  local dir=$tmp/$1/$2 answer
  case $2 in
    tether)
      answer=$(curl -s --max-time 5 -X POST "http://127.0.0.1:$3/backends/$4/drain")
      [[ "$answer" == *'"state":"draining"'* ]] || note "$2: drain answered: $answer" ;;
    haproxy-*)
      answer=$(haproxy_cmd "$dir/admin.sock" "set server be/$4 state drain")
      [[ -z "${answer//[$'\n ']/}" ]] || note "$2: set server be/$4 state drain answered: $answer" ;;
    nginx-hash)
      note "nginx-hash: nginx OSS has no drain; $4 keeps taking new sessions until it is removed" ;;
  esac
}

shared_conn=(--shared-conn)
[[ "$CONN_PER_USER" == 1 ]] && shared_conn=()
users() { "${on_client_cpu[@]}" python3 "$here/users.py" "$@" "${shared_conn[@]}"; }

# ==================================================================================================
# Throughput
# ==================================================================================================
rounds_tsv=$tmp/rounds.tsv
dist_tsv=$tmp/distribution.tsv
memory_tsv=$tmp/memory.tsv
events_tsv=$tmp/events.tsv
outusers_tsv=$tmp/out_users.tsv
printf 'peer\tround\trps\tp50_ms\tp99_ms\terrors\tproxy_cpu_pct\tstatus_200\tstatus_401\tstatus_other\twrk_cpu_pct\tbackends_cpu_pct\tcpu0_busy_pct\tcpu1_busy_pct\n' \
  >"$rounds_tsv"
printf 'peer\tround\tbackend\trequests\n' >"$dist_tsv"
printf 'peer\tpid\thwm_kb\n' >"$memory_tsv"
: >"$outusers_tsv"

# tp_app_ticks: CPU ticks of the three throughput backends together.
tp_app_ticks() {
  local n=0 i t
  for i in 1 2 3; do
    t=$(cpu_ticks "${app_pid[tp/app$i]}")
    n=$((n + ${t:-0}))
  done
  echo "$n"
}

tp_ready=()
if [[ "$THROUGHPUT" == 1 ]]; then
  tp_specs=()
  for i in 1 2 3; do
    start_app tp "app$i" "$(tp_backend_port $i)"
    tp_specs+=("app$i:$(tp_backend_port $i)")
  done
  log "throughput backends: app1..app3 on $(tp_backend_port 1)-$(tp_backend_port 3)"
  for peer in "${active[@]}"; do
    mkdir -p "$tmp/tp/$peer"
    port=$(tp_proxy_port "$peer")
    "write_$peer" "$tmp/tp/$peer" "$port" $((PORT_BASE + 19)) "${tp_specs[@]}"
    start_proxy tp "$peer" "$port" || continue
    log "$peer: logging in $KEYS users (throughput keys)"
    users login --port "$port" --state "$tmp/tp/$peer/users.json" --users "$KEYS" \
      --max-tries "$MAX_TRIES" --tsv "$events_tsv" --peer "$peer" --event prelogin --step login \
      --prefix k >"$tmp/tp/$peer/login.txt"
    users cookies --state "$tmp/tp/$peer/users.json" --out "$tmp/tp/$peer/cookies.txt"
    tp_ready+=("$peer")
  done
  total_s=$((ROUNDS * ${#tp_ready[@]} * (DURATION + WARMUP)))
  log "running $ROUNDS alternating rounds of ${DURATION}s (+${WARMUP}s warm-up) over: ${tp_ready[*]} (~${total_s}s)"
  for ((round = 1; round <= ROUNDS; round++)); do
    # Each round starts one peer later (rotated, bench/lib/common.sh).
    mapfile -t order < <(rotated "$round" "${tp_ready[@]}")
    for peer in "${order[@]}"; do
      key=tp/$peer
      pid=${measure_pid[$key]}
      url=http://127.0.0.1:$(tp_proxy_port "$peer")
      cookies=$tmp/tp/$peer/cookies.txt
      if ((WARMUP > 0)); then
        "${on_client_cpu[@]}" timeout $((WARMUP + 30)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" \
          -s "$here/sessions.lua" "$url" -- "$cookies" >/dev/null 2>&1 || true
      fi
      out=$tmp/wrk-$peer-$round.txt
      ticks0=$(cpu_ticks "$pid")
      app_ticks0=$(tp_app_ticks)
      busy0=$(cpu_busy_ticks)
      t0=$(date +%s.%N)
      # A subshell so that `times` reports wrk's own CPU time (its children's, once waited for).
      (
        "${on_client_cpu[@]}" timeout $((DURATION + 60)) wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency \
          -s "$here/sessions.lua" "$url" -- "$cookies" >"$out" 2>&1 ||
          log "wrk failed against $peer in round $round (see $out)"
        times >"$out.times"
      )
      kill -0 "$pid" 2>/dev/null || log "WARNING: $peer (pid $pid) is no longer running"
      t1=$(date +%s.%N)
      cpu=$(ticks_pct "$ticks0" "$(cpu_ticks "$pid")" "$t0" "$t1")
      app_cpu=$(ticks_pct "$app_ticks0" "$(tp_app_ticks)" "$t0" "$t1")
      read -r busy0_cpu0 busy0_cpu1 <<<"$busy0"
      read -r busy1_cpu0 busy1_cpu1 <<<"$(cpu_busy_ticks)"
      cpu0_busy=$(ticks_pct "$busy0_cpu0" "$busy1_cpu0" "$t0" "$t1")
      cpu1_busy=$(ticks_pct "$busy0_cpu1" "$busy1_cpu1" "$t0" "$t1")
      wrk_cpu=$(awk -v t0="$t0" -v t1="$t1" 'NR == 2 {
          n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
          printf "%.0f", n / (t1 - t0) * 100 }' "$out.times")
      rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
      p50=$(awk '$1 == "50%" {print $2}' "$out")
      p99=$(awk '$1 == "99%" {print $2}' "$out")
      errors=$(awk '/Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
      s200=$(awk '$1 == "PEERS" && $2 == "status" && $3 == 200 {print $4}' "$out")
      s401=$(awk '$1 == "PEERS" && $2 == "status" && $3 == 401 {print $4}' "$out")
      sother=$(awk '$1 == "PEERS" && $2 == "status" && $3 != 200 && $3 != 401 {n += $4} END {print n + 0}' "$out")
      if [[ -z "$rps" || -z "$p50" || -z "$p99" ]]; then
        log "could not parse wrk output for $peer:"
        cat "$out" >&2
        continue
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$round" "$rps" \
        "$(to_ms "$p50")" "$(to_ms "$p99")" "$errors" "$cpu" "${s200:-0}" "${s401:-0}" "$sother" \
        "${wrk_cpu:-}" "$app_cpu" "$cpu0_busy" "$cpu1_busy" >>"$rounds_tsv"
      awk -v p="$peer" -v r="$round" '$1 == "PEERS" && $2 == "backend" {printf "%s\t%s\t%s\t%s\n", p, r, $3, $4}' \
        "$out" >>"$dist_tsv"
      log "round $round $peer: $rps req/s, p50 $p50, p99 $p99, 401 ${s401:-0}, proxy CPU $cpu%," \
        "wrk CPU ${wrk_cpu:-?}%, backends CPU $app_cpu%, CPU0/CPU1 busy $cpu0_busy%/$cpu1_busy%"
    done
  done
  for peer in "${tp_ready[@]}"; do
    pid=${measure_pid[tp/$peer]}
    printf '%s\t%s\t%s\n' "$peer" "$pid" "$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" \
      >>"$memory_tsv"
    stop_proxy tp "$peer"
  done
  for i in 1 2 3; do stop_app tp "app$i"; done
fi

# ==================================================================================================
# Session survival
# ==================================================================================================
sv_done=()
if [[ "$SURVIVAL" == 1 ]]; then
  admin=$((PORT_BASE + 39))
  spec() { echo "app$1:$(sv_backend_port "$1")"; }
  for peer in "${active[@]}"; do
    dir=$tmp/sv/$peer
    mkdir -p "$dir"
    port=$(sv_proxy_port "$peer")
    state=$dir/users.json
    check() {  # check EVENT STEP [--at-risk NAME ...]
      local event=$1 step=$2
      shift 2
      users check --port "$port" --state "$state" --tsv "$events_tsv" --peer "$peer" \
        --event "$event" --step "$step" --relogin --max-tries "$MAX_TRIES" \
        --out-users "$outusers_tsv" "$@" >>"$dir/users.txt"
    }
    log "survival: $peer on 127.0.0.1:$port"
    for i in 1 2 3; do start_app "sv-$peer" "app$i" "$(sv_backend_port $i)"; done
    "write_$peer" "$dir" "$port" "$admin" "$(spec 1)" "$(spec 2)" "$(spec 3)"
    cp "$(config_file "$peer" "$dir")" "$tmp/config-$peer.txt"
    if ! start_proxy sv "$peer" "$port"; then
      for i in 1 2 3; do stop_app "sv-$peer" "app$i"; done
      continue
    fi
    # Login: USERS users log in (until their session sticks), then one check of all of them.
    users login --port "$port" --state "$state" --users "$USERS" --max-tries "$MAX_TRIES" \
      --tsv "$events_tsv" --peer "$peer" --event 0-login --step login >>"$dir/users.txt"
    check 0-login check

    # (1) Scale out: app4 joins.
    start_app "sv-$peer" app4 "$(sv_backend_port 4)"
    "write_$peer" "$dir" "$port" "$admin" "$(spec 1)" "$(spec 2)" "$(spec 3)" "$(spec 4)"
    reload_proxy sv "$peer" "$admin" || note "$peer: event 1 (add app4): reload failed"
    check 1-add after-reload

    # (2) Drain app2: no new sessions there, existing ones keep going; CHURN of the users end their
    # session and log in again; after GRACE seconds app2 is removed from the config and stopped.
    drain_proxy sv "$peer" "$admin" app2
    check 2-drain draining --at-risk app2 --floor-churn "$CHURN"
    users churn --port "$port" --state "$state" --tsv "$events_tsv" --peer "$peer" --event 2-drain \
      --step churn --fraction "$CHURN" --max-tries "$MAX_TRIES" >>"$dir/users.txt"
    sleep "$GRACE"
    if [[ $peer == tether ]]; then
      left=$(curl -s --max-time 5 "http://127.0.0.1:$admin/status" | python3 -c '
import json, sys
for b in json.load(sys.stdin)["backends"]:
    if b["name"] == "app2":
        d = b.get("drain") or {}
        print("state=%s bound_sessions_left=%s in_flight=%s empty_since=%s" % (
            b["state"], d.get("bound_sessions_left"), d.get("in_flight"), d.get("empty_since")))' 2>&1 ||
        true)
      note "tether: /status for app2 at the end of the grace period: $left"
    fi
    "write_$peer" "$dir" "$port" "$admin" "$(spec 1)" "$(spec 3)" "$(spec 4)"
    reload_proxy sv "$peer" "$admin" || note "$peer: event 2 (remove app2): reload failed"
    stop_app "sv-$peer" app2
    check 2-drain removed --at-risk app2

    # (3) Crash: app1 is SIGKILLed (its sessions are gone), restarted after the check.
    stop_app "sv-$peer" app1 KILL
    sleep "$DOWN_WAIT"
    check 3-kill down --at-risk app1
    start_app "sv-$peer" app1 "$(sv_backend_port 1)"
    sleep "$RECOVER_WAIT"
    check 3-kill restarted --at-risk app1

    if [[ $peer == tether ]]; then
      curl -s --max-time 5 "http://127.0.0.1:$admin/metrics" | grep '^tether_rebinds_total' |
        tr '\n' ' ' | sed 's/^/tether: rebinds at the end: /' >>"$notes" || true
      echo >>"$notes"
    fi
    stop_proxy sv "$peer"
    for name in app1 app3 app4; do stop_app "sv-$peer" "$name"; done
    sv_done+=("$peer")
  done
fi

# ==================================================================================================
# Report
# ==================================================================================================
mkdir -p "$RESULTS_DIR"
report=$RESULTS_DIR/peers-$(date +%Y%m%d-%H%M%S).md
{
  echo "invocation=$invocation"
  echo "pinning=$pinning"
  echo "proxy_cpu_cap=$PROXY_CPU"
  echo "load=$load_at_start"
  echo "throughput=$([[ "$THROUGHPUT" == 1 ]] && echo "wrk -t1 -c$CONNS -d${DURATION}s --latency -s bench/peers/sessions.lua URL -- COOKIES (GET /whoami, $KEYS logged-in users), $ROUNDS alternating rounds, ${WARMUP}s warm-up each" || echo "not run")"
  echo "survival=$([[ "$SURVIVAL" == 1 ]] && echo "USERS=$USERS CHURN=$CHURN GRACE=${GRACE}s DOWN_WAIT=${DOWN_WAIT}s RECOVER_WAIT=${RECOVER_WAIT}s SETTLE=${SETTLE}s MAX_TRIES=$MAX_TRIES CONN_PER_USER=$CONN_PER_USER" || echo "not run")"
  rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
  git -C "$root" diff --quiet HEAD 2>/dev/null || rev+=" + uncommitted changes in the tree"
  echo "tether=$TETHER @ $rev"
  echo "haproxy=$([[ -n "$HAPROXY" ]] && "$HAPROXY" -v 2>/dev/null | head -n1 | awk '{print $3}')"
  echo "nginx=$([[ -n "$NGINX" ]] && "$NGINX" -v 2>&1 | sed 's|.*nginx/||')"
  echo "wrk=$(command -v wrk >/dev/null && wrk --version 2>&1 | head -n1 | awk '{print $2}')"
  echo "python=$(python3 --version 2>&1 | awk '{print $2}')"
} >"$tmp/meta.txt"
lscpu 2>/dev/null | head -n 15 >"$tmp/lscpu.txt" || true
for peer in "${active[@]}"; do  # the throughput config when the survival run did not run
  [[ -f "$tmp/config-$peer.txt" || ! -d "$tmp/tp/$peer" ]] ||
    cp "$(config_file "$peer" "$tmp/tp/$peer")" "$tmp/config-$peer.txt"
done
python3 "$here/report.py" "$tmp" | tee "$report"
log "report written to $report"
