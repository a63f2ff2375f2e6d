#!/usr/bin/env python3
"""Turns bench/e2e/run.sh's raw TSV files into the markdown report (python3 stdlib only).

    report.py META.txt ROUNDS.tsv MEMORY.tsv > report.md

ROUNDS.tsv: peer, round, rps, p50_ms, p99_ms, errors, proxy_cpu_pct, requests, proxy_cpu_s (one
row per wrk run, in the order run).
MEMORY.tsv: peer, pid, hwm_kb, idle_conns, idle_open, idle_rss_before_kb, idle_rss_after_kb,
bytes_per_conn (empty fields when a measurement was skipped).
Medians are taken per proxy over the rounds; ratios compare those medians. In A/B mode (peers
tether-before and tether-after) the comparison of the two takes each round's after / before and
the median of those per-round ratios.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from report_common import (fmt, median, num, paired_ratios, per_req_us, ratio,  # noqa: E402
                           read_tsv, under_budget)

ORDER = ["tether", "tether-before", "tether-after", "haproxy", "nginx"]
TETHERS = ["tether", "tether-after", "tether-before"]
BEFORE, AFTER = "tether-before", "tether-after"

# A/B verdicts. CPU per request: the median per-round after / before within ±5 %. Idle memory:
# one measurement per binary, so "unchanged" has to allow for its noise. RSS moves in 4 KiB pages
# (under 1 B per connection over thousands of connections), and where the allocator places the
# same objects varies a little from one process to the next: the same binary measured as both
# before and after differed by 0 to 9 bytes per connection in 10 runs (about 1,850 B each, 9,700
# connections). So "unchanged" is within 1 % or 24 bytes, whichever is larger: about three times
# that noise. A change smaller than the band (one or two 8-byte fields per connection) may not show.
CPU_BAND = 0.05
IDLE_SAME_FRACTION = 0.01
IDLE_SAME_BYTES = 24


def cpu_us(row):
    """The proxy's CPU time per request in µs: its CPU seconds during the run over the requests
    wrk completed (CPU % over req/s when those columns are missing)."""
    cpu_s, requests = num(row.get("proxy_cpu_s")), num(row.get("requests"))
    if cpu_s is not None and requests:
        return cpu_s * 1e6 / requests
    return per_req_us(row, "proxy_cpu_pct")


def p99(row):
    return num(row["p99_ms"])


def spread(values, spec=".3f"):
    """'median (min–max)' of values, or 'n/a'."""
    if not values:
        return "n/a"
    return f"{format(median(values), spec)} ({format(min(values), spec)}–{format(max(values), spec)})"


def ab_section(rounds, summary, meta):
    """The tether-before / tether-after comparison, every round shown."""
    out = []
    w = out.append
    b, a = summary[BEFORE], summary[AFTER]
    rps_r = paired_ratios(rounds, AFTER, BEFORE)
    cpu_r = paired_ratios(rounds, AFTER, BEFORE, cpu_us)
    p99_r = paired_ratios(rounds, AFTER, BEFORE, p99)

    w("## A/B: tether after ÷ tether before\n")
    w(f"- before: {meta.get('ab_before', '?')}")
    w(f"- after: {meta.get('ab_after', '?')}")
    if meta.get("ab_same_file") == "1":
        w("- **before and after are the same file**: every ratio below is the measurement's own noise.")
    w("")
    w("Both run with the same config and the same load, in the same rounds, in alternating order. "
      "**per round** is the median of the ratios after / before taken within each round (the two "
      "runs of a round shared the machine's conditions of that moment), with their range; "
      "**medians** is the ratio of the two medians over all rounds.\n")
    w("| | before | after | after ÷ before, per round (median, min–max) | after ÷ before, medians |")
    w("|---|---:|---:|---:|---:|")
    w(f"| req/s | {fmt(b['rps'], ',.0f')} | {fmt(a['rps'], ',.0f')} | {spread(rps_r)} "
      f"| {fmt(ratio(a['rps'], b['rps']), '.3f')} |")
    w(f"| CPU µs / req | {fmt(b['us_per_req'], '.2f')} | {fmt(a['us_per_req'], '.2f')} | {spread(cpu_r)} "
      f"| {fmt(ratio(a['us_per_req'], b['us_per_req']), '.3f')} |")
    w(f"| p99 ms | {fmt(b['p99'], '.3f')} | {fmt(a['p99'], '.3f')} | {spread(p99_r)} "
      f"| {fmt(ratio(a['p99'], b['p99']), '.3f')} |")
    w(f"| peak RSS MB | {fmt(b['hwm_mb'], '.1f')} | {fmt(a['hwm_mb'], '.1f')} | – "
      f"| {fmt(ratio(a['hwm_mb'], b['hwm_mb']), '.3f')} |")
    w(f"| bytes / idle conn | {fmt(b['idle_bpc'], ',.0f')} | {fmt(a['idle_bpc'], ',.0f')} | – "
      f"| {fmt(ratio(a['idle_bpc'], b['idle_bpc']), '.3f')} |")
    w("")

    # Verdict 1: CPU per request.
    m = median(cpu_r)
    if m is None:
        w("**CPU per request: no round has both binaries, so there is no verdict.**\n")
    else:
        within = abs(m - 1) <= CPU_BAND
        change = f"{abs(m - 1) * 100:.1f} % {'more' if m > 1 else 'less'}"
        line = (f"**CPU per request, after ÷ before: {m:.3f}** (median of {len(cpu_r)} per-round "
                f"ratios, {min(cpu_r):.3f}–{max(cpu_r):.3f}): **"
                + (f"within ±{CPU_BAND * 100:.0f} %" if within
                   else f"outside ±{CPU_BAND * 100:.0f} %: after uses {change} CPU per request")
                + "**.")
        width = max(cpu_r) - min(cpu_r)
        if len(cpu_r) < 3 or width > 2 * CPU_BAND:
            line += (f" With {len(cpu_r)} rounds spread over {width * 100:.1f} points, this verdict "
                     "is rough: run more rounds (ROUNDS) on a quieter machine before quoting it.")
        w(line + "\n")

    # Verdict 2: idle keep-alive connection memory.
    bb, ab = b["idle_bpc"], a["idle_bpc"]
    b_open, a_open = num(b["idle_open"]), num(a["idle_open"])
    conns = num(meta.get("idle_conns"))
    if bb is None or ab is None or not b_open or not a_open:
        w("**Idle keep-alive memory: not measured for both binaries (IDLE_CONNS=0, or the test "
          "failed), so there is no verdict.**\n")
    else:
        delta = ab - bb
        allowed = max(IDLE_SAME_FRACTION * abs(bb), IDLE_SAME_BYTES)
        if conns and min(b_open, a_open) < 0.95 * conns:
            verdict = "not comparable: fewer than 95 % of the connections stayed open"
        elif abs(delta) <= allowed:
            verdict = "unchanged"
        else:
            verdict = f"changed: after holds {abs(delta):,.0f} bytes {'more' if delta > 0 else 'less'} per idle connection"
        w(f"**Idle keep-alive memory: before {bb:,.0f} B, after {ab:,.0f} B per connection "
          f"(after ÷ before {fmt(ratio(ab, bb), '.3f')}, {delta:+,.0f} B): {verdict}.** Measured once "
          f"per binary, after the rounds, with {b_open:,.0f} and {a_open:,.0f} idle keep-alive "
          f"connections open (each served one request). Unchanged means within "
          f"{IDLE_SAME_FRACTION * 100:.0f} % or {IDLE_SAME_BYTES} bytes, whichever is larger "
          f"(here ±{allowed:,.0f} B), about three times the difference between two runs of one "
          "binary; a smaller change may not show.\n")

    # Every round of the pair.
    w("Every round of the two, in the order run within the round:\n")
    w("| round | first | before req/s | after req/s | ÷ | before CPU µs / req | after CPU µs / req | ÷ "
      "| before p99 ms | after p99 ms | ÷ |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = {(r["peer"], r["round"]): r for r in rounds}
    for rnd in dict.fromkeys(r["round"] for r in rounds):
        rb, ra = rows.get((BEFORE, rnd)), rows.get((AFTER, rnd))
        if rb is None or ra is None:
            rps_b = fmt(num(rb["rps"]) if rb else None, ",.0f")
            rps_a = fmt(num(ra["rps"]) if ra else None, ",.0f")
            w(f"| {rnd} | – | {rps_b} | {rps_a} | – | | | | | | |")
            continue
        first = "before" if rounds.index(rb) < rounds.index(ra) else "after"
        cells = []
        for f, spec in ((lambda r: num(r["rps"]), ",.0f"), (cpu_us, ".2f"), (p99, ".3f")):
            vb, va = f(rb), f(ra)
            cells += [fmt(vb, spec), fmt(va, spec), fmt(ratio(va, vb), ".3f")]
        w(f"| {rnd} | {first} | " + " | ".join(cells) + " |")
    w("")
    return out


def main():
    meta_path, rounds_path, memory_path = sys.argv[1:4]
    meta = dict(line.rstrip("\n").split("=", 1) for line in open(meta_path) if "=" in line)
    rounds = read_tsv(rounds_path)
    memory = {row["peer"]: row for row in read_tsv(memory_path)}
    peers = [p for p in ORDER if any(r["peer"] == p for r in rounds) or p in memory]

    summary = {}
    for p in peers:
        rows = [r for r in rounds if r["peer"] == p]
        mem = memory.get(p, {})
        hwm = num(mem.get("hwm_kb"))
        summary[p] = {
            "runs": len(rows),
            "rps": median(num(r["rps"]) for r in rows),
            "p50": median(num(r["p50_ms"]) for r in rows),
            "p99": median(p99(r) for r in rows),
            "errors": sum(int(r["errors"]) for r in rows),
            "cpu": median(num(r["proxy_cpu_pct"]) for r in rows),
            # Proxy CPU time per request: unlike req/s it barely moves when the proxy was
            # starved by other processes, so it is the fairest efficiency number on a busy box.
            "us_per_req": median(cpu_us(r) for r in rows),
            "hwm_mb": hwm / 1024 if hwm is not None else None,
            "idle_open": mem.get("idle_open") or None,
            "idle_bpc": num(mem.get("bytes_per_conn")),
        }

    out = []
    out.append("# tether end-to-end benchmark\n")
    if meta.get("invocation"):
        out.append(f"- Command: `{meta['invocation']}`")
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

    tethers = [t for t in TETHERS if t in summary]
    others = [p for p in ("haproxy", "nginx") if p in summary]
    if tethers and others:
        out.append("| ratio | req/s | p99 latency | CPU / req | peak RSS | bytes / idle conn |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for name in tethers:
            t = summary[name]
            for peer in others:
                o = summary[peer]
                out.append(f"| {name} / {peer} | {fmt(ratio(t['rps'], o['rps']), '.2f')} "
                           f"| {fmt(ratio(t['p99'], o['p99']), '.2f')} "
                           f"| {fmt(ratio(t['us_per_req'], o['us_per_req']), '.2f')} "
                           f"| {fmt(ratio(t['hwm_mb'], o['hwm_mb']), '.2f')} "
                           f"| {fmt(ratio(t['idle_bpc'], o['idle_bpc']), '.2f')} |")
        out.append("")
        out.append("req/s above 1 is better for tether; latency, CPU, RSS and bytes below 1 are.")
        out.append("")
    elif not tethers:
        out.append("tether was not run, so there are no tether ratios.")
        out.append("")
    out.append("Bytes / idle conn is RSS growth only: kernel socket memory is not counted, and "
               "memory a proxy allocates at startup for every configured connection slot (nginx "
               "does, for worker_connections) is already in its baseline.")
    cap = num(meta.get("proxy_cpu_cap"))
    if cap:
        out.append("")
        out.append(f"Every proxy was capped at {cap:.0f}% of its core (PROXY_CPU), so a proxy at its "
                   "cap was what limited req/s, and req/s compares the proxies at the same CPU budget.")
    starved = under_budget(summary, meta)
    if starved:
        out.append("")
        out.append(f"**Under 90% of their CPU budget (their core, or the PROXY_CPU cap): "
                   f"{', '.join(starved)}. The load generator, the backends or other processes "
                   "limited those runs, so their req/s and latency describe the machine more than "
                   "the proxy; compare CPU µs / req instead.**")
    if any(s["errors"] for s in summary.values()):
        out.append("")
        out.append("**Some runs had non-2xx responses or socket errors; their numbers are suspect.**")
    out.append("")

    if BEFORE in summary and AFTER in summary:
        out.extend(ab_section(rounds, summary, meta))

    out.append("<details><summary>Every round</summary>\n")
    out.append("| round | proxy | req/s | p50 ms | p99 ms | proxy CPU % | CPU µs / req | errors |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in rounds:
        out.append(f"| {r['round']} | {r['peer']} | {float(r['rps']):,.0f} | {r['p50_ms']} "
                   f"| {r['p99_ms']} | {r['proxy_cpu_pct']} | {fmt(cpu_us(r), '.2f')} | {r['errors']} |")
    out.append("\n</details>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
