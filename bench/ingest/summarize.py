#!/usr/bin/env python3
"""Turns the ingest benchmark's runs.tsv (one line per measured run, written by run.sh) into results.

  summarize.py table --runs RUNS --manifest MANIFEST [--lake-check FILE]  Markdown table + goal checks
  summarize.py half-load --runs RUNS   "CONNS RATE": lakebox's best connection count and half its req/s

MB/s is record payload (decoded bytes) in 10^6 bytes per second: acknowledged records times the mean
record size of the data set (every system replays the same batches round-robin, so the mean of what
was sent is the data set's mean). Each cell is the median over repetitions, with min-max beside it.
"""
import argparse
import statistics
import sys
from collections import OrderedDict

FIELDS = ["system", "batch", "conns", "mode", "rep", "duration_us", "requests", "ok", "bad",
          "acked_records", "p50_us", "p99_us", "mem_kind", "mem_min_kb", "mem_max_kb", "note"]
INT_FIELDS = {"batch", "conns", "rep", "duration_us", "requests", "ok", "bad", "acked_records",
              "p50_us", "p99_us", "mem_min_kb", "mem_max_kb"}

# Targets from the benchmark's issue.
GOAL_MBPS = 200.0
GOAL_HALF_LOAD_P99_MS = 20.0


def read_runs(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("system\t"):
                continue
            parts = line.split("\t")
            parts += [""] * (len(FIELDS) - len(parts))
            run = dict(zip(FIELDS, parts))
            for k in INT_FIELDS:
                run[k] = int(float(run[k] or 0))
            runs.append(run)
    return runs


def read_tsv_pairs(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            out[k] = v
    return out


def seconds(run):
    return max(run["duration_us"], 1) / 1e6


def group(runs):
    groups = OrderedDict()
    for r in runs:
        groups.setdefault((r["system"], r["batch"], r["conns"], r["mode"]), []).append(r)
    return groups


def median_range(values, fmt):
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return (fmt + " ({}–{})").format(med, fmt.format(min(values)), fmt.format(max(values)))


def half_load(args):
    runs = [r for r in read_runs(args.runs) if r["system"] == "lakebox" and r["mode"] == "max" and r["ok"] > 0]
    best = None
    for (_, _, conns, _), rs in group(runs).items():
        rec_s = statistics.median(r["acked_records"] / seconds(r) for r in rs)
        req_s = statistics.median(r["ok"] / seconds(r) for r in rs)
        if best is None or rec_s > best[0]:
            best = (rec_s, conns, req_s)
    if best:
        print(f"{best[1]} {best[2] / 2:.1f}")


def table(args):
    runs = read_runs(args.runs)
    mean_bytes = float(read_tsv_pairs(args.manifest)["mean_record_bytes"])

    def mbps(r):
        return r["acked_records"] * mean_bytes / seconds(r) / 1e6

    groups = group(runs)
    lakebox_max = {k[2]: statistics.median(mbps(r) for r in rs)
                   for k, rs in groups.items() if k[0] == "lakebox" and k[3] == "max"}
    best_lakebox = max(lakebox_max.values(), default=0.0)

    out = []
    out.append(f"Record payload: mean {mean_bytes:.1f} bytes per record; MB = 10^6 bytes. "
               "Cells: median over repetitions (min–max).")
    out.append("")
    out.append("| system | records/request | conns | load | MB/s payload | records/s | requests/s "
               "| p50 ms | p99 ms | memory MB (min/max) | lakebox ÷ this (same conns / best) | notes |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (system, batch, conns, mode), rs in groups.items():
        m = [mbps(r) for r in rs]
        med = statistics.median(m)
        ratio = "-"
        if system != "lakebox" and med > 0 and best_lakebox > 0:
            same = lakebox_max.get(conns)
            ratio = (f"{same / med:.1f}×" if same else "-") + f" / {best_lakebox / med:.1f}×"
        mem_kind = "PSS" if rs[0]["mem_kind"] == "pss" else "RSS"
        mem = f"{min(r['mem_min_kb'] for r in rs) / 1024:.0f}/{max(r['mem_max_kb'] for r in rs) / 1024:.0f} {mem_kind}"
        notes = "; ".join(sorted({r["note"] for r in rs if r["note"]}))
        out.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            system, batch, conns, "half (paced)" if mode == "half" else "max", median_range(m, "{:.1f}"),
            f"{statistics.median(r['acked_records'] / seconds(r) for r in rs):,.0f}",
            f"{statistics.median(r['ok'] / seconds(r) for r in rs):,.1f}",
            median_range([r["p50_us"] / 1000 for r in rs], "{:.1f}"),
            median_range([r["p99_us"] / 1000 for r in rs], "{:.1f}"),
            mem, ratio, notes or ""))

    out.append("")
    peers = OrderedDict()
    for (system, batch, conns, mode), rs in groups.items():
        if system == "lakebox":
            continue
        med = statistics.median(mbps(r) for r in rs)
        key = f"{system} at {batch}/request"
        if key not in peers or med > peers[key][0]:
            peers[key] = (med, conns)
    if best_lakebox > 0:
        best_conns = max(lakebox_max, key=lakebox_max.get)
        out.append(f"- lakebox best: {best_lakebox:.1f} MB/s ({best_conns} connections); goal ≥ {GOAL_MBPS:.0f} MB/s: "
                   + ("met" if best_lakebox >= GOAL_MBPS else "NOT met"))
        for key, (med, conns) in peers.items():
            if med > 0:
                out.append(f"- lakebox ÷ {key} (best: {med:.1f} MB/s, {conns} connections): {best_lakebox / med:.1f}×")
        half = [r for r in runs if r["system"] == "lakebox" and r["mode"] == "half"]
        if half:
            p99 = statistics.median(r["p99_us"] / 1000 for r in half)
            achieved = statistics.median(mbps(r) for r in half)
            out.append(f"- lakebox p99 ack at half load ({achieved:.1f} MB/s): {p99:.1f} ms; goal < "
                       f"{GOAL_HALF_LOAD_P99_MS:.0f} ms: " + ("met" if p99 < GOAL_HALF_LOAD_P99_MS else "NOT met"))
        lb = [r for r in runs if r["system"] == "lakebox"]
        out.append("- lakebox RSS over all its runs: {:.0f}–{:.0f} MB; per run (in order): {}".format(
            min(r["mem_min_kb"] for r in lb) / 1024, max(r["mem_max_kb"] for r in lb) / 1024,
            ", ".join(f"{r['mem_max_kb'] / 1024:.0f}" for r in lb)))
    if args.lake_check:
        try:
            check = read_tsv_pairs(args.lake_check)
            out.append(f"- lakebox lake check: {check.get('acked')} records acknowledged, {check.get('lake_records')} "
                       f"in {check.get('objects')} objects after flush: {check.get('verdict')}")
        except FileNotFoundError:
            out.append("- lakebox lake check: not run")
    print("\n".join(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("--runs", required=True)
    t.add_argument("--manifest", required=True)
    t.add_argument("--lake-check")
    h = sub.add_parser("half-load")
    h.add_argument("--runs", required=True)
    args = p.parse_args()
    if args.cmd == "table":
        table(args)
    else:
        half_load(args)


if __name__ == "__main__":
    sys.exit(main())
