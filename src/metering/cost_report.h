// The cost report: a month's metered usage priced as AWS would bill it (docs/cost.md), beside the
// seed's monthly projection for 3 GB/day, and what lakebox itself used on this machine.
//
// JSON (GET /v1/status "metering", `lakebox cost --json`):
//   {"Month":"2026-11", "Currency":"USD",
//    "Lines":[{"Service":"Kinesis Data Firehose","Usage":0.0123,"Unit":"GB ingested (5 KB increments)",
//              "UnitPrice":0.029,"Cost":0.00036,
//              "Details":[{"Name":"vehicles","Records":10,"Bytes":4100,"BilledBytes":51200}]},
//             ... Amazon S3, AWS Glue job, AWS Glue crawler, Amazon Athena, Amazon QuickSight],
//    "Total":..., "Projection":{"GBPerDay":3,"Days":30,"Lines":[...same shape, no Details...],"Total":42.88},
//    "Local":{"CpuSeconds":1.25,"DiskBytes":123456,"Since":"2026-11-25T22:16:52.123Z" or null},
//    "Notes":["..."]}
// Usage and costs are unrounded; whoever shows them rounds.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metering/metering_config.h"
#include "metering/usage_store.h"

namespace lakebox::metering {

struct CostLine {
  std::string service;     // "Kinesis Data Firehose"
  double usage = 0;        // in `unit`
  std::string unit;        // "GB ingested (5 KB increments)"
  double unit_price = 0;   // USD per unit
  double cost = 0;         // usage × unit_price
  // What the usage is made of, one object per stream / prefix / job / crawler / query source:
  // {"Name": ..., then the line's figures: "Records", "Bytes", "BilledBytes", "Runs", "Seconds", ...}.
  nlohmann::json details = nlohmann::json::array();
};

struct CostReport {
  std::string month;
  std::vector<CostLine> lines;
  double total = 0;
  Projection projection_assumptions;
  std::vector<CostLine> projection;
  double projection_total = 0;
  double cpu_seconds = 0;
  int64_t disk_bytes = 0;
  int64_t since_ms = 0;  // the month's first metered instant; 0 = nothing metered
  std::vector<std::string> notes;
};

// Prices `usage` (UsageStore::ReadMonth). Stored bytes count up to the month's end or `now_ms`,
// whichever is earlier: the byte-hours integrated so far plus, from the last storage sample on,
// the bytes it found (the data stays stored whether or not lakebox is running).
CostReport BuildCostReport(const MonthUsage& usage, const MeteringConfig& config, int64_t now_ms);

// The seed's projection alone (lines and total), from the assumptions and prices.
std::vector<CostLine> ProjectionLines(const MeteringConfig& config);

nlohmann::json CostReportJson(const CostReport& report);

}  // namespace lakebox::metering
