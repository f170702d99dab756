// DashboardsFromToml: the [[dashboard]] tables of lakebox.toml (keys in dashboard_toml.h and
// docs/dashboards.md). Every problem is an InvalidArgument
// "<file>: dashboard \"<name>\": <key>: <what to write>".
#include "dashboard/dashboard_toml.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <set>

#include "common/config.h"
#include "common/strings.h"

namespace lakebox::dashboard {
namespace {

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxTitleLength = 256;
constexpr int64_t kMaxRefreshSeconds = 86'400;

struct TypeKeys {
  VisualType type;
  std::string_view name;
  std::vector<std::string_view> keys;  // besides the keys every visual has
  std::string_view takes;              // for messages: what a visual of this type needs
};

const std::array<TypeKeys, 6>& VisualTypes() {
  static const std::array<TypeKeys, 6> types = {{
      {VisualType::kMap, "map", {"latitude", "longitude", "label", "details"},
       "latitude, longitude (columns), label (a column) and details (a list of columns)"},
      {VisualType::kBar, "bar", {"category", "value"}, "category and value (columns)"},
      {VisualType::kPie, "pie", {"category", "value"}, "category and value (columns)"},
      {VisualType::kLine, "line", {"x", "y", "series"}, "x, y and series (columns)"},
      {VisualType::kKpi, "kpi", {"value", "format"}, "value (a column) and format"},
      {VisualType::kTable, "table", {"columns"}, "columns (a list of columns)"},
  }};
  return types;
}

constexpr std::array<std::string_view, 4> kCommonVisualKeys = {"type", "dataset", "title", "id"};

bool IsUrlName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

// Dataset and visual ids appear in URLs too, but may use upper case.
bool IsIdentifier(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

std::string Trimmed(std::string text) {
  text.erase(0, std::min(text.find_first_not_of(" \t\r\n"), text.size()));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  return text;
}

// Reads one [[dashboard]] table; `where_` names it in errors ("dashboard #2" until its name is known).
class DashboardReader {
 public:
  DashboardReader(const toml::table& table, std::string_view source, size_t number)
      : t_(table), source_(source), where_(fmt::format("dashboard #{}", number)) {}

  Result<Dashboard> Read() {
    if (const toml::node* name = t_.get("name"); name && name->is_string() && !name->value<std::string>()->empty())
      where_ = fmt::format("dashboard \"{}\"", *name->value<std::string>());
    LAKEBOX_TRY(CheckKnownKeys(t_, where_, {"name", "title", "database", "refresh_seconds", "dataset", "visual"},
                               source_));
    for (std::string_view key : {"name", "title", "database"}) LAKEBOX_TRY(RequireString(t_, key, key));

    d_.name = String(t_, "name");
    if (d_.name.empty())
      return Bad("name", "is required: the dashboard's URL name, e.g. name = \"fleet\" (served at /#/dashboards/fleet)");
    if (!IsUrlName(d_.name))
      return Bad("name", fmt::format("\"{}\" must be 1 to {} of a-z, 0-9, _ and - (it is part of the page's URL)",
                                     d_.name, kMaxNameLength));
    d_.title = t_.get("title") ? String(t_, "title") : d_.name;
    if (d_.title.size() > kMaxTitleLength)
      return Bad("title", fmt::format("must be at most {} characters", kMaxTitleLength));
    if (t_.get("database")) {
      d_.database = AsciiLower(String(t_, "database"));
      if (d_.database.empty())
        return Bad("database", "must name a catalog database, e.g. database = \"vehicles\" (or leave it out and qualify the tables: \"vehicles\".\"vehicles_stage\")");
    }
    if (const toml::node* refresh = t_.get("refresh_seconds")) {
      if (!refresh->is_integer())
        return Bad("refresh_seconds", "must be an integer number of seconds (0 = the page never refreshes)");
      int64_t seconds = *refresh->value<int64_t>();
      if (seconds < 0 || seconds > kMaxRefreshSeconds)
        return Bad("refresh_seconds", fmt::format("{} is out of range 0..{}", seconds, kMaxRefreshSeconds));
      d_.refresh_seconds = static_cast<int>(seconds);
    }
    LAKEBOX_TRY(ReadDatasets());
    LAKEBOX_TRY(ReadVisuals());
    return std::move(d_);
  }

 private:
  std::unexpected<Error> Bad(std::string_view key, std::string_view problem) const {
    return std::unexpected(Error::InvalidArgument(fmt::format("{}: {}: {}: {}", source_, where_, key, problem)));
  }

  // `key` of `table` is absent or a string; `path` names it in the error.
  Status RequireString(const toml::table& table, std::string_view key, std::string_view path) const {
    const toml::node* node = table.get(key);
    if (node && !node->is_string()) return Bad(path, "must be a string");
    return Ok();
  }

  static std::string String(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    return node && node->is_string() ? *node->value<std::string>() : "";
  }

  // The array of tables `key` ([[dashboard.<key>]]): at least one, each a table.
  Result<const toml::array*> Tables(std::string_view key, std::string_view example) const {
    const toml::node* node = t_.get(key);
    const toml::array* array = node ? node->as_array() : nullptr;
    if (!node || (array && array->empty()))
      return Bad(key, fmt::format("is required: add at least one [[dashboard.{}]] table, e.g.\n{}", key, example));
    if (!array || !array->is_array_of_tables())
      return Bad(key, fmt::format("declare them as [[dashboard.{}]] tables, e.g.\n{}", key, example));
    return array;
  }

  Status ReadDatasets() {
    LAKEBOX_ASSIGN_OR_RETURN(const toml::array* tables,
                             Tables("dataset", "[[dashboard.dataset]]\nname = \"by_vendor\"\n"
                                               "sql = \"SELECT vendor, count(*) AS records FROM vehicles_stage "
                                               "GROUP BY vendor\""));
    for (size_t i = 0; i < tables->size(); ++i) {
      const toml::table& table = *(*tables)[i].as_table();
      std::string key = fmt::format("dataset[{}]", i);
      LAKEBOX_TRY(CheckKnownKeys(table, fmt::format("{}: {}", where_, key), {"name", "sql"}, source_));
      LAKEBOX_TRY(RequireString(table, "name", key + ".name"));
      LAKEBOX_TRY(RequireString(table, "sql", key + ".sql"));
      Dataset dataset{String(table, "name"), Trimmed(String(table, "sql"))};
      if (dataset.name.empty())
        return Bad(key + ".name", "is required: the name visuals use for this dataset, e.g. name = \"by_vendor\"");
      if (!IsIdentifier(dataset.name))
        return Bad(key + ".name", fmt::format("\"{}\" must be 1 to {} of letters, digits, _ and -", dataset.name,
                                              kMaxNameLength));
      if (d_.FindDataset(dataset.name))
        return Bad(key + ".name", fmt::format("\"{}\" names another dataset of this dashboard; dataset names must be "
                                              "unique in a dashboard",
                                              dataset.name));
      if (dataset.sql.empty())
        return Bad(key + ".sql", "is required: the SELECT whose rows the visuals draw, e.g. sql = \"SELECT vendor, "
                                 "count(*) AS records FROM vehicles_stage GROUP BY vendor\"");
      d_.datasets.push_back(std::move(dataset));
    }
    return Ok();
  }

  Status ReadVisuals() {
    LAKEBOX_ASSIGN_OR_RETURN(const toml::array* tables,
                             Tables("visual", "[[dashboard.visual]]\ntype = \"bar\"\ndataset = \"by_vendor\"\n"
                                              "category = \"vendor\"\nvalue = \"records\""));
    std::set<std::string> ids;
    for (size_t i = 0; i < tables->size(); ++i) {
      LAKEBOX_ASSIGN_OR_RETURN(Visual visual, ReadVisual(*(*tables)[i].as_table(), fmt::format("visual[{}]", i), i));
      if (!ids.insert(visual.id).second)
        return Bad(fmt::format("visual[{}].id", i),
                   fmt::format("\"{}\" is the id of another visual of this dashboard; ids must be unique", visual.id));
      d_.visuals.push_back(std::move(visual));
    }
    return Ok();
  }

  Result<Visual> ReadVisual(const toml::table& table, const std::string& key, size_t index) {
    for (std::string_view common : kCommonVisualKeys) LAKEBOX_TRY(RequireString(table, common, key + "." + std::string(common)));
    std::string type_name = String(table, "type");
    const TypeKeys* type = nullptr;
    for (const TypeKeys& candidate : VisualTypes())
      if (candidate.name == type_name) type = &candidate;
    if (!type) {
      std::string names;
      for (const TypeKeys& candidate : VisualTypes()) names += fmt::format("{}{}", names.empty() ? "" : ", ", candidate.name);
      if (type_name.empty()) return Bad(key + ".type", fmt::format("is required: one of {}", names));
      return Bad(key + ".type", fmt::format("\"{}\" is not one of {}", type_name, names));
    }
    LAKEBOX_TRY(CheckVisualKeys(table, key, *type));

    Visual visual;
    visual.type = type->type;
    visual.title = String(table, "title");
    if (visual.title.size() > kMaxTitleLength)
      return Bad(key + ".title", fmt::format("must be at most {} characters", kMaxTitleLength));
    visual.id = table.get("id") ? String(table, "id") : fmt::format("v{}", index + 1);
    if (!IsIdentifier(visual.id))
      return Bad(key + ".id", fmt::format("\"{}\" must be 1 to {} of letters, digits, _ and -", visual.id, kMaxNameLength));
    visual.dataset = String(table, "dataset");
    std::vector<std::string> dataset_names;
    for (const Dataset& dataset : d_.datasets) dataset_names.push_back(dataset.name);
    if (visual.dataset.empty())
      return Bad(key + ".dataset", fmt::format("is required: the dataset this visual draws (this dashboard's "
                                               "datasets: {})",
                                               fmt::join(dataset_names, ", ")));
    if (!d_.FindDataset(visual.dataset))
      return Bad(key + ".dataset", fmt::format("\"{}\" is not a dataset of this dashboard (its datasets: {})",
                                               visual.dataset, fmt::join(dataset_names, ", ")));

    Reading r{*this, table, key, visual.dataset};
    switch (type->type) {
      case VisualType::kMap: {
        MapFields f;
        LAKEBOX_ASSIGN_OR_RETURN(f.latitude, r.Column("latitude", "the latitude in degrees", "gps_info_latitude"));
        LAKEBOX_ASSIGN_OR_RETURN(f.longitude, r.Column("longitude", "the longitude in degrees", "gps_info_longitude"));
        LAKEBOX_ASSIGN_OR_RETURN(f.label, r.OptionalColumn("label"));
        LAKEBOX_ASSIGN_OR_RETURN(f.details, r.Columns("details", "[\"vendor\", \"speed_kmh\"]"));
        visual.fields = std::move(f);
        break;
      }
      case VisualType::kBar:
      case VisualType::kPie: {
        CategoryFields f;
        LAKEBOX_ASSIGN_OR_RETURN(f.category, r.Column("category", "a bar or slice per value", "vendor"));
        LAKEBOX_ASSIGN_OR_RETURN(f.value, r.Column("value", "the number to draw", "records"));
        visual.fields = std::move(f);
        break;
      }
      case VisualType::kLine: {
        LineFields f;
        LAKEBOX_ASSIGN_OR_RETURN(f.x, r.Column("x", "the time (or other ordered value) along the axis", "minute"));
        LAKEBOX_ASSIGN_OR_RETURN(f.y, r.Column("y", "the number to draw", "records"));
        LAKEBOX_ASSIGN_OR_RETURN(f.series, r.OptionalColumn("series"));
        visual.fields = std::move(f);
        break;
      }
      case VisualType::kKpi: {
        KpiFields f;
        LAKEBOX_ASSIGN_OR_RETURN(f.value, r.Column("value", "the number shown (first row)", "records"));
        if (table.get("format")) {
          LAKEBOX_TRY(RequireString(table, "format", key + ".format"));
          std::string format = String(table, "format");
          bool known = false;
          for (KpiFormat candidate : {KpiFormat::kNumber, KpiFormat::kPercent, KpiFormat::kBytes, KpiFormat::kUsd}) {
            if (KpiFormatName(candidate) == format) {
              f.format = candidate;
              known = true;
            }
          }
          if (!known)
            return Bad(key + ".format", fmt::format("\"{}\" is not one of number, percent (0.25 shows 25%), bytes, "
                                                    "usd",
                                                    format));
        }
        visual.fields = std::move(f);
        break;
      }
      case VisualType::kTable: {
        TableFields f;
        LAKEBOX_ASSIGN_OR_RETURN(f.columns, r.Columns("columns", "[\"vendor\", \"records\"] (leave it out for every column)"));
        visual.fields = std::move(f);
        break;
      }
    }
    return visual;
  }

  // Unknown keys, with a key of another visual type named as such.
  Status CheckVisualKeys(const toml::table& table, const std::string& key, const TypeKeys& type) const {
    for (const auto& [name, value] : table) {
      std::string_view k = name.str();
      bool known = std::find(kCommonVisualKeys.begin(), kCommonVisualKeys.end(), k) != kCommonVisualKeys.end() ||
                   std::find(type.keys.begin(), type.keys.end(), k) != type.keys.end();
      if (known) continue;
      for (const TypeKeys& other : VisualTypes()) {
        if (std::find(other.keys.begin(), other.keys.end(), k) != other.keys.end())
          return Bad(fmt::format("{}.{}", key, k),
                     fmt::format("is a key of {} visuals; a {} visual takes {}", other.name, type.name, type.takes));
      }
    }
    std::vector<std::string_view> allowed(kCommonVisualKeys.begin(), kCommonVisualKeys.end());
    allowed.insert(allowed.end(), type.keys.begin(), type.keys.end());
    for (const auto& [name, value] : table) {
      if (std::find(allowed.begin(), allowed.end(), name.str()) == allowed.end()) {
        std::string valid;
        for (std::string_view a : allowed) valid += fmt::format("{}{}", valid.empty() ? "" : ", ", a);
        return Bad(fmt::format("{}.{}", key, name.str()),
                   fmt::format("unknown key (valid keys of a {} visual: {})", type.name, valid));
      }
    }
    return Ok();
  }

  // Column-naming keys of one visual.
  struct Reading {
    const DashboardReader& reader;
    const toml::table& table;
    const std::string& key;
    const std::string& dataset;

    std::string Path(std::string_view field) const { return fmt::format("{}.{}", key, field); }

    Result<std::string> Column(std::string_view field, std::string_view what, std::string_view example) const {
      const toml::node* node = table.get(field);
      if (!node)
        return reader.Bad(Path(field), fmt::format("is required: the column of dataset {} with {}, e.g. {} = \"{}\"",
                                                   dataset, what, field, example));
      return NonEmpty(*node, field);
    }

    Result<std::optional<std::string>> OptionalColumn(std::string_view field) const {
      const toml::node* node = table.get(field);
      if (!node) return std::optional<std::string>();
      LAKEBOX_ASSIGN_OR_RETURN(std::string column, NonEmpty(*node, field));
      return std::optional<std::string>(std::move(column));
    }

    Result<std::vector<std::string>> Columns(std::string_view field, std::string_view example) const {
      std::vector<std::string> columns;
      const toml::node* node = table.get(field);
      if (!node) return columns;
      const toml::array* list = node->as_array();
      auto bad = [&] {
        return reader.Bad(Path(field),
                          fmt::format("must be a list of column names of dataset {}, e.g. {} = {}", dataset, field, example));
      };
      if (!list) return bad();
      for (const toml::node& item : *list) {
        if (!item.is_string() || item.value<std::string>()->empty()) return bad();
        columns.push_back(*item.value<std::string>());
      }
      return columns;
    }

    Result<std::string> NonEmpty(const toml::node& node, std::string_view field) const {
      if (!node.is_string() || node.value<std::string>()->empty())
        return reader.Bad(Path(field), fmt::format("must be a string naming a column of dataset {}", dataset));
      return *node.value<std::string>();
    }
  };

  const toml::table& t_;
  std::string_view source_;
  std::string where_;
  Dashboard d_;
};

}  // namespace

Result<std::vector<Dashboard>> DashboardsFromToml(const toml::table& root, std::string_view source) {
  std::vector<Dashboard> dashboards;
  const toml::node* node = root.get("dashboard");
  if (!node) return dashboards;
  const toml::array* array = node->as_array();
  if (!array)
    return std::unexpected(
        Error::InvalidArgument(fmt::format("{}: dashboard: declare dashboards as [[dashboard]] tables", source)));
  std::set<std::string> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = (*array)[i].as_table();
    if (!table)
      return std::unexpected(Error::InvalidArgument(
          fmt::format("{}: dashboard #{}: declare dashboards as [[dashboard]] tables", source, i + 1)));
    LAKEBOX_ASSIGN_OR_RETURN(Dashboard dashboard, DashboardReader(*table, source, i + 1).Read());
    if (!names.insert(dashboard.name).second)
      return std::unexpected(Error::InvalidArgument(fmt::format(
          "{}: dashboard \"{}\": name: another [[dashboard]] has the same name; dashboard names must be unique",
          source, dashboard.name)));
    dashboards.push_back(std::move(dashboard));
  }
  return dashboards;
}

Result<std::vector<Dashboard>> BuiltinDashboards() {
  // Debian's toml++ is built with exceptions: parse errors arrive as toml::parse_error.
  toml::table root;
  try {
    root = toml::parse(BuiltinDashboardsToml(), std::string_view("built-in dashboards"));
  } catch (const toml::parse_error& err) {
    return std::unexpected(Error::Internal(fmt::format("built-in dashboards:{}:{}: {}", err.source().begin.line,
                                                       err.source().begin.column, err.description())));
  }
  return DashboardsFromToml(root, "built-in dashboards");
}

Result<std::vector<Dashboard>> ConfiguredDashboards(const toml::table& root, std::string_view source) {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<Dashboard> dashboards, BuiltinDashboards());
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<Dashboard> configured, DashboardsFromToml(root, source));
  for (Dashboard& dashboard : configured) {
    auto same = std::find_if(dashboards.begin(), dashboards.end(),
                             [&](const Dashboard& builtin) { return builtin.name == dashboard.name; });
    if (same != dashboards.end()) {
      *same = std::move(dashboard);
    } else {
      dashboards.push_back(std::move(dashboard));
    }
  }
  return dashboards;
}

}  // namespace lakebox::dashboard
