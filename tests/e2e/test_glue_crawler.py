"""The Glue crawler over what Firehose delivered: the catalog issue's acceptance 1 and 2.

1. Vehicle records put with boto3 into the seed's stream (raw/year=!{timestamp:YYYY}/..., GZIP) and
   flushed; then, with the aws CLI only, a database and the crawler `vehicles-raw` (target
   s3://lake/raw/, table prefix vehicles_) are created and run, get-crawler is polled until READY,
   and get-table / get-partitions show what the crawler inferred: nested structs, an array of
   structs, Hive partition keys, the parameters Glue sets, Expression filtering.
2. Schema drift: objects with a new field, then objects where integer fields hold decimals, are
   dropped into new hour folders of raw/; each re-crawl adds the column / widens the type, in a new
   table version.

And the user-facing side: `lakebox crawl` and `lakebox catalog databases|tables|show`, and a crawler
declared in lakebox.toml.
"""

import json
import re
import subprocess
import time
import unittest

import lakebox_harness as h

STREAM = "vehicles"
DATABASE = "vehicles"
CRAWLER = "vehicles-raw"
TABLE = "vehicles_raw"
RECORDS = 2000
RAW_KEY_RE = re.compile(r"^raw/year=(\d{4})/month=(\d\d)/day=(\d\d)/hour=(\d\d)/[^/]+\.gz$")

GPS_INFO = "struct<latitude:double,longitude:double,altitude_m:double,heading:double>"
# The harness's vehicle_record(), field by field, in order of first appearance.
TOP_LEVEL = ["record_id", "seq", "vehicle_id", "vendor", "model", "event_time", "vehicle_status", "gps_info",
             "alerts"]
PARTITION_KEYS = [{"Name": k, "Type": "string"} for k in ("year", "month", "day", "hour")]


def vehicle_status_type(odometer: str, extra: str = "") -> str:
    return ("struct<speed_kmh:double,engine_temp_c:double,fuel_level:double,odometer_km:" + odometer +
            ",doors_locked:boolean" + extra + ">")


def column_types(table: dict) -> dict:
    return {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}


def column_names(table: dict) -> list:
    return [c["Name"] for c in table["StorageDescriptor"]["Columns"]]


def odometer_type(vehicle_status: str) -> str:
    match = re.search(r"odometer_km:(\w+)", vehicle_status)
    if not match:
        raise AssertionError(f"no odometer_km in {vehicle_status}")
    return match.group(1)


class GlueCrawlerTest(h.LakeboxTestCase):

    def ingest(self, server) -> list:
        """Puts RECORDS vehicle records through the seed's stream and flushes; returns the keys."""
        firehose = server.firehose()
        h.create_stream(firehose, STREAM, size_mb=128, interval_s=900)
        records = [h.vehicle_record(i, run="glue") for i in range(RECORDS)]
        h.put_all(firehose, STREAM, records)
        server.flush(STREAM)
        keys = server.lake.keys(prefix="raw/")
        self.assertTrue(keys, "the flush delivered nothing under raw/")
        for key in keys:
            self.assertRegex(key, RAW_KEY_RE)
        self.assertEqual(len(server.lake.records(prefix="raw/")), RECORDS)
        return keys

    def create_crawler_boto3(self, server):
        glue = server.glue()
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_crawler(Name=CRAWLER, Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                            Targets={"S3Targets": [{"Path": "s3://lake/raw/"}]}, TablePrefix="vehicles_")
        return glue

    def aws_ok(self, server, *args):
        result = server.aws(*args)
        self.assertTrue(result.ok, result.describe())
        return result.json

    # ---- acceptance 1

    def test_aws_cli_crawler_over_firehose_output_builds_the_vehicles_table(self):
        server = self.start_server()
        keys = self.ingest(server)
        hours = sorted({RAW_KEY_RE.match(k).groups() for k in keys})
        size = sum(len(server.lake.read(k)) for k in keys)

        self.aws_ok(server, "glue", "create-database", "--database-input", f"Name={DATABASE}")
        self.aws_ok(server, "glue", "create-crawler", "--name", CRAWLER, "--role", h.GLUE_ROLE_ARN,
                    "--database-name", DATABASE, "--targets", '{"S3Targets":[{"Path":"s3://lake/raw/"}]}',
                    "--table-prefix", "vehicles_")
        crawler = self.aws_ok(server, "glue", "get-crawler", "--name", CRAWLER)["Crawler"]
        self.assertEqual(crawler["State"], "READY")
        self.assertNotIn("LastCrawl", crawler)
        self.assertEqual(crawler["TablePrefix"], "vehicles_")
        self.assertEqual(crawler["Targets"]["S3Targets"][0]["Path"], "s3://lake/raw/")

        self.aws_ok(server, "glue", "start-crawler", "--name", CRAWLER)
        again = server.aws("glue", "start-crawler", "--name", CRAWLER)
        if not again.ok:  # the first run may already be over: then a second start is fine too
            self.assertEqual(again.error_code, "CrawlerRunningException", again.describe())

        def ready():
            c = self.aws_ok(server, "glue", "get-crawler", "--name", CRAWLER)["Crawler"]
            self.assertIn(c["State"], ("READY", "RUNNING", "STOPPING"))
            return c if c["State"] == "READY" and "LastCrawl" in c else None
        crawler = h.wait_until(ready, 120, "get-crawler State READY", interval=0.5)
        h.wait_until(lambda: self.aws_ok(server, "glue", "get-crawler", "--name", CRAWLER)["Crawler"]["State"]
                     == "READY", 120, "the second start's run, if any, to finish", interval=0.5)
        self.assertEqual(crawler["LastCrawl"]["Status"], "SUCCEEDED", crawler["LastCrawl"])

        tables = self.aws_ok(server, "glue", "get-tables", "--database-name", DATABASE)["TableList"]
        self.assertEqual([t["Name"] for t in tables], [TABLE])
        table = self.aws_ok(server, "glue", "get-table", "--database-name", DATABASE, "--name", TABLE)["Table"]
        self.assertEqual(table["Name"], TABLE)
        self.assertEqual(table["DatabaseName"], DATABASE)
        self.assertEqual(table["TableType"], "EXTERNAL_TABLE")
        sd = table["StorageDescriptor"]
        self.assertEqual(sd["Location"], "s3://lake/raw/")
        self.assertEqual(sd["InputFormat"], "org.apache.hadoop.mapred.TextInputFormat")
        self.assertEqual(sd["OutputFormat"], "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
        self.assertEqual(sd["SerdeInfo"]["SerializationLibrary"], "org.openx.data.jsonserde.JsonSerDe")

        self.assertEqual(column_names(table), TOP_LEVEL)
        types = column_types(table)
        odometer = odometer_type(types["vehicle_status"])
        self.assertIn(odometer, ("int", "bigint"))
        self.assertEqual(types, {
            "record_id": "string", "seq": odometer, "vehicle_id": "string", "vendor": "string",
            "model": "string", "event_time": "string",
            "vehicle_status": vehicle_status_type(odometer),
            "gps_info": GPS_INFO,
            "alerts": "array<struct<code:string,severity:int>>",
        })
        self.assertEqual([{"Name": k["Name"], "Type": k["Type"]} for k in table["PartitionKeys"]], PARTITION_KEYS)

        params = table["Parameters"]
        self.assertEqual(params["classification"], "json")
        self.assertEqual(params["compressionType"], "gzip")
        self.assertEqual(params["recordCount"], str(RECORDS))
        self.assertEqual(params["objectCount"], str(len(keys)))
        self.assertEqual(params["sizeKey"], str(size))
        self.assertEqual(params["UPDATED_BY_CRAWLER"], CRAWLER)
        self.assertEqual(sd["Parameters"]["classification"], "json")

        partitions = self.aws_ok(server, "glue", "get-partitions", "--database-name", DATABASE,
                                 "--table-name", TABLE)["Partitions"]
        self.assertEqual(sorted(tuple(p["Values"]) for p in partitions), hours)
        for p in partitions:
            year, month, day, hour = p["Values"]
            self.assertEqual(p["StorageDescriptor"]["Location"],
                             f"s3://lake/raw/year={year}/month={month}/day={day}/hour={hour}/")
            if p["StorageDescriptor"].get("Columns"):
                self.assertEqual(odometer_type(column_types(p)["vehicle_status"]), odometer,
                                 "the partition's odometer_km type differs from the table's")
        self.assertEqual(sum(int(p["Parameters"]["recordCount"]) for p in partitions), RECORDS)

        # Expression filters on partition keys.
        year, month, day, hour = hours[-1]
        filtered = self.aws_ok(server, "glue", "get-partitions", "--database-name", DATABASE, "--table-name", TABLE,
                               "--expression", f"hour = '{hour}'")["Partitions"]
        self.assertEqual([tuple(p["Values"]) for p in filtered], [x for x in hours if x[3] == hour])
        filtered = self.aws_ok(server, "glue", "get-partitions", "--database-name", DATABASE, "--table-name", TABLE,
                               "--expression", f"year = '{year}' AND month = '{month}' AND hour = '{hour}'")
        self.assertEqual([tuple(p["Values"]) for p in filtered["Partitions"]], [hours[-1]])
        nothing = self.aws_ok(server, "glue", "get-partitions", "--database-name", DATABASE, "--table-name", TABLE,
                              "--expression", "hour = '24'")
        self.assertEqual(nothing["Partitions"], [])

        one = self.aws_ok(server, "glue", "get-partition", "--database-name", DATABASE, "--table-name", TABLE,
                          "--partition-values", *hours[0])["Partition"]
        self.assertEqual(tuple(one["Values"]), hours[0])

    # ---- acceptance 2

    def test_schema_drift_adds_the_new_column_then_widens_the_type_in_new_versions(self):
        server = self.start_server()
        keys = self.ingest(server)
        hours = sorted({RAW_KEY_RE.match(k).groups() for k in keys})
        glue = self.create_crawler_boto3(server)
        self.assertEqual(h.run_crawler(glue, CRAWLER)["LastCrawl"]["Status"], "SUCCEEDED")
        first = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
        odometer = odometer_type(column_types(first)["vehicle_status"])
        versions = glue.get_table_versions(DatabaseName=DATABASE, TableName=TABLE)["TableVersions"]
        self.assertEqual(len(versions), 1)
        self.assertEqual(versions[0]["VersionId"], first["VersionId"])

        year, month, day, _ = hours[0]
        used = {x[3] for x in hours}
        free_hours = [f"{x:02d}" for x in range(24) if f"{x:02d}" not in used]

        def folder(hour):
            return f"raw/year={year}/month={month}/day={day}/hour={hour}/"

        # A new top-level field, and a new field inside vehicle_status.
        drift1 = []
        for i in range(200):
            r = json.loads(h.vehicle_record(10_000 + i, run="drift1"))
            r["vehicle_status"]["tire_pressure_bar"] = 8.25
            r["driver_id"] = f"D-{i:04d}"
            drift1.append(r)
        server.lake.put(folder(free_hours[0]) + "drift-1.json.gz", h.gzip_ndjson(drift1[:100]))
        server.lake.put(folder(free_hours[0]) + "drift-2.json.gz", h.gzip_ndjson(drift1[100:]))
        self.assertEqual(h.run_crawler(glue, CRAWLER)["LastCrawl"]["Status"], "SUCCEEDED")
        second = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
        self.assertEqual(column_names(second), TOP_LEVEL + ["driver_id"])
        types = column_types(second)
        self.assertEqual(types["driver_id"], "string")
        self.assertEqual(types["vehicle_status"], vehicle_status_type(odometer, ",tire_pressure_bar:double"))
        self.assertEqual(types["seq"], odometer)
        self.assertEqual(int(second["VersionId"]), int(first["VersionId"]) + 1)
        self.assertEqual(second["Parameters"]["recordCount"], str(RECORDS + 200))

        # Integer fields holding decimals: a top-level one and one in the array of structs.
        drift2 = []
        for i in range(100):
            r = json.loads(h.vehicle_record(20_000 + i, run="drift2"))
            r["driver_id"] = f"D-{i:04d}"
            r["seq"] = 20_000 + i + 0.5
            r["alerts"] = [{"code": "ENGINE_TEMP", "severity": 2.5}]
            drift2.append(r)
        server.lake.put(folder(free_hours[1]) + "drift-3.json.gz", h.gzip_ndjson(drift2))
        self.assertEqual(h.run_crawler(glue, CRAWLER)["LastCrawl"]["Status"], "SUCCEEDED")
        third = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
        types = column_types(third)
        self.assertEqual(column_names(third), TOP_LEVEL + ["driver_id"])
        self.assertEqual(types["seq"], "double")
        self.assertEqual(types["alerts"], "array<struct<code:string,severity:double>>")
        self.assertEqual(types["driver_id"], "string")
        self.assertEqual(odometer_type(types["vehicle_status"]), odometer, "odometer_km's type changed")
        self.assertEqual(int(third["VersionId"]), int(first["VersionId"]) + 2)
        self.assertEqual(third["Parameters"]["recordCount"], str(RECORDS + 300))

        versions = glue.get_table_versions(DatabaseName=DATABASE, TableName=TABLE)["TableVersions"]
        by_id = {int(v["VersionId"]): v["Table"] for v in versions}
        self.assertEqual(sorted(by_id), [int(first["VersionId"]) + n for n in range(3)])
        self.assertEqual(column_names(by_id[int(first["VersionId"])]), TOP_LEVEL)
        self.assertEqual(column_types(by_id[int(first["VersionId"]) + 1])["seq"], odometer)
        self.assertEqual(column_types(by_id[int(first["VersionId"]) + 2])["seq"], "double")

        partitions = glue.get_partitions(DatabaseName=DATABASE, TableName=TABLE)["Partitions"]
        self.assertEqual(sorted(tuple(p["Values"]) for p in partitions),
                         sorted(hours + [(year, month, day, free_hours[0]), (year, month, day, free_hours[1])]))

    # ---- the CLI

    def test_lakebox_crawl_and_catalog_commands(self):
        server = self.start_server()
        self.ingest(server)
        self.create_crawler_boto3(server)

        def lakebox(*args):
            return subprocess.run([str(h.lakebox_binary()), *args, "--endpoint", server.endpoint],
                                  capture_output=True, text=True, timeout=120)

        crawl = lakebox("crawl", CRAWLER)
        self.assertEqual(crawl.returncode, 0, crawl.stderr + crawl.stdout)
        self.assertRegex(crawl.stdout, rf"crawler {CRAWLER}: SUCCEEDED in \d+\.\d\d s")
        self.assertRegex(crawl.stdout, r"tables\s+1 created, 0 updated, 0 deleted")

        databases = lakebox("catalog", "databases")
        self.assertEqual(databases.returncode, 0, databases.stderr)
        rows = [line.split() for line in databases.stdout.splitlines()]
        self.assertEqual(rows[0][:2], ["NAME", "TABLES"])
        self.assertIn([DATABASE, "1"], [r[:2] for r in rows])

        tables = lakebox("catalog", "tables", DATABASE)
        self.assertEqual(tables.returncode, 0, tables.stderr)
        rows = [line.split() for line in tables.stdout.splitlines()]
        self.assertEqual(rows[0][:5], ["NAME", "CLASSIFICATION", "COMPRESSION", "COLUMNS", "PARTITIONS"])
        self.assertEqual(rows[1][:4], [TABLE, "json", "gzip", str(len(TOP_LEVEL))])
        self.assertIn(f"{RECORDS:,}", rows[1])

        show = lakebox("catalog", "show", f"{DATABASE}.{TABLE}")
        self.assertEqual(show.returncode, 0, show.stderr)
        lines = [line.split() for line in show.stdout.splitlines()]
        for expected in (["Location", "s3://lake/raw/"], ["Classification", "json"], ["Compression", "gzip"],
                         ["SerDe", "org.openx.data.jsonserde.JsonSerDe"],
                         ["vehicle_status", "struct"], ["├─", "speed_kmh", "double"],
                         ["└─", "doors_locked", "boolean"], ["gps_info", "struct"], ["└─", "heading", "double"],
                         ["alerts", "array<struct>"], ["├─", "code", "string"], ["└─", "severity", "int"],
                         ["year", "string"], ["hour", "string"], ["recordCount", f"{RECORDS:,}"]):
            self.assertIn(expected, lines, show.stdout)
        self.assertIn("Partitions (", show.stdout)
        # The tree's rows come right under their column, in field order.
        status_row = lines.index(["vehicle_status", "struct"])
        self.assertEqual([row[1] for row in lines[status_row + 1:status_row + 6]],
                         ["speed_kmh", "engine_temp_c", "fuel_level", "odometer_km", "doors_locked"])
        self.assertEqual(lines[status_row + 6], ["gps_info", "struct"])

        missing = lakebox("catalog", "show", f"{DATABASE}.nope")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("EntityNotFoundException", missing.stderr)
        unknown = lakebox("crawl", "no-such-crawler")
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("EntityNotFoundException", unknown.stderr)

        # A run that fails (its bucket does not exist) is exit status 1, with the reason.
        server.glue().create_crawler(Name="broken", Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                                     Targets={"S3Targets": [{"Path": "s3://no-such-bucket/x/"}]})
        broken = lakebox("crawl", "broken")
        self.assertEqual(broken.returncode, 1, broken.stderr + broken.stdout)
        self.assertIn("crawler broken: FAILED", broken.stdout)
        self.assertIn("the run of crawler broken failed", broken.stderr)
        self.assertIn("no-such-bucket", broken.stderr)

        # Nothing new: the second run succeeds and updates nothing.
        again = lakebox("crawl", CRAWLER)
        self.assertEqual(again.returncode, 0, again.stderr + again.stdout)
        self.assertRegex(again.stdout, r"tables\s+0 created, 0 updated, 0 deleted")

    def test_crawler_declared_in_lakebox_toml_runs_with_lakebox_crawl(self):
        server = self.start_server(config="""
[[crawler]]
name = "events"
database = "events_db"
targets = [{ path = "s3://lake/events/", exclusions = ["**.tmp"] }]
table_prefix = "t_"
""")
        server.lake.put("events/day=01/a.json", b'{"kind":"open","n":1}\n{"kind":"close","n":2}\n')
        server.lake.put("events/day=01/partial.tmp", b"not json at all")
        crawler = server.glue().get_crawler(Name="events")["Crawler"]
        self.assertEqual(crawler["DatabaseName"], "events_db")
        self.assertEqual(crawler["Targets"]["S3Targets"][0]["Exclusions"], ["**.tmp"])

        crawl = subprocess.run([str(h.lakebox_binary()), "crawl", "events", "--endpoint", server.endpoint],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(crawl.returncode, 0, crawl.stderr + crawl.stdout)
        self.assertRegex(crawl.stdout, r"objects\s+1 listed, 1 read, 0 skipped")
        self.assertNotIn("problems", crawl.stdout)
        table = server.glue().get_table(DatabaseName="events_db", Name="t_events")["Table"]
        self.assertEqual(column_types(table), {"kind": "string", "n": "int"})
        self.assertEqual(table["Parameters"]["recordCount"], "2")
        self.assertEqual(table["Parameters"]["compressionType"], "none")


if __name__ == "__main__":
    unittest.main()
