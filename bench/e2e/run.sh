#!/usr/bin/env bash
# End-to-end comparison of tether with HAProxy and nginx as HTTP/1.1 reverse proxies, or of two
# tether binaries with each other (before and after a change: the A/B mode below).
#
# Usage (from anywhere; paths are relative to the repository root):
#   packaging/setup.sh --bench                    # haproxy, nginx, wrk (Debian packages)
#   ninja -C build tether                         # a Release build is what you want to compare
#   bench/e2e/run.sh                              # all three, defaults below
#   TETHER=build-demo/tether ROUNDS=5 DURATION=20 bench/e2e/run.sh
#   PEERS="haproxy nginx" bench/e2e/run.sh        # skip tether (e.g. while it does not build)
#   IDLE_CONNS=0 bench/e2e/run.sh                 # skip the idle-connection memory test
#   BASELINE=/tmp/tether-before bench/e2e/run.sh  # A/B: build/tether against /tmp/tether-before
#   BASELINE=/tmp/tether-before TETHER=build/tether PEERS= ROUNDS=9 bench/e2e/run.sh  # only the two
#
# A/B mode (BASELINE set): two tether binaries, "before" (BASELINE) and "after" (TETHER), run with
# the same config and the same load in alternating rounds whose order rotates (round 1: before,
# after; round 2: after, before; ...), beside whichever of haproxy and nginx PEERS names (`tether`
# in PEERS stands for the pair; PEERS= runs the two tethers alone). Both must come up, or the run
# stops. The report adds, round by round, after / before for req/s, proxy CPU time per request and
# p99; the median of the per-round CPU-per-request ratios with a verdict (within ±5 % or not); and
# bytes per idle keep-alive connection of each binary, their ratio and a verdict (unchanged when
# they differ by at most 1 % or 24 bytes, whichever is larger: see bench/README.md).
#
# Environment (defaults):
#   TETHER=build/tether      tether binary under test ("after" in A/B mode)
#   BASELINE=                tether binary to compare TETHER with ("before"); empty: no A/B mode
#   PEERS="tether haproxy nginx"   proxies to run; a peer whose binary is missing is skipped;
#                            PEERS= (empty) runs none of them, which only A/B mode allows
#   DURATION=10 ROUNDS=3 WARMUP=2 CONNS=64   wrk seconds per run, rounds, warm-up seconds, conns
#   IDLE_CONNS=10000         keep-alive connections for bench/e2e/idle_conns.py (0 = skip)
#   PORT_BASE=19100          backends on +1..+3, tether +10, haproxy +11, nginx +12, the A/B
#                            baseline +13 (all on 127.0.0.1)
#   PIN=1                    set PIN=0 to disable taskset pinning
#   PROXY_CPU=               e.g. 50: cap each proxy at 50% of its core (a cgroup CPU quota), so
#                            that the proxy, not wrk and the backends on the other core, limits
#                            req/s
#   RESULTS_DIR=bench/results   report goes to $RESULTS_DIR/e2e-<date>.md (and to stdout)
#   KEEP_TMP=0               1 keeps the temp dir (generated configs, wrk output, proxy logs)
#
# What runs:
#   * Backends: ONE nginx instance (worker_processes 1, access_log off) answering
#     `return 200 "hello\n"` on 3 loopback ports.
#   * Proxies, 1 worker each, round robin over the 3 backends, keep-alive to the backends:
#     tether (workers: 1), HAProxy (nbthread 1, http-reuse always), nginx (worker_processes 1,
#     upstream keepalive 64). nginx's keepalive_requests limit (default 1000) is raised on both
#     sides so no proxy pays for periodic reconnects the others do not make.
#   * wrk -t1 -c$CONNS -d${DURATION}s --latency against each proxy, rounds ALTERNATING
#     (tether, haproxy, nginx, then haproxy, nginx, tether, ...: each round starts one proxy
#     later) so drift (thermal, noisy neighbours) and a proxy's place in the round hit all alike;
#     each run is preceded by a WARMUP-second unmeasured wrk run.
#   * Report: per proxy the median over rounds of requests/s, p50 and p99 latency, proxy CPU
#     use and proxy CPU time per request (the proxy's CPU ticks during the run over the requests
#     wrk completed); the sum of non-2xx and socket errors; peak RSS (VmHWM, read after the last
#     round); bytes of RSS per idle keep-alive connection (idle_conns.py, run after the wrk
#     rounds, one proxy after the other); then the tether/haproxy and tether/nginx ratios.
#
# CPU pinning (`taskset -c`, PIN=0 disables it): the proxy under test runs alone on CPU 0; wrk
# and idle_conns.py on CPU 1; the backend nginx on CPUs 2.. if the machine has them, otherwise on
# CPU 1 next to wrk (the 2-core case). So every proxy gets exactly one core, and the numbers read
# as "what one core of this proxy does". The report also gives the share of that core each proxy
# actually used during its runs: on 2 cores, wrk plus the backends cost about as much CPU per
# request as a proxy does, so CPU 1 can saturate first; a proxy well below 100% was not the
# bottleneck and its req/s says more about the machine than about the proxy; its CPU time per
# request still compares fairly. Other processes on the machine show up the same way (the
# 1-minute load average at start is in the report).
#
# Safety: loopback only; every process is started by this script, stopped by its pid, and every
# step has a bounded duration.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
root=$(cd "$here/../.." && pwd)
cd "$root"

invocation=$(invocation bench/e2e/run.sh TETHER BASELINE PEERS DURATION ROUNDS WARMUP CONNS IDLE_CONNS \
  PORT_BASE PIN PROXY_CPU)

TETHER=${TETHER:-build/tether}
BASELINE=${BASELINE:-}
PEERS=${PEERS-"tether haproxy nginx"}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
IDLE_CONNS=${IDLE_CONNS:-10000}
PORT_BASE=${PORT_BASE:-19100}
PIN=${PIN:-1}
RESULTS_DIR=${RESULTS_DIR:-bench/results}
KEEP_TMP=${KEEP_TMP:-0}
PROXY_CPU=${PROXY_CPU:-}

log() { echo "e2e $(date +%T): $*" >&2; }
die() { echo "e2e: ERROR: $*" >&2; exit 1; }

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (packaging/setup.sh --bench installs it)"
done
# /usr/sbin is not on every user's PATH; HAPROXY=... / NGINX=... override both.
NGINX=${NGINX:-$(find_bin nginx)}
HAPROXY=${HAPROXY:-$(find_bin haproxy)}
[[ -n "$NGINX" ]] || die "nginx not found: it serves the backends (packaging/setup.sh --bench)"

# Command prefixes, not a shell function: `taskset` execs its command, so `$!` after
# `"${on_proxy_cpu[@]}" cmd &` is cmd's own pid and stop_pid signals the real process.
setup_pinning "$PIN" "wrk and idle_conns.py"

# Enough descriptors for IDLE_CONNS client connections plus upstreams, in every process we start.
# HAProxy is the tightest: it reserves two fds per maxconn (client + server side) and refuses to
# start if the hard limit is lower, so every proxy gets the same, smaller IDLE_CONNS when the
# limit is short (with a 20000 hard limit: 9700).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fd_limit=$(ulimit -n)
conn_margin=256  # listeners, upstream pools, log files
idle_cap=$(( ((fd_limit - 64) / 2 - conn_margin) / 100 * 100 ))
if ((IDLE_CONNS > idle_cap)); then
  log "fd limit is $fd_limit (hard; 65536 allows the full test): IDLE_CONNS $IDLE_CONNS -> $idle_cap for every proxy"
  IDLE_CONNS=$idle_cap
fi
max_conns=$((IDLE_CONNS + conn_margin))
((max_conns >= 4096)) || max_conns=4096

backend_ports=($((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)))
declare -A proxy_port=([tether]=$((PORT_BASE + 10)) [haproxy]=$((PORT_BASE + 11)) [nginx]=$((PORT_BASE + 12))
  [tether-after]=$((PORT_BASE + 10)) [tether-before]=$((PORT_BASE + 13)))

tmp=$(mktemp -d /tmp/tether-e2e.XXXXXX)
declare -a started_pids=()
declare -A measure_pid=()

stop_pid() { stop_child "$1"; }
cleanup() {
  local i
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do stop_pid "${started_pids[i]}"; done
  release_proxy_cpu_cap
  if [[ "$KEEP_TMP" == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every process started through on_proxy_cpu (each proxy; nginx's worker too) joins the capped group.
cap_proxy_cpu "$PROXY_CPU" tether-e2e

# wait_http NAME PID PORT: until GET / answers 200 (5 s), or the process dies.
wait_http() {
  local name=$1 pid=$2 port=$3
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/")" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# Other processes on the proxy's or wrk's core make every number noisy; say so in the report.
load_at_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
if awk -v l="$load_at_start" 'BEGIN {exit !(l + 0 > 0.5)}'; then
  log "load average is $load_at_start before starting: other work is running, numbers will be noisy"
fi

# --- which peers can run -------------------------------------------------------------------------
active=()
if [[ -n "$BASELINE" ]]; then
  [[ -x "$BASELINE" ]] || die "BASELINE=$BASELINE is not an executable tether binary"
  [[ -x "$TETHER" ]] || die "TETHER=$TETHER is not an executable tether binary"
  active=(tether-before tether-after)
fi
for peer in $PEERS; do
  case $peer in
    tether)
      if [[ -n "$BASELINE" ]]; then continue; fi  # the pair is already in
      [[ -x "$TETHER" ]] && active+=(tether) ||
        log "skipping tether: $TETHER not found (set TETHER=path/to/tether)" ;;
    haproxy)
      [[ -n "$HAPROXY" ]] && active+=(haproxy) || log "skipping haproxy: binary not found" ;;
    nginx) active+=(nginx) ;;
    *) die "unknown peer '$peer' (use tether, haproxy, nginx)" ;;
  esac
done
((${#active[@]})) || die "no proxy to benchmark"

for port in "${backend_ports[@]}" $(for peer in "${active[@]}"; do echo "${proxy_port[$peer]}"; done); do
  port_busy "$port" && die "127.0.0.1:$port is already in use (set PORT_BASE to move every port)"
done

# --- backends: one nginx, three ports ------------------------------------------------------------
# nginx wants its temp paths writable even when unused; all of them live in $tmp.
nginx_common() {
  cat <<EOF
  access_log off;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
EOF
}

mkdir -p "$tmp/backends"
backend_nginx_conf "$tmp/backends" "$fd_limit" "${backend_ports[@]}" >"$tmp/backends/nginx.conf"
"${on_backend_cpus[@]}" "$NGINX" -e "$tmp/backends/error.log" -p "$tmp/backends" -c "$tmp/backends/nginx.conf" \
  >"$tmp/backends/stdout.log" 2>&1 &
backend_pid=$!
started_pids+=("$backend_pid")
for port in "${backend_ports[@]}"; do
  wait_http backends "$backend_pid" "$port" ||
    die "backend nginx did not come up on $port: $(cat "$tmp/backends/error.log" 2>/dev/null)"
done
log "backends: nginx pid $backend_pid on ${backend_ports[*]}"

# --- proxies -------------------------------------------------------------------------------------
# start_tether NAME BINARY: tether, tether-before or tether-after, each with the same config.
start_tether() {
  local name=$1 binary=$2 dir=$tmp/$1 port=${proxy_port[$1]}
  mkdir -p "$dir"
  {
    tether_bench_config "$port" "${backend_ports[@]}"
    echo "limits:"
    echo "  max_connections: $max_conns"
    echo "upstream:"
    echo "  max_idle_per_backend: 64"
  } >"$dir/tether.yaml"
  "${on_proxy_cpu[@]}" "$binary" --config "$dir/tether.yaml" >"$dir/stdout.log" 2>&1 &
  started_pids+=($!)
  measure_pid[$name]=$!
}

start_haproxy() {
  local dir=$tmp/haproxy port=${proxy_port[haproxy]}
  mkdir -p "$dir"
  cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $max_conns
defaults
    mode http
    maxconn $max_conns
    option http-keep-alive
    http-reuse always
    timeout connect 2s
    timeout client 120s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 120s
frontend fe
    bind 127.0.0.1:$port
    default_backend be
backend be
    balance roundrobin
    server app1 127.0.0.1:${backend_ports[0]}
    server app2 127.0.0.1:${backend_ports[1]}
    server app3 127.0.0.1:${backend_ports[2]}
EOF
  # -db: stay in the foreground as one process (no daemon, no master), so $! is the worker.
  "${on_proxy_cpu[@]}" "$HAPROXY" -db -f "$dir/haproxy.cfg" >"$dir/stdout.log" 2>&1 &
  started_pids+=($!)
  measure_pid[haproxy]=$!
}

start_nginx() {
  local dir=$tmp/nginx port=${proxy_port[nginx]}
  mkdir -p "$dir"
  {
    echo "worker_processes 1; daemon off; pid $dir/nginx.pid; error_log $dir/error.log warn;"
    echo "worker_rlimit_nofile $fd_limit;"
    # nginx starts closing idle keep-alive connections once fewer than 1/16 of its
    # worker_connections are free ("reusing connections"); 1/8 headroom keeps them all open.
    echo "events { worker_connections $((max_conns + max_conns / 8)); }"
    echo "http {"
    nginx_common "$dir"
    echo "  upstream be {"
    for p in "${backend_ports[@]}"; do echo "    server 127.0.0.1:$p;"; done
    echo "    keepalive 64;"
    echo "    keepalive_requests 1000000;"
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:$port;"
    echo "    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
    echo "  }"
    echo "}"
  } >"$dir/nginx.conf"
  "${on_proxy_cpu[@]}" "$NGINX" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  started_pids+=($!)
  measure_pid[nginx]=$!  # the master; replaced by its worker once it is up
}

ready=()
for peer in "${active[@]}"; do
  case $peer in
    tether | tether-after) start_tether "$peer" "$TETHER" ;;
    tether-before) start_tether "$peer" "$BASELINE" ;;
    *) "start_$peer" ;;
  esac
  pid=${measure_pid[$peer]}
  if ! wait_http "$peer" "$pid" "${proxy_port[$peer]}"; then
    log "skipping $peer: it did not answer 200 on 127.0.0.1:${proxy_port[$peer]} within 5 s. Its output:"
    sed 's/^/    /' "$tmp/$peer"/*.log >&2 || true
    stop_pid "$pid"
    continue
  fi
  if [[ $peer == nginx ]]; then
    worker=$(pgrep -P "$pid" | head -n1)
    [[ -n "$worker" ]] && measure_pid[nginx]=$worker
  fi
  ready+=("$peer")
  log "$peer: pid ${measure_pid[$peer]} on 127.0.0.1:${proxy_port[$peer]}"
done
((${#ready[@]})) || die "no proxy came up"
if [[ -n "$BASELINE" && ! (" ${ready[*]} " == *" tether-before "* && " ${ready[*]} " == *" tether-after "*) ]]; then
  die "A/B mode needs both tether binaries running (see above)"
fi

# --- throughput rounds ---------------------------------------------------------------------------
results=$tmp/rounds.tsv
printf 'peer\tround\trps\tp50_ms\tp99_ms\terrors\tproxy_cpu_pct\trequests\tproxy_cpu_s\n' >"$results"
total_s=$((ROUNDS * ${#ready[@]} * (DURATION + WARMUP)))
log "running $ROUNDS alternating rounds of ${DURATION}s (+${WARMUP}s warm-up) over: ${ready[*]} (~${total_s}s)"
for ((round = 1; round <= ROUNDS; round++)); do
  mapfile -t order < <(rotated "$round" "${ready[@]}")  # each round starts one proxy later
  for peer in "${order[@]}"; do
    pid=${measure_pid[$peer]}
    url=http://127.0.0.1:${proxy_port[$peer]}/
    if ((WARMUP > 0)); then
      "${on_client_cpu[@]}" timeout $((WARMUP + 30)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$url" \
        >/dev/null 2>&1 || true
    fi
    out=$tmp/wrk-$peer-$round.txt
    ticks0=$(cpu_ticks "$pid")
    t0=$(date +%s.%N)
    "${on_client_cpu[@]}" timeout $((DURATION + 60)) wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url" \
      >"$out" 2>&1 || log "wrk failed against $peer in round $round (see $out)"
    kill -0 "$pid" 2>/dev/null || log "WARNING: $peer (pid $pid) is no longer running"
    # Share of one CPU the proxy used: well below 100% means something else (wrk, the
    # backends, other processes) limited the run, not the proxy.
    ticks1=$(cpu_ticks "$pid")
    cpu=$(ticks_pct "$ticks0" "$ticks1" "$t0" "$(date +%s.%N)")
    cpu_s=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$clk_tck" 'BEGIN {printf "%.2f", (b - a) / hz}')
    requests=$(awk '$2 == "requests" && $3 == "in" {print $1}' "$out")
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF}
                  /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
                  END {print n + 0}' "$out")
    if [[ -z "$rps" || -z "$p50" || -z "$p99" ]]; then
      log "could not parse wrk output for $peer:"
      cat "$out" >&2
      continue
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$round" "$rps" "$(to_ms "$p50")" \
      "$(to_ms "$p99")" "$errors" "$cpu" "${requests:-}" "$cpu_s" >>"$results"
    log "round $round $peer: $rps req/s, p50 $p50, p99 $p99, errors $errors, proxy CPU $cpu%"
  done
done

memory=$tmp/memory.tsv
printf 'peer\tpid\thwm_kb\tidle_conns\tidle_open\tidle_rss_before_kb\tidle_rss_after_kb\tbytes_per_conn\n' >"$memory"
for peer in "${ready[@]}"; do
  pid=${measure_pid[$peer]}
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo "")
  idle=("" "" "" "" "")
  if ((IDLE_CONNS > 0)); then
    log "idle test: $IDLE_CONNS keep-alive connections to $peer (pid $pid)"
    "${on_client_cpu[@]}" timeout 300 python3 "$here/idle_conns.py" --port "${proxy_port[$peer]}" \
      --pid "$pid" --conns "$IDLE_CONNS" >"$tmp/idle-$peer.txt" 2>"$tmp/idle-$peer.err" ||
      log "idle test against $peer incomplete: $(cat "$tmp/idle-$peer.err" "$tmp/idle-$peer.txt" |
        tail -n 4 | tr '\n' ' ')"
    line=$(grep '^RESULT' "$tmp/idle-$peer.txt" || true)
    kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    if [[ -n "$line" ]]; then
      idle=("$(kv conns)" "$(kv open)" "$(kv rss_before_kb)" "$(kv rss_after_kb)" "$(kv bytes_per_conn)")
    fi
    sleep 1  # let the proxy reap the closed connections before the next one is measured
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$pid" "$hwm" "${idle[@]}" >>"$memory"
done

# --- report --------------------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR"
report=$RESULTS_DIR/e2e-$(date +%Y%m%d-%H%M%S).md
{
  echo "invocation=$invocation"
  echo "machine=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores, $(uname -sr)"
  echo "pinning=$pinning"
  echo "proxy_cpu_cap=$PROXY_CPU"
  echo "load=$load_at_start (1-minute load average before the run;" \
    "above ~0.5 means other work shared the CPUs)"
  echo "params=wrk -t1 -c$CONNS -d${DURATION}s --latency, $ROUNDS alternating rounds," \
    "${WARMUP}s warm-up each; 3 backends (one nginx, return 200)"
  tether_version="not run"
  rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
  git -C "$root" diff --quiet HEAD 2>/dev/null || rev+="+uncommitted changes"
  if [[ " ${ready[*]} " == *" tether "* ]]; then
    tether_version="$TETHER @ $rev"
  elif [[ -n "$BASELINE" ]]; then
    # The checkout's revision says nothing about where two given binaries came from; their
    # checksums at least tell whether they differ.
    binary_id() { echo "$1 (sha256 $(sha256sum "$1" | cut -c1-12), $("$1" --version 2>/dev/null | head -n1))"; }
    echo "ab_before=$(binary_id "$BASELINE")"
    echo "ab_after=$(binary_id "$TETHER")"
    if cmp -s "$BASELINE" "$TETHER"; then echo "ab_same_file=1"; fi
    tether_version="before and after, see the A/B section (checkout @ $rev)"
  fi
  echo "tether=$tether_version"
  echo "idle_conns=$IDLE_CONNS"
  echo "haproxy=$("${HAPROXY:-false}" -v 2>/dev/null | head -n1 | awk '{print $3}')"
  echo "nginx=$("$NGINX" -v 2>&1 | sed 's|.*nginx/||')"
  echo "wrk=$(wrk --version 2>&1 | head -n1 | awk '{print $2}')"
} >"$tmp/meta.txt"
python3 "$here/report.py" "$tmp/meta.txt" "$results" "$memory" | tee "$report"
log "report written to $report"
