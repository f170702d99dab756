// The cost report as text, for `lakebox cost` and `lakebox demo`: the month's bill (service,
// usage, unit, unit price, cost) with what each line is made of, the seed's 3 GB/day projection,
// what lakebox used on this machine, and the report's notes.
// Thread safety: pure functions.
#pragma once

#include <string>

#include "metering/cost_report.h"

namespace lakebox::cli {

std::string FormatCostReport(const metering::CostReport& report);

// A price or quantity with at least two decimals and three significant digits, so that a demo's
// tiny figures do not print as 0.00: 42.88 → "42.88", 0.000036 → "0.000036", 0 → "0.00";
// below 1e-10 in scientific notation ("1.62e-14").
std::string FormatAmount(double value);

}  // namespace lakebox::cli
