"""SQL over the lake through the Athena API: the Athena issue's acceptance 1, 3 and 4, and `lakebox query`.

Each test puts vehicle records with boto3 into the seed's stream (raw/year=!{timestamp:YYYY}/..., GZIP),
flushes, and crawls s3://lake/raw/ into the table "vehicles"."vehicles_raw" (as test_glue_crawler does).

1. `aws athena start-query-execution` / `get-query-execution` / `get-query-results`: the seed's LIMIT 10
   query returns the header and 10 rows, a count by vendor equals what was put, DataScannedInBytes > 0,
   and the result is written as <id>.csv (+ .csv.metadata) under s3://lake/athena-results/.
3. The sandbox: COPY ... TO, ATTACH, INSTALL, read_csv('/etc/passwd') and a file outside the data dir
   each end FAILED with a reason naming what was refused, and leave no file behind.
4. Bad SQL is refused with DuckDB's message; an unknown table's reason names the tables that exist.

And the CLI: `lakebox query` with its table, CSV and JSON outputs, -f and stdin, exit status 1.
"""

import collections
import csv
import io
import json
import os
import re
import signal
import subprocess
import time
import unittest
from pathlib import Path

import lakebox_harness as h

STREAM = "vehicles"
DATABASE = "vehicles"
CRAWLER = "vehicles-raw"
TABLE = "vehicles_raw"
RECORDS = 600
SEED_QUERY = 'SELECT * FROM "vehicles"."vehicles_raw" limit 10;'
COUNT_BY_VENDOR = f'SELECT vendor, count(*) AS n FROM "{DATABASE}"."{TABLE}" GROUP BY vendor ORDER BY vendor'
RESULTS_PREFIX = "athena-results/"
UUID_RE = re.compile(rf"^{h.UUID_RE}$")
# The catalog's columns, then the partition keys.
COLUMNS = ["record_id", "seq", "vehicle_id", "vendor", "model", "event_time", "vehicle_status", "gps_info",
           "alerts", "year", "month", "day", "hour"]


class AthenaTest(h.LakeboxTestCase):

    def lake_with_vehicles(self):
        """A server whose lake holds RECORDS vehicle records, crawled into vehicles.vehicles_raw.
        Returns (server, the number of records put per vendor)."""
        server = self.start_server()
        firehose = server.firehose()
        h.create_stream(firehose, STREAM, size_mb=128, interval_s=900)
        records = [h.vehicle_record(i, run="athena") for i in range(RECORDS)]
        h.put_all(firehose, STREAM, records)
        server.flush(STREAM)
        self.assertEqual(len(server.lake.records(prefix="raw/")), RECORDS)
        glue = server.glue()
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_crawler(Name=CRAWLER, Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                            Targets={"S3Targets": [{"Path": "s3://lake/raw/"}]}, TablePrefix="vehicles_")
        self.assertEqual(h.run_crawler(glue, CRAWLER)["LastCrawl"]["Status"], "SUCCEEDED")
        vendors = collections.Counter(json.loads(r)["vendor"] for r in records)
        return server, vendors

    def aws_ok(self, server, *args):
        result = server.aws(*args)
        self.assertTrue(result.ok, result.describe())
        return result.json

    def result_file(self, server, query_id: str) -> Path:
        return server.data_dir / "s3" / h.BUCKET / RESULTS_PREFIX / f"{query_id}.csv"

    def refused(self, athena, sql: str) -> str:
        """Runs `sql`, which must not succeed; returns the reason: the StateChangeReason of the FAILED
        execution, or the message of the InvalidRequestException that refused it at Start (Athena's
        way with syntax errors)."""
        try:
            execution = h.run_query(athena, sql)
        except Exception as e:  # noqa: BLE001 - only InvalidRequestException is accepted below
            self.assertEqual(h.error_code(e), "InvalidRequestException", f"{sql}: {e!r}")
            message = e.response["Error"]["Message"]
            self.assertTrue(message.strip(), f"{sql}: refused without a message")
            return message
        status = execution["Status"]
        self.assertEqual(status["State"], "FAILED", f"{sql}: {status}")
        reason = status.get("StateChangeReason", "")
        self.assertTrue(reason.strip(), f"{sql}: FAILED without a StateChangeReason")
        return reason

    # ---- acceptance 1

    def test_aws_cli_seed_query_count_by_vendor_and_result_file(self):
        server, vendors = self.lake_with_vehicles()

        started = self.aws_ok(server, "athena", "start-query-execution", "--query-string", SEED_QUERY,
                              "--result-configuration", "OutputLocation=s3://lake/athena-results/")
        query_id = started["QueryExecutionId"]
        self.assertRegex(query_id, UUID_RE)

        def final():
            e = self.aws_ok(server, "athena", "get-query-execution", "--query-execution-id", query_id)
            e = e["QueryExecution"]
            self.assertIn(e["Status"]["State"], ("QUEUED", "RUNNING", "SUCCEEDED"), e["Status"])
            return e if e["Status"]["State"] == "SUCCEEDED" else None
        execution = h.wait_until(final, 120, "get-query-execution SUCCEEDED", interval=0.1)
        self.assertEqual(execution["QueryExecutionId"], query_id)
        self.assertEqual(execution["Query"], SEED_QUERY)
        self.assertEqual(execution["StatementType"], "DML")
        self.assertGreater(execution["Statistics"]["DataScannedInBytes"], 0)
        self.assertEqual(execution["ResultConfiguration"]["OutputLocation"],
                         f"s3://lake/{RESULTS_PREFIX}{query_id}.csv")

        results = self.aws_ok(server, "athena", "get-query-results", "--query-execution-id", query_id)
        rows = [[d.get("VarCharValue") for d in r["Data"]] for r in results["ResultSet"]["Rows"]]
        self.assertEqual(len(rows), 11, rows[:2])
        self.assertEqual(rows[0], COLUMNS)
        info = results["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
        self.assertEqual([c["Name"] for c in info], COLUMNS)
        types = {c["Name"]: c["Type"] for c in info}
        self.assertEqual(types["record_id"], "varchar")
        self.assertEqual(types["vehicle_status"], "row")
        self.assertEqual(types["alerts"], "array")
        record_ids = [row[0] for row in rows[1:]]
        self.assertEqual(len(set(record_ids)), 10)
        for row in rows[1:]:
            self.assertRegex(row[0], r"^athena-\d+$")
            self.assertIn(row[3], vendors)

        # The result file: Athena's CSV (every value quoted), header first, same rows as the API.
        path = self.result_file(server, query_id)
        self.assertTrue(path.is_file(), f"no result file {path}")
        text = path.read_text()
        self.assertTrue(text.startswith('"record_id","seq","vehicle_id","vendor"'), text[:200])
        self.assertTrue(text.endswith("\n"))
        parsed = list(csv.reader(io.StringIO(text)))
        self.assertEqual(parsed[0], COLUMNS)
        self.assertEqual([r[0] for r in parsed[1:]], record_ids)
        self.assertTrue(path.with_name(f"{query_id}.csv.metadata").is_file())

        # A count by vendor equals what was put.
        started = self.aws_ok(server, "athena", "start-query-execution", "--query-string", COUNT_BY_VENDOR)
        count_id = started["QueryExecutionId"]
        execution = h.wait_query(server.athena(), count_id)
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
        self.assertGreater(execution["Statistics"]["DataScannedInBytes"], 0)
        results = self.aws_ok(server, "athena", "get-query-results", "--query-execution-id", count_id)
        rows = [[d.get("VarCharValue") for d in r["Data"]] for r in results["ResultSet"]["Rows"]]
        self.assertEqual(rows[0], ["vendor", "n"])
        self.assertEqual({vendor: int(n) for vendor, n in rows[1:]}, dict(vendors))
        self.assertEqual(sum(int(n) for _, n in rows[1:]), RECORDS)

        # Both executions are listed, newest first.
        listed = self.aws_ok(server, "athena", "list-query-executions")["QueryExecutionIds"]
        self.assertEqual(listed[:2], [count_id, query_id])

    # ---- acceptance 3

    def test_sandbox_refuses_writes_extensions_and_files_outside_the_lake(self):
        server, _ = self.lake_with_vehicles()
        athena = server.athena()
        outside = self.workspace / "outside"
        outside.mkdir()
        secret = outside / "secret.json"
        secret.write_text('{"secret": "s3cr3t"}\n')
        copy_outside = outside / "copied.csv"
        copy_inside = server.data_dir / "s3" / h.BUCKET / "copied.csv"
        attached = outside / "attached.duckdb"
        extensions = Path(os.path.expanduser("~/.duckdb/extensions"))
        httpfs_before = sorted(str(p) for p in extensions.rglob("httpfs*")) if extensions.exists() else []

        cases = [
            (f"COPY (SELECT * FROM \"{DATABASE}\".\"{TABLE}\") TO '{copy_outside}' (FORMAT csv)",
             ["copy", str(copy_outside)], copy_outside),
            (f"COPY (SELECT * FROM \"{DATABASE}\".\"{TABLE}\") TO '{copy_inside}' (FORMAT csv)",
             ["copy", str(copy_inside)], copy_inside),
            (f"ATTACH '{attached}' AS evil", ["attach", str(attached)], attached),
            ("INSTALL httpfs", ["install", "httpfs"], None),
            ("SELECT * FROM read_csv('/etc/passwd')", ["/etc/passwd", "read_csv"], None),
            (f"SELECT * FROM read_json_auto('{secret}')", [str(secret), "read_json"], None),
        ]
        for sql, named, target in cases:
            with self.subTest(sql=sql):
                reason = self.refused(athena, sql)
                self.assertTrue(any(n.lower() in reason.lower() for n in named),
                                f"{sql}: the reason names none of {named}: {reason}")
                self.assertNotIn("s3cr3t", reason)
                self.assertNotIn("root:x:0:0", reason)
                if target is not None:
                    self.assertFalse(target.exists(), f"{sql} left {target} behind")
        httpfs_after = sorted(str(p) for p in extensions.rglob("httpfs*")) if extensions.exists() else []
        self.assertEqual(httpfs_after, httpfs_before, "INSTALL httpfs installed something")

        # The server still answers queries afterwards, and its catalog is untouched.
        execution = h.run_query(athena, f'SELECT count(*) FROM "{DATABASE}"."{TABLE}"')
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
        self.assertEqual(h.query_rows(athena, execution["QueryExecutionId"])[1], [str(RECORDS)])

    # ---- acceptance 4

    def test_bad_sql_gives_duckdbs_message_and_unknown_tables_name_the_existing_ones(self):
        server, _ = self.lake_with_vehicles()
        athena = server.athena()

        reason = self.refused(athena, f'SELEC * FROM "{DATABASE}"."{TABLE}"')
        self.assertIn("syntax error", reason.lower())
        self.assertIn("SELEC", reason)

        reason = self.refused(athena, f'SELECT * FROM "{DATABASE}"."no_such_table"')
        self.assertIn("no_such_table", reason)
        self.assertIn(TABLE, reason, "the reason does not name the tables that exist")

        reason = self.refused(athena, f'SELECT no_such_column FROM "{DATABASE}"."{TABLE}"')
        self.assertIn("no_such_column", reason)

        # GetQueryResults of a FAILED query is an InvalidRequestException, as on Athena.
        bad = athena.start_query_execution(QueryString=f'SELECT * FROM "{DATABASE}"."nope"')["QueryExecutionId"]
        self.assertEqual(h.wait_query(athena, bad)["Status"]["State"], "FAILED")
        with self.assertRaises(Exception) as caught:
            athena.get_query_results(QueryExecutionId=bad)
        self.assertEqual(h.error_code(caught.exception), "InvalidRequestException")

    # ---- the CLI

    def test_a_filter_on_one_hour_partition_scans_proportionally_fewer_bytes(self):
        # Six hour partitions of the same size, laid out as Firehose writes them; a query filtered to
        # one partition must scan about a sixth of the bytes a full scan does (Athena bills that).
        server = self.start_server()
        hours = [f"{h_:02d}" for h_ in range(8, 14)]
        for index, hour in enumerate(hours):
            records = [json.loads(h.vehicle_record(index * 1000 + i, run="prune")) for i in range(300)]
            for part in range(2):
                server.lake.put(f"raw/year=2026/month=11/day=25/hour={hour}/part-{part}.gz",
                                h.gzip_ndjson(records[part * 150:(part + 1) * 150]))
        glue = server.glue()
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_crawler(Name=CRAWLER, Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                            Targets={"S3Targets": [{"Path": "s3://lake/raw/"}]}, TablePrefix="vehicles_")
        self.assertEqual(h.run_crawler(glue, CRAWLER)["LastCrawl"]["Status"], "SUCCEEDED")
        athena = server.athena()

        def scanned(sql: str) -> tuple[int, list[list[str | None]]]:
            execution = h.run_query(athena, sql, database=DATABASE)
            self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
            rows = h.query_rows(athena, execution["QueryExecutionId"])
            return int(execution["Statistics"]["DataScannedInBytes"]), rows

        full, full_rows = scanned("SELECT count(*) AS n FROM vehicles_raw")
        one, one_rows = scanned("SELECT count(*) AS n FROM vehicles_raw WHERE hour = '10'")
        self.assertEqual(full_rows[1], ["1800"])
        self.assertEqual(one_rows[1], ["300"])
        stored = sum(p.stat().st_size for p in (server.data_dir / "s3" / "lake" / "raw").rglob("*.gz"))
        self.assertEqual(full, stored, "a full scan reads every object of the table")
        self.assertAlmostEqual(one / full, 1 / len(hours), delta=0.05)
        two, _ = scanned("SELECT count(*) FROM vehicles_raw WHERE hour IN ('08', '13')")
        self.assertAlmostEqual(two / full, 2 / len(hours), delta=0.05)

    def test_a_query_over_its_time_limit_fails_and_the_engine_keeps_working(self):
        # [query] timeout_seconds from lakebox.toml: a query that would run for minutes is cut off.
        server = self.start_server(config="[query]\ntimeout_seconds = 1\n")
        athena = server.athena()
        started = time.monotonic()
        slow = h.run_query(athena, "SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3")
        self.assertEqual(slow["Status"]["State"], "FAILED", slow["Status"])
        reason = slow["Status"].get("StateChangeReason", "")
        self.assertRegex(reason.lower(), r"time|limit|interrupt", reason)
        self.assertLess(time.monotonic() - started, 60, "the time limit did not stop the query")
        quick = h.run_query(athena, "SELECT 42 AS answer")
        self.assertEqual(quick["Status"]["State"], "SUCCEEDED", quick["Status"])
        self.assertEqual(h.query_rows(athena, quick["QueryExecutionId"]), [["answer"], ["42"]])

    def test_lakebox_query_outputs_and_exit_status(self):
        server, vendors = self.lake_with_vehicles()

        def lakebox(*args, stdin=None):
            return subprocess.run([str(h.lakebox_binary()), "query", *args, "--endpoint", server.endpoint],
                                  capture_output=True, text=True, timeout=120, input=stdin)

        summary = re.compile(r"^(\d+) rows?, [\d.]+ (B|kB|MB|GB) scanned, [\d.]+ (B|kB|MB|GB) peak memory, \d+ ms$")
        expected = sorted(vendors.items())

        table = lakebox(COUNT_BY_VENDOR)
        self.assertEqual(table.returncode, 0, table.stderr)
        lines = table.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["vendor", "n"])
        self.assertEqual([tuple(line.split()) for line in lines[1:]], [(v, str(n)) for v, n in expected])
        # Numbers are right-aligned: every count ends in the same column.
        self.assertEqual(len({len(line) for line in lines[1:]}), 1, table.stdout)
        match = summary.match(table.stderr.strip())
        self.assertTrue(match, table.stderr)
        self.assertEqual(int(match.group(1)), len(vendors))
        self.assertNotEqual(match.group(0).split(", ")[1], "0 B scanned")

        as_csv = lakebox("--format", "csv", COUNT_BY_VENDOR)
        self.assertEqual(as_csv.returncode, 0, as_csv.stderr)
        self.assertEqual(list(csv.reader(io.StringIO(as_csv.stdout))),
                         [["vendor", "n"]] + [[v, str(n)] for v, n in expected])

        as_json = lakebox("--format", "json", COUNT_BY_VENDOR)
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        self.assertEqual([json.loads(line) for line in as_json.stdout.splitlines()],
                         [{"vendor": v, "n": n} for v, n in expected])
        self.assertEqual(list(json.loads(as_json.stdout.splitlines()[0])), ["vendor", "n"], "not in column order")

        # --database for unqualified names; SQL from -f and from stdin.
        sql_file = self.workspace / "count.sql"
        sql_file.write_text(f"SELECT count(*) AS total\nFROM {TABLE};\n")
        from_file = lakebox("--database", DATABASE, "--format", "csv", "-f", str(sql_file))
        self.assertEqual(from_file.returncode, 0, from_file.stderr)
        self.assertEqual(from_file.stdout, f"total\n{RECORDS}\n")
        from_stdin = lakebox("--format", "csv", stdin=f'SELECT count(*) AS total FROM "{DATABASE}"."{TABLE}"')
        self.assertEqual(from_stdin.returncode, 0, from_stdin.stderr)
        self.assertEqual(from_stdin.stdout, f"total\n{RECORDS}\n")

        limit = lakebox(SEED_QUERY)
        self.assertEqual(limit.returncode, 0, limit.stderr)
        self.assertEqual(limit.stdout.splitlines()[0].split(), COLUMNS)
        self.assertEqual(len(limit.stdout.splitlines()), 11)
        self.assertTrue(summary.match(limit.stderr.strip()), limit.stderr)

        # Failures: exit status 1, the reason on stderr, nothing on stdout.
        unknown = lakebox(f'SELECT * FROM "{DATABASE}"."nope"')
        self.assertEqual(unknown.returncode, 1, unknown.stdout)
        self.assertIn("FAILED", unknown.stderr)
        self.assertIn(TABLE, unknown.stderr)
        self.assertEqual(unknown.stdout, "")
        syntax = lakebox("SELEC 1")
        self.assertEqual(syntax.returncode, 1, syntax.stdout)
        self.assertIn("syntax error", syntax.stderr.lower())
        self.assertEqual(syntax.stdout, "")
        refused = lakebox("SELECT * FROM read_csv('/etc/passwd')")
        self.assertEqual(refused.returncode, 1)
        self.assertNotIn("root:", refused.stdout)
        nothing = lakebox(stdin="  ;\n")
        self.assertEqual(nothing.returncode, 1)
        self.assertIn("no SQL", nothing.stderr)

        # Ctrl-C stops the query on the server (StopQueryExecution): CANCELLED, exit status 1.
        athena = server.athena()
        before = set(athena.list_query_executions(MaxResults=50)["QueryExecutionIds"])
        long_query = subprocess.Popen(
            [str(h.lakebox_binary()), "query", "--endpoint", server.endpoint,
             "SELECT sum(i * i) AS x FROM range(100000000000) t(i)"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        long_id = h.wait_until(
            lambda: next(iter(set(athena.list_query_executions(MaxResults=50)["QueryExecutionIds"]) - before), None),
            30, "the long query to start")
        long_query.send_signal(signal.SIGINT)
        out, err = long_query.communicate(timeout=60)
        self.assertEqual(long_query.returncode, 1, err)
        self.assertIn(f"query {long_id} CANCELLED", err)
        self.assertEqual(out, "")
        status = athena.get_query_execution(QueryExecutionId=long_id)["QueryExecution"]["Status"]
        self.assertEqual(status["State"], "CANCELLED", status)

        help_text = subprocess.run([str(h.lakebox_binary()), "query", "--help"], capture_output=True, text=True,
                                   timeout=30)
        self.assertEqual(help_text.returncode, 0)
        for option in ("--database", "--format", "--file", "--endpoint", "table", "csv", "json"):
            self.assertIn(option, help_text.stdout)


if __name__ == "__main__":
    unittest.main()
