#!/usr/bin/env python3
"""The crawler benchmark's Glue client (bench/crawler/run.sh): plain AWS JSON 1.1 calls over one
keep-alive HTTP connection, so that polling costs well under a millisecond and the measured time
is the crawl's, not the client's.

  glue.py setup ENDPOINT DATABASE CRAWLER S3_PATH     CreateDatabase (if missing) + CreateCrawler
  glue.py crawl ENDPOINT CRAWLER                      one run; prints a TSV line (see CRAWL_FIELDS)

`crawl` calls StartCrawler, polls GetCrawler every 5 ms until the crawler is READY again, then
reads GetCrawlerMetrics. wall_s is the client's time from StartCrawler to seeing READY (at most
one poll late); runtime_s is the server's own LastRuntimeSeconds. Exit status 1 if the run did
not succeed.
"""

import http.client
import json
import sys
import time

CRAWL_FIELDS = ["status", "wall_s", "runtime_s", "objects_listed", "objects_read", "objects_skipped",
                "bytes_sampled", "tables_created", "tables_updated", "partitions_added"]
POLL_S = 0.005


class Glue:
    def __init__(self, endpoint: str):
        host_port = endpoint.split("://", 1)[-1].rstrip("/")
        host, port = host_port.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=600)

    def call(self, operation: str, request: dict) -> dict:
        self.conn.request("POST", "/", body=json.dumps(request).encode(), headers={
            "X-Amz-Target": f"AWSGlue.{operation}", "Content-Type": "application/x-amz-json-1.1"})
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"AWSGlue.{operation} answered {resp.status}: {body[:500]!r}")
        return json.loads(body) if body else {}


def setup(glue: Glue, database: str, crawler: str, path: str) -> None:
    try:
        glue.call("CreateDatabase", {"DatabaseInput": {"Name": database}})
    except RuntimeError as e:
        if "AlreadyExistsException" not in str(e):
            raise
    glue.call("CreateCrawler", {"Name": crawler, "Role": "arn:aws:iam::000000000000:role/glue",
                                "DatabaseName": database, "Targets": {"S3Targets": [{"Path": path}]}})


def crawl(glue: Glue, crawler: str) -> int:
    requested = time.time()
    start = time.monotonic()
    glue.call("StartCrawler", {"Name": crawler})
    while True:
        c = glue.call("GetCrawler", {"Name": crawler})["Crawler"]
        last = c.get("LastCrawl") or {}
        if c["State"] == "READY" and last.get("StartTime", 0) >= requested - 1:
            break
        time.sleep(POLL_S)
    wall = time.monotonic() - start
    metrics = glue.call("GetCrawlerMetrics", {"CrawlerNameList": [crawler]})["CrawlerMetricsList"][0]
    row = [last.get("Status", "?"), f"{wall:.4f}", f"{metrics.get('LastRuntimeSeconds', 0):.4f}",
           metrics.get("ObjectsListed", -1), metrics.get("ObjectsRead", -1), metrics.get("ObjectsSkipped", -1),
           metrics.get("BytesSampled", -1), metrics.get("TablesCreated", -1), metrics.get("TablesUpdated", -1),
           metrics.get("PartitionsAdded", -1)]
    print("\t".join(str(x) for x in row))
    return 0 if last.get("Status") == "SUCCEEDED" else 1


def main(argv: list) -> int:
    if len(argv) >= 6 and argv[1] == "setup":
        setup(Glue(argv[2]), argv[3], argv[4], argv[5])
        return 0
    if len(argv) >= 4 and argv[1] == "crawl":
        return crawl(Glue(argv[2]), argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
