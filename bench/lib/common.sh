# Helpers shared by the benchmark scripts (bench/e2e/run.sh, bench/peers/run.sh). Sourced, not run.
# The sourcing script defines die (print an error, exit non-zero), which cap_proxy_cpu calls.

# find_bin NAME: the path of NAME on PATH or in /usr/sbin (haproxy, nginx), or nothing.
find_bin() { command -v "$1" 2>/dev/null || { [[ -x /usr/sbin/$1 ]] && echo "/usr/sbin/$1"; } || true; }

# port_busy PORT: true when something accepts on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# cpu_ticks PID: user+system CPU time of every thread of PID, in clock ticks. Fields are counted
# from the end of the comm field, which may contain spaces.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }
clk_tck=$(getconf CLK_TCK)

# cpu_busy_ticks: "CPU0 CPU1" busy (non-idle, non-iowait) clock ticks from /proc/stat, whoever ran.
cpu_busy_ticks() {
  awk '$1 == "cpu0" || $1 == "cpu1" {b[$1] = $2 + $3 + $4 + $7 + $8 + $9}
       END {print b["cpu0"] + 0, b["cpu1"] + 0}' /proc/stat
}

# ticks_pct TICKS0 TICKS1 T0 T1: the share of one CPU that TICKS1 - TICKS0 is over T1 - T0 seconds.
ticks_pct() {
  awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" -v hz="$clk_tck" \
    'BEGIN {printf "%.0f", (b - a) / hz / (t1 - t0) * 100}'
}

# to_ms LATENCY: wrk's "303.00us" / "4.23ms" / "1.02s" -> milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

# setup_pinning PIN CLIENT_DESCRIPTION: with PIN=1 and taskset, the proxy alone on CPU 0, the
# load generator (wrk and friends) on CPU 1, the backends on CPU 2.. when there are more than 2
# CPUs, else on CPU 1 next to the load generator. Sets the command prefixes on_proxy_cpu,
# on_client_cpu, on_backend_cpus (`"${on_proxy_cpu[@]}" cmd &` keeps $! the real pid) and the
# report line `pinning`.
setup_pinning() {
  local ncpu backend_cpus=1
  ncpu=$(nproc)
  if [[ "$1" == 1 ]] && command -v taskset >/dev/null && ((ncpu >= 2)); then
    ((ncpu >= 3)) && backend_cpus=2-$((ncpu - 1))
    on_proxy_cpu=(taskset -c 0)
    on_client_cpu=(taskset -c 1)
    on_backend_cpus=(taskset -c "$backend_cpus")
    pinning="proxy on CPU 0; $2 on CPU 1; backends on CPU $backend_cpus"
  else
    on_proxy_cpu=()
    on_client_cpu=()
    on_backend_cpus=()
    pinning="none"
  fi
}

# rotated ROUND NAME...: the NAMEs, one a line, starting with the ROUND-th (1-based, wrapping).
# Round 1 runs them in the given order, round 2 starts with the second, and so on, so whatever
# goes with a position in a round (following a given proxy, the host's rhythm) is spread over
# every proxy instead of always landing on the same one.
rotated() {
  local round=$1 i k
  shift
  for ((i = 0; i < $#; i++)); do
    k=$(((i + round - 1) % $# + 1))
    printf '%s\n' "${!k}"
  done
}

# invocation SCRIPT VAR...: the command line that repeats this run: every VAR that is set (an
# empty one too: PEERS= means something), shell-quoted, then SCRIPT.
invocation() {
  local script=$1 v line=""
  shift
  for v in "$@"; do
    if [[ -n "${!v+set}" ]]; then line+="$(printf '%s=%q ' "$v" "${!v}")"; fi
  done
  echo "$line$script"
}

# cap_proxy_cpu PCT NAME: with PCT set (5..100), every process started through on_proxy_cpu (call
# setup_pinning first) joins a new cgroup NAME-$$ whose CPU quota is PCT% of one core (cgroup v1
# cpu controller or v2 cpu.max, 10 ms period), and `pinning` says so. On 2 cores the proxy gets
# one and the load generator plus the backends share the other, which then limits req/s for every
# proxy alike; a quota below what the proxy would use makes the proxy the limit, so req/s
# compares proxies at the same CPU budget. Sets proxy_cgroup; release_proxy_cpu_cap removes it once
# the processes in it are stopped. An empty PCT does nothing. Calls the sourcing script's die.
proxy_cgroup=""
cap_proxy_cpu() {
  local pct=$1 name=$2 quota
  [[ -n "$pct" ]] || return 0
  [[ "$pct" =~ ^[0-9]+$ ]] && ((pct >= 5 && pct <= 100)) ||
    die "PROXY_CPU is a percentage of one core, 5..100"
  quota=$((pct * 100))  # µs per 10 ms period
  if [[ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
    proxy_cgroup=/sys/fs/cgroup/cpu/$name-$$
    mkdir "$proxy_cgroup" && echo 10000 >"$proxy_cgroup/cpu.cfs_period_us" &&
      echo "$quota" >"$proxy_cgroup/cpu.cfs_quota_us" || die "could not set up $proxy_cgroup"
  elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    proxy_cgroup=/sys/fs/cgroup/$name-$$
    mkdir "$proxy_cgroup" && echo "$quota 10000" >"$proxy_cgroup/cpu.max" ||
      die "could not set up $proxy_cgroup"
  else
    die "PROXY_CPU needs a writable cgroup CPU controller (/sys/fs/cgroup/cpu or cgroup v2 cpu.max)"
  fi
  # shellcheck disable=SC2016  # $$ and $@ belong to the inner shell
  on_proxy_cpu=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$proxy_cgroup" "${on_proxy_cpu[@]}")
  pinning+="; each proxy capped at ${pct}% of its core (cgroup CPU quota, 10 ms period)"
}

# release_proxy_cpu_cap: removes the cgroup cap_proxy_cpu made, if any (its processes must be gone).
release_proxy_cpu_cap() {
  [[ -n "$proxy_cgroup" ]] || return 0
  rmdir "$proxy_cgroup" 2>/dev/null || echo "could not remove $proxy_cgroup" >&2
  proxy_cgroup=""
}

# backend_nginx_conf DIR FD_LIMIT PORT...: an nginx config (on stdout) that answers
# `200 "hello\n"` on 127.0.0.1:PORT for every PORT, one worker, no access log, keep-alive
# without limits, every temp path under DIR. The cheap backend both e2e scripts measure against.
backend_nginx_conf() {
  local dir=$1 fds=$2 port
  shift 2
  echo "worker_processes 1; daemon off; pid $dir/nginx.pid; error_log $dir/error.log warn;"
  echo "worker_rlimit_nofile $fds;"
  echo "events { worker_connections 4096; }"
  echo "http {"
  echo "  access_log off;"
  for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $dir/$t;"; done
  echo "  keepalive_requests 1000000;"
  echo "  keepalive_timeout 120s;"
  for port in "$@"; do
    echo "  server { listen 127.0.0.1:$port; location / { default_type text/plain; return 200 \"hello\\n\"; } }"
  done
  echo "}"
}

# tether_bench_config PORT BACKEND_PORT...: tether's config for the e2e scripts (on stdout): one
# worker on 127.0.0.1:PORT, round robin over app1.. at the BACKEND_PORTs, access log off. The
# caller may append sections the base does not set (limits, upstream).
tether_bench_config() {
  local port=$1 i=0 p
  shift
  echo "listen: [\"127.0.0.1:$port\"]"
  echo "workers: 1"
  echo "backends:"
  for p in "$@"; do
    i=$((i + 1))
    echo "  - {name: app$i, address: \"127.0.0.1:$p\"}"
  done
  echo "routing:"
  echo "  strategy: round_robin"
  echo "timeouts:"
  echo "  client_idle: 120s"
  echo "logging:"
  echo "  level: warn"
  echo "  access_log: \"off\""
}

# stop_child PID [SECONDS]: SIGTERM to a child of this shell, then wait up to SECONDS (default 5)
# for it to exit, then SIGKILL. Reaps it. Calls the sourcing script's log.
stop_child() {
  local pid=$1 tenths=$((${2:-5} * 10))
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq "$tenths"); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid ignored SIGTERM for ${2:-5} s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
