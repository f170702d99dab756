"""A workflow on a short schedule: the ETL issue's acceptance 4.

lakebox.toml declares the seed's pipeline and a workflow that runs it every few seconds
(`rate(N seconds)`, lakebox's extension for tests): produce RECORDS vehicle records into the stream
(and flush it) → crawl raw → run the job vehicles_to_stage → crawl stage. The producer's own
[[schedule]] expression is a date far away, so records arrive only through the workflow.

Nobody runs a command: the test only watches. It checks that

- the workflow runs repeatedly (GET /v1/status: runs_succeeded reaches 2 and more, none failed),
  each run's steps start in order, each after the previous one succeeded (the log), and the job's
  runs are triggered by the workflow, each reading exactly the records one producer run sent;
- the row count of vehicles_stage (through Athena) is RECORDS × the runs completed, for at least
  two different numbers of runs. A count is taken only while nothing can change the stage table:
  the workflow idle with every started run succeeded, and the job's last run the same, not
  running, before and after the query; otherwise the test waits and tries again;
- `lakebox status` and `lakebox status --json` show the workflow, its schedule and its runs.
"""

import json
import re
import unittest

import lakebox_harness as h

DATABASE = "vehicles"
JOB = "vehicles_to_stage"
WORKFLOW = "pipeline"
TASK = f"workflow:{WORKFLOW}"
RECORDS = 400
PERIOD_S = 6

CONFIG = f"""
{h.SEED_STREAM_TOML}
[[crawler]]
name = "vehicles-raw"
database = "{DATABASE}"
targets = ["s3://lake/raw/"]
table_prefix = "vehicles_"

[[crawler]]
name = "vehicles-stage"
database = "{DATABASE}"
targets = ["s3://lake/stage/", "s3://lake/stage_alerts/"]
table_prefix = "vehicles_"

[[job]]
name = "{JOB}"
source = "vehicles.vehicles_raw"
transform = "relationalize"
target = "s3://lake/stage/"
format = "parquet"
compression = "gzip"
partition_by = ["vendor"]
bookmarks = true

[[schedule]]
name = "producer"
expression = "cron(0 0 1 1 ? 2199)"   # only as the workflow's first step
stream = "vehicles"
records = {RECORDS}

[[workflow]]
name = "{WORKFLOW}"
schedule = "rate({PERIOD_S} seconds)"
steps = [ {{ produce = "producer" }}, {{ crawl = "vehicles-raw" }}, {{ job = "{JOB}" }}, {{ crawl = "vehicles-stage" }} ]
"""

STEPS = [("produce", "producer"), ("crawl", "vehicles-raw"), ("job", JOB), ("crawl", "vehicles-stage")]
STEP_LOG_RE = re.compile(rf"workflow {WORKFLOW}: step (\d) of 4 \((\w+) (\S+)\): (started|succeeded|failed)")
RUN_LOG_RE = re.compile(rf"schedule: {re.escape(TASK)} (started|succeeded|failed)\b.*\(run (\d+)")


def task_of(status, name):
    for task in status["schedules"]:
        if task["name"] == name:
            return task
    raise AssertionError(f"no schedule {name} in {json.dumps(status['schedules'])}")


def job_of(status):
    for job in status["jobs"]:
        if job["name"] == JOB:
            return job
    raise AssertionError(f"no job {JOB} in {json.dumps(status['jobs'])}")


class WorkflowTest(h.LakeboxTestCase):

    def status(self, server):
        response = server.http("GET", "/v1/status")
        self.assertEqual(response.status, 200, response.body[:300])
        self.assertEqual(response.headers.get("content-type", "").split(";")[0], "application/json")
        status = response.json()
        task = task_of(status, TASK)
        self.assertEqual(task["runs_failed"], 0, f"a workflow run failed: {task['last_error']}\n{server.log_tail()}")
        return status

    def stage_count(self, server):
        athena = server.athena()
        execution = h.run_query(athena, 'SELECT count(*) FROM "vehicles"."vehicles_stage"', database=DATABASE)
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
        return int(h.query_rows(athena, execution["QueryExecutionId"])[1][0])

    def consistent_count(self, server):
        """(runs completed, vehicles_stage's row count) read while no run can change the table, or
        None when a run was in the way (the caller tries again)."""
        before = self.status(server)
        task, job = task_of(before, TASK), job_of(before)
        completed = task["runs_succeeded"]
        if task["state"] == "RUNNING" or task["runs_started"] != completed or completed == 0:
            return None
        if job["state"] != "READY" or "last_run" not in job:
            return None
        count = self.stage_count(server)
        after_job = job_of(self.status(server))
        if after_job["state"] != "READY" or after_job.get("last_run", {}).get("id") != job["last_run"]["id"]:
            return None
        return completed, count

    def test_scheduled_workflow_runs_its_steps_in_order_and_stage_grows_by_what_was_produced(self):
        server = self.start_server(config=CONFIG)
        first = self.status(server)
        task = task_of(first, TASK)
        self.assertEqual(task["expression"], f"rate({PERIOD_S} seconds)")
        self.assertIn(task["state"], ("SCHEDULED", "RUNNING"))
        self.assertIsNotNone(task["next_run"])
        producer = task_of(first, "schedule:producer")
        self.assertEqual(producer["expression"], "cron(0 0 1 1 ? 2199)")

        # Counts at two or more different numbers of completed runs.
        seen = {}

        def two_counts():
            observed = self.consistent_count(server)
            if observed:
                completed, count = observed
                seen[completed] = count
                self.assertEqual(count, completed * RECORDS,
                                 f"vehicles_stage has {count} rows after {completed} runs of {RECORDS} records")
            return len(seen) >= 2
        h.wait_until(two_counts, 240, "two consistent counts of vehicles_stage at different run numbers",
                     interval=0.2)

        status = self.status(server)
        task = task_of(status, TASK)
        self.assertGreaterEqual(task["runs_succeeded"], 2)
        self.assertEqual(task_of(status, "schedule:producer")["runs_started"], 0,
                         "the producer's own schedule fired")
        stream = [s for s in status["streams"] if s["name"] == "vehicles"][0]
        self.assertGreaterEqual(stream["records_received"], 2 * RECORDS)
        self.assertEqual(stream["records_received"] % RECORDS, 0)

        # The job's runs: triggered by the workflow, each read what one producer run sent.
        glue = server.glue()
        runs = glue.get_job_runs(JobName=JOB)["JobRuns"]
        finished = [r for r in runs if r["JobRunState"] in h.JOB_RUN_FINAL_STATES]
        self.assertGreaterEqual(len(finished), 2)
        for run in finished:
            self.assertEqual(run["JobRunState"], "SUCCEEDED", run)
            self.assertEqual(run.get("TriggerName"), TASK, run)
            stats = server.glue_call("GetJobRun", {"JobName": JOB, "RunId": run["Id"]})["JobRun"]["LakeboxStatistics"]
            self.assertEqual(stats["RecordsIn"], RECORDS, stats)
            self.assertEqual(stats["RecordsOut"], RECORDS, stats)

        # The log: every run's steps in order, each started after the previous one succeeded.
        self.assert_steps_in_log_order(server.logs())

        # And a whole run by the services' own clocks: crawl raw, then the job, then crawl stage.
        h.wait_until(lambda: self.assert_last_run_in_order(server), 240, "an idle moment to read the last run")

        # The CLI: `lakebox status` and `lakebox status --json`.
        text = h.run_lakebox("status", endpoint=server.endpoint)
        self.assertEqual(text.returncode, 0, text.stderr)
        for heading in ("STREAMS", "CRAWLERS", "JOBS", "SCHEDULES", "COST"):
            self.assertRegex(text.stdout, rf"(?m)^{heading}$")
        self.assertRegex(text.stdout, r"(?m)^  \d{4}-\d{2} so far: USD \d+\.\d{2} at AWS prices; a month at 3 GB/day: USD 42\.88")
        row = [line.split() for line in text.stdout.splitlines() if line.split()[:1] == [TASK]]
        self.assertEqual(len(row), 1, text.stdout)
        self.assertEqual(row[0][1:3], [f"rate({PERIOD_S}", "seconds)"], text.stdout)
        self.assertIn(row[0][3], ("SCHEDULED", "RUNNING"), text.stdout)
        job_row = [line.split() for line in text.stdout.splitlines() if line.split()[:1] == [JOB]]
        self.assertEqual(len(job_row), 1, text.stdout)
        as_json = h.run_lakebox("status", "--json", endpoint=server.endpoint)
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        parsed = json.loads(as_json.stdout)
        self.assertEqual(sorted(parsed), ["crawlers", "dashboards", "jobs", "metering", "schedules", "streams", "time"])
        self.assertGreaterEqual(task_of(parsed, TASK)["runs_succeeded"], 2)

    def assert_last_run_in_order(self, server):
        """While the workflow is idle: the raw crawl began before the job's last run, which ended
        before the stage crawl began, and that run is the last run's. False when a run was in the
        way (the caller tries again)."""
        before = task_of(self.status(server), TASK)
        if before["state"] == "RUNNING" or before["runs_started"] != before["runs_succeeded"]:
            return False
        glue = server.glue()
        raw_crawl = glue.get_crawler(Name="vehicles-raw")["Crawler"]["LastCrawl"]
        stage_crawl = glue.get_crawler(Name="vehicles-stage")["Crawler"]["LastCrawl"]
        job_run = glue.get_job_runs(JobName=JOB, MaxResults=1)["JobRuns"][0]
        after = task_of(self.status(server), TASK)
        if after["runs_started"] != before["runs_started"]:
            return False
        self.assertEqual(job_run["JobRunState"], "SUCCEEDED", job_run)
        self.assertEqual((raw_crawl["Status"], stage_crawl["Status"]), ("SUCCEEDED", "SUCCEEDED"))
        self.assertLessEqual(raw_crawl["StartTime"], job_run["StartedOn"], "the job ran before the raw crawl")
        self.assertLessEqual(job_run["CompletedOn"], stage_crawl["StartTime"],
                             "the stage crawl began before the job ended")
        return True

    def assert_steps_in_log_order(self, log):
        """Each run of the workflow (schedule: ... started ... succeeded) logs its four steps in
        order: step i started, step i succeeded, then step i + 1. At least two whole runs."""
        events = []
        for line in log.splitlines():
            if m := RUN_LOG_RE.search(line):
                events.append(("run", m.group(1), int(m.group(2))))
            elif m := STEP_LOG_RE.search(line):
                events.append(("step", m.group(4), int(m.group(1)), (m.group(2), m.group(3))))
        complete_runs = 0
        index = 0
        while index < len(events):
            event = events[index]
            if event[:2] != ("run", "started"):
                self.fail(f"expected a run to start at event {index}: {events[index:index + 3]}")
            run = event[2]
            expected = []
            for number, step in enumerate(STEPS, start=1):
                expected += [("step", "started", number, step), ("step", "succeeded", number, step)]
            expected.append(("run", "succeeded", run))
            got = events[index + 1:index + 1 + len(expected)]
            if len(got) < len(expected):  # the run still going when the log was read
                self.assertEqual(got, expected[:len(got)], f"run {run}: steps out of order")
                break
            self.assertEqual(got, expected, f"run {run}: steps out of order")
            complete_runs += 1
            index += 1 + len(expected)
        self.assertGreaterEqual(complete_runs, 2, "fewer than two whole workflow runs in the log")


if __name__ == "__main__":
    unittest.main()
