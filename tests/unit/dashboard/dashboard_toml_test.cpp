#include "dashboard/dashboard_toml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace lakebox::dashboard {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

toml::table Parse(std::string_view text) { return toml::parse(text, std::string_view("test.toml")); }

Result<std::vector<Dashboard>> Read(std::string_view text) { return DashboardsFromToml(Parse(text), "lakebox.toml"); }

// The message of the error reading `text`, or "<parsed>".
std::string ErrorOf(std::string_view text) {
  auto read = Read(text);
  if (read) return "<parsed>";
  EXPECT_EQ(read.error().code(), Error::Code::kInvalidArgument);
  return read.error().message();
}

constexpr std::string_view kHead = R"(
[[dashboard]]
name = "fleet"
[[dashboard.dataset]]
name = "by_vendor"
sql = "SELECT vendor, count(*) AS records FROM t GROUP BY vendor"
)";

// A dashboard "fleet" with one dataset "by_vendor" and the given visual table body.
std::string WithVisual(std::string_view visual) {
  return std::string(kHead) + "[[dashboard.visual]]\n" + std::string(visual) + "\n";
}

TEST(DashboardTomlTest, NoDashboardsIsAnEmptyList) {
  auto read = Read("[[crawler]]\nname = \"x\"\n");
  ASSERT_OK(read);
  EXPECT_TRUE(read->empty());
}

TEST(DashboardTomlTest, ReadsEveryKeyOfEveryVisualType) {
  auto read = Read(R"(
[[dashboard]]
name = "fleet-ops_2"
title = "Fleet operations"
database = "Vehicles"
refresh_seconds = 0

[[dashboard.dataset]]
name = "positions"
sql = """
  SELECT * FROM t
"""
[[dashboard.dataset]]
name = "Per-Minute"
sql = "SELECT 1"

[[dashboard.visual]]
type = "map"
title = "Where"
dataset = "positions"
latitude = "lat"
longitude = "lon"
label = "id"
details = ["vendor", "speed"]
[[dashboard.visual]]
type = "bar"
dataset = "positions"
category = "vendor"
value = "n"
[[dashboard.visual]]
id = "slices"
type = "pie"
dataset = "positions"
category = "vendor"
value = "n"
[[dashboard.visual]]
type = "line"
dataset = "Per-Minute"
x = "minute"
y = "n"
series = "vendor"
[[dashboard.visual]]
type = "kpi"
dataset = "positions"
value = "n"
format = "bytes"
[[dashboard.visual]]
type = "table"
dataset = "positions"
columns = ["id", "vendor"]
[[dashboard.visual]]
type = "table"
dataset = "positions"
)");
  ASSERT_OK(read);
  ASSERT_EQ(read->size(), 1u);
  const Dashboard& d = read->front();
  EXPECT_EQ(d.name, "fleet-ops_2");
  EXPECT_EQ(d.title, "Fleet operations");
  EXPECT_EQ(d.database, "vehicles");  // catalog names are lower case
  EXPECT_EQ(d.refresh_seconds, 0);
  ASSERT_EQ(d.datasets.size(), 2u);
  EXPECT_EQ(d.datasets[0].sql, "SELECT * FROM t");  // trimmed
  ASSERT_EQ(d.visuals.size(), 7u);

  const Visual& map = d.visuals[0];
  EXPECT_EQ(map.id, "v1");
  EXPECT_EQ(map.type, VisualType::kMap);
  EXPECT_EQ(map.title, "Where");
  const auto& m = std::get<MapFields>(map.fields);
  EXPECT_EQ(m.latitude, "lat");
  EXPECT_EQ(m.longitude, "lon");
  EXPECT_EQ(m.label, "id");
  EXPECT_THAT(m.details, ElementsAre("vendor", "speed"));
  EXPECT_EQ(d.visuals[1].type, VisualType::kBar);
  EXPECT_EQ(std::get<CategoryFields>(d.visuals[1].fields).category, "vendor");
  EXPECT_EQ(d.visuals[2].id, "slices");
  EXPECT_EQ(d.visuals[2].type, VisualType::kPie);
  const auto& line = std::get<LineFields>(d.visuals[3].fields);
  EXPECT_EQ(line.x, "minute");
  EXPECT_EQ(line.series, "vendor");
  EXPECT_EQ(d.visuals[3].dataset, "Per-Minute");
  EXPECT_EQ(std::get<KpiFields>(d.visuals[4].fields).format, KpiFormat::kBytes);
  EXPECT_THAT(std::get<TableFields>(d.visuals[5].fields).columns, ElementsAre("id", "vendor"));
  EXPECT_TRUE(std::get<TableFields>(d.visuals[6].fields).columns.empty());
  EXPECT_EQ(d.visuals[6].id, "v7");

  json j = DashboardJson(d);
  EXPECT_EQ(j["Name"], "fleet-ops_2");
  EXPECT_EQ(j["Database"], "vehicles");
  EXPECT_EQ(j["RefreshSeconds"], 0);
  EXPECT_EQ(j["Datasets"][1], json({{"Name", "Per-Minute"}, {"Sql", "SELECT 1"}}));
  EXPECT_EQ(j["Visuals"][0], json({{"Id", "v1"},
                                   {"Type", "map"},
                                   {"Title", "Where"},
                                   {"Dataset", "positions"},
                                   {"Latitude", "lat"},
                                   {"Longitude", "lon"},
                                   {"Label", "id"},
                                   {"Details", {"vendor", "speed"}}}));
  EXPECT_EQ(j["Visuals"][2]["Type"], "pie");
  EXPECT_EQ(j["Visuals"][3]["Series"], "vendor");
  EXPECT_EQ(j["Visuals"][4]["Format"], "bytes");
  EXPECT_EQ(j["Visuals"][5]["Columns"], json({"id", "vendor"}));
  EXPECT_FALSE(j["Visuals"][6].contains("Columns"));
  EXPECT_EQ(DashboardSummaryJson(d), json({{"Name", "fleet-ops_2"}, {"Title", "Fleet operations"}, {"RefreshSeconds", 0}}));
}

TEST(DashboardTomlTest, DefaultsAndOptionalFieldsLeftOut) {
  auto read = Read(WithVisual("type = \"kpi\"\ndataset = \"by_vendor\"\nvalue = \"records\""));
  ASSERT_OK(read);
  const Dashboard& d = read->front();
  EXPECT_EQ(d.title, "fleet");
  EXPECT_EQ(d.database, "");  // none: tables are qualified
  EXPECT_EQ(d.refresh_seconds, 30);
  EXPECT_EQ(std::get<KpiFields>(d.visuals[0].fields).format, KpiFormat::kNumber);
  EXPECT_EQ(d.visuals[0].title, "");
  EXPECT_TRUE(DashboardJson(d)["Database"].is_null());
  json line = DashboardJson(*Read(WithVisual("type = \"line\"\ndataset = \"by_vendor\"\nx = \"a\"\ny = \"b\""))->begin());
  EXPECT_FALSE(line["Visuals"][0].contains("Series"));
  json map = DashboardJson(
      *Read(WithVisual("type = \"map\"\ndataset = \"by_vendor\"\nlatitude = \"a\"\nlongitude = \"b\""))->begin());
  EXPECT_FALSE(map["Visuals"][0].contains("Label"));
  EXPECT_EQ(map["Visuals"][0]["Details"], json::array());
}

TEST(DashboardTomlTest, DashboardErrorsNameFileDashboardKeyAndFix) {
  EXPECT_EQ(ErrorOf("dashboard = 3"), "lakebox.toml: dashboard: declare dashboards as [[dashboard]] tables");
  EXPECT_EQ(ErrorOf("dashboard = [1]"), "lakebox.toml: dashboard #1: declare dashboards as [[dashboard]] tables");
  EXPECT_THAT(ErrorOf("[[dashboard]]\ntitle = \"x\""),
              HasSubstr("lakebox.toml: dashboard #1: name: is required: the dashboard's URL name, e.g. name = "));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = 7"), HasSubstr("dashboard #1: name: must be a string"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"Fleet\""),
              HasSubstr("dashboard \"Fleet\": name: \"Fleet\" must be 1 to 64 of a-z, 0-9, _ and -"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"a b\""), HasSubstr("must be 1 to 64 of a-z"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"fleet\"\ncolour = \"red\""),
              HasSubstr("lakebox.toml: dashboard \"fleet\".colour: unknown key (valid keys here: name, title, "
                        "database, refresh_seconds, dataset, visual)"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\ntitle = 1"), HasSubstr("dashboard \"f\": title: must be a string"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\ndatabase = \"\""),
              HasSubstr("dashboard \"f\": database: must name a catalog database"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\nrefresh_seconds = \"5\""),
              HasSubstr("dashboard \"f\": refresh_seconds: must be an integer number of seconds"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\nrefresh_seconds = -1"),
              HasSubstr("dashboard \"f\": refresh_seconds: -1 is out of range 0..86400"));
  std::string twice = WithVisual("type = \"table\"\ndataset = \"by_vendor\"");
  EXPECT_EQ(ErrorOf(twice + twice),
            "lakebox.toml: dashboard \"fleet\": name: another [[dashboard]] has the same name; dashboard names must "
            "be unique");
}

TEST(DashboardTomlTest, DatasetErrors) {
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\""),
              HasSubstr("dashboard \"f\": dataset: is required: add at least one [[dashboard.dataset]] table"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\ndataset = \"x\""),
              HasSubstr("dashboard \"f\": dataset: declare them as [[dashboard.dataset]] tables"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\n[[dashboard.dataset]]\nsql = \"SELECT 1\""),
              HasSubstr("dashboard \"f\": dataset[0].name: is required"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\n[[dashboard.dataset]]\nname = \"a.b\"\nsql = \"SELECT 1\""),
              HasSubstr("dataset[0].name: \"a.b\" must be 1 to 64 of letters, digits, _ and -"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\n[[dashboard.dataset]]\nname = \"a\"\nsql = \"  \""),
              HasSubstr("dashboard \"f\": dataset[0].sql: is required: the SELECT whose rows the visuals draw"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\n[[dashboard.dataset]]\nname = \"a\"\nsql = 1"),
              HasSubstr("dataset[0].sql: must be a string"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"f\"\n[[dashboard.dataset]]\nname = \"a\"\nsql = \"SELECT 1\"\nquery = 2"),
              HasSubstr("dashboard \"f\": dataset[0].query: unknown key (valid keys here: name, sql)"));
  EXPECT_THAT(ErrorOf(std::string(kHead) + "[[dashboard.dataset]]\nname = \"by_vendor\"\nsql = \"SELECT 2\""),
              HasSubstr("dataset[1].name: \"by_vendor\" names another dataset of this dashboard"));
  EXPECT_THAT(ErrorOf(kHead), HasSubstr("dashboard \"fleet\": visual: is required: add at least one "
                                        "[[dashboard.visual]] table"));
}

TEST(DashboardTomlTest, VisualErrors) {
  EXPECT_THAT(ErrorOf(WithVisual("dataset = \"by_vendor\"")),
              HasSubstr("dashboard \"fleet\": visual[0].type: is required: one of map, bar, pie, line, kpi, table"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"donut\"\ndataset = \"by_vendor\"")),
              HasSubstr("visual[0].type: \"donut\" is not one of map, bar, pie, line, kpi, table"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"bar\"\ncategory = \"vendor\"\nvalue = \"records\"")),
              HasSubstr("visual[0].dataset: is required: the dataset this visual draws (this dashboard's datasets: "
                        "by_vendor)"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"bar\"\ndataset = \"speeds\"\ncategory = \"vendor\"\nvalue = \"records\"")),
              HasSubstr("lakebox.toml: dashboard \"fleet\": visual[0].dataset: \"speeds\" is not a dataset of this "
                        "dashboard (its datasets: by_vendor)"));
  // A key of another type says which type has it and what this one takes.
  EXPECT_THAT(ErrorOf(WithVisual("type = \"bar\"\ndataset = \"by_vendor\"\nlatitude = \"lat\"")),
              HasSubstr("visual[0].latitude: is a key of map visuals; a bar visual takes category and value (columns)"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"bar\"\ndataset = \"by_vendor\"\ncolor = \"red\"")),
              HasSubstr("visual[0].color: unknown key (valid keys of a bar visual: type, dataset, title, id, category, "
                        "value)"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"bar\"\ndataset = \"by_vendor\"\nvalue = \"records\"")),
              HasSubstr("visual[0].category: is required: the column of dataset by_vendor with a bar or slice per "
                        "value, e.g. category = \"vendor\""));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"pie\"\ndataset = \"by_vendor\"\ncategory = \"vendor\"")),
              HasSubstr("visual[0].value: is required"));
  // Column names that are not strings.
  EXPECT_THAT(ErrorOf(WithVisual("type = \"bar\"\ndataset = \"by_vendor\"\ncategory = 3\nvalue = \"records\"")),
              HasSubstr("visual[0].category: must be a string naming a column of dataset by_vendor"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"map\"\ndataset = \"by_vendor\"\nlatitude = \"\"\nlongitude = \"b\"")),
              HasSubstr("visual[0].latitude: must be a string naming a column"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"map\"\ndataset = \"by_vendor\"\nlatitude = \"a\"")),
              HasSubstr("visual[0].longitude: is required"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"map\"\ndataset = \"by_vendor\"\nlatitude = \"a\"\nlongitude = \"b\"\n"
                                 "label = 5")),
              HasSubstr("visual[0].label: must be a string naming a column"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"map\"\ndataset = \"by_vendor\"\nlatitude = \"a\"\nlongitude = \"b\"\n"
                                 "details = \"vendor\"")),
              HasSubstr("visual[0].details: must be a list of column names of dataset by_vendor, e.g. details = "));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"table\"\ndataset = \"by_vendor\"\ncolumns = [\"a\", 2]")),
              HasSubstr("visual[0].columns: must be a list of column names"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"line\"\ndataset = \"by_vendor\"\ny = \"n\"")),
              HasSubstr("visual[0].x: is required"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"line\"\ndataset = \"by_vendor\"\nx = \"t\"")), HasSubstr("visual[0].y: is required"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"line\"\ndataset = \"by_vendor\"\nx = \"t\"\ny = \"n\"\nseries = []")),
              HasSubstr("visual[0].series: must be a string naming a column"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"kpi\"\ndataset = \"by_vendor\"")), HasSubstr("visual[0].value: is required"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"kpi\"\ndataset = \"by_vendor\"\nvalue = \"n\"\nformat = \"euro\"")),
              HasSubstr("visual[0].format: \"euro\" is not one of number, percent (0.25 shows 25%), bytes, usd"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"kpi\"\ndataset = \"by_vendor\"\nvalue = \"n\"\nformat = 1")),
              HasSubstr("visual[0].format: must be a string"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"table\"\ndataset = \"by_vendor\"\ntitle = 2")),
              HasSubstr("visual[0].title: must be a string"));
  EXPECT_THAT(ErrorOf(WithVisual("type = \"table\"\ndataset = \"by_vendor\"\nid = \"a b\"")),
              HasSubstr("visual[0].id: \"a b\" must be 1 to 64 of letters, digits, _ and -"));
  std::string same_id = WithVisual("type = \"table\"\ndataset = \"by_vendor\"\nid = \"t\"") +
                        "[[dashboard.visual]]\ntype = \"table\"\ndataset = \"by_vendor\"\nid = \"t\"\n";
  EXPECT_THAT(ErrorOf(same_id), HasSubstr("visual[1].id: \"t\" is the id of another visual of this dashboard"));
  EXPECT_THAT(ErrorOf("[[dashboard]]\nname = \"fleet\"\nvisual = [1]\n[[dashboard.dataset]]\nname = \"a\"\nsql = \"SELECT 1\""),
              HasSubstr("dashboard \"fleet\": visual: declare them as [[dashboard.visual]] tables"));
}

TEST(DashboardTomlTest, TheBuiltInVehiclesDashboardParses) {
  auto builtin = BuiltinDashboards();
  ASSERT_OK(builtin);
  ASSERT_EQ(builtin->size(), 1u);
  const Dashboard& d = builtin->front();
  EXPECT_EQ(d.name, "vehicles");
  EXPECT_EQ(d.title, "Vehicles");
  EXPECT_EQ(d.database, "vehicles");
  EXPECT_EQ(d.refresh_seconds, 5);
  std::vector<std::string> types;
  for (const Visual& v : d.visuals) types.emplace_back(VisualTypeName(v.type));
  EXPECT_THAT(types, ElementsAre("map", "bar", "kpi", "kpi", "line", "bar"));
  EXPECT_EQ(d.visuals[0].title, "Vehicles — latest position");
  EXPECT_EQ(d.visuals[1].title, "Distribution by vendor");
  for (const Dataset& dataset : d.datasets) EXPECT_THAT(dataset.sql, HasSubstr("\"vehicles\".\"vehicles_stage\""));
}

TEST(DashboardTomlTest, AConfiguredDashboardReplacesTheBuiltInOfTheSameName) {
  auto none = ConfiguredDashboards(Parse(""), "lakebox.toml");
  ASSERT_OK(none);
  ASSERT_EQ(none->size(), 1u);
  EXPECT_EQ(none->front().name, "vehicles");

  std::string mine = R"(
[[dashboard]]
name = "fleet"
[[dashboard.dataset]]
name = "a"
sql = "SELECT 1 AS n"
[[dashboard.visual]]
type = "kpi"
dataset = "a"
value = "n"
[[dashboard]]
name = "vehicles"
title = "My vehicles"
[[dashboard.dataset]]
name = "a"
sql = "SELECT 2 AS n"
[[dashboard.visual]]
type = "kpi"
dataset = "a"
value = "n"
)";
  auto both = ConfiguredDashboards(Parse(mine), "lakebox.toml");
  ASSERT_OK(both);
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].name, "vehicles");
  EXPECT_EQ((*both)[0].title, "My vehicles");
  EXPECT_EQ((*both)[0].datasets[0].sql, "SELECT 2 AS n");
  EXPECT_EQ((*both)[1].name, "fleet");

  auto bad = ConfiguredDashboards(Parse("[[dashboard]]\nname = 1"), "lakebox.toml");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("lakebox.toml: dashboard #1: name"));
}

}  // namespace
}  // namespace lakebox::dashboard
