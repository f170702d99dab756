#!/usr/bin/env python3
"""The query benchmark's HTTP clients (bench/query/run.sh): plain JSON calls over one keep-alive
connection each, so a poll costs well under a millisecond and the time measured is the server's.

  client.py crawl ENDPOINT                                 creates the database "vehicles" and the
      crawlers vehicles-raw (s3://lake/raw/) and vehicles-stage (s3://lake/stage/), table prefix
      vehicles_, runs both; prints one line per table: name, columns, partition keys, partitions
  client.py athena ENDPOINT QUERIES_TSV REPS OUT_TSV       Athena API runs of every query
  client.py clickhouse PORT QUERIES_TSV REPS OUT_TSV       ClickHouse HTTP runs of every query

QUERIES_TSV has "name<TAB>sql" lines (query_bench --print-queries). Both runners do one warm-up
round (not recorded), then REPS rounds, each running every query once in order, and append one
TSV line per run to OUT_TSV: system, query, rep, wall_ms, server_ms, bytes_scanned, rows, extra.

Athena (lakebox serve, unsigned AWS JSON 1.1 as the server accepts): wall_ms runs from sending
StartQueryExecution to having the first page of GetQueryResults (MaxResults 1000), polling
GetQueryExecution every 5 ms (POLL_S) in between: the time to result a client sees. server_ms is
the execution's Statistics.TotalExecutionTimeInMillis; extra holds EngineExecutionTimeInMillis
and QueryQueueTimeInMillis. bytes_scanned is DataScannedInBytes.

ClickHouse (its HTTP interface, FORMAT JSON): wall_ms from sending the query to having the whole
answer; server_ms is the answer's statistics.elapsed; bytes_scanned is statistics.bytes_read
(uncompressed bytes of the columns read, ClickHouse's own measure, not comparable to Athena's).
ClickHouse has one flat MergeTree table, vehicles.vehicles_stage: queries on the raw table run
there with the flat column names (vehicle_status.speed_kmh -> vehicle_status_speed_kmh).
"""

import http.client
import json
import os
import sys
import time

POLL_S = float(os.environ.get("QUERY_BENCH_POLL_S", "0.005"))  # GetQueryExecution polling interval
ROLE = "arn:aws:iam::000000000000:role/glue"


class Json11:
    """AWS JSON 1.1 calls (X-Amz-Target) over one keep-alive connection, unsigned."""

    def __init__(self, endpoint: str, prefix: str):
        host, port = endpoint.split("://", 1)[-1].rstrip("/").rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=3600)
        self.prefix = prefix

    def call(self, operation: str, request: dict) -> dict:
        self.conn.request("POST", "/", body=json.dumps(request).encode(), headers={
            "X-Amz-Target": f"{self.prefix}.{operation}", "Content-Type": "application/x-amz-json-1.1"})
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{self.prefix}.{operation} answered {resp.status}: {body[:500]!r}")
        return json.loads(body) if body else {}


def read_queries(path: str) -> list:
    queries = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                name, sql = line.split("\t", 1)
                queries.append((name, sql))
    return queries


def crawl(endpoint: str) -> int:
    glue = Json11(endpoint, "AWSGlue")
    glue.call("CreateDatabase", {"DatabaseInput": {"Name": "vehicles"}})
    for name, path in (("vehicles-raw", "s3://lake/raw/"), ("vehicles-stage", "s3://lake/stage/")):
        glue.call("CreateCrawler", {"Name": name, "Role": ROLE, "DatabaseName": "vehicles",
                                    "Targets": {"S3Targets": [{"Path": path}]}, "TablePrefix": "vehicles_"})
        requested = time.time()
        glue.call("StartCrawler", {"Name": name})
        while True:
            c = glue.call("GetCrawler", {"Name": name})["Crawler"]
            last = c.get("LastCrawl") or {}
            if c["State"] == "READY" and last.get("StartTime", 0) >= requested - 1:
                break
            time.sleep(0.05)
        if last.get("Status") != "SUCCEEDED":
            sys.stderr.write(f"crawler {name}: {last}\n")
            return 1
    for table in ("vehicles_raw", "vehicles_stage"):
        t = glue.call("GetTable", {"DatabaseName": "vehicles", "Name": table})["Table"]
        parts = glue.call("GetPartitions", {"DatabaseName": "vehicles", "TableName": table, "MaxResults": 1000})
        cols = ",".join(f"{c['Name']}:{c['Type']}" for c in t["StorageDescriptor"]["Columns"])
        keys = ",".join(k["Name"] for k in t.get("PartitionKeys", []))
        print(f"{table}\t{t['Parameters'].get('classification')}\t{cols}\t{keys}\t{len(parts['Partitions'])}")
    return 0


def athena_run(athena: Json11, sql: str) -> tuple:
    start = time.monotonic()
    qid = athena.call("StartQueryExecution", {"QueryString": sql})["QueryExecutionId"]
    while True:
        execution = athena.call("GetQueryExecution", {"QueryExecutionId": qid})["QueryExecution"]
        state = execution["Status"]["State"]
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(POLL_S)
    if state != "SUCCEEDED":
        raise RuntimeError(f"{sql}: {state} {execution['Status'].get('StateChangeReason')}")
    results = athena.call("GetQueryResults", {"QueryExecutionId": qid, "MaxResults": 1000})
    wall_ms = (time.monotonic() - start) * 1000
    stats = execution.get("Statistics", {})
    rows = len(results["ResultSet"]["Rows"]) - 1  # the header row
    extra = f"engine_ms={stats.get('EngineExecutionTimeInMillis')};queue_ms={stats.get('QueryQueueTimeInMillis')}"
    return wall_ms, stats.get("TotalExecutionTimeInMillis", 0), stats.get("DataScannedInBytes", 0), rows, extra


def clickhouse_sql(sql: str) -> str:
    sql = sql.strip().rstrip(";")
    sql = sql.replace('"vehicles_raw"', '"vehicles_stage"').replace("vehicle_status.speed_kmh", "vehicle_status_speed_kmh")
    return sql + " FORMAT JSON"


def clickhouse_run(conn: http.client.HTTPConnection, sql: str) -> tuple:
    start = time.monotonic()
    conn.request("POST", "/", body=clickhouse_sql(sql).encode())
    resp = conn.getresponse()
    body = resp.read()
    wall_ms = (time.monotonic() - start) * 1000
    if resp.status != 200:
        raise RuntimeError(f"ClickHouse answered {resp.status} to {sql}: {body[:500]!r}")
    answer = json.loads(body)
    stats = answer.get("statistics", {})
    return wall_ms, stats.get("elapsed", 0) * 1000, stats.get("bytes_read", 0), len(answer.get("data", [])), ""


def run_all(system: str, run, queries_path: str, reps: int, out_path: str) -> int:
    queries = read_queries(queries_path)
    for _, sql in queries:  # warm-up round
        run(sql)
    with open(out_path, "a") as out:
        for rep in range(1, reps + 1):
            for name, sql in queries:
                wall_ms, server_ms, scanned, rows, extra = run(sql)
                out.write(f"{system}\t{name}\t{rep}\t{wall_ms:.3f}\t{server_ms:.3f}\t{scanned}\t{rows}\t{extra}\n")
                out.flush()
    return 0


def main(argv: list) -> int:
    if len(argv) == 3 and argv[1] == "crawl":
        return crawl(argv[2])
    if len(argv) == 6 and argv[1] == "athena":
        athena = Json11(argv[2], "AmazonAthena")
        return run_all("lakebox-athena", lambda sql: athena_run(athena, sql), argv[3], int(argv[4]), argv[5])
    if len(argv) == 6 and argv[1] == "clickhouse":
        conn = http.client.HTTPConnection("127.0.0.1", int(argv[2]), timeout=3600)
        return run_all("clickhouse", lambda sql: clickhouse_run(conn, sql), argv[3], int(argv[4]), argv[5])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
