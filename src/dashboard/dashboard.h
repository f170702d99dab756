// Dashboards (the QuickSight part): what lakebox.toml's [[dashboard]] tables declare, and the JSON
// the web UI reads them as (GET /v1/dashboards[/<name>], docs/web-api.md).
//
// A dashboard has datasets (named SQL over the catalog, run with `database` as the default
// database) and visuals, each drawing one dataset's columns: points on a map, bars, a pie, a line
// over time, a KPI number or a table. The definitions are checked when lakebox.toml is loaded
// (dashboard_toml.h); whether the named columns exist is only known when a dataset runs, so the
// page reports a missing column on the visual that names it.
//
// Thread safety: these are plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lakebox::dashboard {

enum class VisualType { kMap, kBar, kPie, kLine, kKpi, kTable };

// "map", "bar", "pie", "line", "kpi", "table": the `type` key and the JSON "Type".
std::string_view VisualTypeName(VisualType type);

// The named SQL a dashboard's visuals draw. Its result is cached briefly (dashboard_service.h).
struct Dataset {
  std::string name;
  std::string sql;
};

// Each field below names a column of the visual's dataset.
struct MapFields {  // one point per row
  std::string latitude;
  std::string longitude;
  std::optional<std::string> label;  // shown on hover, above `details`
  std::vector<std::string> details;  // "column: value" lines on hover
};
struct CategoryFields {  // bar and pie: one bar / slice per row
  std::string category;
  std::string value;
};
struct LineFields {  // one point per row, ordered by x; a line per distinct `series` value
  std::string x;     // a time (ISO-8601 text, DATE, TIMESTAMP) or another ordered column
  std::string y;
  std::optional<std::string> series;
};
// How a KPI's number is shown.
enum class KpiFormat { kNumber, kPercent, kBytes, kUsd };
std::string_view KpiFormatName(KpiFormat format);  // "number", "percent", "bytes", "usd"
struct KpiFields {  // the value of the first row
  std::string value;
  KpiFormat format = KpiFormat::kNumber;
};
struct TableFields {
  std::vector<std::string> columns;  // empty: every column, in the dataset's order
};

struct Visual {
  std::string id;  // unique in its dashboard; "v1", "v2"... in declaration order unless given
  VisualType type = VisualType::kTable;
  std::string title;
  std::string dataset;  // the name of one of the dashboard's datasets
  // MapFields for kMap, CategoryFields for kBar and kPie, LineFields for kLine, KpiFields for
  // kKpi, TableFields for kTable.
  std::variant<MapFields, CategoryFields, LineFields, KpiFields, TableFields> fields;
};

struct Dashboard {
  std::string name;             // the URL name: [a-z0-9_-]+
  std::string title;            // shown on the page; the name when not given
  // The default database of the datasets' SQL (Athena's QueryExecutionContext); "" = none, so
  // tables must be qualified ("vehicles"."vehicles_stage").
  std::string database;
  int refresh_seconds = 30;     // the page fetches its datasets again this often; 0 = never
  std::vector<Dataset> datasets;
  std::vector<Visual> visuals;

  // The dataset named `name`, or nullptr.
  const Dataset* FindDataset(std::string_view name) const;
};

// {"Name","Title","RefreshSeconds"}: an entry of GET /v1/dashboards.
nlohmann::json DashboardSummaryJson(const Dashboard& dashboard);

// The whole definition, GET /v1/dashboards/<name>:
//   {"Name","Title","RefreshSeconds","Database","Datasets":[{"Name","Sql"}],
//    "Visuals":[{"Id","Type","Title","Dataset", <fields>}]}
// with the fields of the visual's type: map "Latitude","Longitude","Label"?,"Details"; bar and pie
// "Category","Value"; line "X","Y","Series"?; kpi "Value","Format"; table "Columns" (omitted when
// every column is shown). An optional field that is not set is left out.
nlohmann::json DashboardJson(const Dashboard& dashboard);

}  // namespace lakebox::dashboard
