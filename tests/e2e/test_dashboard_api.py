"""The web UI's native endpoints (docs/web-api.md): dashboards, their datasets, the CSV download.

The seed's pipeline as test_workflow_run.py runs it (stream, crawlers, the job vehicles_to_stage,
a workflow run on demand), plus two [[dashboard]]s of the test's own. Then

- GET /v1/dashboards lists the built-in "vehicles" dashboard and the configured ones, and
  GET /v1/dashboards/vehicles gives its definition; an unknown dashboard or dataset is a
  ResourceNotFoundException, a dataset on a table not crawled yet and one with bad SQL are
  InvalidRequestException with the engine's message;
- every dataset of the built-in dashboard answers typed rows, and they agree with the same
  questions asked through Athena: the map has one row per distinct vehicle_id, the vendor bars
  are a count by vendor, the Records KPI is count(*);
- a dataset is answered again from the cache within its interval ("Cached": true);
- GET /v1/queries/<id>/results.csv is the Athena result file byte for byte (and what
  GetQueryResults gives), with text/csv and an attachment name; unknown or failed executions
  are InvalidRequestException;
- a GET of a path no endpoint or embedded file takes is a 404; an embedded file comes with an
  ETag and is answered 304 when the browser already has it.
"""

import csv
import io
import json
import unittest

import lakebox_harness as h
import test_workflow as base

RECORDS = base.RECORDS
CONFIG = base.CONFIG.replace(f'schedule = "rate({base.PERIOD_S} seconds)"\n', "") + """
[[dashboard]]
name = "early"
title = "Asked before the stage table exists"
database = "vehicles"
refresh_seconds = 3600
[[dashboard.dataset]]
name = "count"
sql = "SELECT count(*) AS records FROM vehicles_stage"
[[dashboard.visual]]
type = "kpi"
dataset = "count"
value = "records"

[[dashboard]]
name = "broken"
refresh_seconds = 3600
[[dashboard.dataset]]
name = "typo"
sql = "SELEC 1"
[[dashboard.dataset]]
name = "types"
sql = "SELECT 1::TINYINT AS i, 2.5::DECIMAL(4,1) AS d, true AS b, 'x' AS s, NULL::BIGINT AS n, DATE '2026-11-25' AS day"
[[dashboard.visual]]
type = "table"
dataset = "typo"
[[dashboard.visual]]
type = "table"
dataset = "types"
"""


class DashboardApiTest(h.LakeboxTestCase):
    def get(self, server, path, headers=None):
        return server.http("GET", path, headers=headers)

    def get_json(self, server, path):
        response = self.get(server, path)
        self.assertEqual(response.status, 200, f"{path}: {response.body[:500]!r}")
        self.assertEqual(response.headers.get("content-type", "").split(";")[0], "application/json")
        return response.json()

    def assert_error(self, response, status, error_type, *fragments):
        self.assertEqual(response.status, status, response.body[:500])
        body = response.json()
        self.assertEqual(body["__type"], error_type, body)
        self.assertEqual(response.headers.get("x-amzn-errortype"), error_type)
        for fragment in fragments:
            self.assertIn(fragment, body["message"])
        return body

    def athena_rows(self, server, sql):
        athena = server.athena()
        execution = h.run_query(athena, sql, database=base.DATABASE)
        self.assertEqual(execution["Status"]["State"], "SUCCEEDED", execution["Status"])
        return h.query_rows(athena, execution["QueryExecutionId"])[1:]

    def test_dashboards_datasets_and_result_files(self):
        server = self.start_server(config=CONFIG)

        listed = self.get_json(server, "/v1/dashboards")["Dashboards"]
        self.assertEqual([d["Name"] for d in listed], ["vehicles", "early", "broken"])
        self.assertEqual(listed[0], {"Name": "vehicles", "Title": "Vehicles", "RefreshSeconds": 5})
        vehicles = self.get_json(server, "/v1/dashboards/vehicles")
        self.assertEqual(vehicles["Database"], "vehicles")
        datasets = [d["Name"] for d in vehicles["Datasets"]]
        self.assertEqual(datasets, ["latest_positions", "records_by_vendor", "totals", "records_per_minute",
                                    "speed_by_vendor"])
        visuals = {v["Id"]: v for v in vehicles["Visuals"]}
        self.assertEqual(visuals["map"]["Type"], "map")
        self.assertEqual((visuals["map"]["Latitude"], visuals["map"]["Longitude"]), ("latitude", "longitude"))
        self.assertEqual(visuals["vendors"]["Title"], "Distribution by vendor")
        self.assertEqual(visuals["records"]["Type"], "kpi")
        status = json.loads(h.run_lakebox("status", "--json", endpoint=server.endpoint).stdout)
        self.assertIn({"name": "vehicles", "title": "Vehicles", "url": "/#/dashboards/vehicles"},
                      status["dashboards"])

        # Errors: unknown names, the table not crawled yet, bad SQL.
        self.assert_error(self.get(server, "/v1/dashboards/nope"), 400, "ResourceNotFoundException",
                          "Dashboard nope was not found", "vehicles")
        self.assert_error(self.get(server, "/v1/dashboards/vehicles/datasets/nope"), 400,
                          "ResourceNotFoundException", "has no dataset nope", "latest_positions")
        # (Nothing crawled yet: not even the database exists.)
        self.assert_error(self.get(server, "/v1/dashboards/early/datasets/count"), 400, "InvalidRequestException",
                          "unknown database 'vehicles'", "The catalog has")
        self.assert_error(self.get(server, "/v1/dashboards/broken/datasets/typo"), 400, "InvalidRequestException",
                          "syntax error")
        wrong = server.http("POST", "/v1/dashboards/vehicles", body=b"{}")
        self.assertEqual(wrong.status, 404)
        self.assertIn("use GET", wrong.json()["message"])
        types = self.get_json(server, "/v1/dashboards/broken/datasets/types")
        self.assertEqual([c["Type"] for c in types["Columns"]],
                         ["TINYINT", "DECIMAL(4,1)", "BOOLEAN", "VARCHAR", "BIGINT", "DATE"])
        self.assertEqual(types["Rows"], [[1, 2.5, True, "x", None, "2026-11-25"]])

        # The pipeline, once.
        done = h.run_lakebox("workflow", "run", base.WORKFLOW, endpoint=server.endpoint)
        self.assertEqual(done.returncode, 0, done.stderr)

        answers = {}
        for name in datasets:
            response = self.get(server, f"/v1/dashboards/vehicles/datasets/{name}")
            self.assertEqual(response.status, 200, f"{name}: {response.body[:500]!r}")
            self.assertEqual(response.headers.get("cache-control"), "no-store")
            answer = response.json()
            self.assertEqual(sorted(answer), ["BytesScanned", "Cached", "Columns", "ComputedAt", "EngineMillis",
                                              "Rows"])
            self.assertRegex(answer["ComputedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertGreater(answer["BytesScanned"], 0)
            answers[name] = answer

        def rows_as_dicts(answer):
            names = [c["Name"] for c in answer["Columns"]]
            return [dict(zip(names, row)) for row in answer["Rows"]]

        # The map: one point per vehicle, each with numbers for its position.
        (distinct,) = self.athena_rows(server, 'SELECT count(DISTINCT vehicle_id) FROM "vehicles"."vehicles_stage"')
        positions = rows_as_dicts(answers["latest_positions"])
        self.assertEqual(len(positions), int(distinct[0]))
        self.assertEqual(len({p["vehicle_id"] for p in positions}), len(positions))
        for p in positions:
            self.assertIsInstance(p["latitude"], float)
            self.assertIsInstance(p["longitude"], float)
            self.assertTrue(-90 <= p["latitude"] <= 90 and -180 <= p["longitude"] <= 180, p)
        # Each vehicle's point is its latest reading.
        latest = self.athena_rows(server, 'SELECT vehicle_id, max(event_time) FROM "vehicles"."vehicles_stage" '
                                          'GROUP BY vehicle_id')
        self.assertEqual({p["vehicle_id"]: p["event_time"] for p in positions}, dict(map(tuple, latest)))

        # The vendor bars: a count by vendor.
        by_vendor = self.athena_rows(server, 'SELECT vendor, count(*) FROM "vehicles"."vehicles_stage" GROUP BY vendor')
        bars = {row["vendor"]: row["records"] for row in rows_as_dicts(answers["records_by_vendor"])}
        self.assertEqual(bars, {vendor: int(count) for vendor, count in by_vendor})
        self.assertEqual(sum(bars.values()), RECORDS)

        totals = rows_as_dicts(answers["totals"])
        self.assertEqual(totals, [{"records": RECORDS, "vehicles": int(distinct[0])}])
        per_minute = rows_as_dicts(answers["records_per_minute"])
        self.assertEqual(sum(row["records"] for row in per_minute), RECORDS)
        self.assertEqual([row["minute"] for row in per_minute], sorted(row["minute"] for row in per_minute))
        speeds = rows_as_dicts(answers["speed_by_vendor"])
        self.assertEqual(sorted(row["vendor"] for row in speeds), sorted(bars))
        for row in speeds:
            self.assertTrue(0 <= row["avg_speed_kmh"] <= 200, row)

        # The cache: within its interval (half an hour here) a dataset answers its last outcome, an
        # error included: "early" still reports the table missing, "types" the same result.
        self.assert_error(self.get(server, "/v1/dashboards/early/datasets/count"), 400, "InvalidRequestException")
        again = self.get_json(server, "/v1/dashboards/broken/datasets/types")
        self.assertTrue(again["Cached"])
        self.assertEqual(again["ComputedAt"], types["ComputedAt"])

        # results.csv: the Athena result file.
        athena = server.athena()
        execution = h.run_query(athena, 'SELECT vendor, count(*) AS n, NULL AS nothing, \'say "hi"\' AS quote '
                                         'FROM "vehicles"."vehicles_stage" GROUP BY vendor ORDER BY vendor',
                                database=base.DATABASE)
        query_id = execution["QueryExecutionId"]
        response = self.get(server, f"/v1/queries/{query_id}/results.csv")
        self.assertEqual(response.status, 200, response.body[:300])
        self.assertEqual(response.headers["content-type"].split(";")[0], "text/csv")
        self.assertEqual(response.headers["content-disposition"], f'attachment; filename="{query_id}.csv"')
        location = execution["ResultConfiguration"]["OutputLocation"]
        self.assertTrue(location.startswith("s3://lake/"), location)
        self.assertEqual(response.body, server.lake.read(location[len("s3://lake/"):]))
        parsed = list(csv.reader(io.StringIO(response.body.decode())))
        self.assertEqual(parsed[0], ["vendor", "n", "nothing", "quote"])
        athena_rows = h.query_rows(athena, query_id)
        self.assertEqual(parsed[1:], [[cell if cell is not None else "" for cell in row] for row in athena_rows[1:]])
        self.assertEqual(len(parsed) - 1, len(bars))

        self.assert_error(self.get(server, "/v1/queries/00000000-0000-4000-8000-000000000000/results.csv"), 400,
                          "InvalidRequestException", "was not found")
        failed = h.run_query(athena, "SELECT * FROM no_such_table", database=base.DATABASE)
        self.assertEqual(failed["Status"]["State"], "FAILED")
        self.assert_error(self.get(server, f"/v1/queries/{failed['QueryExecutionId']}/results.csv"), 400,
                          "InvalidRequestException", "FAILED")

    def test_static_files_and_unknown_paths(self):
        server = self.start_server()
        missing = self.get(server, "/assets/no-such-file.js")
        self.assertEqual(missing.status, 404)
        self.assertIn("no endpoint GET /assets/no-such-file.js", missing.json()["message"])
        self.assertEqual(self.get(server, "/v1/nope").status, 404)

        index = self.get(server, "/")
        self.assertEqual(index.status, 200, index.body[:300])
        self.assertEqual(index.headers["content-type"].split(";")[0], "text/html")
        self.assertEqual(index.headers["cache-control"], "no-cache")
        etag = index.headers["etag"]
        self.assertRegex(etag, r'^"[0-9a-f]+-[0-9a-f]+"$')
        unchanged = self.get(server, "/", headers={"If-None-Match": etag})
        self.assertEqual(unchanged.status, 304)
        self.assertEqual(unchanged.body, b"")
        self.assertEqual(unchanged.headers["etag"], etag)
        other = self.get(server, "/", headers={"If-None-Match": '"something-else"'})
        self.assertEqual(other.status, 200)
        self.assertEqual(other.body, index.body)


if __name__ == "__main__":
    unittest.main()
