"""The seed's delivery stream, created with the aws CLI and fed by boto3, delivers on its own.

The stream is the seed article's (Hive-style timestamp prefix, error prefix, GZIP), with a 2 s
buffer interval so the test is fast. Nothing calls flush: the interval alone must deliver.
"""

import collections
import datetime as dt
import json
import re
import time
import unittest

import lakebox_harness as h

STREAM = "vehicles"
KEY_RE = re.compile(
    r"raw/year=(?P<year>\d{4})/month=(?P<month>\d\d)/day=(?P<day>\d\d)/hour=(?P<hour>\d\d)/"
    r"vehicles-1-" + h.SUFFIX_TIME_RE + r"-[0-9a-f-]{36}\.gz")
RECORDS = 5000
BATCH = 500


def week_based_years(day: dt.date) -> set[int]:
    """Values `YYYY` (Java's week-based year) can take for `day`: ISO weeks or Sunday-first weeks
    (locale-dependent in Java). Equal to the calendar year except in the last/first days of a year."""
    years = {day.year, day.isocalendar().year}
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
    years.add(saturday.year)
    return years


class FirehoseCliTest(h.LakeboxTestCase):

    def test_seed_stream_created_with_cli_delivers_5000_records_by_interval(self):
        server = self.start_server()
        destination = h.s3_destination(size_mb=128, interval_s=2)

        created = server.aws("firehose", "create-delivery-stream", "--delivery-stream-name", STREAM,
                             "--delivery-stream-type", "DirectPut",
                             "--extended-s3-destination-configuration", json.dumps(destination))
        self.assertTrue(created.ok, created.describe())
        self.assertEqual(created.json["DeliveryStreamARN"],
                         f"arn:aws:firehose:{h.REGION}:{h.ACCOUNT_ID}:deliverystream/{STREAM}")

        def described_active():
            r = server.aws("firehose", "describe-delivery-stream", "--delivery-stream-name", STREAM)
            self.assertTrue(r.ok, r.describe())
            d = r.json["DeliveryStreamDescription"]
            return d if d["DeliveryStreamStatus"] == "ACTIVE" else None
        description = h.wait_until(described_active, 30, "stream ACTIVE (describe-delivery-stream)", 0.5)
        self.assertEqual(description["DeliveryStreamName"], STREAM)
        self.assertEqual(description["DeliveryStreamType"], "DirectPut")
        self.assertEqual(description["VersionId"], "1")
        self.assertFalse(description["HasMoreDestinations"])
        self.assertEqual(len(description["Destinations"]), 1)
        ext = description["Destinations"][0]["ExtendedS3DestinationDescription"]
        self.assertEqual(ext["RoleARN"], h.ROLE_ARN)
        self.assertEqual(ext["BucketARN"], h.BUCKET_ARN)
        self.assertEqual(ext["Prefix"], h.SEED_PREFIX)
        self.assertEqual(ext["ErrorOutputPrefix"], h.SEED_ERROR_PREFIX)
        self.assertEqual(ext["CompressionFormat"], "GZIP")
        self.assertEqual(ext["BufferingHints"], {"SizeInMBs": 128, "IntervalInSeconds": 2})

        listed = server.aws("firehose", "list-delivery-streams")
        self.assertTrue(listed.ok, listed.describe())
        self.assertIn(STREAM, listed.json["DeliveryStreamNames"])
        self.assertFalse(listed.json["HasMoreDeliveryStreams"])

        records = [h.vehicle_record(i, run="cli") for i in range(RECORDS)]
        client = server.firehose()
        put_start = time.time()
        responses = h.put_all(client, STREAM, records, batch=BATCH)
        put_end = time.time()
        self.assertEqual(len(responses), RECORDS // BATCH)
        record_ids = []
        for resp in responses:
            entries = resp["RequestResponses"]
            self.assertEqual(len(entries), BATCH)
            failed = [e for e in entries if e.get("ErrorCode")]
            self.assertEqual(resp["FailedPutCount"], len(failed), resp)
            for e in entries:
                if not e.get("ErrorCode"):
                    self.assertTrue(e.get("RecordId"), f"entry without RecordId: {e}")
                    record_ids.append(e["RecordId"])
        self.assertEqual(len(record_ids), len(set(record_ids)), "RecordIds are not unique")

        # No flush: the 2 s interval must deliver everything.
        lake = server.lake
        h.wait_until(lambda: len(lake.records()) >= RECORDS, 30,
                     f"{RECORDS} records delivered under raw/ without a flush", 0.25)
        seen = time.time()
        time.sleep(3)  # one more interval: a late duplicate delivery would show up now

        keys = lake.keys()
        self.assertTrue(keys)
        allowed_hours = h.utc_hours_between(put_start, put_end)
        for key in keys:
            m = KEY_RE.fullmatch(key)
            self.assertIsNotNone(m, f"object key {key!r} does not match {KEY_RE.pattern}")
            year, month, day, hour = (int(m[g]) for g in ("year", "month", "day", "hour"))
            self.assertTrue(
                any((month, day, hour) == (a.month, a.day, a.hour) and year in week_based_years(a.date())
                    for a in allowed_hours),
                f"{key}: year/month/day/hour is not the UTC hour of the put ({allowed_hours})")
            suffix_time = dt.datetime.strptime(m["ts"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=dt.timezone.utc)
            self.assertGreaterEqual(suffix_time.timestamp(), int(put_start) - 1, key)
            self.assertLessEqual(suffix_time.timestamp(), seen + 1, key)
            self.assertEqual(lake.read(key)[:2], b"\x1f\x8b", f"{key} is not gzip")

        delivered = lake.records()
        self.assertEqual(len(delivered), RECORDS, "records delivered != records put")
        self.assertEqual(collections.Counter(delivered), collections.Counter(records),
                         "delivered records are not exactly the records put (multiset)")
        self.assertEqual(lake.buckets(), [h.BUCKET])


if __name__ == "__main__":
    unittest.main()
