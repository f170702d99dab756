// AWS's billing rules that turn measured usage into billed usage, and the calendar months bills
// are made of. Every rule here is documented, with its source, in docs/cost.md.
//
// Units: AWS bills storage and transfer in binary units (a GB is 2^30 bytes, a TB 2^40, a KB
// 2^10), so lakebox does too. A billing month is a calendar month in UTC; S3's GB-month is
// byte-hours / 2^30 / 730 (AWS's month of 730 hours, whatever the month's length).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace lakebox::metering {

inline constexpr double kBytesPerGb = 1024.0 * 1024.0 * 1024.0;
inline constexpr double kBytesPerTb = kBytesPerGb * 1024.0;
inline constexpr double kHoursPerMonth = 730.0;
inline constexpr int64_t kMillisPerHour = 3'600'000;

// Firehose Direct PUT bills each record rounded up to the next 5 KB (5,120 bytes); an empty
// record counts as one increment.
inline constexpr uint64_t kFirehoseIncrementBytes = 5 * 1024;
uint64_t FirehoseBilledBytes(uint64_t record_bytes);

// Athena bills a query's bytes scanned rounded up to the next MB, at least 10 MB.
inline constexpr int64_t kAthenaMinimumBytes = 10ll << 20;
int64_t AthenaBilledBytes(int64_t bytes_scanned);
// Whether Athena bills an execution: SUCCEEDED DML (SELECT, CTAS, INSERT) and CANCELLED queries
// that scanned something; not DDL or UTILITY statements (no data scanned) and not FAILED queries.
// `state` and `statement_type` as Athena names them ("SUCCEEDED", "DML").
bool AthenaBillable(std::string_view state, std::string_view statement_type, int64_t bytes_scanned);

// Glue bills compute per second with a minimum per run: one minute for a job (Glue 2.0 and
// later), ten minutes for a crawl.
inline constexpr int64_t kGlueJobMinimumMillis = 60'000;
inline constexpr int64_t kGlueCrawlerMinimumMillis = 600'000;
// The billed duration of a run from start to end: whole seconds rounded up, at least `minimum_ms`.
int64_t GlueBilledMillis(int64_t start_ms, int64_t end_ms, int64_t minimum_ms);

// "2026-11" for an instant (UTC).
std::string MonthOf(int64_t unix_ms);
// The first instant of a month and of the month after it. InvalidArgument for text that is not
// "YYYY-MM" with a month 01-12.
struct MonthRange {
  int64_t begin_ms = 0;
  int64_t end_ms = 0;
};
Result<MonthRange> ParseMonth(std::string_view month);

}  // namespace lakebox::metering
