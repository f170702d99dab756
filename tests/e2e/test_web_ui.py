"""The web UI in a real browser: issue 6's acceptance 2 and 3.

The seed's data is made as `lakebox demo` makes it: a server on examples/vehicles.toml, the seed's
delivery stream, and one run of the workflow vehicles_pipeline (produce 5,000 records → crawl raw
→ job vehicles_to_stage → crawl stage). Then tests/e2e/web/web_ui.mjs drives Debian's Chromium
(headless, playwright-core from web/node_modules) over the page lakebox serves, and this test
compares what the page showed with SQL answers through Athena (boto3):

- the Vehicles dashboard: the map has one point per distinct vehicle_id (the same ids), fitted
  to the data rather than the whole world, and hovering a point shows its details; the vendor
  bars equal a count by vendor; the KPIs equal count(*) and count(DISTINCT vehicle_id); no
  visual reports an error;
- refresh: with the page open, the workflow runs again (POST /v1/schedules/.../run, finished per
  /v1/status) and the Records KPI grows to the new count(*) without a page load;
- the SQL console runs a query (Ctrl+Enter) and shows its rows, equal to Athena's, with a CSV
  download of the same rows; the query is in the recent queries; the catalog tree shows the
  tables, their columns and the raw table's nested types;
- the status page shows the stream, jobs, schedules and the cost section;
- no console error, page error or failed request in the whole session.

Screenshots (dashboard, dashboard-refreshed, console, console-history, status) are saved in
$LAKEBOX_TEST_OUTPUT/<test id>/ whether the test passes or not. Chromium and playwright-core are
installed by scripts/bootstrap: the test fails, not skips, without them.
"""

import json
import os
import queue
import shutil
import subprocess
import threading
import time
import unittest
from pathlib import Path

import lakebox_harness as h

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "web" / "web_ui.mjs"
CHROMIUM = "/usr/bin/chromium"
PLAYWRIGHT = REPO / "web" / "node_modules" / "playwright-core" / "index.mjs"
CONFIG = (REPO / "examples" / "vehicles.toml").read_text()
WORKFLOW_TASK = "workflow:vehicles_pipeline"
STAGE = '"vehicles"."vehicles_stage"'
CONSOLE_SQL = f"SELECT vendor, count(*) AS n FROM {STAGE} GROUP BY vendor ORDER BY vendor"


class NodeScript:
    """web_ui.mjs in a subprocess: JSON lines from its stdout, a go-ahead on its stdin."""

    def __init__(self, env: dict, stderr_path: Path):
        node = shutil.which("node")
        if not node:
            raise AssertionError("node is not installed: run scripts/bootstrap")
        self._stderr = open(stderr_path, "w")
        self.process = subprocess.Popen([node, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._stderr, text=True, env=env)
        self._lines: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def next_event(self, timeout: float) -> dict:
        """The next JSON object the script printed; AssertionError on timeout or end of output."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"web_ui.mjs printed nothing within {timeout} s") from None
            if line is None:
                raise AssertionError(f"web_ui.mjs ended (exit {self.process.wait()}) without a result")
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)

    def send(self, text: str):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def close(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(10)
        self.process.stdout.close()
        self._stderr.close()


class WebUiTest(h.LakeboxTestCase):
    def output_dir(self) -> Path:
        out = Path(os.environ.get("LAKEBOX_TEST_OUTPUT", "test-output")) / self.id()
        out.mkdir(parents=True, exist_ok=True)
        return out

    def sql(self, server, query: str) -> list[list[str | None]]:
        """The data rows of `query` (header row dropped)."""
        athena = server.athena()
        execution = h.run_query(athena, query, database="vehicles")
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
        return h.query_rows(athena, execution["QueryExecutionId"])[1:]

    def workflow_task(self, server) -> dict:
        status = server.http("GET", "/v1/status").json()
        return next(t for t in status["schedules"] if t["name"] == WORKFLOW_TASK)

    def run_workflow_and_wait(self, server, runs_expected: int):
        """POST /v1/schedules/workflow:vehicles_pipeline/run, then /v1/status until that run ended."""
        started = server.http("POST", f"/v1/schedules/{WORKFLOW_TASK}/run", body=b"{}")
        self.assertEqual(started.status, 200, started.body)

        def finished():
            task = self.workflow_task(server)
            done = task["runs_succeeded"] + task["runs_failed"]
            return task if task["runs_started"] == runs_expected and done == runs_expected else None
        task = h.wait_until(finished, 300, f"{WORKFLOW_TASK} run {runs_expected} finished", interval=0.5)
        self.assertEqual(task["last_outcome"], "SUCCEEDED", task)

    def test_dashboard_console_and_status_in_chromium(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} missing: run scripts/bootstrap (Debian's chromium)")
        self.assertTrue(PLAYWRIGHT.exists(), f"{PLAYWRIGHT} missing: run scripts/bootstrap (npm ci in web/)")

        server = self.start_server(config=CONFIG)
        h.create_stream(server.firehose(), "vehicles", interval_s=60, size_mb=128)
        self.run_workflow_and_wait(server, 1)

        records = int(self.sql(server, f"SELECT count(*) FROM {STAGE}")[0][0])
        vehicle_ids = sorted(r[0] for r in self.sql(server, f"SELECT DISTINCT vehicle_id FROM {STAGE}"))
        by_vendor = {r[0]: int(r[1]) for r in self.sql(server, f"SELECT vendor, count(*) FROM {STAGE} GROUP BY vendor")}
        self.assertEqual(records, 5000)
        self.assertGreater(len(vehicle_ids), 1)
        self.assertGreater(len(by_vendor), 1)

        out = self.output_dir()
        env = dict(os.environ, LAKEBOX_URL=server.endpoint, OUTPUT_DIR=str(out), CONSOLE_SQL=CONSOLE_SQL,
                   CHROMIUM=CHROMIUM)
        script = NodeScript(env, out / "web_ui.stderr.log")
        self.addCleanup(script.close)

        first = script.next_event(180)
        if first.get("event") == "result":
            self.fail(f"the browser session failed before the refresh step: {json.dumps(first, indent=1)[:4000]}")
        self.assertEqual(first["event"], "dashboard")
        self.run_workflow_and_wait(server, 2)
        records_after = int(self.sql(server, f"SELECT count(*) FROM {STAGE}")[0][0])
        self.assertEqual(records_after, 2 * records)
        console_expected = self.sql(server, CONSOLE_SQL)
        script.send("go")
        result = script.next_event(300)
        (out / "web_ui.json").write_text(json.dumps(result, indent=1))
        self.assertNotIn("fatal", result, result.get("fatal"))

        with self.subTest("no console errors, page errors or failed requests"):
            self.assertEqual(result["consoleErrors"], [])
            self.assertEqual(result["pageErrors"], [])
            self.assertEqual(result["httpErrors"], [])

        visuals = result["dashboard"]
        with self.subTest("every visual drawn, none failed"):
            self.assertEqual({v["type"] for v in visuals.values()} >= {"map", "bar", "kpi", "line"}, True, visuals.keys())
            for visual_id, visual in visuals.items():
                self.assertIsNone(visual["error"], visual_id)
                self.assertIsNotNone(visual["rowCount"], visual_id)

        with self.subTest("map: one point per distinct vehicle, fitted to the data, details on hover"):
            map_visual = visuals["map"]
            self.assertEqual(map_visual["pointCount"], len(vehicle_ids))
            self.assertEqual(map_visual["echartsPoints"], len(vehicle_ids))
            self.assertEqual(sorted(map_visual["labels"]), vehicle_ids)
            (west, north), (east, south) = map_visual["boundingCoords"]
            self.assertTrue(map_visual["allInside"], map_visual["boundingCoords"])
            self.assertLess(east - west, 60, "the view is fitted to the data, not the whole world")
            self.assertLess(north - south, 60)
            # The point under the mouse: the first one drawn, or one drawn over it.
            tooltip = result["tooltip"].splitlines()
            self.assertIn(tooltip[0], vehicle_ids)
            self.assertIn("vendor", result["tooltip"])
            self.assertIn("speed_kmh", result["tooltip"])

        with self.subTest("vendor bars equal a SQL count by vendor"):
            bars = {category: value for category, value in visuals["vendors"]["bars"]}
            self.assertEqual(bars, by_vendor)
            self.assertEqual(visuals["vendors"]["rowCount"], len(by_vendor))

        with self.subTest("KPIs"):
            self.assertEqual(int(visuals["records"]["value"]), records)
            self.assertEqual(visuals["records"]["shown"], f"{records:,}")
            self.assertEqual(int(visuals["vehicles"]["value"]), len(vehicle_ids))

        with self.subTest("refresh: the Records KPI grows without a page load"):
            refresh = result["refresh"]
            self.assertEqual(refresh["recordsBefore"], records)
            self.assertEqual(refresh["recordsAfter"], records_after)
            self.assertEqual(refresh["shownAfter"], f"{records_after:,}")
            self.assertEqual(refresh["marker"], "same page")
            self.assertEqual(refresh["pageLoads"], 0)
            self.assertGreater(refresh["refreshCount"], 1)

        with self.subTest("map: the detailed 1:50m outlines replaced the first paint's 1:110m ones"):
            self.assertEqual(refresh["outlinesAfter"], "countries-50m.json")
            self.assertEqual(refresh["geoMapAfter"], "lakebox-world-50m")

        with self.subTest("SQL console: the grid shows the query's rows"):
            console = result["console"]
            self.assertEqual(console["state"], "SUCCEEDED", console["error"])
            self.assertEqual(console["header"], ["vendor", "n"])
            self.assertEqual(console["rows"], console_expected)
            self.assertEqual(console["rowCount"], len(console_expected))
            self.assertIn("Data scanned", console["stats"])
            csv = console["csv"]
            self.assertEqual(csv["status"], 200)
            self.assertIn("text/csv", csv["contentType"])
            csv_lines = csv["body"].strip().splitlines()
            self.assertEqual(csv_lines[0].replace('"', ""), "vendor,n")
            self.assertEqual([line.replace('"', "").split(",") for line in csv_lines[1:]], console_expected)
            self.assertIn(CONSOLE_SQL, [entry["sql"] for entry in result["history"]])

        with self.subTest("SQL console: the catalog tree"):
            catalog = result["catalog"]
            self.assertIn("vehicles", catalog["databases"])
            self.assertIn("vehicles_stage", catalog["tables"])
            self.assertIn("vehicles_raw", catalog["tables"])
            columns = [tuple(c) for c in catalog["columns"]]
            self.assertIn(("vendor", "string", "Partition"), columns)  # the stage table's partition key
            self.assertIn(("gps_info", "struct", ""), columns)
            self.assertIn(("latitude", "double", ""), columns)  # gps_info unfolded
            self.assertIn(("alerts", "array<struct>", ""), columns)

        with self.subTest("status page"):
            page_status = result["status"]
            self.assertIn("vehicles", page_status["streams"])
            self.assertIn("vehicles_to_stage", page_status["jobs"])
            self.assertIn(WORKFLOW_TASK, page_status["schedules"])
            status = server.http("GET", "/v1/status").json()
            if "metering" in status:
                self.assertIn("Total", page_status["metering"])
                self.assertIn("$", page_status["metering"])
            else:
                self.assertIn("not available", page_status["metering"])

        for name in ("dashboard", "dashboard-refreshed", "console", "console-history", "status"):
            self.assertTrue(Path(result["screenshots"][name]).stat().st_size > 10_000, name)
        print(f"\n[web ui] screenshots in {out}")


if __name__ == "__main__":
    unittest.main()
