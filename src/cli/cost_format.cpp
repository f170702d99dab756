#include "cli/cost_format.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli/text_format.h"
#include "common/time.h"

namespace lakebox::cli {
namespace {

using nlohmann::json;
using Align = TextTable::Align;

// Exact below a megabyte (5 KB increments stay visible), rounded above.
std::string Bytes(int64_t bytes) {
  return bytes < 1000 * 1000 ? FormatCount(bytes) + " B" : FormatBytes(bytes);
}

// How each figure of a line's Details reads (cost_report.h), in the order shown.
struct Figure {
  std::string_view key;
  enum class Kind { kCount, kBytes, kSeconds, kAmount } kind;
  std::string_view label;           // after the value
  std::string_view singular = {};   // for a count of 1
};
constexpr Figure kFigures[] = {
    {"Records", Figure::Kind::kCount, "records", "record"},
    {"Runs", Figure::Kind::kCount, "runs", "run"},
    {"Queries", Figure::Kind::kCount, "queries", "query"},
    {"Bytes", Figure::Kind::kBytes, "received"},
    {"BytesScanned", Figure::Kind::kBytes, "scanned"},
    {"StoredBytes", Figure::Kind::kBytes, "stored now"},
    {"BilledBytes", Figure::Kind::kBytes, "billed"},
    {"Seconds", Figure::Kind::kSeconds, "run"},
    {"BilledSeconds", Figure::Kind::kSeconds, "billed"},
    {"GBMonths", Figure::Kind::kAmount, "GB-months"},
    {"DPUHours", Figure::Kind::kAmount, "DPU-hours"},
};

std::string Detail(const json& detail) {
  std::string out = detail.value("Name", std::string("-")) + ":";
  bool first = true;
  for (const Figure& figure : kFigures) {
    auto it = detail.find(figure.key);
    if (it == detail.end() || !it->is_number()) continue;
    std::string value;
    switch (figure.kind) {
      case Figure::Kind::kCount: value = FormatCount(it->get<int64_t>()); break;
      case Figure::Kind::kBytes: value = Bytes(it->get<int64_t>()); break;
      case Figure::Kind::kSeconds: value = FormatAmount(it->get<double>()) + " s"; break;
      case Figure::Kind::kAmount: value = FormatAmount(it->get<double>()); break;
    }
    bool one = figure.kind == Figure::Kind::kCount && it->get<int64_t>() == 1 && !figure.singular.empty();
    out += fmt::format("{} {} {}", first ? "" : ",", value, one ? figure.singular : figure.label);
    first = false;
  }
  return out;
}

std::string Table(const std::vector<metering::CostLine>& lines, double total) {
  TextTable table({"SERVICE", "USAGE", "UNIT", "UNIT PRICE", "COST"},
                  {Align::kLeft, Align::kRight, Align::kLeft, Align::kRight, Align::kRight});
  for (const metering::CostLine& line : lines)
    table.AddRow({line.service, FormatAmount(line.usage), line.unit, "$" + FormatAmount(line.unit_price),
                  "$" + FormatAmount(line.cost)});
  table.AddRow({"TOTAL", "", "", "", "$" + FormatAmount(total)});
  return table.Render("  ");
}

}  // namespace

std::string FormatAmount(double value) {
  if (value == 0 || !std::isfinite(value)) return "0.00";
  // Too small for twelve decimals (a few bytes stored for seconds): say how small.
  if (std::fabs(value) < 1e-10) return fmt::format("{:.2e}", value);
  // Decimals for three significant digits, at least two, at most twelve.
  int decimals = 2 - static_cast<int>(std::floor(std::log10(std::fabs(value))));
  decimals = std::clamp(decimals, 2, 12);
  std::string text = fmt::format("{:.{}f}", value, decimals);
  // Trailing zeros past the second decimal say nothing.
  size_t point = text.find('.');
  while (text.size() > point + 3 && text.back() == '0') text.pop_back();
  return text;
}

std::string FormatCostReport(const metering::CostReport& report) {
  std::string out = fmt::format("Cost of {} in USD, as AWS would bill this usage ([pricing] prices)\n", report.month);
  out += Table(report.lines, report.total);

  TextTable details;
  for (const metering::CostLine& line : report.lines)
    for (const json& detail : line.details) details.AddRow({line.service, Detail(detail)});
  if (!details.empty()) out += "\n  Usage:\n" + details.Render("    ");

  const metering::Projection& p = report.projection_assumptions;
  out += fmt::format("\nProjection for {} GB/day of raw data over {} days (the seed's \"How much will it cost?\")\n",
                     p.gb_per_day, p.days);
  out += Table(report.projection, report.projection_total);

  out += fmt::format("\nThis machine in {}: {} CPU-seconds, {} in the data dir", report.month,
                     FormatAmount(report.cpu_seconds), Bytes(report.disk_bytes));
  out += report.since_ms > 0 ? fmt::format(" (metered since {})\n", FormatIso8601Millis(report.since_ms)) : "\n";
  for (const std::string& note : report.notes) out += "\nNote: " + note;
  if (!report.notes.empty()) out += "\n";
  return out;
}

}  // namespace lakebox::cli
