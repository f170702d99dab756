"""Objects the crawler cannot read are reported and skipped: the catalog issue's acceptance 4.

Among good gzip NDJSON objects of one target folder lie a truncated gzip object, an object that is
not JSON (gzip-compressed prose) and an empty object; a second, clean target gets its own table.
The crawl, run with `lakebox crawl`, still SUCCEEDS; the three objects are listed (by key) in its
summary and in GetCrawlerMetrics' problems and counted as skipped, and both tables have the right
columns and record counts.
"""

import gzip
import subprocess
import unittest

import lakebox_harness as h

CRAWLER = "mixed-crawler"
DATABASE = "bad_input"


def good_records(start: int, count: int) -> list:
    return [{"id": start + n, "name": f"item-{start + n}", "price": 1.25 * (n + 1), "tags": ["a", "b"]}
            for n in range(count)]


class CrawlerBadInputTest(h.LakeboxTestCase):

    def test_truncated_non_json_and_empty_objects_are_reported_and_skipped(self):
        server = self.start_server()
        lake = server.lake
        lake.put("mixed/day=01/good-1.json.gz", h.gzip_ndjson(good_records(0, 40)))
        lake.put("mixed/day=01/good-2.json.gz", h.gzip_ndjson(good_records(40, 60)))
        lake.put("mixed/day=02/good-3.json.gz", h.gzip_ndjson(good_records(100, 25)))
        whole = h.gzip_ndjson(good_records(1000, 500))
        lake.put("mixed/day=01/truncated.json.gz", whole[:len(whole) // 2])
        lake.put("mixed/day=02/not-json.gz",
                 gzip.compress(b"This is not JSON.\nIt is a few lines of prose\nthat no classifier takes.\n"))
        lake.put("mixed/day=02/empty.json", b"")
        lake.put("clean/events-1.json.gz", h.gzip_ndjson({"event": "open", "at": n} for n in range(30)))
        lake.put("clean/events-2.json.gz", h.gzip_ndjson({"event": "close", "at": n} for n in range(20)))
        bad_keys = {"s3://lake/mixed/day=01/truncated.json.gz", "s3://lake/mixed/day=02/not-json.gz",
                    "s3://lake/mixed/day=02/empty.json"}

        glue = server.glue()
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_crawler(Name=CRAWLER, Role=h.GLUE_ROLE_ARN, DatabaseName=DATABASE,
                            Targets={"S3Targets": [{"Path": "s3://lake/mixed/"}, {"Path": "s3://lake/clean/"}]})
        # Run through the CLI: its summary lists the problems.
        crawl = subprocess.run([str(h.lakebox_binary()), "crawl", CRAWLER, "--endpoint", server.endpoint],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(crawl.returncode, 0, crawl.stderr + crawl.stdout)
        self.assertIn(f"crawler {CRAWLER}: SUCCEEDED", crawl.stdout)
        self.assertIn("problems (3):", crawl.stdout)
        for key in bad_keys:
            self.assertIn(key + ":", crawl.stdout)
        crawler = glue.get_crawler(Name=CRAWLER)["Crawler"]
        self.assertEqual(crawler["State"], "READY")
        self.assertEqual(crawler["LastCrawl"]["Status"], "SUCCEEDED", crawler["LastCrawl"])

        metrics = server.glue_call("GetCrawlerMetrics", {"CrawlerNameList": [CRAWLER]})["CrawlerMetricsList"][0]
        self.assertEqual(metrics["CrawlerName"], CRAWLER)
        self.assertEqual(metrics["TablesCreated"], 2, metrics)
        self.assertEqual(metrics["ObjectsListed"], 8, metrics)
        self.assertEqual(metrics["ObjectsSkipped"], 3, metrics)
        problems = metrics["Problems"]
        self.assertEqual(len(problems), 3, problems)
        for key in bad_keys:
            self.assertEqual(sum(1 for p in problems if p.startswith(key + ":")), 1,
                             f"{key} is not reported once in {problems}")

        tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=DATABASE)["TableList"]}
        self.assertEqual(sorted(tables), ["clean", "mixed"])
        mixed = tables["mixed"]
        self.assertEqual({c["Name"]: c["Type"] for c in mixed["StorageDescriptor"]["Columns"]},
                         {"id": "int", "name": "string", "price": "double", "tags": "array<string>"})
        self.assertEqual([k["Name"] for k in mixed["PartitionKeys"]], ["day"])
        self.assertEqual(mixed["Parameters"]["classification"], "json")
        self.assertEqual(mixed["Parameters"]["compressionType"], "gzip")
        self.assertEqual(mixed["Parameters"]["recordCount"], "125")
        self.assertEqual(mixed["StorageDescriptor"]["Location"], "s3://lake/mixed/")
        partitions = glue.get_partitions(DatabaseName=DATABASE, TableName="mixed")["Partitions"]
        self.assertEqual(sorted(p["Values"][0] for p in partitions), ["01", "02"])
        counts = {p["Values"][0]: p["Parameters"]["recordCount"] for p in partitions}
        self.assertEqual(counts, {"01": "100", "02": "25"})

        clean = tables["clean"]
        self.assertEqual({c["Name"]: c["Type"] for c in clean["StorageDescriptor"]["Columns"]},
                         {"event": "string", "at": "int"})
        self.assertEqual(clean["PartitionKeys"], [])
        self.assertEqual(clean["Parameters"]["recordCount"], "50")
        self.assertEqual(clean["StorageDescriptor"]["Location"], "s3://lake/clean/")


if __name__ == "__main__":
    unittest.main()
