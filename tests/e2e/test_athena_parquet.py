"""Athena over a crawled, partitioned Parquet table: bytes scanned per column, peak memory, and
Athena's utility statements (SHOW, DESCRIBE) and statement types.

The lake holds s3://lake/stage/year=2025/month=01..03/part-0.parquet (written by tests/tools/
write_parquet with DuckDB), crawled into "vehicles"."vehicles_stage" (partition keys year, month).

1. The Athena issue's acceptance 2 for Parquet: selecting one column scans fewer bytes than selecting
   all (DataScannedInBytes, through boto3), and a partition filter scans fewer still.
2. GetQueryExecution's Statistics carries lakebox's LakeboxPeakMemoryInBytes on the wire, which boto3
   and the aws CLI skip without complaint (they parse the members they model only).
3. SHOW DATABASES / TABLES / COLUMNS / PARTITIONS and DESCRIBE through the aws CLI: StatementType
   UTILITY, Athena's column names, no header row, the result written as <id>.txt; DDL is FAILED with
   StatementType DDL; `lakebox query` prints the peak memory next to the bytes scanned.
"""

import json
import os
import re
import subprocess
import unittest
from pathlib import Path

import lakebox_harness as h

DATABASE = "vehicles"
TABLE = "vehicles_stage"
CRAWLER = "vehicles-stage"
MONTHS = ["01", "02", "03"]
ROWS_PER_MONTH = 3000
COLUMNS = ["vehicle_id", "vendor", "speed_kmh", "notes"]
ATHENA_PREFIX = "AmazonAthena"


def write_parquet_tool() -> Path:
    """tests/tools/write_parquet: LAKEBOX_WRITE_PARQUET (set by ctest), else next to LAKEBOX_BIN's
    build tree."""
    path = os.environ.get("LAKEBOX_WRITE_PARQUET")
    candidate = Path(path) if path else h.lakebox_binary().parent / "tests" / "write_parquet"
    if not os.access(candidate, os.X_OK):
        raise h.ServerError(f"write_parquet not found at {candidate}: build the write_parquet target "
                            "or set LAKEBOX_WRITE_PARQUET")
    return candidate


class AthenaParquetTest(h.LakeboxTestCase):

    def parquet_lake(self):
        """A server whose lake holds the partitioned Parquet table, crawled."""
        server = self.start_server()
        tool = write_parquet_tool()
        for index, month in enumerate(MONTHS):
            path = server.data_dir / "s3" / h.BUCKET / "stage" / "year=2025" / f"month={month}" / "part-0.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            select = (f"SELECT 'v' || (i + {index * ROWS_PER_MONTH}) AS vehicle_id, "
                      "['acme', 'globex', 'initech'][i % 3 + 1] AS vendor, (i % 120)::DOUBLE AS speed_kmh, "
                      f"repeat('note ', 40) || i AS notes FROM range({ROWS_PER_MONTH}) t(i)")
            subprocess.run([str(tool), str(path), select], check=True, timeout=120)
        glue = server.glue()
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_crawler(Name=CRAWLER, Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                            Targets={"S3Targets": [{"Path": "s3://lake/stage/"}]}, TablePrefix="vehicles_")
        self.assertEqual(h.run_crawler(glue, CRAWLER)["LastCrawl"]["Status"], "SUCCEEDED")
        table = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
        self.assertEqual(table["Parameters"]["classification"], "parquet")
        self.assertEqual([k["Name"] for k in table["PartitionKeys"]], ["year", "month"])
        return server

    def aws_ok(self, server, *args):
        result = server.aws(*args)
        self.assertTrue(result.ok, result.describe())
        return result.json

    def succeeded(self, athena, sql: str) -> dict:
        execution = h.run_query(athena, sql, database=DATABASE)
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", f"{sql}: {execution['Status']}")
        return execution

    def raw_execution(self, server, query_id: str) -> dict:
        """GetQueryExecution's answer as sent, without an SDK's model in between."""
        resp = h.firehose_request(server.endpoint, "GetQueryExecution",
                                  json.dumps({"QueryExecutionId": query_id}).encode(), target_prefix=ATHENA_PREFIX)
        self.assertEqual(resp.status, 200, resp.body[:500])
        return resp.json()["QueryExecution"]

    # ---- 1 and 2

    def test_one_column_scans_fewer_bytes_than_all_and_peak_memory_is_reported(self):
        server = self.parquet_lake()
        athena = server.athena()

        def scanned(sql: str) -> int:
            return int(self.succeeded(athena, sql)["Statistics"]["DataScannedInBytes"])

        every_column = scanned(f"SELECT * FROM {TABLE}")
        one_column = scanned(f"SELECT vendor FROM {TABLE}")
        one_month = scanned(f"SELECT vendor FROM {TABLE} WHERE month = '02'")
        stored = sum(p.stat().st_size for p in (server.data_dir / "s3" / h.BUCKET / "stage").rglob("*.parquet"))
        self.assertGreater(one_column, 0)
        self.assertLess(every_column, stored + 1, "more bytes than the files hold")
        # notes (about 200 bytes a row) is most of each file; vendor is a small dictionary.
        self.assertLess(one_column, every_column / 4)
        self.assertLess(one_month, one_column)
        self.assertAlmostEqual(one_month / one_column, 1 / len(MONTHS), delta=0.05)
        # Partition keys only: the footers are all that is read.
        keys_only = scanned(f"SELECT month, count(*) FROM {TABLE} GROUP BY month")
        self.assertLess(keys_only, one_column)

        # The rows are right, too.
        execution = self.succeeded(athena, f"SELECT month, count(*) AS n FROM {TABLE} GROUP BY month ORDER BY month")
        rows = h.query_rows(athena, execution["QueryExecutionId"])
        self.assertEqual(rows, [["month", "n"]] + [[m, str(ROWS_PER_MONTH)] for m in MONTHS])

        # Peak memory: on the wire under Statistics.LakeboxPeakMemoryInBytes; boto3 skips the member it does
        # not model (its Statistics parse without it), and so does the aws CLI.
        heavy = self.succeeded(athena, f"SELECT vendor, count(DISTINCT notes) FROM {TABLE} GROUP BY vendor")
        self.assertNotIn("LakeboxPeakMemoryInBytes", heavy["Statistics"])
        self.assertGreater(heavy["Statistics"]["DataScannedInBytes"], one_column)
        raw = self.raw_execution(server, heavy["QueryExecutionId"])
        self.assertGreater(raw["Statistics"]["LakeboxPeakMemoryInBytes"], 0)
        self.assertEqual(raw["Statistics"]["DataScannedInBytes"], heavy["Statistics"]["DataScannedInBytes"])
        cli = self.aws_ok(server, "athena", "get-query-execution", "--query-execution-id", heavy["QueryExecutionId"])
        self.assertEqual(cli["QueryExecution"]["Statistics"]["DataScannedInBytes"],
                         heavy["Statistics"]["DataScannedInBytes"])

        # `lakebox query` prints it next to the bytes scanned.
        query = subprocess.run([str(h.lakebox_binary()), "query", "--endpoint", server.endpoint, "--database",
                                DATABASE, f"SELECT vendor FROM {TABLE} LIMIT 3"],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(query.returncode, 0, query.stderr)
        self.assertRegex(query.stderr.strip(),
                         r"^3 rows, [\d.]+ (B|kB|MB|GB) scanned, [\d.]+ (B|kB|MB|GB) peak memory, \d+ ms$")

    # ---- 3

    def test_show_and_describe_through_the_aws_cli(self):
        server = self.parquet_lake()

        def run(sql: str, database: str | None = DATABASE) -> dict:
            args = ["athena", "start-query-execution", "--query-string", sql]
            if database:
                args += ["--query-execution-context", f"Database={database}"]
            query_id = self.aws_ok(server, *args)["QueryExecutionId"]

            def final():
                e = self.aws_ok(server, "athena", "get-query-execution", "--query-execution-id", query_id)
                e = e["QueryExecution"]
                return e if e["Status"]["State"] in h.ATHENA_FINAL_STATES else None
            return h.wait_until(final, 120, f"{sql} in a final state", interval=0.1)

        def results(execution: dict) -> tuple[list[str], list[list[str | None]]]:
            self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
            answer = self.aws_ok(server, "athena", "get-query-results", "--query-execution-id",
                                 execution["QueryExecutionId"])
            names = [c["Name"] for c in answer["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
            rows = [[d.get("VarCharValue") for d in r["Data"]] for r in answer["ResultSet"]["Rows"]]
            return names, rows

        databases = run("SHOW DATABASES", database=None)
        self.assertEqual(databases["StatementType"], "UTILITY")
        self.assertEqual(databases["SubstatementType"], "SHOW_DATABASES")
        self.assertEqual(databases["Statistics"]["DataScannedInBytes"], 0)
        names, rows = results(databases)
        self.assertEqual(names, ["database_name"])
        self.assertIn([DATABASE], rows)
        self.assertNotIn(["database_name"], rows, "a UTILITY result has no header row")
        self.assertEqual(results(run("SHOW SCHEMAS LIKE 'veh*'", database=None))[1], [[DATABASE]])

        tables = run("SHOW TABLES")
        self.assertEqual(tables["SubstatementType"], "SHOW_TABLES")
        self.assertEqual(results(tables), (["tab_name"], [[TABLE]]))
        self.assertEqual(results(run(f"SHOW TABLES IN {DATABASE} '*stage'", database=None))[1], [[TABLE]])
        # Athena writes UTILITY results as <id>.txt.
        location = tables["ResultConfiguration"]["OutputLocation"]
        self.assertEqual(location, f"s3://lake/athena-results/{tables['QueryExecutionId']}.txt")
        txt = server.data_dir / "s3" / h.BUCKET / "athena-results" / f"{tables['QueryExecutionId']}.txt"
        self.assertEqual(txt.read_text(), f"{TABLE}\n")

        self.assertEqual(results(run(f"SHOW COLUMNS IN {TABLE}")),
                         (["field"], [[c] for c in COLUMNS] + [["year"], ["month"]]))

        described = run(f"DESCRIBE {DATABASE}.{TABLE}", database=None)
        self.assertEqual(described["SubstatementType"], "DESCRIBE_TABLE")
        names, rows = results(described)
        self.assertEqual(names, ["col_name", "data_type", "comment"])
        self.assertEqual([r[0] for r in rows[:6]], COLUMNS + ["year", "month"])
        types = {r[0]: r[1] for r in rows[:6]}
        self.assertEqual(types["vendor"], "string")
        self.assertEqual(types["speed_kmh"], "double")
        self.assertEqual(types["month"], "string")
        self.assertIn(["# Partition Information", "", ""], rows)

        partitions = run(f"SHOW PARTITIONS {TABLE}")
        self.assertEqual(partitions["SubstatementType"], "SHOW_PARTITIONS")
        self.assertEqual(results(partitions), (["partition"], [[f"year=2025/month={m}"] for m in MONTHS]))

        # A SELECT keeps its header row and DML type.
        select = run(f"SELECT count(*) AS n FROM {TABLE}")
        self.assertEqual(select["StatementType"], "DML")
        self.assertEqual(results(select)[1], [["n"], [str(ROWS_PER_MONTH * len(MONTHS))]])

        # DDL is refused, with its type; unknown tables name the catalog's.
        created = run(f"CREATE EXTERNAL TABLE x (a int) LOCATION 's3://lake/x/'")
        self.assertEqual(created["StatementType"], "DDL")
        self.assertEqual(created["Status"]["State"], "FAILED")
        self.assertIn("CREATE TABLE is not supported", created["Status"]["StateChangeReason"])
        unknown = run("DESCRIBE nope")
        self.assertEqual(unknown["Status"]["State"], "FAILED")
        self.assertIn(f"{DATABASE}.{TABLE}", unknown["Status"]["StateChangeReason"])

        # `lakebox query` shows a UTILITY result whole (its first row is not a header).
        shown = subprocess.run([str(h.lakebox_binary()), "query", "--endpoint", server.endpoint, "--format", "csv",
                                "SHOW TABLES IN vehicles"], capture_output=True, text=True, timeout=120)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertEqual(shown.stdout.splitlines(), ["tab_name", TABLE])


if __name__ == "__main__":
    unittest.main()
