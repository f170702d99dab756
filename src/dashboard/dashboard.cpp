#include "dashboard/dashboard.h"

#include <nlohmann/json.hpp>

namespace lakebox::dashboard {
namespace {

using nlohmann::json;

// Adds the keys of the visual's type to `out`.
struct FieldsJson {
  json& out;

  void operator()(const MapFields& f) const {
    out["Latitude"] = f.latitude;
    out["Longitude"] = f.longitude;
    if (f.label) out["Label"] = *f.label;
    out["Details"] = f.details;
  }
  void operator()(const CategoryFields& f) const {
    out["Category"] = f.category;
    out["Value"] = f.value;
  }
  void operator()(const LineFields& f) const {
    out["X"] = f.x;
    out["Y"] = f.y;
    if (f.series) out["Series"] = *f.series;
  }
  void operator()(const KpiFields& f) const {
    out["Value"] = f.value;
    out["Format"] = KpiFormatName(f.format);
  }
  void operator()(const TableFields& f) const {
    if (!f.columns.empty()) out["Columns"] = f.columns;
  }
};

}  // namespace

std::string_view VisualTypeName(VisualType type) {
  switch (type) {
    case VisualType::kMap: return "map";
    case VisualType::kBar: return "bar";
    case VisualType::kPie: return "pie";
    case VisualType::kLine: return "line";
    case VisualType::kKpi: return "kpi";
    case VisualType::kTable: return "table";
  }
  return "table";
}

std::string_view KpiFormatName(KpiFormat format) {
  switch (format) {
    case KpiFormat::kNumber: return "number";
    case KpiFormat::kPercent: return "percent";
    case KpiFormat::kBytes: return "bytes";
    case KpiFormat::kUsd: return "usd";
  }
  return "number";
}

const Dataset* Dashboard::FindDataset(std::string_view dataset_name) const {
  for (const Dataset& dataset : datasets)
    if (dataset.name == dataset_name) return &dataset;
  return nullptr;
}

json DashboardSummaryJson(const Dashboard& dashboard) {
  return {{"Name", dashboard.name}, {"Title", dashboard.title}, {"RefreshSeconds", dashboard.refresh_seconds}};
}

json DashboardJson(const Dashboard& dashboard) {
  json out = DashboardSummaryJson(dashboard);
  out["Database"] = dashboard.database.empty() ? json(nullptr) : json(dashboard.database);
  json datasets = json::array();
  for (const Dataset& dataset : dashboard.datasets) datasets.push_back({{"Name", dataset.name}, {"Sql", dataset.sql}});
  out["Datasets"] = std::move(datasets);
  json visuals = json::array();
  for (const Visual& visual : dashboard.visuals) {
    json v = {{"Id", visual.id},
              {"Type", VisualTypeName(visual.type)},
              {"Title", visual.title},
              {"Dataset", visual.dataset}};
    std::visit(FieldsJson{v}, visual.fields);
    visuals.push_back(std::move(v));
  }
  out["Visuals"] = std::move(visuals);
  return out;
}

}  // namespace lakebox::dashboard
