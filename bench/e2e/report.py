#!/usr/bin/env python3
"""Turns bench/e2e/run.sh's raw TSV files into the markdown report (python3 stdlib only).

    report.py META.txt ROUNDS.tsv MEMORY.tsv > report.md

ROUNDS.tsv: peer, round, rps, p50_ms, p99_ms, errors, proxy_cpu_pct (one row per wrk run).
MEMORY.tsv: peer, pid, hwm_kb, idle_conns, idle_open, idle_rss_before_kb, idle_rss_after_kb,
bytes_per_conn (empty fields when a measurement was skipped).
Medians are taken per proxy over the rounds; ratios compare those medians.
"""

import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from report_common import fmt, num, ratio, read_tsv  # noqa: E402

ORDER = ["tether", "haproxy", "nginx"]


def main():
    meta_path, rounds_path, memory_path = sys.argv[1:4]
    meta = dict(line.rstrip("\n").split("=", 1) for line in open(meta_path) if "=" in line)
    rounds = read_tsv(rounds_path)
    memory = {row["peer"]: row for row in read_tsv(memory_path)}
    peers = [p for p in ORDER if any(r["peer"] == p for r in rounds) or p in memory]

    summary = {}
    for p in peers:
        rows = [r for r in rounds if r["peer"] == p]
        med = lambda key: statistics.median(float(r[key]) for r in rows) if rows else None
        mem = memory.get(p, {})
        hwm = num(mem.get("hwm_kb"))
        summary[p] = {
            "runs": len(rows),
            "rps": med("rps"),
            "p50": med("p50_ms"),
            "p99": med("p99_ms"),
            "errors": sum(int(r["errors"]) for r in rows),
            "cpu": med("proxy_cpu_pct"),
            # Proxy CPU time per request: unlike req/s it barely moves when the proxy was
            # starved by other processes, so it is the fairest efficiency number on a busy box.
            "us_per_req": statistics.median(
                float(r["proxy_cpu_pct"]) / 100 * 1e6 / float(r["rps"]) for r in rows
            ) if rows else None,
            "hwm_mb": hwm / 1024 if hwm is not None else None,
            "idle_open": mem.get("idle_open") or None,
            "idle_bpc": num(mem.get("bytes_per_conn")),
        }

    out = []
    out.append("# tether end-to-end benchmark\n")
    out.append(f"- Machine: {meta.get('machine', '?')}")
    out.append(f"- Pinning: {meta.get('pinning', '?')}")
    out.append(f"- Load average at start: {meta.get('load', '?')}")
    out.append(f"- Load: {meta.get('params', '?')}")
    out.append(f"- Versions: tether {meta.get('tether', '?')}; HAProxy {meta.get('haproxy', '?')}; "
               f"nginx {meta.get('nginx', '?')}; wrk {meta.get('wrk', '?')}")
    out.append("")
    out.append("| proxy | runs | req/s (median) | p50 ms | p99 ms | proxy CPU % | CPU µs / req "
               "| errors | peak RSS MB | idle conns open | bytes / idle conn |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in peers:
        s = summary[p]
        out.append(f"| {p} | {s['runs']} | {fmt(s['rps'], ',.0f')} | {fmt(s['p50'], '.3f')} "
                   f"| {fmt(s['p99'], '.3f')} | {fmt(s['cpu'], '.0f')} | {fmt(s['us_per_req'], '.1f')} "
                   f"| {s['errors']} "
                   f"| {fmt(s['hwm_mb'], '.1f')} "
                   f"| {s['idle_open'] or 'n/a'} | {fmt(s['idle_bpc'], ',.0f')} |")
    out.append("")

    if "tether" in summary:
        out.append("| ratio | req/s | p99 latency | CPU / req | peak RSS | bytes / idle conn |")
        out.append("|---|---:|---:|---:|---:|---:|")
        t = summary["tether"]
        for peer in ("haproxy", "nginx"):
            if peer not in summary:
                continue
            o = summary[peer]
            out.append(f"| tether / {peer} | {fmt(ratio(t['rps'], o['rps']), '.2f')} "
                       f"| {fmt(ratio(t['p99'], o['p99']), '.2f')} "
                       f"| {fmt(ratio(t['us_per_req'], o['us_per_req']), '.2f')} "
                       f"| {fmt(ratio(t['hwm_mb'], o['hwm_mb']), '.2f')} "
                       f"| {fmt(ratio(t['idle_bpc'], o['idle_bpc']), '.2f')} |")
        out.append("")
        out.append("req/s above 1 is better for tether; latency, CPU, RSS and bytes below 1 are.")
    else:
        out.append("tether was not run, so there are no tether ratios.")
    out.append("")
    out.append("Bytes / idle conn is RSS growth only: kernel socket memory is not counted, and "
               "memory a proxy allocates at startup for every configured connection slot (nginx "
               "does, for worker_connections) is already in its baseline.")
    starved = [p for p, s in summary.items() if s["cpu"] is not None and s["cpu"] < 90]
    if starved:
        out.append("")
        out.append(f"**Under 90% of their one core: {', '.join(starved)}. The load generator, the "
                   "backends or other processes limited those runs, so their req/s and latency "
                   "describe the machine more than the proxy; compare CPU µs / req instead.**")
    if any(s["errors"] for s in summary.values()):
        out.append("")
        out.append("**Some runs had non-2xx responses or socket errors; their numbers are suspect.**")
    out.append("")

    out.append("<details><summary>Every round</summary>\n")
    out.append("| round | proxy | req/s | p50 ms | p99 ms | proxy CPU % | errors |")
    out.append("|---:|---|---:|---:|---:|---:|---:|")
    for r in rounds:
        out.append(f"| {r['round']} | {r['peer']} | {float(r['rps']):,.0f} | {r['p50_ms']} "
                   f"| {r['p99_ms']} | {r['proxy_cpu_pct']} | {r['errors']} |")
    out.append("\n</details>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
