"""Graceful shutdown delivers what is buffered; streams survive restarts; lakebox.toml declares streams."""

import collections
import datetime as dt
import re
import signal
import time
import unittest
import zoneinfo

import lakebox_harness as h

GZ_STREAM = "vehicles"
PLAIN_STREAM = "plain"
CONFIG_STREAM = "configured"
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


class GracefulRestartTest(h.LakeboxTestCase):

    def test_sigterm_delivers_buffers_and_streams_persist_across_restarts(self):
        server = self.start_server()
        client = server.firehose()
        # 900 s intervals and big buffers: only the shutdown can deliver these records.
        h.create_stream(client, GZ_STREAM, compression="GZIP", size_mb=128, interval_s=900)
        h.create_stream(client, PLAIN_STREAM, prefix="plain/", error_output_prefix=None,
                        compression="UNCOMPRESSED", size_mb=128, interval_s=900)
        descriptions = {name: client.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
                        for name in (GZ_STREAM, PLAIN_STREAM)}

        sent = {GZ_STREAM: [h.vehicle_record(i, run="gz1") for i in range(1500)],
                PLAIN_STREAM: [h.vehicle_record(i, run="plain1") for i in range(700)]}
        for name, records in sent.items():
            h.put_all(client, name, records)
        self.assertEqual(server.lake.keys(), [], "delivered before the buffer filled or the interval passed")

        self.assertEqual(server.stop(signal.SIGTERM), 0, "SIGTERM did not exit 0")
        self.assertLakeHolds(server.lake, sent)
        gz_keys = server.lake.keys(prefix="raw/")
        plain_keys = server.lake.keys(prefix="plain/")
        self.assertEqual(len(gz_keys) + len(plain_keys), len(server.lake.keys()))
        for key in gz_keys:
            self.assertRegex(key, r"/vehicles-1-" + h.SUFFIX_TIME_RE + "-" + h.UUID_RE + r"\.gz$")
            self.assertEqual(server.lake.read(key)[:2], b"\x1f\x8b", key)
        for key in plain_keys:
            # No timestamp expression in "plain/": Firehose appends yyyy/MM/dd/HH/; UNCOMPRESSED
            # means no extension at all.
            self.assertRegex(key, r"^plain/\d{4}/\d\d/\d\d/\d\d/plain-1-" + h.SUFFIX_TIME_RE + "-" + h.UUID_RE + "$")

        server.start()
        client = server.firehose()
        self.assertEqual(client.list_delivery_streams()["DeliveryStreamNames"], [PLAIN_STREAM, GZ_STREAM])
        for name, before in descriptions.items():
            self.assertEqual(client.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"],
                             before, f"{name} changed across the restart")
        self.assertLakeHolds(server.lake, sent)  # the restart alone delivers nothing again

        more = {GZ_STREAM: [h.vehicle_record(i, run="gz2") for i in range(800)],
                PLAIN_STREAM: [h.vehicle_record(i, run="plain2") for i in range(300)]}
        for name, records in more.items():
            h.put_all(client, name, records)
            sent[name] += records
        self.assertEqual(server.stop(signal.SIGINT), 0, "SIGINT did not exit 0")
        self.assertLakeHolds(server.lake, sent)

    def assertLakeHolds(self, lake: h.Lake, sent: dict[str, list[bytes]]):
        self.assertEqual(collections.Counter(lake.records(prefix="raw/")), collections.Counter(sent[GZ_STREAM]),
                         f"{GZ_STREAM}: delivered records differ from those put")
        self.assertEqual(collections.Counter(lake.records(prefix="plain/")), collections.Counter(sent[PLAIN_STREAM]),
                         f"{PLAIN_STREAM}: delivered records differ from those put")

    def test_stream_declared_in_lakebox_toml_exists_and_survives_restart(self):
        config = f"""
[log]
level = "info"

[[stream]]
name = "{CONFIG_STREAM}"
bucket_arn = "{h.BUCKET_ARN}"
prefix = "conf/date=!{{timestamp:yyyy-MM-dd}}/hour=!{{timestamp:HH}}/"
error_output_prefix = "conf-errors/!{{firehose:error-output-type}}/"
compression = "GZIP"
buffer_size_mb = 1
buffer_interval_seconds = 60
file_extension = ".json.gz"
custom_time_zone = "Asia/Tokyo"
"""
        server = self.start_server(config=config)
        client = server.firehose()
        self.assertEqual(client.list_delivery_streams()["DeliveryStreamNames"], [CONFIG_STREAM])
        description = h.wait_active(client, CONFIG_STREAM)
        ext = description["Destinations"][0]["ExtendedS3DestinationDescription"]
        self.assertEqual(ext["BucketARN"], h.BUCKET_ARN)
        self.assertEqual(ext["Prefix"], "conf/date=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/")
        self.assertEqual(ext["ErrorOutputPrefix"], "conf-errors/!{firehose:error-output-type}/")
        self.assertEqual(ext["CompressionFormat"], "GZIP")
        self.assertEqual(ext["BufferingHints"], {"SizeInMBs": 1, "IntervalInSeconds": 60})
        self.assertEqual(ext["FileExtension"], ".json.gz")
        self.assertEqual(ext["CustomTimeZone"], "Asia/Tokyo")

        records = [h.vehicle_record(i, run="conf") for i in range(300)]
        put_start = time.time()
        h.put_all(client, CONFIG_STREAM, records)
        server.flush(CONFIG_STREAM)
        put_end = time.time()
        keys = server.lake.keys()
        self.assertTrue(keys)
        tokyo_hours = h.hours_between(put_start, put_end, TOKYO)
        key_re = re.compile(r"conf/date=(?P<date>\d{4}-\d\d-\d\d)/hour=(?P<hour>\d\d)/configured-1-"
                            + h.SUFFIX_TIME_RE + "-" + h.UUID_RE + r"\.json\.gz")
        for key in keys:
            m = key_re.fullmatch(key)
            self.assertIsNotNone(m, f"{key!r} does not match {key_re.pattern}")
            # Prefix and suffix timestamps are in the stream's time zone (Tokyo, UTC+9, no DST).
            self.assertIn((m["date"], m["hour"]),
                          [(t.strftime("%Y-%m-%d"), t.strftime("%H")) for t in tokyo_hours], key)
            suffix = dt.datetime.strptime(m["ts"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=TOKYO)
            self.assertGreaterEqual(suffix.timestamp(), int(put_start) - 1, key)
            self.assertLessEqual(suffix.timestamp(), put_end + 1, key)
        self.assertEqual(collections.Counter(server.lake.records()), collections.Counter(records))

        # Restarting with the same lakebox.toml keeps the stream as it was and delivers nothing again.
        self.assertEqual(server.stop(), 0)
        server.start()
        client = server.firehose()
        self.assertEqual(client.list_delivery_streams()["DeliveryStreamNames"], [CONFIG_STREAM])
        self.assertEqual(client.describe_delivery_stream(DeliveryStreamName=CONFIG_STREAM)["DeliveryStreamDescription"],
                         description)
        more = [h.vehicle_record(i, run="conf2") for i in range(100)]
        h.put_all(client, CONFIG_STREAM, more)
        server.flush()
        self.assertEqual(collections.Counter(server.lake.records()), collections.Counter(records + more))


if __name__ == "__main__":
    unittest.main()
