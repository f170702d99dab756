"""A stream faster than its object store pushes back with 503 instead of growing memory.

The object store is throttled to 256 KiB/s and a stream may buffer at most 4 MiB, so writers
that put as fast as they can must soon be refused with ServiceUnavailableException (HTTP 503).
botocore's retries are off, so the test sees every 503; a refused batch is resent as is until it
is acknowledged. The server's RSS is sampled throughout: it stays under a fixed bound and does not
grow with the amount of data offered. When the load stops, a flush delivers every acknowledged
record exactly once.
"""

import threading
import time
import unittest

import lakebox_harness as h

STREAM = "vehicles"
WRITERS = 4
BATCH = 100
PADDING = 2000                 # ~2.4 KB records, ~240 KB batches
OFFERED_N = 48 * h.MiB          # RSS is compared after N and 3N bytes offered
MAX_RSS = 200 * h.MiB
MAX_RSS_GROWTH = 64 * h.MiB
LOAD_TIMEOUT = 40               # seconds to offer 3N bytes, generous

CONFIG = f"""
[ingest]
max_buffered_bytes_per_stream = {4 * h.MiB}

[storage]
max_write_bytes_per_second = {256 * h.KiB}

[log]
level = "info"
"""


class Load(h.BackgroundThreads):
    """WRITERS threads putting batches without botocore retries; 503s are counted and resent."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.acked: set[str] = set()
        self.offered_bytes = 0
        self.unavailable_503 = 0
        self.unexpected: list[str] = []
        self._lock = threading.Lock()
        super().__init__(WRITERS)

    def _work(self, index: int):
        client = h.boto3_client(self.endpoint, retries=h.NO_RETRIES, read_timeout=60)
        seq = index * 10_000_000
        pending: list[bytes] = []
        while not self._stop.is_set():
            if not pending:
                pending = [h.vehicle_record(seq + i, run="bp", padding=PADDING) for i in range(BATCH)]
                seq += BATCH
            size = sum(map(len, pending))
            try:
                resp = client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": r} for r in pending])
            except Exception as e:
                with self._lock:
                    self.offered_bytes += size
                    if h.error_code(e) == "ServiceUnavailableException" and h.http_status(e) == 503:
                        self.unavailable_503 += 1
                    else:
                        self.unexpected.append(repr(e))
                        return
                continue
            entries = resp["RequestResponses"]
            with self._lock:
                self.offered_bytes += size
                if len(entries) != len(pending):
                    self.unexpected.append(f"{len(entries)} RequestResponses for {len(pending)} records")
                    return
                still_pending = []
                for record, entry in zip(pending, entries):
                    if entry.get("RecordId") and not entry.get("ErrorCode"):
                        self.acked.add(h.record_id(record))
                    else:
                        still_pending.append(record)
                pending = still_pending


class BackpressureTest(h.LakeboxTestCase):

    def test_slow_store_gets_503s_and_bounded_memory_and_no_lost_record(self):
        server = self.start_server(config=CONFIG)
        h.create_stream(server.firehose(), STREAM, prefix="bp/", error_output_prefix=None,
                        compression="UNCOMPRESSED", size_mb=1, interval_s=0)

        load = Load(server.endpoint)
        load.start()
        samples: list[tuple[int, int]] = []  # (bytes offered, server RSS)
        rss_at_n = rss_at_3n = None
        deadline = time.monotonic() + LOAD_TIMEOUT
        try:
            while rss_at_3n is None and time.monotonic() < deadline and not load.unexpected:
                rss = server.rss_bytes()
                offered = load.offered_bytes
                samples.append((offered, rss))
                if rss_at_n is None and offered >= OFFERED_N:
                    rss_at_n = rss
                if offered >= 3 * OFFERED_N:
                    rss_at_3n = rss
                time.sleep(0.05)
        finally:
            load.stop()

        self.assertEqual(load.unexpected, [], "unexpected responses under load")
        self.assertIsNotNone(rss_at_3n, f"only {load.offered_bytes / h.MiB:.0f} MiB offered in {LOAD_TIMEOUT}s")
        self.assertGreater(load.unavailable_503, 0, "no put was refused with ServiceUnavailableException (503)")
        max_rss = max(rss for _, rss in samples)
        self.assertLess(max_rss, MAX_RSS, f"server RSS reached {max_rss / h.MiB:.0f} MiB")
        self.assertLess(rss_at_3n - rss_at_n, MAX_RSS_GROWTH,
                        f"RSS grew from {rss_at_n / h.MiB:.0f} MiB at {OFFERED_N // h.MiB} MiB offered to "
                        f"{rss_at_3n / h.MiB:.0f} MiB at {3 * OFFERED_N // h.MiB} MiB offered")

        server.flush(timeout=180)
        counts = h.id_counts(server.lake.records())
        lost = sorted(load.acked - counts.keys())
        duplicated = sorted(i for i, n in counts.items() if n > 1)
        self.assertGreater(len(load.acked), 0)
        self.assertEqual(duplicated[:20], [], f"{len(duplicated)} records delivered more than once")
        self.assertEqual(lost[:20], [], f"{len(lost)} of {len(load.acked)} acknowledged records are missing")
        print(f"offered {load.offered_bytes / h.MiB:.0f} MiB, {load.unavailable_503} 503s, "
              f"{len(load.acked)} records acked, max RSS {max_rss / h.MiB:.0f} MiB")


if __name__ == "__main__":
    unittest.main()
