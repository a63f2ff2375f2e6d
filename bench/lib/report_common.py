"""Helpers shared by the benchmark report writers (bench/e2e/report.py, bench/peers/report.py)."""

import csv
import os
import statistics


def read_tsv(path):
    """Rows of a tab-separated file with a header line; [] for a missing or empty file."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(text):
    """A float, or None for anything that is not a number."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def fmt(value, spec, missing="n/a"):
    return missing if value is None else format(value, spec)


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def median(values):
    """The median of the values that are not None; None when there are none."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def per_req_us(row, column):
    """CPU time per request, in µs, of what `column` (a % of one CPU) measured in `row`."""
    pct, rps = num(row.get(column)), num(row.get("rps"))
    if pct is None or not rps:
        return None
    return pct / 100 * 1e6 / rps


def paired_ratios(rounds, a, b, value=lambda row: num(row["rps"])):
    """value(a's row) / value(b's row), round by round: rounds alternate, so each pair shared the
    machine's conditions of that moment better than medians taken over the whole run do. Rounds
    where either value is missing or b's is 0 are left out."""
    by = {(r["peer"], r["round"]): value(r) for r in rounds}
    out = []
    for (peer, rnd), va in by.items():
        vb = by.get((b, rnd))
        if peer == a and va is not None and vb:
            out.append(va / vb)
    return out


def under_budget(summary, meta, key="cpu"):
    """The proxies whose median CPU share (summary[p][key], % of one core) stayed under 90% of
    their budget: the whole core, or the PROXY_CPU cap recorded in meta as proxy_cpu_cap. Such a
    proxy was not what limited its runs."""
    cap = num(meta.get("proxy_cpu_cap")) or 100.0
    return [p for p, s in summary.items() if s[key] is not None and s[key] < 0.9 * cap]
