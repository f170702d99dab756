"""The crawler reads only what is new: the catalog issue's acceptance 3.

A lake of 10,000 small gzip NDJSON objects (100 Hive partitions of 100 objects), written straight
to disk, is crawled once; a second crawl with nothing new reads no object and leaves the table's
version alone; after 100 objects are added (half into existing partitions, half into a new one)
the crawl reads exactly those 100 and the record count grows by exactly their records. Asserted
on the crawler's own counters (GetCrawlerMetrics' lakebox members, which boto3 does not model, so
they are read with a raw call).
"""

import time
import unittest

import lakebox_harness as h

CRAWLER = "big-crawler"
DATABASE = "lake"
TABLE = "big"
PARTITIONS = 100
OBJECTS_PER_PARTITION = 100
RECORDS_PER_OBJECT = 3


def records(partition: int, index: int, count: int) -> list:
    return [{"id": f"{partition}-{index}-{n}", "partition_no": partition, "reading": n + 0.5,
             "sensor": {"kind": "temp", "ok": n % 2 == 0}} for n in range(count)]


class CrawlerIncrementalTest(h.LakeboxTestCase):

    def metrics(self, server) -> dict:
        response = server.glue_call("GetCrawlerMetrics", {"CrawlerNameList": [CRAWLER]})
        entries = [m for m in response["CrawlerMetricsList"] if m["CrawlerName"] == CRAWLER]
        self.assertEqual(len(entries), 1, response)
        return entries[0]

    def crawl(self, server, glue) -> dict:
        started = time.monotonic()
        crawler = h.run_crawler(glue, CRAWLER, timeout=120)
        self.assertEqual(crawler["LastCrawl"]["Status"], "SUCCEEDED", crawler["LastCrawl"])
        metrics = self.metrics(server)
        metrics["_seconds"] = time.monotonic() - started
        return metrics

    def test_second_crawl_reads_nothing_and_a_third_reads_only_the_100_new_objects(self):
        server = self.start_server()
        lake = server.lake
        started = time.monotonic()
        for p in range(PARTITIONS):
            for i in range(OBJECTS_PER_PARTITION):
                lake.put(f"big/part={p:03d}/obj-{i:03d}.json.gz", h.gzip_ndjson(records(p, i, RECORDS_PER_OBJECT)))
        write_seconds = time.monotonic() - started
        total = PARTITIONS * OBJECTS_PER_PARTITION

        glue = server.glue()
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_crawler(Name=CRAWLER, Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                            Targets={"S3Targets": [{"Path": "s3://lake/big/"}]})

        full = self.crawl(server, glue)
        self.assertEqual(full["TablesCreated"], 1, full)
        self.assertEqual(full["ObjectsListed"], total, full)
        self.assertEqual(full["ObjectsRead"], total, full)
        self.assertEqual(full["ObjectsSkipped"], 0, full)
        self.assertEqual(full["PartitionsAdded"], PARTITIONS, full)
        self.assertGreater(full["BytesSampled"], 0, full)
        table = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
        self.assertEqual(table["Parameters"]["recordCount"], str(total * RECORDS_PER_OBJECT))
        self.assertEqual(table["Parameters"]["objectCount"], str(total))
        self.assertEqual([k["Name"] for k in table["PartitionKeys"]], ["part"])
        self.assertEqual({c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]},
                         {"id": "string", "partition_no": "int", "reading": "double",
                          "sensor": "struct<kind:string,ok:boolean>"})
        version = table["VersionId"]

        noop = self.crawl(server, glue)
        self.assertEqual(noop["ObjectsRead"], 0, noop)
        self.assertEqual(noop["ObjectsListed"], total, noop)
        self.assertEqual(noop["BytesSampled"], 0, noop)
        self.assertEqual((noop["TablesCreated"], noop["TablesUpdated"], noop["TablesDeleted"]), (0, 0, 0), noop)
        self.assertEqual(noop["PartitionsAdded"], 0, noop)
        unchanged = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
        self.assertEqual(unchanged["VersionId"], version)
        self.assertEqual(unchanged["Parameters"]["recordCount"], str(total * RECORDS_PER_OBJECT))

        added_records = 0
        for i in range(50):  # into existing partitions
            rs = records(i, 500 + i, 1 + i % 4)
            added_records += len(rs)
            lake.put(f"big/part={i:03d}/new-{i:03d}.json.gz", h.gzip_ndjson(rs))
        for i in range(50):  # into a new partition
            rs = records(PARTITIONS, i, 2)
            added_records += len(rs)
            lake.put(f"big/part={PARTITIONS:03d}/obj-{i:03d}.json.gz", h.gzip_ndjson(rs))

        third = self.crawl(server, glue)
        self.assertEqual(third["ObjectsRead"], 100, third)
        self.assertEqual(third["ObjectsListed"], total + 100, third)
        self.assertEqual(third["PartitionsAdded"], 1, third)
        grown = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
        self.assertEqual(grown["Parameters"]["recordCount"], str(total * RECORDS_PER_OBJECT + added_records))
        self.assertEqual(grown["Parameters"]["objectCount"], str(total + 100))
        new_partition = glue.get_partition(DatabaseName=DATABASE, TableName=TABLE,
                                           PartitionValues=[f"{PARTITIONS:03d}"])["Partition"]
        self.assertEqual(new_partition["Parameters"]["recordCount"], "100")
        self.assertEqual(new_partition["StorageDescriptor"]["Location"], f"s3://lake/big/part={PARTITIONS:03d}/")
        old_partition = glue.get_partition(DatabaseName=DATABASE, TableName=TABLE,
                                           PartitionValues=["000"])["Partition"]
        self.assertEqual(old_partition["Parameters"]["recordCount"],
                         str(OBJECTS_PER_PARTITION * RECORDS_PER_OBJECT + 1))

        print(f"\n  wrote {total} objects in {write_seconds:.1f} s; full crawl {full['_seconds']:.2f} s, "
              f"no-op {noop['_seconds']:.2f} s, +100 objects {third['_seconds']:.2f} s")


if __name__ == "__main__":
    unittest.main()
