#!/usr/bin/env python3
"""The dashboard benchmark's summary (bench/dashboard/run.sh).

  summarize.py --runs RUNS.tsv --paint PAINT.jsonl --queries QUERIES.tsv [--environment FILE]

Per dataset (one per visual's query) and system, the median and spread (min-max) of the
repetitions, against the goal of 200 ms; then the dashboard's first paint and "all visuals drawn"
times against the goal of 1 s. runs.tsv is bench/query's format (system, query, rep, wall_ms, ...);
the in-process rows come from query_bench through bench/query/summarize.py gbench.
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "query"))
from summarize import cell, read_tsv  # noqa: E402  (bench/query/summarize.py)

SYSTEMS = [  # (runs.tsv system, column title)
    ("lakebox-engine", "lakebox engine, in process"),
    ("endpoint-alone", "dataset endpoint, one at a time"),
    ("endpoint-together", "dataset endpoint, all at once (a page load)"),
    ("duckdb-direct", "DuckDB direct (peer)"),
]
QUERY_GOAL_MS = 200
PAINT_GOAL_MS = 1000


def main(argv: list) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", required=True)
    parser.add_argument("--paint", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--environment")
    args = parser.parse_args(argv[1:])
    runs = read_tsv(args.runs)
    names = [line.split("\t", 1)[0] for line in open(args.queries) if line.strip()]

    out = ["## Dashboard data queries: wall ms, median (min–max)", ""]
    out.append("| dataset | rows | " + " | ".join(title for _, title in SYSTEMS) + f" | worst median vs {QUERY_GOAL_MS} ms |")
    out.append("|---|--:|" + "--:|" * len(SYSTEMS) + "---|")
    for name in names + ["all_datasets"]:
        medians = []
        cells = []
        for system, _ in SYSTEMS:
            values = [float(r["wall_ms"]) for r in runs if r["system"] == system and r["query"] == name]
            cells.append(cell(values))
            if values and system != "duckdb-direct":
                medians.append(statistics.median(values))
        rows = next((r["rows"] for r in runs if r["query"] == name and r["system"] == "endpoint-alone"), "")
        verdict = "-" if name == "all_datasets" or not medians else (
            f"{max(medians):.0f} ms: {'met' if max(medians) < QUERY_GOAL_MS else 'NOT met'}")
        out.append(f"| {name} | {rows} | " + " | ".join(cells) + f" | {verdict} |")

    loads = [json.loads(line) for line in open(args.paint) if line.strip()]
    out += ["", "## First paint of the dashboard (fresh browser context per load, loopback)", ""]
    out.append("| measure | median (min–max) ms | goal |")
    out.append("|---|--:|---|")
    for key, title in [("first_contentful_paint_ms", "first contentful paint"),
                       ("all_visuals_ms", "every visual drawn with its data")]:
        values = [float(load[key]) for load in loads if load.get(key) is not None]
        verdict = "-" if not values else (
            f"< {PAINT_GOAL_MS} ms: {'met' if statistics.median(values) < PAINT_GOAL_MS else 'NOT met'}")
        out.append(f"| {title} | {cell(values)} | {verdict} |")
    errors = sum(len(load.get("errors", [])) for load in loads)
    out += ["", f"{len(loads)} loads, {errors} console errors."]
    if args.environment:
        out += ["", "```", open(args.environment).read().rstrip(), "```"]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
