"""Bad input gets the AWS error a real client expects, and changes nothing.

Each test starts a server holding one valid stream with 100 delivered records (the baseline),
sends one kind of bad request, checks the error boto3 (or a raw HTTP client) sees, then checks
that nothing changed: same stream list, same stream description, and after a flush the lake holds
exactly the baseline records (so none of the rejected records went anywhere, error prefix included).
"""

import base64
import collections
import json
import unittest

import botocore.exceptions

import lakebox_harness as h

STREAM = "vehicles"
MAX_RECORD = 1_024_000  # 1,000 KiB
MAX_BATCH_BYTES = 4 * h.MiB


def sized_record(seq: int, run: str, size: int) -> bytes:
    """A vehicle record padded to exactly `size` bytes (newline included)."""
    base = len(h.vehicle_record(seq, run=run, padding=1))
    record = h.vehicle_record(seq, run=run, padding=1 + size - base)
    assert len(record) == size, (len(record), size)
    return record


class BadInputTest(h.LakeboxTestCase):

    def setUp(self):
        self.server = self.start_server()
        self.client = self.server.firehose(retries=h.NO_RETRIES)
        # For values botocore would refuse before sending (below a modelled minimum): the server
        # must refuse them too.
        self.unchecked = self.server.firehose(retries=h.NO_RETRIES, parameter_validation=False)
        h.create_stream(self.client, STREAM, size_mb=128, interval_s=900)
        self.baseline = [h.vehicle_record(i, run="ok") for i in range(100)]
        h.put_all(self.client, STREAM, self.baseline)
        self.server.flush()
        self.assertEqual(collections.Counter(self.server.lake.all_records()), collections.Counter(self.baseline))
        self.description = self.describe(STREAM)

    def describe(self, name):
        return self.client.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]

    def assertRejected(self, call, code: str, status: int = 400) -> botocore.exceptions.ClientError:
        """`call()` raises the ClientError `code` with HTTP `status` (and, for errors Firehose
        models, boto3's own exception class)."""
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call()
        exc = cm.exception
        self.assertEqual(h.error_code(exc), code, f"wrong error: {exc.response}")
        self.assertEqual(h.http_status(exc), status, f"wrong HTTP status: {exc.response}")
        modelled = getattr(self.client.exceptions, code, None)
        if modelled is not None:
            self.assertIsInstance(exc, modelled)
        return exc

    def assertRawRejected(self, response: h.HttpResponse, code: str, status: int = 400):
        self.assertEqual(response.status, status, response)
        self.assertEqual(h.aws_error_type(response), code, response)

    def assertNothingChanged(self, rejected=()):
        streams = self.client.list_delivery_streams()
        self.assertEqual(streams["DeliveryStreamNames"], [STREAM])
        self.assertEqual(self.describe(STREAM), self.description)
        self.server.flush()
        delivered = self.server.lake.all_records()
        for record in rejected:
            self.assertNotIn(record, delivered, "a rejected record was delivered")
        self.assertEqual(collections.Counter(delivered), collections.Counter(self.baseline),
                         "the lake changed after a rejected request")
        self.assertTrue(self.server.is_running(), "the server died")

    # ---- puts

    def test_batch_of_501_records_is_validation_exception(self):
        records = [h.vehicle_record(i, run="bad501") for i in range(501)]
        self.assertRejected(lambda: self.client.put_record_batch(
            DeliveryStreamName=STREAM, Records=[{"Data": r} for r in records]), "ValidationException")
        self.assertNothingChanged(records)

    def test_record_over_1000_kib_is_validation_exception(self):
        big = sized_record(1, "big", 1001 * h.KiB)
        small = h.vehicle_record(2, run="big")
        self.assertRejected(lambda: self.client.put_record_batch(
            DeliveryStreamName=STREAM, Records=[{"Data": small}, {"Data": big}]), "ValidationException")
        self.assertRejected(lambda: self.client.put_record(
            DeliveryStreamName=STREAM, Record={"Data": big}), "ValidationException")
        self.assertNothingChanged([big, small])

    def test_batch_over_4_mib_is_invalid_argument(self):
        records = [sized_record(i, "huge", MAX_RECORD) for i in range(5)]
        self.assertGreater(sum(map(len, records)), MAX_BATCH_BYTES)
        self.assertRejected(lambda: self.client.put_record_batch(
            DeliveryStreamName=STREAM, Records=[{"Data": r} for r in records]), "InvalidArgumentException")
        self.assertNothingChanged(records)

    def test_limits_themselves_are_accepted(self):
        # 500 records, a 1,024,000-byte record, and 4 such records (4,096,000 bytes <= 4 MiB).
        batch = [h.vehicle_record(i, run="edge") for i in range(500)]
        largest = [sized_record(1000 + i, "edge", MAX_RECORD) for i in range(4)]
        for records in (batch, largest):
            resp = self.client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": r} for r in records])
            self.assertEqual(resp["FailedPutCount"], 0, [e for e in resp["RequestResponses"] if "ErrorCode" in e])
        resp = self.client.put_record(DeliveryStreamName=STREAM, Record={"Data": largest[0]})
        self.assertTrue(resp["RecordId"])
        self.server.flush()
        self.assertEqual(collections.Counter(self.server.lake.all_records()),
                         collections.Counter(self.baseline + batch + largest + [largest[0]]))

    def test_unknown_stream_is_resource_not_found(self):
        record = h.vehicle_record(1, run="nostream")
        self.assertRejected(lambda: self.client.put_record_batch(
            DeliveryStreamName="no-such-stream", Records=[{"Data": record}]), "ResourceNotFoundException")
        self.assertRejected(lambda: self.client.put_record(
            DeliveryStreamName="no-such-stream", Record={"Data": record}), "ResourceNotFoundException")
        self.assertRejected(lambda: self.client.describe_delivery_stream(
            DeliveryStreamName="no-such-stream"), "ResourceNotFoundException")
        self.assertNothingChanged([record])

    # ---- the wire

    def test_malformed_json_body_is_serialization_exception(self):
        record = h.vehicle_record(1, run="malformed")
        data = base64.b64encode(record).decode()
        body = ('{"DeliveryStreamName": "%s", "Records": [{"Data": "%s"}' % (STREAM, data)).encode()
        self.assertRawRejected(h.firehose_request(self.server.endpoint, "PutRecordBatch", body),
                               "SerializationException")
        self.assertRawRejected(h.firehose_request(self.server.endpoint, "CreateDeliveryStream", b"{not json"),
                               "SerializationException")
        self.assertNothingChanged([record])

    def test_unknown_target_is_unknown_operation(self):
        body = json.dumps({"DeliveryStreamName": STREAM}).encode()
        self.assertRawRejected(h.firehose_request(self.server.endpoint, "ExplodeDeliveryStream", body),
                               "UnknownOperationException")
        self.assertRawRejected(
            h.firehose_request(self.server.endpoint, "DescribeDeliveryStream", body, target_prefix="NoSuchService"),
            "UnknownOperationException")
        self.assertNothingChanged()

    # ---- CreateDeliveryStream

    def create(self, name="other", client=None, **destination):
        client = client or self.client
        return lambda: client.create_delivery_stream(
            DeliveryStreamName=name, DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration=h.s3_destination(**destination))

    def test_invalid_prefix_expressions_are_invalid_argument(self):
        cases = {
            "unterminated expression": ("raw/!{timestamp:yyyy", h.SEED_ERROR_PREFIX),
            "unknown namespace": ("!{foo:bar}/", h.SEED_ERROR_PREFIX),
            "expressions without ErrorOutputPrefix": ("raw/!{timestamp:yyyy}/", None),
            "error-output-type in Prefix": ("raw/!{firehose:error-output-type}/", h.SEED_ERROR_PREFIX),
            "error prefix without error-output-type": ("raw/!{timestamp:yyyy}/", "errors/!{timestamp:yyyy}/"),
        }
        for case, (prefix, error_prefix) in cases.items():
            with self.subTest(case, prefix=prefix, error_output_prefix=error_prefix):
                self.assertRejected(self.create(prefix=prefix, error_output_prefix=error_prefix),
                                    "InvalidArgumentException")
        self.assertNothingChanged()

    def test_duplicate_stream_name_is_resource_in_use(self):
        self.assertRejected(self.create(name=STREAM, prefix="other/", error_output_prefix=None,
                                        compression="UNCOMPRESSED", size_mb=1, interval_s=60),
                            "ResourceInUseException")
        self.assertNothingChanged()

    def test_buffering_hints_out_of_range_are_validation_exception(self):
        cases = {"SizeInMBs=0": (0, 300), "SizeInMBs=129": (129, 300), "IntervalInSeconds=901": (5, 901),
                 "IntervalInSeconds=-1": (5, -1)}
        for case, (size_mb, interval_s) in cases.items():
            with self.subTest(case):
                self.assertRejected(self.create(client=self.unchecked, size_mb=size_mb, interval_s=interval_s),
                                    "ValidationException")
        self.assertNothingChanged()

    def test_invalid_stream_names_are_validation_exception(self):
        for name in ["bad name!", "slash/name", "caf\u00e9", "a" * 65, ""]:
            with self.subTest(name=name):
                self.assertRejected(self.create(client=self.unchecked, name=name), "ValidationException")
        self.assertNothingChanged()


if __name__ == "__main__":
    unittest.main()
