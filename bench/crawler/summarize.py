#!/usr/bin/env python3
"""Turns the crawler benchmark's runs.tsv and data.tsv (bench/crawler/run.sh) into summary.md:
per measurement the median over the repetitions and their spread (min-max), against the goals.

Sampling throughput is in JSON bytes: the run's BytesSampled (bytes read as stored, gzip) times
the data set's JSON/stored ratio, over the server's run time. The goal applies to the `sample` set,
whose objects the crawler reads whole; over the other sets per-run and per-object costs dominate.
"""

import argparse
import csv
import statistics

GOALS = {  # measurement -> (goal text, predicate on the median)
    "small-full": ("< 5 s", lambda v: v < 5.0),
    "small-noop": ("< 0.5 s", lambda v: v < 0.5),
    "sampling": (">= 300 MB/s", lambda v: v >= 300.0),
}


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def spread(values, fmt):
    if len(values) == 1:
        return "-"
    return f"{fmt.format(min(values))}-{fmt.format(max(values))}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", required=True)
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    runs = read_tsv(args.runs)
    data = {row["set"]: {k: int(v) for k, v in row.items() if k != "set"} for row in read_tsv(args.data)}

    def rows(scenario):
        return [r for r in runs if r["scenario"] == scenario]

    small, large, sample = data["small"], data["large"], data["sample"]
    lines = [
        "# Crawler benchmark",
        "",
        f"- small: {small['objects']:,} gzip NDJSON objects ({small['records']:,} vehicle records, "
        f"{small['json_bytes'] / 1e6:.1f} MB JSON, {small['stored_bytes'] / 1e6:.1f} MB stored) in 100 partitions",
        f"- large: {large['objects']:,} objects ({large['records']:,} records, {large['json_bytes'] / 1e9:.2f} GB JSON, "
        f"{large['stored_bytes'] / 1e6:.0f} MB stored)",
        f"- sample: {sample['objects']:,} objects of ~1 MB JSON ({sample['json_bytes'] / 1e6:.0f} MB JSON, "
        f"{sample['stored_bytes'] / 1e6:.0f} MB stored), each read whole",
        "",
        f"Repetitions: {len(rows('small-full'))}. Time is the client's, from StartCrawler to GetCrawler "
        "showing READY (5 ms polling); the server's own run time (GetCrawlerMetrics LastRuntimeSeconds) beside it.",
        "",
        "| measurement | median | spread | server run time (median) | objects read | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    labels = {"small-full": f"full crawl, {small['objects']:,} small objects",
              "small-noop": "incremental crawl, nothing new",
              "large-full": f"full crawl, {large['json_bytes'] / 1e9:.2f} GB JSON in {large['objects']} objects",
              "sample-full": f"full crawl, {sample['objects']} objects of ~1 MB JSON"}
    for scenario in ("small-full", "small-noop", "large-full", "sample-full"):
        rs = rows(scenario)
        if not rs:
            continue
        wall = [float(r["wall_s"]) for r in rs]
        runtime = [float(r["runtime_s"]) for r in rs]
        read = sorted({r["objects_read"] for r in rs})
        goal, ok = GOALS.get(scenario, ("-", None))
        met = "-" if ok is None else ("yes" if ok(statistics.median(wall)) else "**no**")
        lines.append(f"| {labels[scenario]} | {statistics.median(wall):.3f} s | {spread(wall, '{:.3f}')} | "
                     f"{statistics.median(runtime):.3f} s | {', '.join(read)} | {goal} | {met} |")

    for scenario, data_set in (("sample-full", sample), ("large-full", large), ("small-full", small)):
        rs = rows(scenario)
        if not rs:
            continue
        ratio = data_set["json_bytes"] / data_set["stored_bytes"]
        json_rate = [int(r["bytes_sampled"]) * ratio / 1e6 / max(float(r["runtime_s"]), 1e-9) for r in rs]
        share = statistics.median(int(r["bytes_sampled"]) for r in rs) / data_set["stored_bytes"]
        goal, ok = GOALS["sampling"] if scenario == "sample-full" else ("-", None)
        met = "-" if ok is None else ("yes" if ok(statistics.median(json_rate)) else "**no**")
        lines.append(f"| sampling throughput, {labels[scenario]} (JSON MB/s; {share:.0%} of stored bytes read) | "
                     f"{statistics.median(json_rate):.0f} MB/s | {spread(json_rate, '{:.0f}')} | - | - | "
                     f"{goal} | {met} |")

    lines += ["", "Anchor (not measured here): an AWS Glue crawler run takes about a minute or more, even on tiny data."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
