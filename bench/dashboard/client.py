#!/usr/bin/env python3
"""The HTTP half of bench/dashboard/run.sh, against a running `lakebox serve`.

  client.py queries  ENDPOINT DASHBOARD              prints "<dataset><TAB><sql>" per dataset
  client.py datasets ENDPOINT DASHBOARD REPS OUT.tsv times GET /v1/dashboards/<d>/datasets/<ds>

`datasets` runs REPS rounds. Each round first waits until the server's cache of the dashboard's
datasets has expired (an answer saying "Cached" fails the run), then fetches every dataset one after the other
("alone": the query's own latency through the endpoint), then all of them at once from as many
threads ("together": what a page load asks for). Lines of OUT.tsv:
  system  query  rep  wall_ms  server_ms  bytes_scanned  rows  extra
"""

import concurrent.futures
import http.client
import json
import sys
import time
import urllib.parse

def get(endpoint: str, path: str) -> tuple[float, dict]:
    url = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    start = time.monotonic()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    wall_ms = (time.monotonic() - start) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
    return wall_ms, json.loads(body)


def definition(endpoint: str, dashboard: str) -> dict:
    return get(endpoint, f"/v1/dashboards/{urllib.parse.quote(dashboard)}")[1]


def dataset_path(dashboard: str, dataset: str) -> str:
    return f"/v1/dashboards/{urllib.parse.quote(dashboard)}/datasets/{urllib.parse.quote(dataset)}"


def cache_seconds(spec: dict) -> float:
    """How long the server reuses a dataset's answer (docs/dashboards.md: half the refresh
    interval, at least 1 s), plus a margin."""
    return max(1.0, spec.get("RefreshSeconds", 0) / 2) + 0.3


def row(system: str, dataset: str, rep: int, wall_ms: float, answer: dict) -> str:
    extra = f"cached={str(answer.get('Cached', False)).lower()}"
    return "\t".join([system, dataset, str(rep), f"{wall_ms:.3f}", str(answer.get("EngineMillis", 0)),
                      str(answer.get("BytesScanned", 0)), str(len(answer.get("Rows", []))), extra])


def datasets(endpoint: str, dashboard: str, reps: int, out_path: str) -> int:
    spec = definition(endpoint, dashboard)
    names = [d["Name"] for d in spec["Datasets"]]
    expire_s = cache_seconds(spec)
    with open(out_path, "a") as out:
        for rep in range(1, reps + 1):
            time.sleep(expire_s)  # fetching refreshes the cache, so wait without asking
            for name in names:
                wall_ms, answer = get(endpoint, dataset_path(dashboard, name))
                if answer.get("Cached"):
                    raise RuntimeError(f"{name} came from the cache in an 'alone' round")
                out.write(row("endpoint-alone", name, rep, wall_ms, answer) + "\n")
            time.sleep(expire_s)
            with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
                start = time.monotonic()
                answers = list(pool.map(lambda n: get(endpoint, dataset_path(dashboard, n)), names))
                total_ms = (time.monotonic() - start) * 1000
            for name, (wall_ms, answer) in zip(names, answers):
                if answer.get("Cached"):
                    raise RuntimeError(f"{name} came from the cache in a 'together' round")
                out.write(row("endpoint-together", name, rep, wall_ms, answer) + "\n")
            out.write("\t".join(["endpoint-together", "all_datasets", str(rep), f"{total_ms:.3f}", "0", "0", "0",
                                 ""]) + "\n")
            print(f"round {rep}/{reps}: all datasets together in {total_ms:.0f} ms", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 4 and argv[1] == "queries":
        d = definition(argv[2], argv[3])
        for dataset in d["Datasets"]:
            print(f"{dataset['Name']}\t{' '.join(dataset['Sql'].split())}")
        return 0
    if len(argv) == 6 and argv[1] == "datasets":
        return datasets(argv[2], argv[3], int(argv[4]), argv[5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
