"""Helpers shared by the benchmark report writers (bench/e2e/report.py, bench/peers/report.py)."""

import csv
import os


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
