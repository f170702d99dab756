#!/usr/bin/env python3
"""Turns the ETL benchmark's runs.tsv and data.tsv (bench/etl/run.sh) into summary.md: per system
the median over the repetitions and the spread (min-max), throughput in MB/s of raw JSON (the
lake's uncompressed JSON bytes over the run's wall time) and of the gzip objects as stored, CPU,
peak RSS and output size; lakebox's time by phase; the goals and the seed's anchor.

  summarize.py --runs RUNS --data DATA [--environment FILE] [--loadavg FILE]
"""

import argparse
import csv
import statistics

SYSTEMS = [  # (runs.tsv system, label)
    ("lakebox", "lakebox job `vehicles_to_stage` (JobService in process)"),
    ("duckdb-root", "DuckDB plain COPY, root table only (the ceiling)"),
    ("duckdb-full", "DuckDB by hand, root + alerts tables (the job's work)"),
]
GOAL_MB_S = 60.0
# The seed: a Glue job of 10 DPU (4 vCPU + 16 GB each) for 10 minutes a run, $0.44 per DPU-hour.
GLUE_DPU, GLUE_MINUTES, GLUE_DPU_HOUR_USD, DPU_VCPU = 10, 10, 0.44, 4


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def med(values):
    return statistics.median(values)


def cell(values, fmt):
    """median (min-max)"""
    m = fmt.format(med(values))
    if len(values) == 1:
        return m
    return f"{m} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--environment")
    parser.add_argument("--loadavg")
    args = parser.parse_args()
    runs = read_tsv(args.runs)
    data = {k: float(v) for k, v in read_tsv(args.data)[0].items()}
    json_mb = data["json_bytes"] / 1e6
    stored_mb = data["stored_bytes"] / 1e6

    lines = ["# ETL benchmark", ""]
    compression = "gzip"
    if args.environment:
        with open(args.environment) as f:
            environment = [line.rstrip() for line in f if line.strip()]
        lines += [f"    {line}" for line in environment] + [""]
        for line in environment:
            for word in line.split():
                if word.startswith("compression="):
                    compression = word.split("=", 1)[1]
    lines += [
        f"Data: {int(data['objects']):,} raw gzip NDJSON objects in {int(data['partitions'])} hour partitions, "
        f"{int(data['records']):,} vehicle records, **{json_mb:,.1f} MB of JSON**, {stored_mb:,.1f} MB stored "
        f"(gzip, {json_mb / stored_mb:.1f}x); crawled into vehicles.vehicles_raw in {data['crawl_s']:.2f} s.",
        "",
    ]
    noisy = False
    if args.loadavg:
        loads = []
        with open(args.loadavg) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    loads.append(float(parts[1]))
        if loads:
            noisy = max(loads) > 2.5
            lines += [f"Load average (1 min) during the benchmark: {min(loads):.2f}-{max(loads):.2f}, median "
                      f"{med(loads):.2f}, on 2 cores" + (" — **noisy: other work shared the cores**" if noisy else "")
                      + ".", ""]

    lines += [
        f"Parquet compression of every system: **{compression}**" + (" (the seed's)." if compression == "gzip" else
                                                                    " (not the seed's gzip)."),
        "",
        "| system | runs | wall s | MB/s raw JSON | MB/s stored (gzip) | CPU s (user+sys) | cores busy | "
        "peak RSS MB | output | root rows |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    medians = {}
    for system, label in SYSTEMS:
        rs = [r for r in runs if r["system"] == system]
        if not rs:
            continue
        wall = [float(r["wall_s"]) for r in rs]
        cpu = [float(r["user_s"]) + float(r["sys_s"]) for r in rs]
        busy = [c / w for c, w in zip(cpu, wall)]
        rss = [int(r["peak_rss_kb"]) / 1024 for r in rs]
        out_mb = med([int(r["bytes_out"]) / 1e6 for r in rs])
        objects = sorted({r["objects_out"] for r in rs})
        rows = sorted({r["rows_out"] for r in rs})
        child = sorted({r["child_rows"] for r in rs} - {"-", "0"})
        output = f"{out_mb:.1f} MB in {', '.join(objects)} files"
        if child:
            output += f" ({', '.join(f'{int(c):,}' for c in child)} alert rows)"
        medians[system] = json_mb / med(wall)
        lines.append(
            f"| {label} | {len(rs)} | {cell(wall, '{:.2f}')} | {cell([json_mb / w for w in wall], '{:.1f}')} | "
            f"{cell([stored_mb / w for w in wall], '{:.1f}')} | {cell(cpu, '{:.1f}')} | {med(busy):.2f} | "
            f"{cell(rss, '{:.0f}')} | {output} | {', '.join(f'{int(r):,}' for r in rows)} |")
    lines += ["", "MB/s = 10^6 bytes per second of wall time; medians with the spread (min-max) in brackets. "
              "lakebox's time is the whole run (listing, reading, writing, fsync, commit); DuckDB's is its "
              "statements, without fsyncing its output (timed apart below)."]

    lakebox = [r for r in runs if r["system"] == "lakebox"]
    if lakebox:
        lines += ["", "lakebox's run by phase (JobProgress; median seconds, share of the run's wall time):", "",
                  "| listing | reading (JSON → DuckDB temp table) | writing (COPY root, COPY alerts, fsync of "
                  "the staged files) | committing (commit record, renames) | batches |", "|---|---|---|---|---|"]
        wall = med([float(r["wall_s"]) for r in lakebox])
        phases = []
        for phase in ("listing_s", "reading_s", "writing_s", "committing_s"):
            v = med([float(r[phase]) for r in lakebox])
            phases.append(f"{v:.2f} s ({v / wall:.0%})")
        batches = sorted({r["batches"] for r in lakebox})
        lines.append(f"| {' | '.join(phases)} | {', '.join(batches)} |")
    full = [r for r in runs if r["system"] == "duckdb-full"]
    if full:
        lines += ["", "DuckDB by hand, by statement (median seconds): " + ", ".join(
            f"{name} {med([float(r[key]) for r in full]):.2f}" for name, key in
            (("CREATE TEMP TABLE from read_json", "load_s"), ("COPY root", "root_s"), ("COPY alerts", "child_s")))
            + "."]
    duck = [r for r in runs if r["system"].startswith("duckdb")]
    if duck:
        lines += ["", "fsync of DuckDB's output after its statements (not in its time): median "
                  f"{med([float(r['sync_s']) for r in duck]):.2f} s."]

    if "lakebox" in medians:
        rate = medians["lakebox"]
        lb_rss = max(int(r["peak_rss_kb"]) for r in lakebox) / 1024
        lines += ["", "| goal (issue 5) | measured | |", "|---|---|---|",
                  f"| ≥ {GOAL_MB_S:.0f} MB/s of raw JSON (1 GB in under 17 s) | {rate:.1f} MB/s "
                  f"({1000 / rate:.1f} s per GB) | {'met' if rate >= GOAL_MB_S else '**not met**'}"
                  f"{' (noisy)' if noisy else ''}"
                  f"{'' if compression == 'gzip' else f' (but this run wrote {compression}, not the seed gzip)'} |"]
        if "duckdb-root" in medians:
            lines.append(f"| ceiling: DuckDB's plain COPY | {medians['duckdb-root']:.1f} MB/s | lakebox at "
                         f"{rate / medians['duckdb-root']:.0%} of it |")
        if "duckdb-full" in medians:
            lines.append(f"| the same two tables by hand in DuckDB | {medians['duckdb-full']:.1f} MB/s | lakebox at "
                         f"{rate / medians['duckdb-full']:.0%} of it |")
        lines.append(f"| memory bounded | peak RSS {lb_rss:.0f} MB (DuckDB memory_limit 2 GB; batches of "
                     "memory_limit / 8 stored bytes) | |")
        glue_vcpu_s = GLUE_DPU * DPU_VCPU * GLUE_MINUTES * 60
        glue_usd = GLUE_DPU * GLUE_MINUTES / 60 * GLUE_DPU_HOUR_USD
        lakebox_cpu = med([float(r["user_s"]) + float(r["sys_s"]) for r in lakebox])
        lines += ["", f"Anchor (not measurable here): the seed budgets its Glue job at {GLUE_DPU} DPU × "
                  f"{GLUE_MINUTES} minutes per run ({GLUE_DPU * DPU_VCPU} vCPU, {glue_vcpu_s:,} vCPU-seconds, "
                  f"${glue_usd:.2f} at ${GLUE_DPU_HOUR_USD}/DPU-hour) for its ~3 GB of raw data a day. lakebox "
                  f"ran {json_mb:,.0f} MB of raw JSON in {med([float(r['wall_s']) for r in lakebox]):.1f} s on 2 "
                  f"cores ({lakebox_cpu:.0f} CPU-seconds); at that rate 3 GB takes about {3000 / rate:.0f} s."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
