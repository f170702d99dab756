"""lakebox's own interfaces: the NDJSON endpoint with curl, `lakebox produce` and `lakebox flush`,
and the Prometheus metrics that describe what happened."""

import json
import re
import subprocess
import unittest

import lakebox_harness as h


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format; fails if it is absent."""
    label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(label_text) + r"\}" if labels else "") + r" (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    if not match:
        raise AssertionError(f"metric {name}{labels} not found in:\n{text[:3000]}")
    return float(match.group(1))


class NativeApiTest(h.LakeboxTestCase):

    def test_ndjson_with_curl_is_durable_and_all_or_nothing(self):
        server = self.start_server()
        client = server.firehose()
        h.create_stream(client, "events", prefix="events/", error_output_prefix=None,
                        compression="GZIP", size_mb=128, interval_s=900)
        body = b"".join(h.vehicle_record(i, run="nd") for i in range(1000))
        body_file = self.workspace / "records.ndjson"
        body_file.write_bytes(body + b"\n\n")  # blank lines are not records
        done = subprocess.run(
            ["curl", "-sS", "--fail-with-body", "--data-binary", f"@{body_file}",
             f"{server.endpoint}/v1/streams/events/records"],
            capture_output=True, check=False, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(json.loads(done.stdout), {"RecordCount": 1000})

        # A body with one oversized line appends nothing.
        bad = h.vehicle_record(5000, run="bad") + b"x" * 1_100_000 + b"\n"
        resp = server.http("POST", "/v1/streams/events/records", body=bad)
        self.assertEqual(resp.status, 400)
        self.assertEqual(h.aws_error_type(resp), "ValidationException")
        resp = server.http("POST", "/v1/streams/nope/records", body=b"{}\n")
        self.assertEqual(h.aws_error_type(resp), "ResourceNotFoundException")

        # kill -9 before any delivery: the acknowledged NDJSON records must survive.
        server.kill()
        server.start()
        server.flush()
        records = server.lake.records(prefix="events/")
        self.assertEqual(sorted(records), sorted(h.split_lines(body)))
        self.assertEqual(h.id_counts(records).most_common(1)[0][1], 1)

    def test_produce_and_flush_commands_and_metrics(self):
        server = self.start_server()
        client = server.firehose()
        h.create_stream(client, "vehicles", compression="GZIP", size_mb=128, interval_s=900)
        binary = str(h.lakebox_binary())
        produced = subprocess.run(
            [binary, "produce", "vehicles", "--endpoint", server.endpoint, "--stream", "vehicles",
             "--count", "2500", "--batch", "300"],
            capture_output=True, text=True, timeout=120, check=False)
        self.assertEqual(produced.returncode, 0, produced.stdout + produced.stderr)
        self.assertIn("2500 records", produced.stdout + produced.stderr)
        self.assertEqual(server.lake.keys(), [], "delivered before the flush")

        flushed = subprocess.run([binary, "flush", "vehicles", "--endpoint", server.endpoint],
                                 capture_output=True, text=True, timeout=120, check=False)
        self.assertEqual(flushed.returncode, 0, flushed.stdout + flushed.stderr)
        records = server.lake.records(prefix="raw/")
        self.assertEqual(len(records), 2500)
        for line in records[:50]:
            doc = json.loads(line)
            self.assertIsInstance(doc["vehicle_status"], dict)
            self.assertIsInstance(doc["gps_info"], dict)
            self.assertIsInstance(doc["alerts"], list)

        missing = subprocess.run([binary, "flush", "nope", "--endpoint", server.endpoint],
                                 capture_output=True, text=True, timeout=60, check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("ResourceNotFoundException", missing.stderr)

        text = server.http("GET", "/metrics").body.decode()
        self.assertEqual(metric(text, "lakebox_stream_records_received_total", stream="vehicles"), 2500)
        self.assertEqual(metric(text, "lakebox_stream_objects_delivered_total", stream="vehicles"), 1)
        self.assertEqual(metric(text, "lakebox_stream_buffered_bytes", stream="vehicles"), 0)
        self.assertGreater(metric(text, "lakebox_wal_commit_seconds_count"), 0)
        self.assertGreaterEqual(metric(text, "lakebox_errors_total", code="ResourceNotFoundException"), 1)

    def test_cli_help_and_unreachable_endpoint(self):
        binary = str(h.lakebox_binary())
        for command in (["serve"], ["flush"], ["produce", "vehicles"]):
            shown = subprocess.run([binary, *command, "--help"], capture_output=True, text=True, timeout=30)
            self.assertEqual(shown.returncode, 0, shown.stderr)
            self.assertIn("--endpoint" if command[0] != "serve" else "--data-dir", shown.stdout)
        down = subprocess.run([binary, "flush", "--endpoint", f"http://127.0.0.1:{h.free_port()}"],
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(down.returncode, 0)
        self.assertIn("is `lakebox serve` running?", down.stderr)


if __name__ == "__main__":
    unittest.main()
