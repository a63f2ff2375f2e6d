#!/usr/bin/env bash
# Instructions per proxied request of two tether binaries (before and after a change), counted by
# valgrind's callgrind: a count, not a time, so it does not move with whatever else the machine
# is doing. It complements run.sh's A/B mode, whose CPU-time ratios swing by tens of percent on a
# shared 2-core host.
#
# Usage (from anywhere; paths are relative to the repository root):
#   packaging/setup.sh --bench                     # nginx and wrk (valgrind is on the machine)
#   BASELINE=/tmp/tether-before bench/e2e/instructions.sh          # TETHER=build/tether
#   BASELINE=/tmp/tether-before TETHER=/tmp/tether-after ROUNDS=3 bench/e2e/instructions.sh
#
# Environment (defaults):
#   TETHER=build/tether   "after";  BASELINE= (required) "before"
#   ROUNDS=2              rounds; each runs both binaries, the order rotating per round
#   DURATION=10 CONNS=16  wrk seconds and connections per measured run (after a 2 s warm-up)
#   PORT_BASE=19200       backends on +1..+3, the tether under test on +10 (127.0.0.1 only)
#   RESULTS_DIR=bench/results   report: $RESULTS_DIR/instructions-<date>.md (and stdout)
#
# What one run does: the backends are one nginx answering `200 "hello\n"` on three ports (as in
# run.sh); tether (workers: 1, round robin, access log off) starts under
# `valgrind --tool=callgrind --instr-atstart=no`, a 2 s wrk warm-up fills its upstream pool,
# `callgrind_control -i on` starts counting, wrk runs DURATION seconds, and SIGTERM ends tether,
# whose callgrind profile then holds the instructions of the measured traffic and of the
# graceful stop (a few connections' worth, spread over thousands of requests). Instructions per
# request = the profile's total Ir / the requests wrk completed. Only user-space instructions
# are counted: the system calls themselves are not, and they are the same for both binaries as
# long as neither changes how many it makes.
#
# Safety: loopback only; every process is started here and stopped by its pid; bounded waits.
set -euo pipefail

cd "$(dirname "$0")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh

TETHER=${TETHER:-build/tether}
BASELINE=${BASELINE:-}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
PORT_BASE=${PORT_BASE:-19200}
RESULTS_DIR=${RESULTS_DIR:-bench/results}

log() { echo "instructions $(date +%T): $*" >&2; }
die() { echo "instructions: ERROR: $*" >&2; exit 1; }

for tool in wrk curl valgrind callgrind_control awk; do
  command -v "$tool" >/dev/null || die "$tool not found (packaging/setup.sh --bench installs wrk and nginx)"
done
NGINX=${NGINX:-$(find_bin nginx)}
[[ -n "$NGINX" ]] || die "nginx not found: it serves the backends (packaging/setup.sh --bench)"
[[ -n "$BASELINE" && -x "$BASELINE" ]] || die "BASELINE must name the 'before' tether binary"
[[ -x "$TETHER" ]] || die "TETHER=$TETHER is not an executable tether binary"

backend_ports=($((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)))
port=$((PORT_BASE + 10))
for p in "${backend_ports[@]}" "$port"; do
  port_busy "$p" && die "127.0.0.1:$p is already in use (set PORT_BASE to move every port)"
done

tmp=$(mktemp -d /tmp/tether-instructions.XXXXXX)
declare -a started_pids=()
stop_pid() { stop_child "$1" 30; }  # valgrind writes its profile on the way out
cleanup() {
  local i
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do stop_pid "${started_pids[i]}"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# until GET / answers 200 (timeout in tenths of a second), or the process dies.
wait_http() {
  local pid=$1 p=$2 tenths=$3
  for _ in $(seq "$tenths"); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$p/")" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

mkdir -p "$tmp/backends"
backend_nginx_conf "$tmp/backends" "$(ulimit -n)" "${backend_ports[@]}" >"$tmp/backends/nginx.conf"
"$NGINX" -e "$tmp/backends/error.log" -p "$tmp/backends" -c "$tmp/backends/nginx.conf" \
  >"$tmp/backends/stdout.log" 2>&1 &
started_pids+=($!)
for p in "${backend_ports[@]}"; do wait_http "${started_pids[0]}" "$p" 50 || die "backend nginx did not start"; done

tether_bench_config "$port" "${backend_ports[@]}" >"$tmp/tether.yaml"

# measure NAME BINARY ROUND: prints "instructions requests".
measure() {
  local name=$1 binary=$2 round=$3 out=$tmp/$1-$3 pid total requests
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out.cg" \
    "$binary" --config "$tmp/tether.yaml" >"$out.log" 2>&1 &
  pid=$!
  started_pids+=("$pid")
  wait_http "$pid" "$port" 600 || die "$name did not come up under valgrind (see $out.log)"
  timeout 60 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  callgrind_control -i on "$pid" >/dev/null
  timeout $((DURATION + 60)) wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port/" >"$out.wrk" 2>&1 ||
    die "wrk failed against $name (see $out.wrk)"
  stop_pid "$pid"
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$out.cg")
  requests=$(awk '$2 == "requests" && $3 == "in" {print $1}' "$out.wrk")
  [[ -n "$total" && -n "$requests" && "$requests" -gt 0 ]] || die "no count for $name (see $out.*)"
  echo "$total $requests"
}

rows=$tmp/rows.tsv
: >"$rows"
log "$ROUNDS rounds of ${DURATION}s under callgrind for before ($BASELINE) and after ($TETHER)"
for ((round = 1; round <= ROUNDS; round++)); do
  mapfile -t order < <(rotated "$round" before after)
  for name in "${order[@]}"; do
    binary=$BASELINE
    [[ $name == after ]] && binary=$TETHER
    read -r ir requests < <(measure "$name" "$binary" "$round")
    log "round $round $name: $requests requests, $ir instructions"
    printf '%s\t%s\t%s\t%s\n' "$round" "$name" "$ir" "$requests" >>"$rows"
  done
done

mkdir -p "$RESULTS_DIR"
report=$RESULTS_DIR/instructions-$(date +%Y%m%d-%H%M%S).md
{
  echo "# Instructions per request: tether after ÷ before"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); host: $(nproc) CPUs, load at start $(cut -d' ' -f1 /proc/loadavg)"
  echo "- before: $BASELINE (sha256 $(sha256sum "$BASELINE" | cut -c1-12)); after: $TETHER (sha256 $(sha256sum "$TETHER" | cut -c1-12))"
  echo "- command: $(invocation bench/e2e/instructions.sh BASELINE TETHER ROUNDS DURATION CONNS)"
  echo "- load: wrk -t1 -c$CONNS for ${DURATION}s per run after a 2 s warm-up; tether workers: 1, round robin over 3 nginx backends"
  echo
  echo "| round | binary | requests | instructions | instructions / request |"
  echo "|---:|---|---:|---:|---:|"
  awk -F'\t' '{printf "| %s | %s | %d | %d | %.0f |\n", $1, $2, $4, $3, $3 / $4}' "$rows"
  echo
  awk -F'\t' '
    {per[$1, $2] = $3 / $4; rounds[$1] = 1}
    END {
      n = 0
      for (r in rounds) if (((r, "before") in per) && ((r, "after") in per)) ratio[++n] = per[r, "after"] / per[r, "before"]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (ratio[j] < ratio[i]) {t = ratio[i]; ratio[i] = ratio[j]; ratio[j] = t}
      med = n % 2 ? ratio[(n + 1) / 2] : (ratio[n / 2] + ratio[n / 2 + 1]) / 2
      printf "**Instructions per request, after ÷ before: %.3f** (median of %d rounds, %.3f–%.3f): %s\n",
        med, n, ratio[1], ratio[n], (med >= 0.95 && med <= 1.05) ? "within ±5 %" : "outside ±5 %"
    }' "$rows"
} | tee "$report"
log "report written to $report"
