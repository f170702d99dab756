#!/usr/bin/env python3
"""The query benchmark's tables (bench/query/run.sh).

  summarize.py gbench QUERY_BENCH_JSON
      query_bench's Google Benchmark JSON (one iteration per repetition) as runs.tsv lines:
      lakebox-engine, lakebox-views and duckdb-direct; server_ms holds the process CPU time
      (every thread: DuckDB's workers, the engine's memory sampler), extra the engine's counters.
  summarize.py table --runs RUNS --data DATA --queries QUERIES [--environment FILE]
      summary.md: per query and system the median and spread (min-max) over the repetitions,
      the ratios the goals are judged on, and bytes scanned.

runs.tsv columns: system, query, rep, wall_ms, server_ms, bytes_scanned, rows, extra.
"""

import argparse
import csv
import json
import statistics
import sys

SYSTEMS = [  # (runs.tsv system, column title)
    ("lakebox-engine", "lakebox engine (in process)"),
    ("lakebox-athena", "lakebox Athena API (time to result)"),
    ("duckdb-direct", "DuckDB direct"),
    ("lakebox-views", "lakebox's views in plain DuckDB"),
    ("clickhouse", "ClickHouse 18.16 (HTTP)"),
]
GB_SYSTEMS = {"lakebox": "lakebox-engine", "views": "lakebox-views", "duckdb": "duckdb-direct"}


def gbench(path: str) -> int:
    with open(path) as f:
        report = json.load(f)
    reps = {}
    for b in report["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        system, query = b["run_name"].split("/")[:2]
        factor = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        key = (system, query)
        reps[key] = reps.get(key, 0) + 1
        extra = []
        if "engine_ms" in b:
            extra = [f"engine_ms={b['engine_ms']:.3f}", f"peak_mem_mb={b.get('peak_mem_mb', 0):.1f}"]
        print("\t".join([GB_SYSTEMS.get(system, system), query, str(reps[key]), f"{b['real_time'] * factor:.3f}",
                         f"{b['cpu_time'] * factor:.3f}", str(int(b.get("bytes_scanned", 0))),
                         str(int(b.get("rows", 0))), ";".join(extra)]))
    return 0


def read_tsv(path: str) -> list:
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def fmt_ms(v: float) -> str:
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def cell(values: list) -> str:
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{fmt_ms(med)}"
    return f"{fmt_ms(med)} ({fmt_ms(min(values))}–{fmt_ms(max(values))})"


def table(args) -> int:
    runs = read_tsv(args.runs)
    data = {row["set"]: row for row in read_tsv(args.data)}
    queries = []
    with open(args.queries) as f:
        for line in f:
            if line.strip():
                name, sql = line.rstrip("\n").split("\t", 1)
                queries.append((name, sql))

    def values(system, query, field="wall_ms"):
        return [float(r[field]) for r in runs if r["system"] == system and r["query"] == query]

    def median(system, query, field="wall_ms"):
        v = values(system, query, field)
        return statistics.median(v) if v else None

    def bytes_of(system, query):
        v = sorted({int(r["bytes_scanned"]) for r in runs if r["system"] == system and r["query"] == query})
        return v

    present = [(s, title) for s, title in SYSTEMS if any(r["system"] == s for r in runs)]
    reps = max((int(r["rep"]) for r in runs), default=0)
    raw, stage = data.get("raw"), data.get("stage")
    out = ["# Query benchmark", ""]
    if raw:
        out.append(f"- raw: {int(raw['records']):,} vehicle records in {int(raw['objects']):,} gzip NDJSON objects "
                   f"({int(raw['json_bytes']) / 1e6:,.1f} MB JSON, {int(raw['stored_bytes']) / 1e6:,.1f} MB stored), "
                   "hour partitions raw/year=/month=/day=/hour=/")
    if stage:
        out.append(f"- stage: the same records flattened, gzip Parquet partitioned by vendor: "
                   f"{int(stage['objects'])} files, {int(stage['stored_bytes']) / 1e6:,.1f} MB")
    if args.environment:
        with open(args.environment) as f:
            for line in f:
                if line.startswith(("clickhouse:", "load average", "date:", "lakebox serve peak")):
                    out.append(f"- {line.strip()}")
    out += ["", f"Milliseconds, median (min–max) of {reps} repetitions, wall time. In process, the three "
            "systems run interleaved in one process; the Athena API is polled every 5 ms.", ""]
    out.append("| query | " + " | ".join(title for _, title in present) + " | lakebox ÷ DuckDB |")
    out.append("|---" * (len(present) + 2) + "|")
    for name, _ in queries:
        cells = [cell(values(s, name)) for s, _ in present]
        lb, dd = median("lakebox-engine", name), median("duckdb-direct", name)
        ratio = f"{lb / dd:.2f}×" if lb and dd else "-"
        out.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")

    cpu_systems = [(s, t) for s, t in present if s in ("lakebox-engine", "duckdb-direct", "lakebox-views")]
    if cpu_systems:
        out += ["", "Process CPU time of the in-process runs (all threads), ms, median (min–max): steadier than wall "
                "time on a busy machine.", ""]
        out.append("| query | " + " | ".join(t for _, t in cpu_systems) + " | lakebox ÷ DuckDB (CPU) |")
        out.append("|---" * (len(cpu_systems) + 2) + "|")
        for name, _ in queries:
            cells = [cell(values(s, name, "server_ms")) for s, _ in cpu_systems]
            lb, dd = median("lakebox-engine", name, "server_ms"), median("duckdb-direct", name, "server_ms")
            ratio = f"{lb / dd:.2f}×" if lb and dd else "-"
            out.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")

    out += ["", "Bytes scanned (lakebox's DataScannedInBytes; the engine and the Athena API agree):", "",
            "| query | bytes scanned | share of the table's stored bytes |", "|---|---|---|"]
    for name, _ in queries:
        b = bytes_of("lakebox-engine", name) or bytes_of("lakebox-athena", name)
        if not b:
            continue
        total = None
        if name.startswith("raw") and raw:
            total = int(raw["stored_bytes"])
        elif name.startswith("stage") and stage:
            total = int(stage["stored_bytes"])
        share = f"{b[0] / total:.2%}" if total else "-"
        out.append(f"| {name} | {', '.join(f'{x:,}' for x in b)} | {share} |")

    # Goals (issue 4).
    out += ["", "| goal | measured | met |", "|---|---|---|"]
    for name in ("stage_limit10", "raw_limit10"):
        for system in ("lakebox-athena", "lakebox-engine"):
            m = median(system, name)
            if m is not None:
                out.append(f"| {name} under 200 ms ({system}) | {fmt_ms(m)} ms | {'yes' if m < 200 else '**no**'} |")
    for name, _ in queries:
        lb, dd = median("lakebox-engine", name), median("duckdb-direct", name)
        if lb and dd:
            out.append(f"| {name}: lakebox engine ≤ 1.1 × DuckDB direct | {lb / dd:.2f}× ({fmt_ms(lb)} vs {fmt_ms(dd)} ms) | "
                       f"{'yes' if lb <= 1.1 * dd else '**no**'} |")
    ch = median("clickhouse", "stage_count_by_vendor")
    for system in ("lakebox-engine", "lakebox-athena"):
        lb = median(system, "stage_count_by_vendor")
        if ch and lb:
            out.append(f"| stage count by vendor within 2 × ClickHouse ({system}) | {lb / ch:.2f}× "
                       f"({fmt_ms(lb)} vs {fmt_ms(ch)} ms) | {'yes' if lb <= 2 * ch else '**no**'} |")
    one = bytes_of("lakebox-engine", "raw_avg_speed_1h") or bytes_of("lakebox-athena", "raw_avg_speed_1h")
    every = bytes_of("lakebox-engine", "raw_avg_speed_all") or bytes_of("lakebox-athena", "raw_avg_speed_all")
    hours = None
    with open(args.tables if args.tables else "/dev/null") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "vehicles_raw" and len(parts) >= 5:
                hours = int(parts[4])
    if one and every:
        expected = f"1/{hours} = {1 / hours:.2%}" if hours else "1/partitions"
        ratio = one[0] / every[0]
        met = "-" if not hours else ("yes" if abs(ratio - 1 / hours) <= 0.25 / hours else "**no**")
        out.append(f"| bytes scanned in proportion to partitions: 1 hour ÷ all hours | {ratio:.2%} "
                   f"({one[0]:,} of {every[0]:,} bytes; expected {expected}) | {met} |")
    print("\n".join(out))
    return 0


def main(argv: list) -> int:
    if len(argv) == 3 and argv[1] == "gbench":
        return gbench(argv[2])
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["table"])
    parser.add_argument("--runs", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--tables")
    parser.add_argument("--environment")
    return table(parser.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
