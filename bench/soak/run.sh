#!/usr/bin/env bash
# Soak tether under churn (bench/soak/soak.py does the work and documents what runs and what
# passes). Loopback only; every process is started here and stopped by its pid; bounded in time.
#
# Usage (from anywhere; paths are relative to the repository root):
#   packaging/setup.sh --bench && cmake --build build -j2      # wrk; tether and the demo app
#   bench/soak/run.sh                                          # the full soak: 30 minutes of load
#   DURATION=60 USERS=1000 SLOW=50 IDLE_CONNS=0 bench/soak/run.sh   # the short one the tests run
#
# Environment (defaults):
#   TETHER=build/tether  DEMO_APP=build/tether-demo-app
#   DURATION=1800        seconds of wrk load (the user checks between segments come on top)
#   USERS=10000          logged-in users whose cookies wrk replays
#   SLOW=200             slow clients trickling a request head
#   IDLE_CONNS=10000     after the churn: idle keep-alive connections for the p99 check (0 = skip)
#   RESULTS_DIR=bench/results   report: $RESULTS_DIR/soak-<date>.md (and stdout)
#   WORKDIR=             where configs, logs, samples.csv go (default: a temp dir, kept on failure)
set -euo pipefail
cd "$(dirname "$0")/../.."

TETHER=${TETHER:-build/tether}
DEMO_APP=${DEMO_APP:-build/tether-demo-app}
DURATION=${DURATION:-1800}
USERS=${USERS:-10000}
SLOW=${SLOW:-200}
IDLE_CONNS=${IDLE_CONNS:-10000}
RESULTS_DIR=${RESULTS_DIR:-bench/results}

for tool in wrk python3; do
  command -v "$tool" >/dev/null || { echo "soak: $tool not found (packaging/setup.sh --bench)" >&2; exit 1; }
done
[[ -x "$TETHER" && -x "$DEMO_APP" ]] || { echo "soak: build tether and the demo app first" >&2; exit 1; }

workdir=${WORKDIR:-$(mktemp -d /tmp/tether-soak.XXXXXX)}
mkdir -p "$RESULTS_DIR"
report=$RESULTS_DIR/soak-$(date +%Y%m%d-%H%M%S).md
command="DURATION=$DURATION USERS=$USERS SLOW=$SLOW IDLE_CONNS=$IDLE_CONNS bench/soak/run.sh"
status=0
python3 bench/soak/soak.py --tether "$TETHER" --demo-app "$DEMO_APP" --workdir "$workdir" \
  --report "$report" --duration "$DURATION" --users "$USERS" --slow-clients "$SLOW" \
  --idle-conns "$IDLE_CONNS" --command "$command" || status=$?
cat "$report"
echo "soak: report $report; work directory $workdir" >&2
if [[ $status == 0 && -z "${WORKDIR:-}" ]]; then rm -rf "$workdir"; fi
exit $status
