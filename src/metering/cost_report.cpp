#include "metering/cost_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/time.h"
#include "metering/billing.h"

namespace lakebox::metering {
namespace {

using nlohmann::json;

using Dimensions = std::map<std::string, std::map<std::string, int64_t>>;

const Dimensions& ServiceUsage(const MonthUsage& usage, std::string_view service) {
  static const Dimensions kNone;
  auto it = usage.services.find(std::string(service));
  return it == usage.services.end() ? kNone : it->second;
}

int64_t Metric(const std::map<std::string, int64_t>& metrics, std::string_view metric) {
  auto it = metrics.find(std::string(metric));
  return it == metrics.end() ? 0 : it->second;
}

CostLine Line(std::string service, double usage, std::string unit, double unit_price) {
  return {std::move(service), usage, std::move(unit), unit_price, usage * unit_price, json::array()};
}

CostLine GlueLine(const MonthUsage& usage, std::string_view service_key, std::string service, std::string unit,
                  double unit_price) {
  int64_t dpu_ms = 0;
  json details = json::array();
  for (const auto& [name, metrics] : ServiceUsage(usage, service_key)) {
    dpu_ms += Metric(metrics, kDpuMillis);
    details.push_back({{"Name", name},
                       {"Runs", Metric(metrics, kRuns)},
                       {"Seconds", static_cast<double>(Metric(metrics, kRunMillis)) / 1000.0},
                       {"BilledSeconds", static_cast<double>(Metric(metrics, kBilledMillis)) / 1000.0},
                       {"DPUHours", static_cast<double>(Metric(metrics, kDpuMillis)) / kMillisPerHour}});
  }
  CostLine line = Line(std::move(service), static_cast<double>(dpu_ms) / kMillisPerHour, std::move(unit), unit_price);
  line.details = std::move(details);
  return line;
}

json LineJson(const CostLine& line, bool with_details) {
  json out = {{"Service", line.service},
              {"Usage", line.usage},
              {"Unit", line.unit},
              {"UnitPrice", line.unit_price},
              {"Cost", line.cost}};
  if (with_details) out["Details"] = line.details;
  return out;
}

double Sum(const std::vector<CostLine>& lines) {
  double total = 0;
  for (const CostLine& line : lines) total += line.cost;
  return total;
}

}  // namespace

std::vector<CostLine> ProjectionLines(const MeteringConfig& config) {
  const Pricing& price = config.pricing;
  const Projection& p = config.projection;
  const double gb = p.gb_per_day * p.days;
  // As the seed counts S3: the month's whole volume stored for the month ("cumulative").
  return {
      Line("Kinesis Data Firehose", gb, "GB ingested", price.firehose_per_gb),
      Line("Amazon S3", gb, "GB-month stored", price.s3_per_gb_month),
      Line("AWS Glue job", config.metering.job_dpus * p.job_hours, "DPU-hours", price.glue_job_per_dpu_hour),
      Line("AWS Glue crawler", config.metering.crawler_dpus * p.crawler_hours, "DPU-hours",
           price.glue_crawler_per_dpu_hour),
      Line("Amazon Athena", p.athena_tb, "TB scanned", price.athena_per_tb_scanned),
      Line("Amazon QuickSight", p.quicksight_authors, "author-months", price.quicksight_per_month),
  };
}

CostReport BuildCostReport(const MonthUsage& usage, const MeteringConfig& config, int64_t now_ms) {
  const Pricing& price = config.pricing;
  CostReport report;
  report.month = usage.month;
  report.projection_assumptions = config.projection;

  // Firehose: bytes as billed, each record rounded up to 5 KB.
  int64_t firehose_records = 0, firehose_bytes = 0, firehose_billed = 0;
  CostLine firehose;
  {
    json details = json::array();
    for (const auto& [stream, metrics] : ServiceUsage(usage, kFirehose)) {
      firehose_records += Metric(metrics, kRecords);
      firehose_bytes += Metric(metrics, kBytes);
      firehose_billed += Metric(metrics, kBilledBytes);
      details.push_back({{"Name", stream},
                         {"Records", Metric(metrics, kRecords)},
                         {"Bytes", Metric(metrics, kBytes)},
                         {"BilledBytes", Metric(metrics, kBilledBytes)}});
    }
    firehose = Line("Kinesis Data Firehose", static_cast<double>(firehose_billed) / kBytesPerGb,
                    "GB ingested (5 KB increments)", price.firehose_per_gb);
    firehose.details = std::move(details);
  }
  report.lines.push_back(std::move(firehose));

  // S3: byte-hours integrated at the samples, plus the last sample's bytes from then until now.
  {
    auto range = ParseMonth(usage.month);
    std::map<std::string, double> byte_hours;
    std::map<std::string, int64_t> current_bytes;
    for (const auto& [prefix, metrics] : ServiceUsage(usage, kS3))
      byte_hours[prefix] += static_cast<double>(Metric(metrics, kByteHours));
    for (const StorageSample& sample : usage.last_samples) {
      current_bytes[sample.prefix] = sample.bytes;
      if (!range) continue;
      int64_t from = std::max(sample.sampled_ms, range->begin_ms);
      int64_t to = std::min(now_ms, range->end_ms);
      if (to > from)
        byte_hours[sample.prefix] += static_cast<double>(sample.bytes) * static_cast<double>(to - from) / kMillisPerHour;
    }
    double total_byte_hours = 0;
    json details = json::array();
    for (const auto& [prefix, hours] : byte_hours) {
      total_byte_hours += hours;
      auto bytes = current_bytes.find(prefix);
      details.push_back({{"Name", prefix},
                         {"GBMonths", hours / kBytesPerGb / kHoursPerMonth},
                         {"StoredBytes", bytes == current_bytes.end() ? 0 : bytes->second}});
    }
    CostLine s3 = Line("Amazon S3", total_byte_hours / kBytesPerGb / kHoursPerMonth, "GB-month stored",
                       price.s3_per_gb_month);
    s3.details = std::move(details);
    report.lines.push_back(std::move(s3));
  }

  report.lines.push_back(GlueLine(usage, kGlueJob, "AWS Glue job", "DPU-hours (1-minute minimum per run)",
                                  price.glue_job_per_dpu_hour));
  report.lines.push_back(GlueLine(usage, kGlueCrawler, "AWS Glue crawler", "DPU-hours (10-minute minimum per crawl)",
                                  price.glue_crawler_per_dpu_hour));

  // Athena: per query, rounded up to the MB with a 10 MB minimum (counted when the query ended).
  {
    int64_t billed = 0;
    json details = json::array();
    for (const auto& [source, metrics] : ServiceUsage(usage, kAthena)) {
      billed += Metric(metrics, kBilledBytes);
      details.push_back({{"Name", source},
                         {"Queries", Metric(metrics, kQueries)},
                         {"BytesScanned", Metric(metrics, kBytesScanned)},
                         {"BilledBytes", Metric(metrics, kBilledBytes)}});
    }
    CostLine athena = Line("Amazon Athena", static_cast<double>(billed) / kBytesPerTb,
                           "TB scanned (10 MB minimum per query)", price.athena_per_tb_scanned);
    athena.details = std::move(details);
    report.lines.push_back(std::move(athena));
  }

  // QuickSight: a monthly subscription per author, whatever the dashboards did.
  report.lines.push_back(
      Line("Amazon QuickSight", config.metering.quicksight_authors, "author-months", price.quicksight_per_month));
  report.total = Sum(report.lines);

  report.projection = ProjectionLines(config);
  report.projection_total = Sum(report.projection);

  const Dimensions& local = ServiceUsage(usage, kLocal);
  if (auto it = local.find(""); it != local.end()) {
    report.cpu_seconds = static_cast<double>(Metric(it->second, kCpuMicros)) / 1e6;
    report.disk_bytes = Metric(it->second, kDiskBytes);
    report.since_ms = Metric(it->second, kFirstMillis);
  }

  if (config.metering.quicksight_authors > 0)
    report.notes.push_back(fmt::format(
        "QuickSight is a subscription: {} author(s) at {} USD a month are counted whatever the dashboards did "
        "([metering] quicksight_authors).",
        config.metering.quicksight_authors, price.quicksight_per_month));
  if (firehose_records > 0 && firehose_bytes > 0 && firehose_billed > firehose_bytes) {
    const double ratio = static_cast<double>(firehose_billed) / static_cast<double>(firehose_bytes);
    const Projection& p = config.projection;
    report.notes.push_back(fmt::format(
        "Your records average {} bytes and Firehose bills each in 5 KB increments: {} GB/day of them would be "
        "billed as {:.1f} GB/day, {:.2f} USD a month instead of the projection's {:.2f}.",
        firehose_bytes / firehose_records, p.gb_per_day, p.gb_per_day * ratio,
        p.gb_per_day * p.days * ratio * price.firehose_per_gb, p.gb_per_day * p.days * price.firehose_per_gb));
  }
  return report;
}

json CostReportJson(const CostReport& report) {
  json lines = json::array();
  for (const CostLine& line : report.lines) lines.push_back(LineJson(line, true));
  json projection_lines = json::array();
  for (const CostLine& line : report.projection) projection_lines.push_back(LineJson(line, false));
  return {{"Month", report.month},
          {"Currency", "USD"},
          {"Lines", std::move(lines)},
          {"Total", report.total},
          {"Projection",
           {{"GBPerDay", report.projection_assumptions.gb_per_day},
            {"Days", report.projection_assumptions.days},
            {"Lines", std::move(projection_lines)},
            {"Total", report.projection_total}}},
          {"Local",
           {{"CpuSeconds", report.cpu_seconds},
            {"DiskBytes", report.disk_bytes},
            {"Since", report.since_ms > 0 ? json(FormatIso8601Millis(report.since_ms)) : json(nullptr)}}},
          {"Notes", report.notes}};
}

}  // namespace lakebox::metering
