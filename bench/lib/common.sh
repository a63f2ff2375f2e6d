# Helpers shared by the benchmark scripts (bench/e2e/run.sh, bench/peers/run.sh). Sourced, not run.

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
