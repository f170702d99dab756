"""Running a workflow on demand: `lakebox workflow run NAME` (POST /v1/schedules/workflow:NAME/run).

The same pipeline as test_workflow.py, but the workflow has no schedule: nothing runs until the
CLI asks. Each `lakebox workflow run` waits for the whole run and exits 0 when it SUCCEEDED, and
the stage table then holds exactly RECORDS more rows; a workflow whose job fails makes it exit 1
with the step's error; an unknown workflow is refused (EntityNotFoundException) naming the tasks
there are.
"""

import json
import unittest
import urllib.error
import urllib.request

import lakebox_harness as h
import test_workflow as base

RECORDS = base.RECORDS
CONFIG = base.CONFIG.replace(f'schedule = "rate({base.PERIOD_S} seconds)"\n', "") + """
[[job]]
name = "broken"
source = "vehicles.no_such_table"
target = "s3://lake/broken/"

[[workflow]]
name = "broken_pipeline"
steps = [ { crawl = "vehicles-raw" }, { job = "broken" } ]
"""


class WorkflowRunTest(h.LakeboxTestCase):
    def stage_count(self, server):
        athena = server.athena()
        execution = h.run_query(athena, 'SELECT count(*) FROM "vehicles"."vehicles_stage"', database=base.DATABASE)
        return int(h.query_rows(athena, execution["QueryExecutionId"])[1][0])

    def test_workflow_run_waits_for_the_run_and_reports_its_outcome(self):
        self.assertNotIn("rate(", CONFIG.split("[[workflow]]")[1].split("\n\n")[0])
        server = self.start_server(config=CONFIG)
        status = json.loads(h.run_lakebox("status", "--json", endpoint=server.endpoint).stdout)
        task = base.task_of(status, base.TASK)
        self.assertEqual(task["state"], "IDLE", task)  # no schedule: nothing runs by itself
        self.assertEqual(task["runs_started"], 0)

        for runs in (1, 2):
            done = h.run_lakebox("workflow", "run", base.WORKFLOW, endpoint=server.endpoint)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn(f"workflow {base.WORKFLOW}: SUCCEEDED", done.stdout)
            self.assertEqual(self.stage_count(server), runs * RECORDS)

        failed = h.run_lakebox("workflow", "run", "broken_pipeline", endpoint=server.endpoint)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("step 2 of 2 (job broken)", failed.stderr)
        self.assertIn("vehicles.no_such_table", failed.stderr)

        unknown = h.run_lakebox("workflow", "run", "nope", endpoint=server.endpoint)
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("workflow:nope", unknown.stderr)

        request = urllib.request.Request(f"{server.endpoint}/v1/schedules/workflow:nope/run", data=b"{}", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        body = json.loads(refused.exception.read())
        self.assertEqual(body["__type"], "EntityNotFoundException")
        self.assertIn(base.TASK, body["message"])  # names the tasks there are


if __name__ == "__main__":
    unittest.main()
