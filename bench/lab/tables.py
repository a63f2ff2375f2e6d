#!/usr/bin/env python3
"""Markdown tables and SVG charts from one tether-lab run (results.csv, timing.csv, results.json,
report.html), for bench/lab/RESULTS.md, docs/benchmarks.md and docs/img/.

  python3 bench/lab/tables.py --update bench/lab/RESULTS.md docs/benchmarks.md
  python3 bench/lab/tables.py --svg docs/img
  python3 bench/lab/tables.py --print summary      # one table on stdout
  python3 bench/lab/tables.py --facts              # the figures quoted in prose

--update replaces what lies between `<!-- lab:NAME -->` and `<!-- /lab:NAME -->` with table NAME;
the markers are invisible in rendered markdown. --dir picks another run (default: this script's
directory). python3 standard library only.
"""
import argparse
import csv
import json
import os
import re
import sys

EVENTS = ["hot_key", "scale_out", "crash", "recover", "scale_in", "rolling_restart", "add_one",
          "weight"]
WINDOWS = ["steady"] + EVENTS
STRATEGIES = ["ring", "maglev", "rendezvous", "jump", "multiprobe", "ip_hash_modulo",
              "round_robin", "random"]
SEEDED = ["ring", "maglev", "rendezvous", "jump", "multiprobe"]  # keyed on the session cookie
DEFAULT = ("ring", "cookie+table", "1.25")
# Charts copied from report.html into docs/img: file name -> the chart's <title>.
CHARTS = {
    "lab-default-sessions-per-backend.svg": "ring/cookie+table/1.25: sessions held per backend",
    "lab-peak-to-average-sessions.svg": "peak-to-average sessions held over backends taking new sessions",
    "lab-broken-per-event-no-binding.svg": "sessions broken per event, binding none, balance factor off (log scale)",
}


class Run:
    def __init__(self, d):
        self.dir = d
        with open(os.path.join(d, "results.csv"), newline="") as f:
            self.rows = list(csv.DictReader(f))
        with open(os.path.join(d, "timing.csv"), newline="") as f:
            self.timing = {(r["strategy"], r["binding"], r["balance_factor"]): r
                           for r in csv.DictReader(f)}
        with open(os.path.join(d, "results.json")) as f:
            self.json = json.load(f)
        self.by = {(r["strategy"], r["binding"], r["balance_factor"]): r for r in self.rows}
        self.cfg = {(c["strategy"], c["binding"], c["balance_factor"]): c
                    for c in self.json["configurations"]}
        self.events = {e["label"]: e for e in self.json["events"]}

    def row(self, s, b, f):
        return self.by[(s, b, f)]

    def window(self, key, label):
        return next(w for w in self.cfg[key]["windows"] if w["label"] == label)

    def series(self, label):
        return next((s for s in self.json["series"] if s["label"] == label), None)

    def ns(self, key):
        return int(self.timing[key]["ns_median"])


def n(v):
    """Integer with thousands separators."""
    return f"{int(v):,}"


def f2(v):
    return "–" if v in ("", None) else f"{float(v):.2f}"


def md(header, rows, align):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def is_default(r):
    return (r["strategy"], r["binding"], r["balance_factor"]) == DEFAULT


# ---- tables -------------------------------------------------------------------------------------

def t_targets(run):
    key = DEFAULT
    labels = {"scale_out": "scale_out (4 -> 8)", "add_one": "add_one (4 -> 5)"}
    rows = []
    for t in run.json["targets"]:
        w = t["window"]
        res = "PASS" if t["pass"] else "**FAIL**"
        if w == "steady":
            c = run.cfg[key]["peak_to_average_sessions"]
            meas = f"{c['steady']:.2f} mean, worst minute {c['steady_max']:.2f}"
        else:
            win = run.window(key, w)
            if w == "crash":
                meas = (f"{win['lost']} lost, {win['moved']} moved. {win['at_risk']} sessions were "
                        f"active on app3 when it crashed")
            else:
                meas = str(win["broken"])
                if win.get("finished_s") is not None and w in ("scale_in", "rolling_restart"):
                    took = (win["finished_s"] - win["start_s"]) / 60
                    to = win["drain_timeouts"]
                    what = "The drain" if w == "scale_in" else "It"
                    meas += (f". {what} took {took:.1f} min, "
                             f"{'with no' if to == 0 else str(to)} drain timeout{'s' if to > 1 else ''}")
        rows.append([t["target"], labels.get(w, w), res, meas])
    return md(["target", "window", "result", "measured"], rows, "llll")


def t_summary(run):
    header = (["strategy", "binding", "balance"] + WINDOWS +
              ["total (lost)", "moved ×", "sessions p/a steady / worst",
               "requests p/a steady / worst", "ns/route"])
    rows = []
    ordered = [r for r in run.rows if not is_default(r)] + [r for r in run.rows if is_default(r)]
    for r in ordered:
        key = (r["strategy"], r["binding"], r["balance_factor"])
        head = [r["strategy"], r["binding"], r["balance_factor"]]
        if is_default(r):
            head = [f"**{h}**" for h in head]
        rows.append(head + [n(r[f"broken_{w}"]) for w in WINDOWS] + [
            f"{n(r['broken'])} ({n(r['broken_lost'])})",
            f2(r["moved_factor"]),
            f"{f2(r['peak_avg_sessions_steady'])} / {f2(r['peak_avg_sessions_max'])}",
            f"{f2(r['peak_avg_requests_steady'])} / {f2(r['peak_avg_requests_max'])}",
            n(run.ns(key))])
    return md(header, rows, "lll" + "r" * (len(header) - 3))


def t_moved(run):
    """Keys moved per event, x the minimum. Bindings with identical figures share a row."""
    rows = []
    for s in STRATEGIES:
        for f in ("off", "1.25", "2"):
            groups = []  # [(values, [bindings])]
            for b in ("none", "cookie", "table"):
                r = run.row(s, b, f)
                vals = tuple(f2(r[f"moved_factor_{e}"]) for e in EVENTS)
                if all(v == "–" for v in vals):
                    continue
                for g in groups:
                    if g[0] == vals:
                        g[1].append(b)
                        break
                else:
                    groups.append((vals, [b]))
            for vals, bs in groups:
                label = "any" if len(bs) == 3 else ", ".join(bs)
                rows.append([s, f, label] + list(vals))
    r = run.row(*DEFAULT)
    rows.append([f"**{DEFAULT[0]}**", f"**{DEFAULT[2]}**", f"**{DEFAULT[1]}**"] +
                [f2(r[f"moved_factor_{e}"]) for e in EVENTS])
    return md(["strategy", "balance", "binding"] + EVENTS, rows, "lll" + "r" * len(EVENTS))


def back_within(run, label, event, limit=1.25):
    s = run.series(label)
    at = run.events[event]["at_s"]
    t = [x["t"] for x in s["samples"] if x["t"] > at and x["peak_avg_sessions"] <= limit]
    return f"{(t[0] - at) / 60:.0f} min" if t else "not within the run"


def t_recovery(run):
    cases = [("default (balance 1.25)", "ring/cookie+table/1.25"),
             ("ring + cookie, balance off", "ring/cookie/off"),
             ("ip_hash_modulo + table", "ip_hash_modulo/table/off")]
    rows = [[name] + [back_within(run, label, e) for e in ("scale_out", "add_one", "weight")]
            for name, label in cases]
    return md(["configuration", "back within 1.25 after 4 -> 8", "after 4 -> 5",
               "after app1's weight 1 -> 3"], rows, "lrrr")


def app1_share(run, label, minute):
    s = run.series(label)
    x = next(x for x in s["samples"] if x["t"] == minute * 60)
    ses = [v or 0 for v in x["sessions"]]
    return ses[0] / sum(ses)


def t_weight(run):
    rows = []
    for s in ("ring", "maglev", "rendezvous", "multiprobe", "jump"):
        cells = [f"{s} + cookie"]
        for f in ("1.25", "off"):
            w = run.window((s, "cookie", f), "weight")
            cells.append(f"{w['peak_avg_sessions_mean']:.2f} / {w['peak_avg_requests_mean']:.2f}")
        rows.append(cells)
    return md(["weight window, p/a mean: sessions / requests", "balance 1.25", "balance off"],
              rows, "lrr")


def t_weight_share(run):
    at = int(run.events["weight"]["at_s"] // 60)
    mins = [at, at + 10, at + 20, at + 30, at + 60]
    rows = []
    for name, label in (("default (balance 1.25)", "ring/cookie+table/1.25"),
                        ("ring + cookie, balance off", "ring/cookie/off")):
        rows.append([name] + [f"{app1_share(run, label, m):.0%}" for m in mins])
    return md(["app1's share of the sessions held"] + [f"min {m}" for m in mins], rows,
              "l" + "r" * len(mins))


def t_nobinding(run):
    rows = [["users logged out"] + [n(run.row("ring", "none", f)["broken"]) for f in ("off", "2", "1.25")],
            ["of which in the weight window"] +
            [n(run.row("ring", "none", f)["broken_weight"]) for f in ("off", "2", "1.25")]]
    return md(["ring, no binding", "balance off", "balance 2", "balance 1.25"], rows, "lrrr")


def rng(vals):
    lo, hi = min(vals), max(vals)
    return n(lo) if lo == hi else f"{n(lo)}-{n(hi)}"


def t_cost(run):
    place = [run.ns((s, "none", "off")) for s in SEEDED]
    extra = [run.ns((s, "none", f)) - run.ns((s, "none", "off")) for s in SEEDED for f in ("1.25", "2")]
    table = [run.ns((s, "table", f)) for s in SEEDED for f in ("off", "1.25", "2")]
    cookie = [run.ns((s, "cookie", f)) for s in STRATEGIES for f in ("off", "1.25", "2")]
    ip = run.ns(("ip_hash_modulo", "none", "off"))
    rows = [["placement alone, no binding (" + ", ".join(SEEDED) + ")", rng(place)],
            ["ip_hash_modulo alone (hash of the address, modulo)", n(ip)],
            ["bounded loads, extra (counting the usable backends' sessions)", "+" + rng(extra)],
            ["stick-table hit (same five strategies)", rng(table)],
            ["affinity cookie: HMAC verify, and an HMAC issue on new or refreshed sessions (any strategy)", rng(cookie)],
            ["tether's default (cookie + table + 1.25)", n(run.ns(DEFAULT))]]
    return md(["path", "ns/route (median)"], rows, "lr")


def t_compact(run):
    """Strategy x binding, balance off: users logged out over the run, plus balance and cost."""
    rows = []
    for s in STRATEGIES:
        cells = [s]
        for b in ("none", "cookie", "table"):
            r = run.row(s, b, "off")
            cells.append(f"{n(r['broken'])} ({n(r['broken_lost'])})")
        r = run.row(s, "cookie", "off")
        cells += [f2(r["peak_avg_sessions_steady"]), f2(run.row(s, "none", "off")["moved_factor"]),
                  " / ".join(n(run.ns((s, b, "off"))) for b in ("none", "cookie", "table"))]
        rows.append(cells)
    r = run.row(*DEFAULT)
    both = f"**{n(r['broken'])} ({n(r['broken_lost'])})**"
    rows.append(["**tether's default**: ring, cookie + table, balance 1.25", "–", both, both,
                 f2(r["peak_avg_sessions_steady"]), f2(r["moved_factor"]), n(run.ns(DEFAULT))])
    return md(["strategy (balance off)", "no binding", "affinity cookie", "stick table",
               "sessions p/a steady (cookie)", "keys moved ×", "ns/route none / cookie / table"],
              rows, "lrrrrrr")


def t_default_events(run):
    """One row: the default's users logged out per window."""
    r = run.row(*DEFAULT)
    return md(WINDOWS + ["total"], [[n(r[f"broken_{w}"]) for w in WINDOWS] + [n(r["broken"])]],
              "r" * (len(WINDOWS) + 1))


TABLES = {
    "targets": t_targets, "summary": t_summary, "moved": t_moved, "recovery": t_recovery,
    "weight": t_weight, "weight-share": t_weight_share, "nobinding": t_nobinding,
    "cost": t_cost, "compact": t_compact, "default-events": t_default_events,
}


def facts(run):
    """Figures that the prose quotes, to check it against the run."""
    out = {}
    d = run.row(*DEFAULT)
    dc = run.cfg[DEFAULT]
    out["default total broken"] = d["broken"]
    out["default steady p/a sessions"] = dc["peak_to_average_sessions"]
    out["default whole-run p/a sessions"] = (d["peak_avg_sessions_mean"], d["peak_avg_sessions_max"])
    out["default hot_key window"] = {k: v for k, v in run.window(DEFAULT, "hot_key").items()
                                     if k.startswith("peak")}
    out["default weight window"] = {k: v for k, v in run.window(DEFAULT, "weight").items()
                                    if k.startswith("peak") or k == "moved_factor"}
    r = run.row("ring", "none", "off")
    out["ring/none/off per window"] = {w: r[f"broken_{w}"] for w in WINDOWS}
    out["steady p/a sessions (cookie, off)"] = {s: run.row(s, "cookie", "off")["peak_avg_sessions_steady"]
                                                for s in STRATEGIES}
    out["steady p/a requests (cookie, off)"] = {s: run.row(s, "cookie", "off")["peak_avg_requests_steady"]
                                                for s in STRATEGIES}
    out["hot_key window p/a requests mean (cookie, off)"] = {
        s: run.window((s, "cookie", "off"), "hot_key")["peak_avg_requests_mean"] for s in STRATEGIES}
    ip = run.row("ip_hash_modulo", "table", "off")
    out["ip_hash_modulo/table/off"] = {k: ip[k] for k in ("broken", "broken_lost", "broken_moved",
                                                          "broken_steady", "peak_avg_sessions_steady")}
    out["ip_hash_modulo/table/1.25 steady p/a"] = run.row("ip_hash_modulo", "table", "1.25")["peak_avg_sessions_steady"]
    out["ip_hash_modulo/none/off add_one"] = run.row("ip_hash_modulo", "none", "off")["broken_add_one"]
    out["ring/none/off add_one"] = run.row("ring", "none", "off")["broken_add_one"]
    for s in ("round_robin", "ring"):
        out[f"{s}/cookie/off scale_in window p/a sessions mean"] = run.window((s, "cookie", "off"), "scale_in")["peak_avg_sessions_mean"]
    out["round_robin/none/off crash window p/a requests mean"] = run.window(("round_robin", "none", "off"), "crash")["peak_avg_requests_mean"]
    out["round_robin/none/off total / requests"] = (run.row("round_robin", "none", "off")["broken"],
                                                  run.row("round_robin", "none", "off")["requests"])
    out["crash window broken, bound (cookie, off)"] = {s: run.row(s, "cookie", "off")["broken_crash"] for s in STRATEGIES}
    out["bindings identical (cookie vs table) except"] = [
        (s, f) for s in STRATEGIES for f in ("off", "1.25", "2")
        if {k: v for k, v in run.row(s, "cookie", f).items() if k != "binding"} !=
        {k: v for k, v in run.row(s, "table", f).items() if k != "binding"}]
    dflt = {k: v for k, v in d.items() if k not in ("binding", "tether_default")}
    ringc = {k: v for k, v in run.row("ring", "cookie", "1.25").items() if k not in ("binding", "tether_default")}
    out["default identical to ring/cookie/1.25"] = dflt == ringc
    out["workload"] = run.json["workload"]
    return out


def extract_svgs(run, outdir):
    with open(os.path.join(run.dir, "report.html")) as f:
        html = f.read()
    svgs = {}
    for m in re.finditer(r"<svg.*?</svg>", html, re.S):
        t = re.search(r"<title>([^<]*)</title>", m.group(0))
        if t:
            svgs[t.group(1)] = m.group(0)
    os.makedirs(outdir, exist_ok=True)
    for name, title in CHARTS.items():
        if title not in svgs:
            sys.exit(f"tables.py: no chart titled {title!r} in report.html")
        with open(os.path.join(outdir, name), "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + svgs[title] + "\n")
        print(f"wrote {os.path.join(outdir, name)}")


def update(run, path):
    with open(path) as f:
        text = f.read()
    # A marker is a line of its own; its indentation (a table inside a list item) is kept.
    names = re.findall(r"^[ \t]*<!-- lab:([\w-]+) -->$", text, re.M)
    for name in names:
        if name not in TABLES:
            sys.exit(f"tables.py: {path}: unknown table {name!r}")
        pat = re.compile(r"^([ \t]*)(<!-- lab:%s -->\n)(?:.*?\n)??(\1<!-- /lab:%s -->)$" % (name, name),
                         re.S | re.M)

        def fill(m):
            table = "\n".join(m.group(1) + line for line in TABLES[name](run).split("\n"))
            # Blank lines around the table: a GFM table would otherwise swallow the next line.
            return m.group(1) + m.group(2) + "\n" + table + "\n\n" + m.group(3)

        text, count = pat.subn(fill, text)
        if count == 0:
            sys.exit(f"tables.py: {path}: no closing marker for {name!r}")
    with open(path, "w") as f:
        f.write(text)
    print(f"{path}: {len(names)} table(s) updated ({', '.join(names)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results", "lab-20261126"),
                    help="results directory of a tether-lab run")
    ap.add_argument("--update", nargs="*", default=[], metavar="FILE")
    ap.add_argument("--svg", metavar="DIR")
    ap.add_argument("--print", dest="show", choices=sorted(TABLES))
    ap.add_argument("--facts", action="store_true")
    a = ap.parse_args()
    run = Run(a.dir)
    if a.show:
        print(TABLES[a.show](run))
    if a.facts:
        for k, v in facts(run).items():
            print(f"{k}: {v}")
    for p in a.update:
        update(run, p)
    if a.svg:
        extract_svgs(run, a.svg)


if __name__ == "__main__":
    main()
