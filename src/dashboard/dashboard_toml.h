// [[dashboard]] tables of lakebox.toml (docs/dashboards.md), and the built-in dashboards.
//
//   [[dashboard]]
//   name = "vehicles"            # required; the URL name: a-z, 0-9, _ and -
//   title = "Vehicles"           # default: the name
//   database = "vehicles"        # default database of the datasets' SQL; default: none
//   refresh_seconds = 5          # the page fetches the datasets again this often; 0 = never; default 30
//
//   [[dashboard.dataset]]        # one or more
//   name = "by_vendor"           # required; unique in the dashboard: letters, digits, _ and -
//   sql = "SELECT vendor, count(*) AS records FROM vehicles_stage GROUP BY vendor"
//
//   [[dashboard.visual]]         # one or more
//   type = "bar"                 # required: map, bar, pie, line, kpi or table
//   dataset = "by_vendor"        # required; one of the dashboard's datasets
//   title = "Distribution by vendor"
//   id = "vendors"               # default v1, v2, ... in order
//   category = "vendor"          # then the keys of the type (dashboard.h): map latitude,
//   value = "records"            #   longitude, label, details; bar and pie category, value; line
//                                #   x, y, series; kpi value, format; table columns
//
// Errors are InvalidArgument "<file>: dashboard \"<name>\": <key>: <what to write>", e.g.
//   lakebox.toml: dashboard "fleet": visual[2].dataset: "speeds" is not a dataset of this
//   dashboard (its datasets: by_vendor, positions)
// for unknown keys (a key of another visual type included), wrong types, missing required keys,
// names that are not URL-safe or not unique, and a visual naming a dataset the dashboard lacks.
#pragma once

#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/error.h"
#include "dashboard/dashboard.h"

namespace lakebox::dashboard {

// Reads every [[dashboard]] table of `root` (a parsed lakebox.toml); `source` names the file in
// errors. No [[dashboard]]: an empty list.
Result<std::vector<Dashboard>> DashboardsFromToml(const toml::table& root, std::string_view source);

// The TOML text of the dashboards compiled into lakebox: "vehicles", the seed's dashboard over
// "vehicles"."vehicles_stage" (docs/dashboards.md shows it).
std::string_view BuiltinDashboardsToml();

// BuiltinDashboardsToml() parsed by DashboardsFromToml (source "built-in dashboards").
Result<std::vector<Dashboard>> BuiltinDashboards();

// The dashboards lakebox serves: the built-in ones, each replaced by a [[dashboard]] of the same
// name, then the other [[dashboard]]s in file order.
Result<std::vector<Dashboard>> ConfiguredDashboards(const toml::table& root, std::string_view source);

}  // namespace lakebox::dashboard
