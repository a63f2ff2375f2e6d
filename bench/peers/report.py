#!/usr/bin/env python3
"""Turns bench/peers/run.sh's raw files into the markdown report (python3 stdlib only).

    report.py TMPDIR > report.md

TMPDIR holds: meta.txt (key=value), lscpu.txt, notes.txt, config-PEER.txt, and the TSVs
rounds.tsv (one row per wrk run), distribution.tsv (requests per backend per wrk run),
memory.tsv (peak RSS per proxy), events.tsv (one row per users.py step, see users.py) and
out_users.tsv (peer, event, step, user: every log-out a check saw).
Throughput figures are medians over rounds; ratios compare medians. Survival figures count
log-outs per event: failed /whoami checks summed over the event's steps (a user logged out twice
by one event counts twice), next to the event's floor (the fewest any balancer can cause).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from report_common import (fmt, median, num, paired_ratios, per_req_us, ratio,  # noqa: E402
                           read_tsv, under_budget)

ORDER = ["tether", "haproxy-hash", "haproxy-cookie", "nginx-hash"]
HASH_PEERS = ["haproxy-hash", "nginx-hash"]
EVENTS = [
    ("1-add", "1. add a backend (app4)"),
    ("2-drain", "2. drain app2, then remove it"),
    ("3-kill", "3. SIGKILL app1, then restart it"),
]


def peak_over_mean(counts):
    counts = [c for c in counts if c is not None]
    if not counts or sum(counts) == 0:
        return None
    return max(counts) / (sum(counts) / len(counts))


def main():
    tmp = sys.argv[1]
    meta = {}
    with open(os.path.join(tmp, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    rounds = read_tsv(os.path.join(tmp, "rounds.tsv"))
    dist = read_tsv(os.path.join(tmp, "distribution.tsv"))
    memory = {r["peer"]: r for r in read_tsv(os.path.join(tmp, "memory.tsv"))}
    events = read_tsv(os.path.join(tmp, "events.tsv"))
    out_rows = []
    path = os.path.join(tmp, "out_users.tsv")
    if os.path.exists(path):
        with open(path) as f:
            out_rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    notes_path = os.path.join(tmp, "notes.txt")
    notes = [l.rstrip("\n") for l in open(notes_path)] if os.path.exists(notes_path) else []
    lscpu_path = os.path.join(tmp, "lscpu.txt")
    lscpu = open(lscpu_path).read().rstrip() if os.path.exists(lscpu_path) else "?"

    out = []
    w = out.append
    w("# tether against real peers: throughput and session survival\n")
    w(f"- Command: `{meta.get('invocation', '?')}`")
    w(f"- Pinning: {meta.get('pinning', '?')}")
    w(f"- Load average at start: {meta.get('load', '?')} (above ~0.5: other work shared the CPUs)")
    w(f"- Throughput: {meta.get('throughput', '?')}")
    w(f"- Survival: {meta.get('survival', '?')}")
    w(f"- Versions: tether {meta.get('tether', '?')}; HAProxy {meta.get('haproxy', '?')}; "
      f"nginx {meta.get('nginx', '?')}; wrk {meta.get('wrk', '?')}; python {meta.get('python', '?')}")
    w("- Backends: tether-demo-app (sessions in process memory), one process per backend")
    w("")
    w("Machine (`lscpu | head`):\n")
    w("```")
    w(lscpu)
    w("```")
    w("")

    # ---------------------------------------------------------------- throughput
    tp_peers = [p for p in ORDER if any(r["peer"] == p for r in rounds)]
    summary = {}
    if tp_peers:
        for p in tp_peers:
            rows = [r for r in rounds if r["peer"] == p]
            per_round_pom = []
            for r in rows:
                counts = [num(d["requests"]) for d in dist
                          if d["peer"] == p and d["round"] == r["round"] and d["backend"] != "-"]
                per_round_pom.append(peak_over_mean(counts))
            total = sum(float(r["status_200"]) + float(r["status_401"]) + float(r["status_other"])
                        for r in rows)
            hwm = num(memory.get(p, {}).get("hwm_kb"))
            summary[p] = {
                "runs": len(rows),
                "rps": median(num(r["rps"]) for r in rows),
                "p50": median(num(r["p50_ms"]) for r in rows),
                "p99": median(num(r["p99_ms"]) for r in rows),
                "cpu": median(num(r["proxy_cpu_pct"]) for r in rows),
                "us_per_req": median(per_req_us(r, "proxy_cpu_pct") for r in rows),
                "wrk_us": median(per_req_us(r, "wrk_cpu_pct") for r in rows),
                "apps_us": median(per_req_us(r, "backends_cpu_pct") for r in rows),
                "cpu1": median(num(r.get("cpu1_busy_pct")) for r in rows),
                "pct401": (sum(float(r["status_401"]) for r in rows) / total * 100) if total else None,
                "other": sum(int(float(r["status_other"])) + int(r["errors"]) for r in rows),
                "pom": median(per_round_pom),
                "hwm_mb": hwm / 1024 if hwm is not None else None,
            }
        w("## Throughput\n")
        w("Each request is `GET /whoami` with the cookies of one of the logged-in users, drawn at random. "
          "**401 %** is the share of requests that reached a backend without the user's session "
          "(affinity broken under load). **backend peak/mean** is the busiest backend's request "
          "count over the mean (1.00 = even). CPU µs/req is the proxy's own CPU time per request; "
          "wrk µs/req and backends µs/req are the load generator's and the three backends' CPU time "
          "per request under that proxy, and CPU 1 busy is the share of the core they run on that "
          "was busy (with anything, including other tenants of the machine).\n")
        w("| proxy | runs | req/s (median) | p50 ms | p99 ms | proxy CPU % | CPU µs / req "
          "| wrk µs / req | backends µs / req | CPU 1 busy % "
          "| 401 % | other errors | backend peak/mean | peak RSS MB |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for p in tp_peers:
            s = summary[p]
            w(f"| {p} | {s['runs']} | {fmt(s['rps'], ',.0f')} | {fmt(s['p50'], '.2f')} "
              f"| {fmt(s['p99'], '.2f')} | {fmt(s['cpu'], '.0f')} | {fmt(s['us_per_req'], '.1f')} "
              f"| {fmt(s['wrk_us'], '.1f')} | {fmt(s['apps_us'], '.1f')} | {fmt(s['cpu1'], '.0f')} "
              f"| {fmt(s['pct401'], '.2f')} | {s['other']} | {fmt(s['pom'], '.2f')} "
              f"| {fmt(s['hwm_mb'], '.1f')} |")
        w("")
        cap = num(meta.get("proxy_cpu_cap")) or 100.0  # PROXY_CPU: the proxy's CPU quota, in %
        starved = under_budget(summary, meta)
        if cap < 100:
            w(f"Every proxy was capped at {cap:.0f}% of its core (PROXY_CPU), so a proxy at its cap "
              "was what limited req/s, and req/s compares the proxies at the same CPU budget.\n")
        if starved:
            w(f"Under 90% of its CPU budget: {', '.join(starved)}. Such a proxy was not what limited its "
              "runs: the other core (wrk and the backends, plus whatever else ran there) was, so "
              "its req/s also reflects how much work it left to that core per request (wrk and "
              "backends µs / req).\n")
        if "tether" in summary:
            t = summary["tether"]
            w("**req/s** compares the medians; **req/s per round** is the median of the round-by-round "
              "ratios (each tether round against the same round of the peer), with their range and "
              "how many rounds tether was at least as fast.\n")
            w("| tether / peer | req/s | req/s per round (median, min–max) | rounds ≥ 1.0 | p99 "
              "| CPU / req | peak RSS |")
            w("|---|---:|---:|---:|---:|---:|---:|")
            for p in tp_peers:
                if p == "tether":
                    continue
                s = summary[p]
                pr = paired_ratios(rounds, "tether", p)
                s["paired"] = median(pr)
                spread = f"{fmt(median(pr), '.2f')} ({min(pr):.2f}–{max(pr):.2f})" if pr else "–"
                won = f"{sum(1 for x in pr if x >= 1.0)} of {len(pr)}" if pr else "–"
                w(f"| {p} | {fmt(ratio(t['rps'], s['rps']), '.2f')} | {spread} | {won} "
                  f"| {fmt(ratio(t['p99'], s['p99']), '.2f')} "
                  f"| {fmt(ratio(t['us_per_req'], s['us_per_req']), '.2f')} "
                  f"| {fmt(ratio(t['hwm_mb'], s['hwm_mb']), '.2f')} |")
            w("")
        w("Every round, in the order run:\n")
        w("| round | proxy | req/s | p50 ms | p99 ms | proxy CPU % | wrk CPU % | backends CPU % "
          "| CPU 0 / CPU 1 busy % | 200 | 401 | other | socket errors | requests per backend |")
        w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in rounds:
            per = sorted((d["backend"], d["requests"]) for d in dist
                         if d["peer"] == r["peer"] and d["round"] == r["round"])
            w(f"| {r['round']} | {r['peer']} | {float(r['rps']):,.0f} | {r['p50_ms']} | {r['p99_ms']} "
              f"| {r['proxy_cpu_pct']} | {r.get('wrk_cpu_pct') or '?'} | {r.get('backends_cpu_pct') or '?'} "
              f"| {r.get('cpu0_busy_pct') or '?'} / {r.get('cpu1_busy_pct') or '?'} "
              f"| {r['status_200']} | {r['status_401']} | {r['status_other']} "
              f"| {r['errors']} | {' '.join(f'{b}={n}' for b, n in per)} |")
        w("")
        pre = [e for e in events if e["event"] == "prelogin"]
        if pre:
            w("Logging in the throughput users through each proxy (before the rounds): a login is "
              "`/login` then `/whoami`, repeated until the session sticks.\n")
            w("| proxy | users | login attempts per user | first login did not stick | gave up | sessions per backend | peak/mean |")
            w("|---|---:|---:|---:|---:|---|---:|")
            for p in ORDER:
                for e in pre:
                    if e["peer"] != p:
                        continue
                    counts = [int(x.split(":")[1]) for x in e["spread"].split(",") if ":" in x]
                    logins = int(e["logins"]) or 1
                    w(f"| {p} | {e['logins']} | {int(e['login_tries']) / logins:.2f} "
                      f"| {e['first_try_fail']} | {e['gave_up']} | {e['spread'].replace(',', ' ')} "
                      f"| {fmt(peak_over_mean(counts), '.2f')} |")
            w("")

    # ---------------------------------------------------------------- survival
    sv = [e for e in events if e["event"] != "prelogin"]
    sv_peers = [p for p in ORDER if any(e["peer"] == p for e in sv)]
    logouts, floor = {}, {}
    if sv_peers:
        users_n = {p: next((int(e["users"]) for e in sv if e["peer"] == p and e["step"] == "login"), 0)
                   for p in sv_peers}

        def step(p, ev, st):
            return next((e for e in sv if e["peer"] == p and e["event"] == ev and e["step"] == st), None)

        def lost(e):
            return int(e["out_401"]) + int(e["out_5xx"]) + int(e["out_err"])

        for p in sv_peers:
            for ev, _ in EVENTS:
                logouts[(p, ev)] = sum(lost(e) for e in sv if e["peer"] == p and e["event"] == ev)
                first = {"1-add": None, "2-drain": step(p, ev, "draining"),
                         "3-kill": step(p, ev, "down")}[ev]
                floor[(p, ev)] = 0 if ev == "1-add" else (int(first["floor"]) if first else None)

        def pct(n, p):
            return f"{n} ({n / max(users_n[p], 1) * 100:.1f}%)"

        w("## Session survival\n")
        w("**Log-outs** per event: `/whoami` checks that answered 401 or 5xx, or failed, summed over "
          "the event's checks (a user logged out, logged in again and logged out again by the same "
          "event counts twice, e.g. when a restarted backend takes its old keys back). Share of all "
          "users in brackets. **floor** is the fewest any balancer can cause: for the drain, the "
          "users on app2 when the drain began who did not end their session during the grace "
          "period; for the kill, the users whose session was on app1 (its memory is gone). "
          "**Avoidable** = log-outs − floor. Row 0 is not an event: users whose first `/whoami` "
          "after `/login` was refused (they then logged in again until it worked).\n")
        w("| event | " + " | ".join(sv_peers) + " |")
        w("|---|" + "---:|" * len(sv_peers))
        row = []
        for p in sv_peers:
            login = step(p, "0-login", "login")
            row.append(pct(int(login["first_try_fail"]) if login else 0, p))
        w("| 0. log in: first `/whoami` refused | " + " | ".join(row) + " |")
        for ev, title in EVENTS:
            w(f"| {title}: log-outs | " + " | ".join(pct(logouts[(p, ev)], p) for p in sv_peers) + " |")
            w(f"| &nbsp;&nbsp;floor / **avoidable** | " + " | ".join(
                f"{fmt(floor[(p, ev)], 'd', '?')} / **{fmt(None if floor[(p, ev)] is None else logouts[(p, ev)] - floor[(p, ev)], 'd', '?')}**"
                for p in sv_peers) + " |")
        w("")
        w("Every step (one row per `users.py` call; `log-outs` = 401 + 5xx + connection failures "
          "seen by that check; logged-out users log in again right after, `logins`/`tries` count "
          "those logins and their attempts; `on the affected backend` = users recorded there before "
          "the check, and how many of them were logged out):\n")
        w("| proxy | event | step | checked | log-outs | 401 | 5xx | failed | on the affected backend (lost) "
          "| floor | logins | tries | first try failed | gave up | sessions per backend after | s |")
        w("|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|")
        for p in sv_peers:
            for e in sv:
                if e["peer"] != p:
                    continue
                risk = f"{e['at_risk']} ({e['at_risk_out']})" if int(e["at_risk"]) else "-"
                w(f"| {p} | {e['event']} | {e['step']} | {e['checked']} | {lost(e)} | {e['out_401']} "
                  f"| {e['out_5xx']} | {e['out_err']} | {risk} | {e['floor']} | {e['logins']} "
                  f"| {e['login_tries']} | {e['first_try_fail']} | {e['gave_up']} "
                  f"| {e['spread'].replace(',', ' ')} | {e['seconds']} |")
        w("")

    # ---------------------------------------------------------------- targets
    w("## Targets\n")
    lines = []
    if "tether" in sv_peers:
        for ev, title in EVENTS:
            t, tf = logouts[("tether", ev)], floor[("tether", ev)]
            ta = None if tf is None else t - tf
            more_raw = [f"{p} {logouts[(p, ev)]}" for p in sv_peers
                        if p != "tether" and logouts[(p, ev)] < t]
            more_avoid = [f"{p} {logouts[(p, ev)] - floor[(p, ev)]}" for p in sv_peers
                          if p != "tether" and ta is not None and floor[(p, ev)] is not None
                          and logouts[(p, ev)] - floor[(p, ev)] < ta]
            lines.append(
                f"- {title}: tether {t} log-outs ({fmt(ta, 'd', '?')} avoidable). "
                f"Avoidable log-outs no higher than any peer's: "
                f"**{'met' if not more_avoid else 'not met'}**"
                + (f" (fewer: {', '.join(more_avoid)})" if more_avoid else "")
                + ". Raw log-outs no higher than any peer's: "
                + ("yes." if not more_raw else f"no (fewer: {', '.join(more_raw)}; the floors differ "
                   "because each proxy placed a different number of users on the affected backend).")
            )
        hp = [p for p in HASH_PEERS if p in sv_peers]
        if hp:
            t = logouts[("tether", "1-add")]
            ok = all(t < logouts[(p, "1-add")] for p in hp)
            lines.append(f"- Scale out, strictly fewer than the hash-based peers "
                         f"({', '.join(p + ' ' + str(logouts[(p, '1-add')]) for p in hp)}; "
                         f"tether {t}): **{'met' if ok else 'not met'}**.")
    else:
        lines.append("- Survival: tether was not run.")
    if "tether" in summary:
        for p in ("haproxy-hash", "haproxy-cookie"):
            if p in summary:
                r = ratio(summary["tether"]["rps"], summary[p]["rps"])
                pr = summary[p].get("paired")
                ok = r is not None and r >= 1.0 and pr is not None and pr >= 1.0
                lines.append(f"- req/s ≥ 1.0× {p}: {fmt(r, '.2f')}× the median, {fmt(pr, '.2f')}× "
                             f"round by round (CPU µs / req ratio "
                             f"{fmt(ratio(summary['tether']['us_per_req'], summary[p]['us_per_req']), '.2f')}): "
                             f"**{'met' if ok else 'not met'}** (both must be ≥ 1.0).")
    else:
        lines.append("- Throughput: tether was not run.")
    out.extend(lines)
    w("")

    if notes:
        w("## Notes from the run\n")
        for n in notes:
            if n.strip():
                w(f"- {n}")
        w("")

    configs = [p for p in ORDER if os.path.exists(os.path.join(tmp, f"config-{p}.txt"))]
    if configs:
        w("## Configurations (as generated, with the first three backends)\n")
        for p in configs:
            w(f"<details><summary>{p}</summary>\n")
            w("```")
            w(open(os.path.join(tmp, f"config-{p}.txt")).read().rstrip())
            w("```")
            w("</details>\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
