#include "metering/billing.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "common/time.h"

namespace lakebox::metering {

uint64_t FirehoseBilledBytes(uint64_t record_bytes) {
  uint64_t increments = std::max<uint64_t>(1, (record_bytes + kFirehoseIncrementBytes - 1) / kFirehoseIncrementBytes);
  return increments * kFirehoseIncrementBytes;
}

int64_t AthenaBilledBytes(int64_t bytes_scanned) {
  constexpr int64_t kMb = 1 << 20;
  int64_t rounded = (std::max<int64_t>(bytes_scanned, 0) + kMb - 1) / kMb * kMb;
  return std::max(rounded, kAthenaMinimumBytes);
}

bool AthenaBillable(std::string_view state, std::string_view statement_type, int64_t bytes_scanned) {
  if (statement_type != "DML") return false;
  if (state == "SUCCEEDED") return true;
  return state == "CANCELLED" && bytes_scanned > 0;
}

int64_t GlueBilledMillis(int64_t start_ms, int64_t end_ms, int64_t minimum_ms) {
  int64_t seconds = (std::max<int64_t>(end_ms - start_ms, 0) + 999) / 1000;
  return std::max(seconds * 1000, minimum_ms);
}

std::string MonthOf(int64_t unix_ms) {
  CivilTime t = CivilFromUnixMillis(unix_ms);
  return fmt::format("{:04}-{:02}", t.year, t.month);
}

Result<MonthRange> ParseMonth(std::string_view month) {
  auto bad = [&] {
    return std::unexpected(
        Error::InvalidArgument(fmt::format("month \"{}\" must be YYYY-MM, e.g. 2026-11", month)));
  };
  if (month.size() != 7 || month[4] != '-') return bad();
  int year = 0;
  int number = 0;
  auto year_end = std::from_chars(month.data(), month.data() + 4, year);
  auto month_end = std::from_chars(month.data() + 5, month.data() + 7, number);
  if (year_end.ec != std::errc() || year_end.ptr != month.data() + 4 || month_end.ec != std::errc() ||
      month_end.ptr != month.data() + 7 || number < 1 || number > 12)
    return bad();
  CivilTime begin;
  begin.year = year;
  begin.month = number;
  CivilTime end = begin;
  if (number == 12) {
    end.year = year + 1;
    end.month = 1;
  } else {
    end.month = number + 1;
  }
  return MonthRange{UnixMillisFromCivil(begin), UnixMillisFromCivil(end)};
}

}  // namespace lakebox::metering
