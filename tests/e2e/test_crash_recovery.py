"""kill -9 in the middle of a put storm loses no acknowledged record and duplicates none.

Four boto3 clients put batches continuously, each remembering exactly which records were
acknowledged (HTTP 200 and a RecordId for the entry). The server is killed with SIGKILL after a
couple of seconds, restarted on the same data dir, and the storm and the kill are repeated once
more, so a replayed WAL is itself interrupted and replayed. After the last restart and a flush,
every acknowledged record is in the lake exactly once; a record whose put failed may be there at
most once; nothing else is there.
"""

import threading
import time
import unittest

import lakebox_harness as h

STREAM = "vehicles"
CLIENTS = 4
BATCH = 100
LOAD_SECONDS = 2.5
CYCLES = 2


class PutStorm(h.BackgroundThreads):
    """CLIENTS threads putting fresh records until stop(); records ids acknowledged and attempted."""

    def __init__(self, endpoint: str, run: str):
        self.endpoint = endpoint
        self.run = run
        self.acked: set[str] = set()
        self.attempted: set[str] = set()
        self.requests_ok = 0
        self.unexpected: list[str] = []
        self._lock = threading.Lock()
        super().__init__(CLIENTS)

    def _work(self, index: int):
        # One attempt per call: a botocore retry could resend a batch the dead server had already
        # made durable, which would blur "acknowledged".
        client = h.boto3_client(self.endpoint, retries=h.NO_RETRIES, connect_timeout=2, read_timeout=30)
        seq = index * 10_000_000
        while not self._stop.is_set():
            records = [h.vehicle_record(seq + i, run=self.run) for i in range(BATCH)]
            ids = [f"{self.run}-{seq + i}" for i in range(BATCH)]
            seq += BATCH
            with self._lock:
                self.attempted.update(ids)
            try:
                resp = client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": r} for r in records])
            except Exception as e:  # connection refused/reset once the server is gone
                if h.error_code(e) not in (None, "ServiceUnavailableException", "InternalFailure"):
                    with self._lock:
                        self.unexpected.append(repr(e))
                time.sleep(0.05)
                continue
            entries = resp["RequestResponses"]
            with self._lock:
                self.requests_ok += 1
                if len(entries) != BATCH:
                    self.unexpected.append(f"{len(entries)} RequestResponses for {BATCH} records")
                    continue
                for record_id, entry in zip(ids, entries):
                    if entry.get("RecordId") and not entry.get("ErrorCode"):
                        self.acked.add(record_id)


class CrashRecoveryTest(h.LakeboxTestCase):

    def test_kill_9_twice_loses_no_acknowledged_record_and_duplicates_none(self):
        server = self.start_server()
        # Small buffers and a 1 s interval: objects are being written while the kill lands, and
        # at the kill some segments are delivered, some sealed, one open.
        h.create_stream(server.firehose(), STREAM, size_mb=1, interval_s=1)

        acked: set[str] = set()
        attempted: set[str] = set()
        for cycle in range(CYCLES):
            storm = PutStorm(server.endpoint, run=f"c{cycle}")
            storm.start()
            h.wait_until(lambda: storm.requests_ok >= 3 * CLIENTS, 30, "puts to succeed", 0.05)
            time.sleep(LOAD_SECONDS)
            server.kill()
            storm.stop()
            self.assertEqual(storm.unexpected, [], "unexpected responses during the storm")
            self.assertGreater(len(storm.acked), 0)
            acked |= storm.acked
            attempted |= storm.attempted
            # With a 1 s interval the open buffer always holds acknowledged records at the kill;
            # if none were waiting, this cycle would not exercise the WAL replay.
            waiting = acked - h.id_counts(server.lake.records()).keys()
            self.assertGreater(len(waiting), 0, "every acknowledged record was delivered before the kill")
            print(f"cycle {cycle}: {len(storm.acked)} records acknowledged, {len(waiting)} of them "
                  f"undelivered at the kill")

            server.start()
            description = h.wait_active(server.firehose(), STREAM)
            self.assertEqual(description["DeliveryStreamName"], STREAM)

        server.flush()
        counts = h.id_counts(server.lake.records())
        lost = sorted(acked - counts.keys())
        duplicated = sorted(i for i, n in counts.items() if n > 1)
        unknown = sorted(counts.keys() - attempted)
        self.assertEqual(unknown, [], "records in the lake that nobody sent")
        self.assertEqual(duplicated[:20], [], f"{len(duplicated)} records delivered more than once")
        self.assertEqual(lost[:20], [], f"{len(lost)} of {len(acked)} acknowledged records are missing")


if __name__ == "__main__":
    unittest.main()
