"""The ETL job vehicles_to_stage: the ETL issue's acceptance 1, 2 and 3.

The server runs the seed's pipeline from lakebox.toml: the stream `vehicles` (raw/year=.../hour=/,
GZIP), the crawler `vehicles-raw` (s3://lake/raw/ → vehicles.vehicles_raw), the job
`vehicles_to_stage` exactly as the issue writes it (relationalize into gzip Parquet under
s3://lake/stage/, partitioned by vendor, bookmarks on) and the crawler `vehicles-stage` over what
the job writes (s3://lake/stage/ → vehicles_stage, s3://lake/stage_alerts/ → vehicles_stage_alerts).

1. After PutRecordBatch of vehicle records (some with alerts) and a crawl, `aws glue start-job-run`
   and `aws glue get-job-run` reach SUCCEEDED; stage/vendor=<v>/*.parquet exist, one folder per
   vendor, and every column chunk of every file is GZIP (read from the Parquet footers); the
   re-crawl gives vehicles_stage with flat columns only; `SELECT * ... limit 10` through the aws
   CLI returns 10 flat rows; count(*) is what was put; the alerts child table joins back to its
   parents: exactly the alerts that were put, each with its record.
2. A second run with nothing new succeeds reading and writing nothing (the listing is unchanged);
   after new records and a crawl, the next run reads only those (counts asserted).
3. A run stopped with BatchStopJobRun while it writes ends STOPPED, and a run
   killed (SIGKILL) while it writes leaves nothing visible either: after the restart its history
   says FAILED (interrupted), `lakebox job run` completes the next run and every record is in
   stage exactly once. Also: StartJobRun during a run is ConcurrentRunsExceededException, an
   unknown job or run is EntityNotFoundException, and `lakebox job list|runs` show the jobs and runs.
"""

import collections
import gzip
import json
import re
import time
import unittest

import lakebox_harness as h

STREAM = "vehicles"
DATABASE = "vehicles"
RAW_CRAWLER = "vehicles-raw"
STAGE_CRAWLER = "vehicles-stage"
JOB = "vehicles_to_stage"
STAGE_TABLE = "vehicles_stage"
ALERTS_TABLE = "vehicles_stage_alerts"

CONFIG = f"""
{h.SEED_STREAM_TOML}
[[crawler]]
name = "{RAW_CRAWLER}"
database = "{DATABASE}"
targets = ["s3://lake/raw/"]
table_prefix = "vehicles_"

[[crawler]]
name = "{STAGE_CRAWLER}"
database = "{DATABASE}"
targets = ["s3://lake/stage/", "s3://lake/stage_alerts/"]
table_prefix = "vehicles_"

[[job]]
name = "vehicles_to_stage"
source = "vehicles.vehicles_raw"      # a catalog table
transform = "relationalize"
target = "s3://lake/stage/"
format = "parquet"                    # parquet | json
compression = "gzip"                  # gzip | snappy | zstd | none
partition_by = ["vendor"]
bookmarks = true
"""

# vehicles_stage's columns: the raw record's fields flattened (in the raw table's order), the array
# `alerts` as its join key, the raw table's partition keys; vendor is the partition key.
STAGE_COLUMNS = [
    "record_id", "seq", "vehicle_id", "model", "event_time",
    "vehicle_status_speed_kmh", "vehicle_status_engine_temp_c", "vehicle_status_fuel_level",
    "vehicle_status_odometer_km", "vehicle_status_doors_locked",
    "gps_info_latitude", "gps_info_longitude", "gps_info_altitude_m", "gps_info_heading",
    "alerts", "year", "month", "day", "hour",
]
ALERTS_COLUMNS = ["id", "index", "alerts_val_code", "alerts_val_severity"]
STAGE_KEY_RE = re.compile(r"^stage/vendor=(?P<vendor>[a-z]+)/[^/]+\.parquet$")
ALERTS_KEY_RE = re.compile(r"^stage_alerts/[^/]+\.parquet$")
NESTED_TYPE_RE = re.compile(r"^(struct|array|map)<")


def alerts_of(records):
    """{record_id: [(index, code, severity), ...]} for records with alerts."""
    out = {}
    for line in records:
        record = json.loads(line)
        if record["alerts"]:
            out[record["record_id"]] = [(i, a["code"], a["severity"]) for i, a in enumerate(record["alerts"])]
    return out


def visible_keys(lake):
    """Every object of bucket lake except those under a '_'-prefixed folder (staging, which
    crawlers and queries skip), with their sizes."""
    return {k: len(lake.read(k)) for k in lake.keys() if not any(p.startswith("_") for p in k.split("/")[:-1])}


def output_keys(lake):
    return {k: size for k, size in visible_keys(lake).items() if k.startswith(("stage/", "stage_alerts/"))}


class EtlJobTestCase(h.LakeboxTestCase):
    """Shared steps: ingest, crawl, run the job, query."""

    def aws_ok(self, server, *args):
        result = server.aws(*args)
        self.assertTrue(result.ok, result.describe())
        return result.json

    def ingest(self, server, records):
        firehose = server.firehose()
        if STREAM not in firehose.list_delivery_streams()["DeliveryStreamNames"]:
            self.fail("the [[stream]] of lakebox.toml was not created")
        h.put_all(firehose, STREAM, records)
        server.flush(STREAM)

    def crawl(self, server, crawler):
        crawled = h.run_crawler(server.glue(), crawler)
        self.assertEqual(crawled["LastCrawl"]["Status"], "SUCCEEDED", crawled["LastCrawl"])

    def run_job_cli(self, server):
        """`aws glue start-job-run`, then `aws glue get-job-run` until a final state; the JobRun."""
        run_id = self.aws_ok(server, "glue", "start-job-run", "--job-name", JOB)["JobRunId"]
        self.assertTrue(run_id)

        def final():
            run = self.aws_ok(server, "glue", "get-job-run", "--job-name", JOB, "--run-id", run_id)["JobRun"]
            self.assertIn(run["JobRunState"], ("STARTING", "RUNNING", "SUCCEEDED"), run)
            return run if run["JobRunState"] == "SUCCEEDED" else None
        run = h.wait_until(final, 120, f"get-job-run {run_id} SUCCEEDED", interval=0.3)
        self.assertEqual(run["Id"], run_id)
        self.assertEqual(run["JobName"], JOB)
        return run

    def statistics(self, server, run_id):
        """lakebox's counters of a run (raw GetJobRun: the aws CLI drops LakeboxStatistics)."""
        run = server.glue_call("GetJobRun", {"JobName": JOB, "RunId": run_id})["JobRun"]
        return run["LakeboxStatistics"]

    def query(self, server, sql):
        athena = server.athena()
        execution = h.run_query(athena, sql, database=DATABASE)
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
        return h.query_rows(athena, execution["QueryExecutionId"])[1:]

    def scalar(self, server, sql):
        rows = self.query(server, sql)
        self.assertEqual(len(rows), 1, rows)
        return int(rows[0][0])

    def assert_stage_counts(self, server, record_ids, alerts, compare_ids=True):
        """vehicles_stage holds each of record_ids exactly once (compared id by id when
        compare_ids, else by count and distinct count), vehicles_stage_alerts each alert once."""
        expected_alerts = sum(len(a) for a in alerts.values())
        self.assertEqual(self.scalar(server, f'SELECT count(*) FROM "{DATABASE}"."{STAGE_TABLE}"'), len(record_ids))
        self.assertEqual(self.scalar(server, f"SELECT count(DISTINCT record_id) FROM {STAGE_TABLE}"), len(record_ids))
        if compare_ids:
            rows = self.query(server, f"SELECT record_id FROM {STAGE_TABLE}")
            self.assertEqual(sorted(r[0] for r in rows), sorted(record_ids))
        self.assertEqual(self.scalar(server, f"SELECT count(*) FROM {ALERTS_TABLE}"), expected_alerts)
        self.assertEqual(self.scalar(server, f"SELECT count(*) FROM (SELECT DISTINCT id, index FROM {ALERTS_TABLE})"),
                         expected_alerts)
        self.assertEqual(self.scalar(server, f"SELECT count(*) FROM {STAGE_TABLE} s JOIN {ALERTS_TABLE} a "
                                             f"ON a.id = s.alerts"), expected_alerts)


class EtlJobTest(EtlJobTestCase):

    # ---- acceptance 1

    def test_start_job_run_writes_flat_gzip_parquet_by_vendor_that_crawls_and_queries(self):
        server = self.start_server(config=CONFIG)
        records = [h.vehicle_record(i, run="etl") for i in range(3000)]
        alerts = alerts_of(records)
        vendors = {json.loads(r)["vendor"] for r in records}
        self.assertGreater(len(alerts), 100, "the test records should carry alerts")
        self.ingest(server, records)
        self.crawl(server, RAW_CRAWLER)

        job = self.aws_ok(server, "glue", "get-job", "--job-name", JOB)["Job"]
        self.assertEqual(job["Name"], JOB)
        self.assertEqual(job["DefaultArguments"]["--source"], "vehicles.vehicles_raw")
        self.assertEqual(job["DefaultArguments"]["--target"], "s3://lake/stage/")
        self.assertEqual(job["DefaultArguments"]["--job-bookmark-option"], "job-bookmark-enable")
        jobs = self.aws_ok(server, "glue", "get-jobs")["Jobs"]
        self.assertEqual([j["Name"] for j in jobs], [JOB])

        run = self.run_job_cli(server)
        self.assertIn("CompletedOn", run)
        self.assertNotIn("ErrorMessage", run)
        stats = self.statistics(server, run["Id"])
        self.assertEqual(stats["RecordsIn"], len(records), stats)
        self.assertEqual(stats["RecordsOut"], len(records), stats)
        self.assertEqual(stats["ObjectsIn"], len(server.lake.keys(prefix="raw/")), stats)
        self.assertEqual(sorted(stats["TablesWritten"]), ["s3://lake/stage/", "s3://lake/stage_alerts/"], stats)

        # The objects: stage/vendor=<v>/....parquet and stage_alerts/....parquet, nothing else.
        outputs = output_keys(server.lake)
        self.assertEqual(stats["ObjectsOut"], len(outputs), sorted(outputs))
        stage = [k for k in outputs if k.startswith("stage/")]
        for key in stage:
            self.assertRegex(key, STAGE_KEY_RE)
        self.assertEqual({STAGE_KEY_RE.match(k)["vendor"] for k in stage}, vendors)
        child = [k for k in outputs if k.startswith("stage_alerts/")]
        self.assertTrue(child, "no stage_alerts/ objects")
        for key in child:
            self.assertRegex(key, ALERTS_KEY_RE)
        self.assertFalse([k for k in server.lake.keys() if "staging" in k], "staging files left behind")

        # The Parquet footers: gzip column chunks, flat schemas, every row once.
        rows_by_vendor = collections.Counter()
        for key in stage:
            footer = h.parquet_footer(server.lake.read(key))
            self.assertEqual(footer.codecs, {"GZIP"}, key)
            self.assertTrue(footer.is_flat(), f"{key}: nested schema {footer.schema}")
            self.assertNotIn("vendor", footer.column_paths, f"{key}: the partition column is in the file")
            rows_by_vendor[STAGE_KEY_RE.match(key)["vendor"]] += footer.num_rows
        self.assertEqual(rows_by_vendor, collections.Counter(json.loads(r)["vendor"] for r in records))
        child_rows = 0
        for key in child:
            footer = h.parquet_footer(server.lake.read(key))
            self.assertEqual(footer.codecs, {"GZIP"}, key)
            self.assertTrue(footer.is_flat(), f"{key}: nested schema {footer.schema}")
            self.assertEqual(footer.column_paths, ALERTS_COLUMNS, key)
            child_rows += footer.num_rows
        self.assertEqual(child_rows, sum(len(a) for a in alerts.values()))

        # Re-crawl: vehicles_stage has flat columns, vendor as its partition key.
        self.crawl(server, STAGE_CRAWLER)
        glue = server.glue()
        names = sorted(t["Name"] for t in glue.get_tables(DatabaseName=DATABASE)["TableList"])
        self.assertEqual(names, sorted(["vehicles_raw", STAGE_TABLE, ALERTS_TABLE]))
        table = glue.get_table(DatabaseName=DATABASE, Name=STAGE_TABLE)["Table"]
        columns = table["StorageDescriptor"]["Columns"]
        self.assertEqual([c["Name"] for c in columns], STAGE_COLUMNS)
        for column in columns + table["PartitionKeys"]:
            self.assertNotRegex(column["Type"], NESTED_TYPE_RE, f"column {column['Name']} is not flat")
        self.assertEqual([k["Name"] for k in table["PartitionKeys"]], ["vendor"])
        self.assertEqual(table["Parameters"]["classification"], "parquet")
        self.assertEqual(table["StorageDescriptor"]["Location"], "s3://lake/stage/")
        types = {c["Name"]: c["Type"] for c in columns}
        self.assertEqual(types["vehicle_status_speed_kmh"], "double")
        self.assertEqual(types["gps_info_latitude"], "double")
        self.assertEqual(types["vehicle_status_doors_locked"], "boolean")
        self.assertEqual(types["alerts"], "bigint")
        child_table = glue.get_table(DatabaseName=DATABASE, Name=ALERTS_TABLE)["Table"]
        self.assertEqual([c["Name"] for c in child_table["StorageDescriptor"]["Columns"]], ALERTS_COLUMNS)
        self.assertEqual(child_table["StorageDescriptor"]["Location"], "s3://lake/stage_alerts/")

        # SELECT * ... limit 10 through the aws CLI: 10 rows of flat values.
        sql = f'SELECT * FROM "{DATABASE}"."{STAGE_TABLE}" limit 10;'
        query_id = self.aws_ok(server, "athena", "start-query-execution", "--query-string", sql)["QueryExecutionId"]

        def finished():
            execution = self.aws_ok(server, "athena", "get-query-execution", "--query-execution-id", query_id)
            state = execution["QueryExecution"]["Status"]["State"]
            return execution["QueryExecution"] if state in h.ATHENA_FINAL_STATES else None
        execution = h.wait_until(finished, 120, "the SELECT * to finish", interval=0.3)
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
        results = self.aws_ok(server, "athena", "get-query-results", "--query-execution-id", query_id)
        result_columns = [c["Name"] for c in results["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
        self.assertEqual(result_columns, STAGE_COLUMNS + ["vendor"])
        rows = [[d.get("VarCharValue") for d in row["Data"]] for row in results["ResultSet"]["Rows"]]
        self.assertEqual(rows[0], result_columns, "the header row")
        self.assertEqual(len(rows) - 1, 10)
        for row in rows[1:]:
            self.assertEqual(len(row), len(result_columns))
            for name, value in zip(result_columns, row):
                if value is not None:
                    self.assertFalse(value.startswith(("{", "[")), f"{name} = {value} is not flat")
            record = dict(zip(result_columns, row))
            self.assertRegex(record["record_id"], r"^etl-\d+$")
            self.assertIn(record["vendor"], vendors)

        # Every record once; the alerts join back to their parents, each with its record.
        self.assert_stage_counts(server, [h.record_id(r) for r in records], alerts)
        joined = self.query(server, f"SELECT s.record_id, a.index, a.alerts_val_code, a.alerts_val_severity "
                                    f"FROM {STAGE_TABLE} s JOIN {ALERTS_TABLE} a ON a.id = s.alerts")
        got = collections.defaultdict(list)
        for record, index, code, severity in joined:
            got[record].append((int(index), code, int(severity)))
        self.assertEqual({k: sorted(v) for k, v in got.items()}, alerts)
        orphans = self.scalar(server, f"SELECT count(*) FROM {ALERTS_TABLE} a LEFT JOIN {STAGE_TABLE} s "
                                      f"ON a.id = s.alerts WHERE s.record_id IS NULL")
        self.assertEqual(orphans, 0)

        # Errors: an unknown job, an unknown run.
        unknown = server.aws("glue", "start-job-run", "--job-name", "no_such_job")
        self.assertFalse(unknown.ok)
        self.assertEqual(unknown.error_code, "EntityNotFoundException", unknown.describe())
        unknown_run = server.aws("glue", "get-job-run", "--job-name", JOB, "--run-id", "jr_nope")
        self.assertEqual(unknown_run.error_code, "EntityNotFoundException", unknown_run.describe())

    # ---- acceptance 2

    def test_bookmarks_second_run_writes_nothing_then_only_new_records(self):
        server = self.start_server(config=CONFIG)
        first = [h.vehicle_record(i, run="one") for i in range(2000)]
        self.ingest(server, first)
        self.crawl(server, RAW_CRAWLER)
        run1 = self.run_job_cli(server)
        self.assertEqual(self.statistics(server, run1["Id"])["RecordsIn"], len(first))
        after_first = output_keys(server.lake)
        self.assertTrue(after_first)
        mtimes = {k: (server.lake.root / h.BUCKET / k).stat().st_mtime_ns for k in after_first}

        # Nothing new: the run succeeds, reads nothing, writes nothing.
        run2 = self.run_job_cli(server)
        stats2 = self.statistics(server, run2["Id"])
        self.assertEqual((stats2["ObjectsIn"], stats2["RecordsIn"], stats2["RecordsOut"], stats2["ObjectsOut"]),
                         (0, 0, 0, 0), stats2)
        self.assertEqual(output_keys(server.lake), after_first)
        self.assertEqual({k: (server.lake.root / h.BUCKET / k).stat().st_mtime_ns for k in after_first}, mtimes,
                         "a run with nothing new rewrote objects")

        # New records (new raw objects), crawled: the next run reads them only.
        raw_before = set(server.lake.keys(prefix="raw/"))
        second = [h.vehicle_record(10_000 + i, run="two") for i in range(700)]
        self.ingest(server, second)
        new_raw = set(server.lake.keys(prefix="raw/")) - raw_before
        self.assertTrue(new_raw)
        self.crawl(server, RAW_CRAWLER)
        run3 = self.run_job_cli(server)
        stats3 = self.statistics(server, run3["Id"])
        self.assertEqual(stats3["ObjectsIn"], len(new_raw), stats3)
        self.assertEqual(stats3["RecordsIn"], len(second), stats3)
        self.assertEqual(stats3["RecordsOut"], len(second), stats3)
        after_third = output_keys(server.lake)
        for key, size in after_first.items():
            self.assertEqual(after_third.get(key), size, f"{key} changed")
        added = sorted(set(after_third) - set(after_first))
        self.assertEqual(stats3["ObjectsOut"], len(added), added)
        for key in added:
            self.assertIn(run3["Id"], key, "output files are named after the run that wrote them")
        new_rows = sum(h.parquet_footer(server.lake.read(k)).num_rows for k in added if k.startswith("stage/"))
        self.assertEqual(new_rows, len(second))

        runs = self.aws_ok(server, "glue", "get-job-runs", "--job-name", JOB)["JobRuns"]
        self.assertEqual([r["Id"] for r in runs], [run3["Id"], run2["Id"], run1["Id"]])
        self.assertEqual({r["JobRunState"] for r in runs}, {"SUCCEEDED"})

        self.crawl(server, STAGE_CRAWLER)
        self.assert_stage_counts(server, [h.record_id(r) for r in first + second], alerts_of(first + second))
        self.assertEqual(self.scalar(server, f"SELECT count(*) FROM {STAGE_TABLE} WHERE record_id LIKE 'two-%'"),
                         len(second))

    # ---- acceptance 3

    def test_run_killed_while_writing_leaves_nothing_and_the_next_run_delivers_once(self):
        server = self.start_server(config=CONFIG)
        # Big enough for the run to take a while: 40 raw objects, about 90 MB of JSON. Written
        # straight into the lake (Firehose's layout), with unique record_ids per object.
        template = b"".join(h.vehicle_record(i, run="R") for i in range(5000))
        base_alerts = alerts_of(template.splitlines(keepends=True))
        files, per_file = 40, 5000
        hour = time.strftime("year=%Y/month=%m/day=%d/hour=%H", time.gmtime())
        for n in range(files):
            data = template.replace(b'"record_id":"R-', f'"record_id":"f{n}-'.encode())
            server.lake.put(f"raw/{hour}/vehicles-1-big-{n:03d}.gz", gzip.compress(data, compresslevel=1, mtime=0))
        total = files * per_file
        alerts = {f"f{n}-{k[2:]}": v for n in range(files) for k, v in base_alerts.items()}
        self.crawl(server, RAW_CRAWLER)
        raw_keys = server.lake.keys(prefix="raw/")
        before = visible_keys(server.lake)

        glue = server.glue()

        def staging_of(run_id):
            return server.lake.root / h.BUCKET / "_lakebox_staging" / run_id

        def wait_writing(run_id):
            """The run's GetJobRun (raw) once it has staged output files, i.e. it is writing."""
            def writing():
                run = server.glue_call("GetJobRun", {"JobName": JOB, "RunId": run_id})["JobRun"]
                if run["JobRunState"] not in ("STARTING", "RUNNING"):
                    self.fail(f"the run ended before the test could interrupt it ({run['JobRunState']}): make "
                              f"the input bigger. {run}")
                root = staging_of(run_id)
                staged = [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
                return run if staged else None
            return h.wait_until(writing, 120, f"run {run_id} to stage files", interval=0.02)

        # A run stopped with BatchStopJobRun while it writes: STOPPED, nothing visible.
        stopped_id = glue.start_job_run(JobName=JOB)["JobRunId"]
        with self.assertRaises(Exception) as concurrent:
            glue.start_job_run(JobName=JOB)
        self.assertEqual(h.error_code(concurrent.exception), "ConcurrentRunsExceededException",
                         concurrent.exception)
        wait_writing(stopped_id)
        # boto3, not the aws CLI: the CLI takes longer to start than the run may take to finish.
        stop = glue.batch_stop_job_run(JobName=JOB, JobRunIds=[stopped_id])
        self.assertEqual(stop["SuccessfulSubmissions"], [{"JobName": JOB, "JobRunId": stopped_id}], stop)
        self.assertEqual(stop["Errors"], [], stop)
        stopped = h.wait_job_run(glue, JOB, stopped_id)
        self.assertEqual(stopped["JobRunState"], "STOPPED", stopped)
        self.assertEqual(visible_keys(server.lake), before, "a stopped run made output visible")
        self.assertFalse(staging_of(stopped_id).exists(), "the stopped run's staging folder is left")
        not_running = self.aws_ok(server, "glue", "batch-stop-job-run", "--job-name", JOB, "--job-run-ids",
                                  stopped_id)
        self.assertEqual(not_running["SuccessfulSubmissions"], [], not_running)
        self.assertEqual([e["JobRunId"] for e in not_running["Errors"]], [stopped_id], not_running)

        # Kill -9 once the run has staged output (it is writing), before it can commit.
        run_id = glue.start_job_run(JobName=JOB)["JobRunId"]
        staging_root = staging_of(run_id)
        running = wait_writing(run_id)
        server.kill()
        self.assertEqual(running["JobRunState"], "RUNNING")
        # The run had read its input and was writing: not yet committing (the kill came before
        # the commit record, so the restart must not roll it forward).
        self.assertEqual(running["LakeboxProgress"]["Phase"], "writing", running)
        # What the kill left: staged files (so the run was writing) and nothing visible.
        left = [p for p in staging_root.rglob("*") if p.is_file()]
        self.assertTrue(left, "nothing staged at the kill")
        self.assertEqual(visible_keys(server.lake), before, "a killed run made output visible")

        server.start()
        glue = server.glue()
        killed = glue.get_job_run(JobName=JOB, RunId=run_id)["JobRun"]
        self.assertEqual(killed["JobRunState"], "FAILED", killed)
        self.assertIn("interrupted", killed["ErrorMessage"])
        self.assertFalse(staging_root.exists(), "the killed run's staging folder survived the restart")
        self.assertEqual(visible_keys(server.lake), before)
        self.assertIn(f"job {JOB} run {run_id}: marked FAILED, interrupted by a restart", server.logs())

        # The next run, with `lakebox job run`: everything, once.
        cli = h.run_lakebox("job", "run", JOB, endpoint=server.endpoint, timeout=300)
        self.assertEqual(cli.returncode, 0, cli.stdout + cli.stderr)
        summary = re.search(rf"^job {JOB} run (\S+): SUCCEEDED in \d+ s$", cli.stdout, re.M)
        self.assertIsNotNone(summary, cli.stdout)
        rerun_id = summary.group(1)
        self.assertNotEqual(rerun_id, run_id)
        self.assertRegex(cli.stdout, rf"read\s+{files} objects, .*, {total:,} records")
        self.assertRegex(cli.stdout, rf"wrote\s+\d+ objects, .*, {total:,} root rows")
        self.assertRegex(cli.stdout, r"table\s+s3://lake/stage/")
        self.assertRegex(cli.stdout, r"table\s+s3://lake/stage_alerts/")
        stats = self.statistics(server, rerun_id)
        self.assertEqual((stats["ObjectsIn"], stats["RecordsIn"], stats["RecordsOut"]), (files, total, total), stats)
        self.assertEqual(set(server.lake.keys(prefix="raw/")), set(raw_keys))
        self.assertFalse([k for k in server.lake.keys() if "staging" in k], "staging files left behind")

        runs = h.run_lakebox("job", "runs", JOB, endpoint=server.endpoint)
        self.assertEqual(runs.returncode, 0, runs.stderr)
        lines = runs.stdout.splitlines()
        self.assertEqual(lines[0].split()[:3], ["RUN", "STATE", "STARTED"], runs.stdout)
        self.assertEqual(len(lines), 4, runs.stdout)
        self.assertEqual(lines[1].split()[:2], [rerun_id, "SUCCEEDED"], runs.stdout)
        self.assertIn(f"{total:,}", lines[1])
        self.assertEqual(lines[2].split()[:2], [run_id, "FAILED"], runs.stdout)
        self.assertIn("interrupted by a restart", lines[2])
        self.assertEqual(lines[3].split()[:2], [stopped_id, "STOPPED"], runs.stdout)

        listed = h.run_lakebox("job", "list", endpoint=server.endpoint)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(listed.stdout.splitlines()[0].split(), ["JOB", "SOURCE", "TARGET", "FORMAT", "PARTITION",
                                                                 "BY"])
        self.assertEqual(listed.stdout.splitlines()[1].split(),
                         [JOB, "vehicles.vehicles_raw", "s3://lake/stage/", "parquet/gzip", "vendor"])
        missing = h.run_lakebox("job", "run", "no_such_job", endpoint=server.endpoint)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("EntityNotFoundException", missing.stderr)

        self.crawl(server, STAGE_CRAWLER)
        record_ids = [f"f{n}-{i}" for n in range(files) for i in range(per_file)]
        self.assert_stage_counts(server, record_ids, alerts, compare_ids=False)
        self.assertEqual(self.scalar(server, f"SELECT count(DISTINCT record_id) FROM {STAGE_TABLE} "
                                             f"WHERE record_id LIKE 'f%-%'"), total)


if __name__ == "__main__":
    unittest.main()
