"""`lakebox demo --exit` (issue 6, acceptance 1): on an empty data dir it runs the whole seed story
in one process and exits 0, printing the seed's query result as a table of 10 flat rows and the
cost report in USD, and leaves the raw gzip objects and the stage Parquet objects behind.

A second run on the same data dir reuses the stream it finds and adds to the lake. Without --exit
the demo serves the dashboards and runs the pipeline every --interval seconds until Ctrl-C.
"""

import gzip
import json
import signal
import subprocess
import unittest
import urllib.request
from pathlib import Path

import lakebox_harness as h

# The stage table's flat columns (docs/etl.md): no struct or array is left after relationalize.
STAGE_COLUMNS = ["vehicle_id", "model", "event_time", "vehicle_status_speed_kmh", "gps_info_latitude",
                 "gps_info_longitude", "vendor"]
COST_SERVICES = ["Kinesis Data Firehose", "S3", "Glue job", "Glue crawler", "Athena", "QuickSight"]


def result_table(stdout: str) -> tuple[list[str], list[str]]:
    """The header and data lines of the query result the demo prints (the block of lines after the
    blank line that follows step 7, up to the next blank line)."""
    lines = stdout.splitlines()
    step7 = next(i for i, line in enumerate(lines) if line.startswith("[7/8]"))
    start = next(i for i in range(step7, len(lines)) if lines[i].strip() == "") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "")
    return lines[start].split(), lines[start + 1:end]


class DemoTest(h.LakeboxTestCase):
    def run_demo(self, data_dir: Path):
        return h.run_lakebox("demo", "--exit", "--data-dir", str(data_dir), "--listen", "127.0.0.1:0",
                             timeout=300)

    def test_demo_exit_runs_the_seed_story_on_an_empty_data_dir(self):
        data_dir = self.workspace / "demo"
        run = self.run_demo(data_dir)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        out = run.stdout
        for step in range(1, 9):
            self.assertIn(f"[{step}/8]", out)

        header, rows = result_table(out)
        for column in STAGE_COLUMNS:
            self.assertIn(column, header)
        self.assertEqual(len(rows), 10, out)
        for row in rows:
            self.assertRegex(row, r"^V-\d{5}\s")
            # Flat: no struct ({...}) or array ([...]) value is left in any cell.
            self.assertNotRegex(row, r"[{}\[\]]", row)

        # The cost report: every service of the seed's list priced in USD, and the total.
        cost = out[out.index("[8/8]"):]
        self.assertIn("USD", cost)
        for service in COST_SERVICES:
            self.assertIn(service, cost)
        self.assertRegex(cost, r"(?i)total")
        self.assertRegex(cost, r"\$\s?\d+\.\d{2}")
        self.assertIn("/#/dashboards/vehicles", out)

        lake = data_dir / "s3" / "lake"
        raw = sorted(lake.glob("raw/year=*/month=*/day=*/hour=*/*"))
        self.assertTrue(raw, "no raw objects")
        records = 0
        for path in raw:
            self.assertEqual(path.read_bytes()[:2], b"\x1f\x8b", f"{path} is not gzip")
            for line in gzip.decompress(path.read_bytes()).splitlines():
                self.assertIn("gps_info", json.loads(line))
                records += 1
        self.assertEqual(records, 5000)
        stage = sorted(lake.glob("stage/vendor=*/*.parquet"))
        self.assertTrue(stage, "no stage Parquet objects")
        for path in stage:
            data = path.read_bytes()
            self.assertEqual((data[:4], data[-4:]), (b"PAR1", b"PAR1"), f"{path} is not Parquet")
        # The seed's ErrorOutputPrefix is set on the stream, and nothing went there.
        self.assertFalse(list(lake.glob("fherroroutputbase/**/*.gz")))

        # Run again on the same data dir: the stream is reused, and the lake grows by one run.
        again = self.run_demo(data_dir)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn("reusing it", again.stdout)
        self.assertIn("5,000 records in", again.stdout)  # the job's bookmark reads only the new run

    def test_demo_keeps_the_pipeline_running_until_ctrl_c(self):
        port = h.free_port()
        endpoint = f"http://127.0.0.1:{port}"
        demo = subprocess.Popen([str(h.lakebox_binary()), "demo", "--data-dir", str(self.workspace / "demo"),
                                 "--listen", f"127.0.0.1:{port}", "--interval", "5"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            lines = []
            for line in demo.stdout:
                lines.append(line)
                if line.startswith("Running the pipeline every 5 s"):
                    break
            self.assertIsNone(demo.poll(), "".join(lines))

            def workflow_runs():
                with urllib.request.urlopen(f"{endpoint}/v1/status", timeout=10) as response:
                    status = json.load(response)
                task = next(t for t in status["schedules"] if t["name"] == "workflow:vehicles_pipeline")
                return task["runs_succeeded"]

            # The seed's stream, created through the Firehose API: its exact prefixes, GZIP, and a
            # short buffer interval.
            description = h.boto3_client(endpoint).describe_delivery_stream(
                DeliveryStreamName="vehicles")["DeliveryStreamDescription"]
            destination = description["Destinations"][0]["ExtendedS3DestinationDescription"]
            self.assertEqual(destination["Prefix"], h.SEED_PREFIX)
            self.assertEqual(destination["ErrorOutputPrefix"], h.SEED_ERROR_PREFIX)
            self.assertEqual(destination["CompressionFormat"], "GZIP")
            self.assertEqual(destination["BufferingHints"]["IntervalInSeconds"], 10)

            # The story ran the steps by hand; the pipeline then runs at once and every 5 s.
            h.wait_until(lambda: workflow_runs() >= 2, 120, "two pipeline runs")
            with urllib.request.urlopen(f"{endpoint}/v1/dashboards/vehicles/datasets/totals", timeout=30) as response:
                totals = json.load(response)
            self.assertGreaterEqual(totals["Rows"][0][0], 15000)  # the story's 5,000 and two runs'
            demo.send_signal(signal.SIGINT)
            rest, _ = demo.communicate(timeout=120)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
        self.assertEqual(demo.returncode, 0, "".join(lines) + rest)
        self.assertIn("pipeline run started", rest)
        self.assertIn("Stopping: delivering what is buffered", rest)

    def test_demo_refuses_a_busy_port_with_what_to_do(self):
        server = self.start_server()
        port = server.endpoint.rsplit(":", 1)[1]
        run = h.run_lakebox("demo", "--exit", "--data-dir", str(self.workspace / "demo"), "--listen",
                            f"127.0.0.1:{port}", timeout=120)
        self.assertEqual(run.returncode, 1)
        self.assertIn("--listen", run.stdout + run.stderr)


if __name__ == "__main__":
    unittest.main()
