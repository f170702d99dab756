"""Mistakes in the [[job]], [[schedule]] and [[workflow]] declarations: the ETL issue's acceptance 5.

1. Invalid schedule expressions (a job's `schedule`, a [[schedule]]'s `expression`, a
   [[workflow]]'s `schedule`) and malformed jobs (unknown transform, format or compression, missing
   or unknown keys) make `lakebox serve` exit with a non-zero status at start, before it serves
   anything, with a message that names the file, the declaration, the key and how to fix it.
2. A job whose source table does not exist yet is accepted at start; a run of it ends FAILED with
   an ErrorMessage naming the table and the crawler (aws CLI and `lakebox job run`); once the
   crawler has created the table, the next run succeeds.
"""

import json
import subprocess
import time
import unittest

import lakebox_harness as h

JOB = "vehicles_to_stage"

# A valid job, with {extra} lines added to its table (or replacing keys, see job()).
JOB_KEYS = {
    "name": f'"{JOB}"',
    "source": '"vehicles.vehicles_raw"',
    "transform": '"relationalize"',
    "target": '"s3://lake/stage/"',
    "format": '"parquet"',
    "compression": '"gzip"',
    "partition_by": '["vendor"]',
    "bookmarks": "true",
}

STREAM_AND_CRAWLER = """
[[stream]]
name = "vehicles"
bucket_arn = "arn:aws:s3:::lake"
compression = "GZIP"

[[crawler]]
name = "vehicles-raw"
database = "vehicles"
targets = ["s3://lake/raw/"]
table_prefix = "vehicles_"
"""


def job(**changes) -> str:
    """A [[job]] table: JOB_KEYS with `changes` applied (None removes a key)."""
    keys = dict(JOB_KEYS)
    for key, value in changes.items():
        if value is None:
            keys.pop(key, None)
        else:
            keys[key] = value
    return "[[job]]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())


def pipeline(schedule_expression='"rate(1 minute)"', workflow_schedule='"rate(5 minutes)"',
             steps='[ { produce = "producer" }, { crawl = "vehicles-raw" }, { job = "vehicles_to_stage" } ]') -> str:
    return f"""
[[schedule]]
name = "producer"
expression = {schedule_expression}
stream = "vehicles"
records = 100

[[workflow]]
name = "pipeline"
schedule = {workflow_schedule}
steps = {steps}
"""


# (what, lakebox.toml, substrings its start-up error must contain). Every message names the file,
# the declaration and the key, says what is wrong and how to write it.
CASES = [
    ("a job's schedule with a plural unit for 1", job(schedule='"rate(1 minutes)"'),
     ['job "vehicles_to_stage"', "schedule", "rate(1 minutes)", "rate(1 minute)"]),
    ("a job's cron schedule with five fields", job(schedule='"cron(0 * * * *)"'),
     ['job "vehicles_to_stage"', "schedule", "cron(0 * * * *)", "six"]),
    ("a [[schedule]] expression with both day fields", job() + pipeline(schedule_expression='"cron(0 * * * * *)"'),
     ['schedule "producer"', "expression", "cron(0 * * * * *)", "'?'"]),
    ("a [[schedule]] expression that is not rate() or cron()", job() + pipeline(schedule_expression='"every minute"'),
     ['schedule "producer"', "expression", "every minute", "rate(", "cron("]),
    ("a [[schedule]] without its stream", job() + pipeline().replace('stream = "vehicles"\n', ""),
     ['schedule "producer"', "stream", "required", 'stream = "vehicles"']),
    ("a [[workflow]] schedule with a singular unit for 5", job() + pipeline(workflow_schedule='"rate(5 hour)"'),
     ['workflow "pipeline"', "schedule", "rate(5 hour)", "rate(5 hours)"]),
    ("a [[workflow]] schedule with an unknown unit", job() + pipeline(workflow_schedule='"rate(5 weeks)"'),
     ['workflow "pipeline"', "schedule", "rate(5 weeks)", "minutes"]),
    ("an unknown transform", job(transform='"explode"'),
     ['job "vehicles_to_stage"', "transform", '"explode"', "relationalize", "none"]),
    ("an unknown format", job(format='"csv"'),
     ['job "vehicles_to_stage"', "format", '"csv"', "parquet", "json"]),
    ("an unknown compression", job(compression='"lz4"'),
     ['job "vehicles_to_stage"', "compression", '"lz4"', "gzip, snappy, zstd, none"]),
    ("a compression the format does not have", job(format='"json"', compression='"snappy"'),
     ['job "vehicles_to_stage"', "compression", '"snappy"', "gzip, zstd, none"]),
    ("a job without a source", job(source=None),
     ['job "vehicles_to_stage"', "source", "required", 'source = "vehicles.vehicles_raw"']),
    ("a job without a target", job(target=None),
     ['job "vehicles_to_stage"', "target", "required", "s3://"]),
    ("a job without a name", job(name=None),
     ["job #", "name", "required", 'name = "']),
    ("a source that is not database.table", job(source='"vehicles_raw"'),
     ['job "vehicles_to_stage"', "source", '"vehicles_raw"', "<database>.<table>"]),
    ("a misspelt key", job(compresion='"gzip"'),
     ['job "vehicles_to_stage"', "compresion", "unknown key", "compression"]),
    ("a workflow step naming no job", job() + pipeline(steps='[ { job = "to_stage" } ]'),
     ['workflow "pipeline"', "steps[0]", '"to_stage"', "vehicles_to_stage"]),
    ("a workflow without steps", job() + pipeline(steps="[]"),
     ['workflow "pipeline"', "steps", "required"]),
]


class EtlConfigErrorsTest(h.LakeboxTestCase):

    def serve_output(self, config: str, index: int) -> tuple[int, str]:
        """Runs `lakebox serve` with `config`; returns its exit status and output. Fails if it is
        still serving after 60 s (it was expected to refuse to start)."""
        path = self.workspace / f"case-{index}" / "lakebox.toml"
        path.parent.mkdir(parents=True)
        path.write_text(config)
        cmd = [str(h.lakebox_binary()), "serve", "--config", str(path), "--data-dir", str(path.parent / "data"),
               "--listen", f"127.0.0.1:{h.free_port()}"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                                  cwd=path.parent, env=h.server_environment())
        except subprocess.TimeoutExpired as e:
            self.fail(f"lakebox serve started with an invalid lakebox.toml:\n{config}\n{e.stderr}")
        return proc.returncode, proc.stdout + proc.stderr

    def test_invalid_schedules_and_jobs_are_refused_at_start_naming_the_key_and_the_fix(self):
        # The valid configuration these cases break starts (and is stopped at once).
        valid = self.start_server(config=STREAM_AND_CRAWLER + job(schedule='"rate(1 hour)"') + pipeline())
        valid.stop()
        for index, (what, body, expected) in enumerate(CASES):
            with self.subTest(what):
                code, output = self.serve_output(STREAM_AND_CRAWLER + body, index)
                self.assertNotEqual(code, 0, f"{what}: lakebox serve exited 0\n{output}")
                errors = [line for line in output.splitlines() if " error " in line]
                self.assertTrue(errors, f"{what}: no error logged\n{output}")
                message = errors[-1]  # one line says it all: file, declaration, key, problem, fix
                self.assertIn(f"{self.workspace}/case-{index}/lakebox.toml: ", message, what)
                for text in expected:
                    self.assertIn(text, message, f"{what}: the message lacks {text!r}")
                self.assertNotIn("lakebox serving on", output, f"{what}: it served before refusing")

    def test_job_without_its_source_table_starts_and_its_run_fails_naming_the_table_and_the_crawler(self):
        server = self.start_server(config=STREAM_AND_CRAWLER + job())
        run_id = server.aws("glue", "start-job-run", "--job-name", JOB)
        self.assertTrue(run_id.ok, run_id.describe())
        run_id = run_id.json["JobRunId"]

        def final():
            result = server.aws("glue", "get-job-run", "--job-name", JOB, "--run-id", run_id)
            self.assertTrue(result.ok, result.describe())
            run = result.json["JobRun"]
            return run if run["JobRunState"] in h.JOB_RUN_FINAL_STATES else None
        run = h.wait_until(final, 120, "the run to end", interval=0.3)
        self.assertEqual(run["JobRunState"], "FAILED", run)
        message = run.get("ErrorMessage", "")
        self.assertIn("vehicles.vehicles_raw", message)
        self.assertIn("does not exist", message)
        self.assertIn("crawler", message)
        self.assertFalse(server.lake.keys(prefix="stage"), "a failed run wrote output")

        cli = h.run_lakebox("job", "run", JOB, endpoint=server.endpoint)
        self.assertEqual(cli.returncode, 1, cli.stdout + cli.stderr)
        self.assertRegex(cli.stdout, rf"job {JOB} run \S+: FAILED")
        self.assertIn("vehicles.vehicles_raw", cli.stderr)
        self.assertIn("crawler", cli.stderr)

        # The crawler creates the table; then the job runs.
        records = [h.vehicle_record(i, run="late") for i in range(50)]
        hour = time.strftime("year=%Y/month=%m/day=%d/hour=%H", time.gmtime())
        server.lake.put(f"raw/{hour}/late.gz", h.gzip_ndjson(json.loads(r) for r in records))
        crawled = h.run_crawler(server.glue(), "vehicles-raw")
        self.assertEqual(crawled["LastCrawl"]["Status"], "SUCCEEDED", crawled["LastCrawl"])
        again = h.run_lakebox("job", "run", JOB, endpoint=server.endpoint)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertRegex(again.stdout, r"read\s+1 objects, .*, 50 records")
        runs = server.glue().get_job_runs(JobName=JOB)["JobRuns"]
        self.assertEqual([r["JobRunState"] for r in runs], ["SUCCEEDED", "FAILED", "FAILED"])


if __name__ == "__main__":
    unittest.main()
