"""`lakebox cost`: the seed's "How much will it cost?" for the usage lakebox metered.

A server with a stream, a crawler and a job, storage sampled every second, and one price changed
in [pricing]. The test sends records of known sizes with boto3 (small ones and some over 5 KB),
runs queries with the aws CLI (one that succeeds, one that fails, one SHOW), flushes, crawls raw
and runs the job, then reads `lakebox cost --json` while the server runs and again after it has
stopped. It checks that

- Firehose's ingested bytes are exactly the bytes sent, and its billed bytes each record rounded
  up to the next 5 KB (5,120 bytes);
- Athena counts only the successful SELECT, billed at the 10 MB minimum per query;
- the crawl is billed its 10-minute minimum at 1 DPU, the job run at least its 1-minute minimum at
  10 DPUs; S3 shows the raw and stage prefixes with their stored bytes;
- every line is in USD with Cost = Usage x UnitPrice, the configured price is used, and the
  projection is the seed's (42.88 with the Firehose line computed right) with that price;
- /v1/status carries the same report as "metering"; the text table shows the same figures;
- a data dir without metering.db and a [pricing] typo are clear errors.
"""

import json
import math
import unittest

import lakebox_harness as h

DATABASE = "vehicles"
JOB = "vehicles_to_stage"
ATHENA_PRICE = 6.25  # instead of the seed's 5 USD per TB
MIB = 1024 * 1024

CONFIG = f"""
[pricing]
athena_per_tb_scanned = {ATHENA_PRICE}

[metering]
storage_sample_seconds = 1

{h.SEED_STREAM_TOML}
[[crawler]]
name = "vehicles-raw"
database = "{DATABASE}"
targets = ["s3://lake/raw/"]
table_prefix = "vehicles_"

[[job]]
name = "{JOB}"
source = "vehicles.vehicles_raw"
transform = "relationalize"
target = "s3://lake/stage/"
format = "parquet"
compression = "gzip"
partition_by = ["vendor"]
"""


def billed(size: int) -> int:
    """Firehose's billed bytes for one record: rounded up to the next 5 KB, at least one increment."""
    return max(1, math.ceil(size / 5120)) * 5120


def line(report: dict, service: str) -> dict:
    for entry in report["Lines"]:
        if entry["Service"] == service:
            return entry
    raise AssertionError(f"no {service} line in {json.dumps(report)[:2000]}")


def detail(entry: dict, name: str) -> dict | None:
    return next((d for d in entry["Details"] if d["Name"] == name), None)


class CostTest(h.LakeboxTestCase):
    def cost(self, server, *args: str) -> dict:
        done = h.run_lakebox("cost", "--data-dir", str(server.data_dir), "--config", str(server.config_path),
                             "--json", *args)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def test_cost_prices_the_metered_usage(self):
        server = self.start_server(config=CONFIG)
        records = [h.vehicle_record(i, run="cost") for i in range(20)]
        records += [h.vehicle_record(100 + i, run="cost", padding=6000) for i in range(2)]
        h.put_all(server.firehose(), "vehicles", records)
        sent_bytes = sum(len(r) for r in records)
        billed_bytes = sum(billed(len(r)) for r in records)
        self.assertGreater(billed_bytes, sent_bytes)

        athena = server.athena()
        started = server.aws("athena", "start-query-execution", "--query-string", "SELECT 1")
        self.assertTrue(started.ok, started.describe())
        self.assertEqual(h.wait_query(athena, started.json["QueryExecutionId"])["Status"]["State"], "SUCCEEDED")
        failed = server.aws("athena", "start-query-execution", "--query-string", "SELECT * FROM no_such_table")
        self.assertTrue(failed.ok, failed.describe())
        self.assertEqual(h.wait_query(athena, failed.json["QueryExecutionId"])["Status"]["State"], "FAILED")
        shown = server.aws("athena", "start-query-execution", "--query-string", "SHOW DATABASES")
        self.assertTrue(shown.ok, shown.describe())
        self.assertEqual(h.wait_query(athena, shown.json["QueryExecutionId"])["Status"]["State"], "SUCCEEDED")

        server.flush()
        glue = server.glue()
        self.assertEqual(h.run_crawler(glue, "vehicles-raw")["LastCrawl"]["Status"], "SUCCEEDED")
        run_id = glue.start_job_run(JobName=JOB)["JobRunId"]
        self.assertEqual(h.wait_job_run(glue, JOB, run_id)["JobRunState"], "SUCCEEDED")

        # The meter writes its counters about once a second and samples storage every second.
        def complete():
            report = self.cost(server)
            s3 = line(report, "Amazon S3")
            ready = (detail(line(report, "Kinesis Data Firehose"), "vehicles") or {}).get("Records") == len(records)
            ready = ready and line(report, "AWS Glue job")["Details"] and line(report, "AWS Glue crawler")["Details"]
            ready = ready and (detail(s3, "lake/stage") or {}).get("StoredBytes", 0) > 0
            return report if ready else None
        report = h.wait_until(complete, 30, "the metered usage in lakebox cost --json")

        self.assertEqual(report["Currency"], "USD")
        firehose = line(report, "Kinesis Data Firehose")
        vehicles = detail(firehose, "vehicles")
        self.assertEqual(vehicles["Bytes"], sent_bytes)
        self.assertEqual(vehicles["BilledBytes"], billed_bytes)
        self.assertAlmostEqual(firehose["Usage"], billed_bytes / 2**30)
        self.assertEqual(firehose["UnitPrice"], 0.029)

        athena_line = line(report, "Amazon Athena")
        self.assertEqual(athena_line["UnitPrice"], ATHENA_PRICE)
        queries = detail(athena_line, "athena")
        self.assertEqual(queries["Queries"], 1, athena_line)  # not the FAILED query, not SHOW
        self.assertEqual(queries["BilledBytes"], 10 * MIB)  # SELECT 1 scans nothing: the minimum
        self.assertAlmostEqual(athena_line["Usage"], 10 * MIB / 2**40)

        crawler = detail(line(report, "AWS Glue crawler"), "vehicles-raw")
        self.assertEqual(crawler["Runs"], 1)
        self.assertEqual(crawler["BilledSeconds"], 600)  # a short crawl: the 10-minute minimum
        self.assertAlmostEqual(crawler["DPUHours"], 600 / 3600 * 1)
        job = detail(line(report, "AWS Glue job"), JOB)
        self.assertEqual(job["Runs"], 1)
        self.assertGreaterEqual(job["BilledSeconds"], 60)  # the 1-minute minimum
        self.assertAlmostEqual(job["DPUHours"], job["BilledSeconds"] / 3600 * 10)

        s3 = line(report, "Amazon S3")
        raw = detail(s3, "lake/raw")
        self.assertEqual(raw["StoredBytes"], sum(len(server.lake.read(k)) for k in server.lake.keys(prefix="raw/")))
        self.assertIsNotNone(detail(s3, "lake/athena-results"))

        total = 0.0
        for entry in report["Lines"]:
            self.assertAlmostEqual(entry["Cost"], entry["Usage"] * entry["UnitPrice"], places=12)
            total += entry["Cost"]
        self.assertAlmostEqual(report["Total"], total, places=9)
        self.assertEqual(line(report, "Amazon QuickSight")["Cost"], 9.0)
        projection = report["Projection"]
        self.assertEqual(projection["GBPerDay"], 3)
        self.assertAlmostEqual(projection["Total"], 42.88 - 5.0 + ATHENA_PRICE)
        self.assertGreater(report["Local"]["CpuSeconds"], 0)
        self.assertGreater(report["Local"]["DiskBytes"], 0)
        self.assertIsNotNone(report["Local"]["Since"])

        status = json.loads(server.http("GET", "/v1/status").body)
        self.assertEqual(status["metering"]["Month"], report["Month"])
        self.assertEqual(detail(line(status["metering"], "Kinesis Data Firehose"), "vehicles")["BilledBytes"],
                         billed_bytes)

        text = h.run_lakebox("cost", "--data-dir", str(server.data_dir), "--config", str(server.config_path))
        self.assertEqual(text.returncode, 0, text.stderr)
        for expected in ("Kinesis Data Firehose", "Amazon S3", "AWS Glue job", "AWS Glue crawler", "Amazon Athena",
                         "Amazon QuickSight", "TOTAL", f"{billed_bytes:,} B billed", "10.5 MB billed",
                         "Projection for 3 GB/day", f"${42.88 - 5.0 + ATHENA_PRICE:.2f}", "$6.25", "CPU-seconds"):
            self.assertIn(expected, text.stdout)

        # Stopped: the same figures from metering.db alone.
        self.assertEqual(server.stop(), 0)
        after = self.cost(server, "--month", report["Month"])
        self.assertEqual(detail(line(after, "Kinesis Data Firehose"), "vehicles")["Bytes"], sent_bytes)
        self.assertEqual(detail(line(after, "Amazon Athena"), "athena")["Queries"], 1)

    def test_errors_are_clear(self):
        empty = self.workspace / "empty"
        empty.mkdir()
        missing = h.run_lakebox("cost", "--data-dir", str(empty))
        self.assertEqual(missing.returncode, 1)
        self.assertIn(f"no usage metered yet in {empty}", missing.stderr)
        self.assertIn("lakebox serve", missing.stderr)

        bad = self.workspace / "bad.toml"
        bad.write_text("[pricing]\nathena_per_tb = 5\n")
        typo = h.run_lakebox("cost", "--data-dir", str(empty), "--config", str(bad))
        self.assertEqual(typo.returncode, 1)
        self.assertIn("bad.toml", typo.stderr)
        self.assertIn("pricing.athena_per_tb", typo.stderr)
        self.assertIn("athena_per_tb_scanned", typo.stderr)

        month = h.run_lakebox("cost", "--data-dir", str(empty), "--month", "2026-13")
        self.assertEqual(month.returncode, 1)
        self.assertIn("YYYY-MM", month.stderr)


if __name__ == "__main__":
    unittest.main()
