#include "server/glue_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/crawler.h"
#include "catalog/crawler_service.h"
#include "catalog/partition_filter.h"
#include "common/base64.h"
#include "server/aws_json.h"
#include "server/glue_request.h"

namespace lakebox::server {
namespace {

using nlohmann::json;
using namespace glue;

constexpr std::string_view kLogGroup = "/aws-glue/crawlers";
// Runs GetCrawlerMetrics takes the median runtime over.
constexpr int kMedianRuns = 1000;

// The modelled enums (catalog/crawler.h converts them).
constexpr std::array<std::string_view, 2> kUpdateBehaviors = {"LOG", "UPDATE_IN_DATABASE"};
constexpr std::array<std::string_view, 3> kDeleteBehaviors = {"LOG", "DELETE_FROM_DATABASE",
                                                              "DEPRECATE_IN_DATABASE"};
constexpr std::array<std::string_view, 3> kRecrawlBehaviors = {
    "CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVENT_MODE"};
constexpr std::array<std::string_view, 3> kResourceShareTypes = {"FOREIGN", "ALL", "FEDERATED"};


// ---- Catalog shapes: requests ------------------------------------------------------------------

Result<std::vector<catalog::Column>> ReadColumns(const Object& parent, std::string_view key) {
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::vector<Object>> items, parent.Children(key));
  std::vector<catalog::Column> columns;
  for (const Object& item : items.value_or(std::vector<Object>{})) {
    catalog::Column column;
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, item.String("Name", kRequiredName));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> type, item.String("Type", kColumnType));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> comment, item.String("Comment", kComment));
    column.name = name.value_or("");
    column.type = type.value_or("");
    column.comment = comment.value_or("");
    columns.push_back(std::move(column));
  }
  return columns;
}

Result<catalog::StorageDescriptor> ReadStorageDescriptor(const Object& parent) {
  catalog::StorageDescriptor storage;
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> sd, parent.Child("StorageDescriptor"));
  if (!sd) return storage;
  LAKEBOX_ASSIGN_OR_RETURN(storage.columns, ReadColumns(*sd, "Columns"));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> location, sd->String("Location", kLocation));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> input, sd->String("InputFormat", kFormat));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> output, sd->String("OutputFormat", kFormat));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<bool> compressed, sd->Bool("Compressed"));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<catalog::Parameters> parameters, sd->Map("Parameters"));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> serde, sd->Child("SerdeInfo"));
  if (serde) {
    LAKEBOX_TRY(serde->String("Name", kName));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> library,
                             serde->String("SerializationLibrary", kName));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<catalog::Parameters> serde_parameters,
                             serde->Map("Parameters"));
    storage.serde_library = library.value_or("");
    storage.serde_parameters = serde_parameters.value_or(catalog::Parameters{});
  }
  constexpr std::string_view kNoBuckets =
      "lakebox does not support bucketed or sorted tables (BucketColumns, SortColumns): leave "
      "them empty";
  sd->RefuseIfGiven("BucketColumns", kNoBuckets);
  sd->RefuseIfGiven("SortColumns", kNoBuckets);
  storage.location = location.value_or("");
  storage.input_format = input.value_or("");
  storage.output_format = output.value_or("");
  storage.compressed = compressed.value_or(false);
  storage.parameters = parameters.value_or(catalog::Parameters{});
  return storage;
}

// TableInput, into a table of `database`. Refuses a missing TableInput.
Result<catalog::Table> ReadTableInput(const Object& root, const std::string& database) {
  catalog::Table table;
  table.database = database;
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> input, root.Child("TableInput"));
  if (!input) {
    root.request().Refuse("TableInput is required");
    return table;
  }
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, input->String("Name", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> description,
                           input->String("Description", kDescription));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> owner, input->String("Owner", kName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> type, input->String("TableType", kTableType));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<catalog::Parameters> parameters, input->Map("Parameters"));
  LAKEBOX_ASSIGN_OR_RETURN(table.storage, ReadStorageDescriptor(*input));
  LAKEBOX_ASSIGN_OR_RETURN(table.partition_keys, ReadColumns(*input, "PartitionKeys"));
  constexpr std::string_view kNoViews =
      "lakebox's catalog does not store views (ViewOriginalText, ViewExpandedText, "
      "ViewDefinition); define the view in the query engine instead";
  input->RefuseIfGiven("ViewOriginalText", kNoViews);
  input->RefuseIfGiven("ViewExpandedText", kNoViews);
  input->RefuseIfGiven("ViewDefinition", kNoViews);
  input->RefuseIfGiven("TargetTable", "lakebox does not support resource links (TargetTable)");
  table.name = name.value_or("");
  table.description = description.value_or("");
  table.owner = owner.value_or("");
  table.table_type = type.value_or("");
  table.parameters = parameters.value_or(catalog::Parameters{});
  return table;
}

// ---- Catalog shapes: responses -----------------------------------------------------------------

json ParametersJson(const catalog::Parameters& parameters) {
  json out = json::object();
  for (const auto& [key, value] : parameters) out[key] = value;
  return out;
}

json ColumnsJson(const std::vector<catalog::Column>& columns) {
  json out = json::array();
  for (const catalog::Column& column : columns) {
    json c = {{"Name", column.name}, {"Type", column.type}};
    if (!column.comment.empty()) c["Comment"] = column.comment;
    out.push_back(std::move(c));
  }
  return out;
}

json StorageJson(const catalog::StorageDescriptor& storage, bool include_columns) {
  json sd = json::object();
  if (include_columns) sd["Columns"] = ColumnsJson(storage.columns);
  if (!storage.location.empty()) sd["Location"] = storage.location;
  if (!storage.input_format.empty()) sd["InputFormat"] = storage.input_format;
  if (!storage.output_format.empty()) sd["OutputFormat"] = storage.output_format;
  sd["Compressed"] = storage.compressed;
  sd["NumberOfBuckets"] = -1;
  json serde = json::object();
  if (!storage.serde_library.empty()) serde["SerializationLibrary"] = storage.serde_library;
  serde["Parameters"] = ParametersJson(storage.serde_parameters);
  sd["SerdeInfo"] = std::move(serde);
  sd["BucketColumns"] = json::array();
  sd["SortColumns"] = json::array();
  sd["Parameters"] = ParametersJson(storage.parameters);
  sd["StoredAsSubDirectories"] = false;
  return sd;
}

json DatabaseJson(const catalog::Database& database, const std::string& catalog_id) {
  json d = {{"Name", database.name}};
  if (!database.description.empty()) d["Description"] = database.description;
  if (!database.location_uri.empty()) d["LocationUri"] = database.location_uri;
  d["Parameters"] = ParametersJson(database.parameters);
  d["CreateTime"] = Seconds(database.create_time_ms);
  // What Glue reports for a database created without Lake Formation: IAM alone governs access.
  d["CreateTableDefaultPermissions"] =
      json::array({{{"Principal", {{"DataLakePrincipalIdentifier", "IAM_ALLOWED_PRINCIPALS"}}},
                    {"Permissions", json::array({"ALL"})}}});
  d["CatalogId"] = catalog_id;
  return d;
}

json TableJson(const catalog::Table& table, const std::string& catalog_id) {
  json t = {{"Name", table.name}, {"DatabaseName", table.database}};
  if (!table.description.empty()) t["Description"] = table.description;
  if (!table.owner.empty()) t["Owner"] = table.owner;
  t["CreateTime"] = Seconds(table.create_time_ms);
  t["UpdateTime"] = Seconds(table.update_time_ms);
  t["Retention"] = 0;
  t["StorageDescriptor"] = StorageJson(table.storage, true);
  t["PartitionKeys"] = ColumnsJson(table.partition_keys);
  if (!table.table_type.empty()) t["TableType"] = table.table_type;
  t["Parameters"] = ParametersJson(table.parameters);
  if (!table.created_by.empty()) t["CreatedBy"] = table.created_by;
  t["IsRegisteredWithLakeFormation"] = false;
  t["CatalogId"] = catalog_id;
  t["VersionId"] = std::to_string(table.version);
  return t;
}

json PartitionJson(const catalog::Partition& partition, bool include_columns,
                   const std::string& catalog_id) {
  return {{"Values", partition.values},
          {"DatabaseName", partition.database},
          {"TableName", partition.table},
          {"CreationTime", Seconds(partition.create_time_ms)},
          {"LastAccessTime", Seconds(partition.update_time_ms)},
          {"StorageDescriptor", StorageJson(partition.storage, include_columns)},
          {"Parameters", ParametersJson(partition.parameters)},
          {"CatalogId", catalog_id}};
}

// ---- Crawler shapes ----------------------------------------------------------------------------

// CreateCrawler/UpdateCrawler members; absent ones are nullopt (UpdateCrawler keeps those).
struct CrawlerInput {
  std::optional<std::string> name;
  std::optional<std::string> role;
  std::optional<std::string> database;
  std::optional<std::string> description;
  std::optional<std::string> schedule;
  std::optional<std::string> table_prefix;
  std::optional<std::string> configuration;
  std::optional<std::vector<catalog::S3Target>> targets;
  std::optional<catalog::UpdateBehavior> update_behavior;
  std::optional<catalog::DeleteBehavior> delete_behavior;
  std::optional<catalog::RecrawlBehavior> recrawl_behavior;
};

Result<CrawlerInput> ReadCrawlerInput(const Object& root, bool create) {
  CrawlerInput in;
  Request& request = root.request();
  LAKEBOX_ASSIGN_OR_RETURN(in.name, root.String("Name", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(in.role, root.String("Role", create ? kRequiredString : kAnyString));
  LAKEBOX_ASSIGN_OR_RETURN(in.database, root.String("DatabaseName", kAnyString));
  LAKEBOX_ASSIGN_OR_RETURN(in.description, root.String("Description", kDescription));
  LAKEBOX_ASSIGN_OR_RETURN(in.schedule, root.String("Schedule", kAnyString));
  LAKEBOX_ASSIGN_OR_RETURN(in.table_prefix, root.String("TablePrefix", kTablePrefix));
  LAKEBOX_ASSIGN_OR_RETURN(in.configuration, root.String("Configuration", kAnyString));

  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> targets, root.Child("Targets", create));
  if (targets) {
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::vector<Object>> s3, targets->Children("S3Targets"));
    in.targets.emplace();
    for (const Object& item : s3.value_or(std::vector<Object>{})) {
      catalog::S3Target target;
      LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> path, item.String("Path", kAnyString));
      LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> exclusions,
                               item.Strings("Exclusions", kAnyString));
      LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> sample_size,
                               item.Integer("SampleSize", IntRule{}));
      target.path = path.value_or("");
      target.exclusions = exclusions.value_or(std::vector<std::string>{});
      // Out-of-range values are left to the crawler service's range check, which reports them.
      if (sample_size)
        target.sample_size = static_cast<int>(std::clamp<int64_t>(*sample_size, INT32_MIN, INT32_MAX));
      in.targets->push_back(std::move(target));
    }
    for (std::string_view other : {"JdbcTargets", "MongoDBTargets", "DynamoDBTargets",
                                   "CatalogTargets", "DeltaTargets", "IcebergTargets", "HudiTargets"})
      targets->RefuseIfGiven(other, fmt::format("lakebox crawls only S3 targets, not {}", other));
  }

  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> schema_policy, root.Child("SchemaChangePolicy"));
  if (schema_policy) {
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> update,
                             schema_policy->String("UpdateBehavior", Enum(kUpdateBehaviors)));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> remove,
                             schema_policy->String("DeleteBehavior", Enum(kDeleteBehaviors)));
    // An unknown name is already a violation, which Checked() reports.
    if (update) in.update_behavior = catalog::ParseUpdateBehavior(*update).value_or(catalog::UpdateBehavior{});
    if (remove) in.delete_behavior = catalog::ParseDeleteBehavior(*remove).value_or(catalog::DeleteBehavior{});
  }
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> recrawl_policy, root.Child("RecrawlPolicy"));
  if (recrawl_policy) {
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> recrawl,
                             recrawl_policy->String("RecrawlBehavior", Enum(kRecrawlBehaviors)));
    if (recrawl == "CRAWL_EVENT_MODE")
      request.Refuse(
          "lakebox does not support RecrawlBehavior CRAWL_EVENT_MODE (S3 event notifications): "
          "use CRAWL_NEW_FOLDERS_ONLY, which lists the bucket and reads only new objects");
    else if (recrawl)
      in.recrawl_behavior = catalog::ParseRecrawlBehavior(*recrawl).value_or(catalog::RecrawlBehavior{});
  }
  root.RefuseIfGiven("Classifiers",
                     "lakebox has no custom classifiers: its built-in ones classify JSON, CSV "
                     "and Parquet by content");
  if (in.configuration && !in.configuration->empty()) {
    json configuration = json::parse(*in.configuration, nullptr, /*allow_exceptions=*/false);
    if (!configuration.is_object())
      request.Refuse(
          "Configuration must be a JSON object in a string, e.g. "
          "{\"Version\":1.0,\"Grouping\":{\"TableGroupingPolicy\":\"CombineCompatibleSchemas\"}}");
  }
  return in;
}

void Apply(const CrawlerInput& in, catalog::CrawlerDefinition* crawler) {
  if (in.name) crawler->name = *in.name;
  if (in.role) crawler->role = *in.role;
  if (in.database) crawler->database = *in.database;
  if (in.description) crawler->description = *in.description;
  if (in.schedule) crawler->schedule = *in.schedule;
  if (in.table_prefix) crawler->table_prefix = *in.table_prefix;
  if (in.configuration) crawler->configuration = *in.configuration;
  if (in.targets) crawler->targets = *in.targets;
  if (in.update_behavior) crawler->update_behavior = *in.update_behavior;
  if (in.delete_behavior) crawler->delete_behavior = *in.delete_behavior;
  if (in.recrawl_behavior) crawler->recrawl_behavior = *in.recrawl_behavior;
}

json CrawlerJson(const catalog::CrawlerStatus& status) {
  const catalog::CrawlerDefinition& d = status.definition;
  json s3 = json::array();
  for (const catalog::S3Target& target : d.targets) {
    json t = {{"Path", target.path}, {"Exclusions", target.exclusions}};
    if (target.sample_size) t["SampleSize"] = *target.sample_size;
    s3.push_back(std::move(t));
  }
  json targets = {{"S3Targets", std::move(s3)}};
  for (std::string_view other : {"JdbcTargets", "MongoDBTargets", "DynamoDBTargets",
                                 "CatalogTargets", "DeltaTargets", "IcebergTargets", "HudiTargets"})
    targets[std::string(other)] = json::array();

  json c = json::object();
  c["Name"] = d.name;
  c["Role"] = d.role;
  c["Targets"] = std::move(targets);
  c["DatabaseName"] = d.database;
  if (!d.description.empty()) c["Description"] = d.description;
  c["Classifiers"] = json::array();
  c["RecrawlPolicy"] = {
      {"RecrawlBehavior", std::string(catalog::RecrawlBehaviorName(d.recrawl_behavior))}};
  c["SchemaChangePolicy"] = {
      {"UpdateBehavior", std::string(catalog::UpdateBehaviorName(d.update_behavior))},
      {"DeleteBehavior", std::string(catalog::DeleteBehaviorName(d.delete_behavior))}};
  c["LineageConfiguration"] = {{"CrawlerLineageSettings", "DISABLE"}};
  c["State"] = std::string(catalog::CrawlerStateName(status.state));
  if (!d.table_prefix.empty()) c["TablePrefix"] = d.table_prefix;
  if (!d.schedule.empty())
    // NOT_SCHEDULED: lakebox stores crawler schedules but does not run them yet, and a client
    // reading SCHEDULED would wait for runs that never come.
    c["Schedule"] = {{"ScheduleExpression", d.schedule}, {"State", "NOT_SCHEDULED"}};
  c["CrawlElapsedTime"] = status.crawl_elapsed_ms;
  c["CreationTime"] = Seconds(d.create_time_ms);
  c["LastUpdated"] = Seconds(d.update_time_ms);
  if (status.last_crawl) {
    const catalog::CrawlRun& run = *status.last_crawl;
    json last = {{"Status", run.status}};
    if (!run.error_message.empty()) last["ErrorMessage"] = run.error_message;
    last["LogGroup"] = std::string(kLogGroup);
    last["LogStream"] = d.name;
    last["MessagePrefix"] = fmt::format("{}-{}", d.name, run.start_time_ms);
    last["StartTime"] = Seconds(run.start_time_ms);
    c["LastCrawl"] = std::move(last);
  }
  c["Version"] = d.version;
  if (!d.configuration.empty()) c["Configuration"] = d.configuration;
  return c;
}

double RuntimeSeconds(const catalog::CrawlRun& run) {
  return std::max<double>(0, Seconds(run.end_time_ms - run.start_time_ms));
}

// `runs` newest first.
json MetricsJson(const catalog::CrawlerStatus& status, const std::vector<catalog::CrawlRun>& runs) {
  json m = {{"CrawlerName", status.definition.name},
            {"TimeLeftSeconds", 0},
            {"StillEstimating", status.state == catalog::CrawlerState::kRunning}};
  catalog::CrawlRun last;
  double median = 0;
  if (!runs.empty()) {
    last = runs.front();
    std::vector<double> seconds;
    for (const catalog::CrawlRun& run : runs) seconds.push_back(RuntimeSeconds(run));
    std::sort(seconds.begin(), seconds.end());
    size_t mid = seconds.size() / 2;
    median = seconds.size() % 2 ? seconds[mid] : (seconds[mid - 1] + seconds[mid]) / 2;
  }
  m["LastRuntimeSeconds"] = runs.empty() ? 0.0 : RuntimeSeconds(last);
  m["MedianRuntimeSeconds"] = median;
  m["TablesCreated"] = last.tables_created;
  m["TablesUpdated"] = last.tables_updated;
  m["TablesDeleted"] = last.tables_deleted;
  m["ObjectsListed"] = last.objects_listed;
  m["ObjectsRead"] = last.objects_read;
  m["BytesSampled"] = last.bytes_sampled;
  m["ObjectsSkipped"] = last.objects_skipped;
  m["PartitionsAdded"] = last.partitions_added;
  m["PartitionsDeleted"] = last.partitions_deleted;
  m["Problems"] = last.problems;
  return m;
}

// ---- Partition segments -----------------------------------------------------------------------

// Which of GetPartitions' segments a partition falls in: FNV-1a over its values.
int64_t SegmentOf(const std::vector<std::string>& values, int64_t total_segments) {
  uint64_t hash = 14695981039346656037ull;
  for (const std::string& value : values) {
    for (char c : value) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    hash = (hash ^ 0x1f) * 1099511628211ull;  // a separator, so ("ab","c") != ("a","bc")
  }
  return static_cast<int64_t>(hash % static_cast<uint64_t>(total_segments));
}

}  // namespace

GlueApi::GlueApi(catalog::Catalog* catalog, catalog::CrawlerService* crawlers, etl::JobService* jobs,
                 std::string catalog_id)
    : catalog_(catalog), crawlers_(crawlers), jobs_(jobs), catalog_id_(std::move(catalog_id)) {}

const std::map<std::string_view, GlueApi::Handler>& GlueApi::Handlers() {
  static const std::map<std::string_view, Handler> handlers = {
      {"CreateDatabase", &GlueApi::CreateDatabase},
      {"GetDatabase", &GlueApi::GetDatabase},
      {"GetDatabases", &GlueApi::GetDatabases},
      {"DeleteDatabase", &GlueApi::DeleteDatabase},
      {"CreateTable", &GlueApi::CreateTable},
      {"GetTable", &GlueApi::GetTable},
      {"GetTables", &GlueApi::GetTables},
      {"UpdateTable", &GlueApi::UpdateTable},
      {"DeleteTable", &GlueApi::DeleteTable},
      {"GetTableVersions", &GlueApi::GetTableVersions},
      {"GetPartitions", &GlueApi::GetPartitions},
      {"GetPartition", &GlueApi::GetPartition},
      {"BatchCreatePartition", &GlueApi::BatchCreatePartition},
      {"CreateCrawler", &GlueApi::CreateCrawler},
      {"UpdateCrawler", &GlueApi::UpdateCrawler},
      {"GetCrawler", &GlueApi::GetCrawler},
      {"GetCrawlers", &GlueApi::GetCrawlers},
      {"StartCrawler", &GlueApi::StartCrawler},
      {"StopCrawler", &GlueApi::StopCrawler},
      {"DeleteCrawler", &GlueApi::DeleteCrawler},
      {"GetCrawlerMetrics", &GlueApi::GetCrawlerMetrics},
      {"GetJob", &GlueApi::GetJob},
      {"GetJobs", &GlueApi::GetJobs},
      {"StartJobRun", &GlueApi::StartJobRun},
      {"GetJobRun", &GlueApi::GetJobRun},
      {"GetJobRuns", &GlueApi::GetJobRuns},
      {"BatchStopJobRun", &GlueApi::BatchStopJobRun},
      {"ResetJobBookmark", &GlueApi::ResetJobBookmark},
  };
  return handlers;
}

bool GlueApi::HasOperation(std::string_view operation) const {
  return Handlers().contains(operation);
}

namespace {

// The requests whose one member is the required `Name` (GetDatabase, DeleteDatabase, GetCrawler,
// StartCrawler, StopCrawler, DeleteCrawler).
Result<std::string> NameOnlyRequest(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name,
                           Object::Root(request).String("Name", kRequiredName));
  LAKEBOX_TRY(request.Checked());
  return *std::move(name);
}

}  // namespace

Result<std::string> GlueApi::Call(std::string_view operation, std::string& body) {
  auto it = Handlers().find(operation);
  if (it == Handlers().end()) {
    std::vector<std::string_view> names;
    for (const auto& [name, handler] : Handlers()) names.push_back(name);
    return std::unexpected(Error::UnknownOperation(fmt::format(
        "lakebox does not implement AWSGlue.{}; supported: {}", operation, fmt::join(names, ", "))));
  }
  return (this->*(it->second))(body);
}

// ---- Databases

Result<std::string> GlueApi::CreateDatabase(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> input, root.Child("DatabaseInput", true));
  catalog::Database database;
  if (input) {
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, input->String("Name", kRequiredName));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> description,
                             input->String("Description", kDescription));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> location,
                             input->String("LocationUri", kUri));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<catalog::Parameters> parameters,
                             input->Map("Parameters"));
    constexpr std::string_view kNoLinks =
        "lakebox does not support resource links or federation (TargetDatabase, "
        "FederatedDatabase)";
    input->RefuseIfGiven("TargetDatabase", kNoLinks);
    input->RefuseIfGiven("FederatedDatabase", kNoLinks);
    database.name = name.value_or("");
    database.description = description.value_or("");
    database.location_uri = location.value_or("");
    database.parameters = parameters.value_or(catalog::Parameters{});
  }
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_TRY(catalog_->CreateDatabase(database));
  return std::string("{}");
}

Result<std::string> GlueApi::GetDatabase(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, NameOnlyRequest(body));
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Database database, catalog_->GetDatabase(name));
  return Dump({{"Database", DatabaseJson(database, catalog_id_)}});
}

Result<std::string> GlueApi::GetDatabases(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, root.String("NextToken", kAnyString));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> max_results,
                           root.Integer("MaxResults", IntRule{.min = 1, .max = 100}));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> share_type,
                           root.String("ResourceShareType", Enum(kResourceShareTypes)));
  LAKEBOX_TRY(request.Checked());

  json list = json::array();
  // lakebox's catalog has no databases shared from other accounts or federated sources.
  if (share_type == "FOREIGN" || share_type == "FEDERATED")
    return Dump({{"DatabaseList", std::move(list)}});
  if (token && token->empty()) token.reset();
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Page<catalog::Database> page,
                           catalog_->GetDatabases(token, static_cast<int>(max_results.value_or(100))));
  for (const catalog::Database& database : page.items)
    list.push_back(DatabaseJson(database, catalog_id_));
  return ListResponse("DatabaseList", std::move(list), page.next_token);
}

Result<std::string> GlueApi::DeleteDatabase(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, NameOnlyRequest(body));
  LAKEBOX_TRY(catalog_->DeleteDatabase(name));
  return std::string("{}");
}

// ---- Tables

Result<std::string> GlueApi::CreateTable(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Table table, ReadTableInput(root, database.value_or("")));
  root.RefuseIfGiven("OpenTableFormatInput",
                     "lakebox does not support open table formats (OpenTableFormatInput)");
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_TRY(catalog_->CreateTable(table));
  return std::string("{}");
}

Result<std::string> GlueApi::GetTable(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("Name", kRequiredName));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Table table, catalog_->GetTable(*database, *name));
  return Dump({{"Table", TableJson(table, catalog_id_)}});
}

Result<std::string> GlueApi::GetTables(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> expression, root.String("Expression", kFilter));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, root.String("NextToken", kAnyString));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> max_results,
                           root.Integer("MaxResults", IntRule{.min = 1, .max = 100}));
  LAKEBOX_TRY(request.Checked());
  if (token && token->empty()) token.reset();
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Page<catalog::Table> page,
                           catalog_->GetTables(*database, expression.value_or(""), token,
                                               static_cast<int>(max_results.value_or(100))));
  json list = json::array();
  for (const catalog::Table& table : page.items) list.push_back(TableJson(table, catalog_id_));
  return ListResponse("TableList", std::move(list), page.next_token);
}

Result<std::string> GlueApi::UpdateTable(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Table table, ReadTableInput(root, database.value_or("")));
  root.RefuseIfGiven("UpdateOpenTableFormatInput",
                     "lakebox does not support open table formats (UpdateOpenTableFormatInput)");
  LAKEBOX_TRY(request.Checked());
  // The table keeps who created it; TableInput cannot say.
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Table current, catalog_->GetTable(table.database, table.name));
  table.created_by = current.created_by;
  LAKEBOX_TRY(catalog_->UpdateTable(table));
  return std::string("{}");
}

Result<std::string> GlueApi::DeleteTable(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("Name", kRequiredName));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_TRY(catalog_->DeleteTable(*database, *name));
  return std::string("{}");
}

Result<std::string> GlueApi::GetTableVersions(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> name, root.String("TableName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, root.String("NextToken", kAnyString));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> max_results,
                           root.Integer("MaxResults", IntRule{.min = 1, .max = 100}));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> after_key, DecodeToken(token));
  std::optional<int64_t> after_version;
  if (after_key) {
    int64_t version = 0;
    auto [end, ec] = std::from_chars(after_key->data(), after_key->data() + after_key->size(), version);
    if (ec != std::errc() || end != after_key->data() + after_key->size())
      return std::unexpected(Error::InvalidInput(
          "Invalid NextToken: pass the NextToken of the previous response unchanged."));
    after_version = version;
  }

  LAKEBOX_ASSIGN_OR_RETURN(std::vector<catalog::Table> versions,
                           catalog_->GetTableVersions(*database, *name));
  // Newest first: a page resumes at the first version older than the token's.
  PageBounds page = PageOf(
      versions.size(), max_results.value_or(100),
      [&](size_t i) { return !after_version || versions[i].version < *after_version; },
      [&](size_t i) { return std::to_string(versions[i].version); });
  json list = json::array();
  for (size_t i = page.begin; i < page.end; ++i)
    list.push_back({{"Table", TableJson(versions[i], catalog_id_)},
                    {"VersionId", std::to_string(versions[i].version)}});
  return ListResponse("TableVersions", std::move(list), page.next_token);
}

// ---- Partitions

Result<std::string> GlueApi::GetPartitions(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> table_name,
                           root.String("TableName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> expression, root.String("Expression", kFilter));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, root.String("NextToken", kAnyString));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> max_results,
                           root.Integer("MaxResults", IntRule{.min = 1, .max = 1000}));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<bool> exclude_columns, root.Bool("ExcludeColumnSchema"));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<Object> segment, root.Child("Segment"));
  std::optional<int64_t> segment_number, total_segments;
  if (segment) {
    LAKEBOX_ASSIGN_OR_RETURN(segment_number,
                             segment->Integer("SegmentNumber", IntRule{.required = true, .min = 0}));
    LAKEBOX_ASSIGN_OR_RETURN(total_segments, segment->Integer("TotalSegments",
                                                              IntRule{.required = true, .min = 1, .max = 10}));
    if (segment_number && total_segments && *segment_number >= *total_segments)
      request.Refuse(fmt::format("Segment.SegmentNumber ({}) must be less than TotalSegments ({})",
                                 *segment_number, *total_segments));
  }
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> after_key, DecodeToken(token));
  std::optional<std::vector<std::string>> after_values;
  if (after_key) {
    json values = json::parse(*after_key, nullptr, /*allow_exceptions=*/false);
    bool ok = values.is_array() &&
              std::all_of(values.begin(), values.end(), [](const json& v) { return v.is_string(); });
    if (!ok)
      return std::unexpected(Error::InvalidInput(
          "Invalid NextToken: pass the NextToken of the previous response unchanged."));
    after_values = values.get<std::vector<std::string>>();
  }

  LAKEBOX_ASSIGN_OR_RETURN(catalog::Table table, catalog_->GetTable(*database, *table_name));
  LAKEBOX_ASSIGN_OR_RETURN(catalog::PartitionFilter filter,
                           catalog::PartitionFilter::Parse(expression.value_or(""), table.partition_keys));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<catalog::Partition> all,
                           catalog_->GetPartitions(*database, *table_name));
  std::vector<catalog::Partition> selected;
  for (catalog::Partition& partition : all) {
    if (segment && SegmentOf(partition.values, *total_segments) != *segment_number) continue;
    if (filter.Matches(partition.values)) selected.push_back(std::move(partition));
  }
  // Ordered here, so that tokens (the last values returned) resume in the same order.
  std::sort(selected.begin(), selected.end(),
            [](const catalog::Partition& a, const catalog::Partition& b) { return a.values < b.values; });
  PageBounds page = PageOf(
      selected.size(), max_results.value_or(1000),
      [&](size_t i) { return !after_values || selected[i].values > *after_values; },
      [&](size_t i) { return json(selected[i].values).dump(); });
  json list = json::array();
  for (size_t i = page.begin; i < page.end; ++i)
    list.push_back(PartitionJson(selected[i], !exclude_columns.value_or(false), catalog_id_));
  return ListResponse("Partitions", std::move(list), page.next_token);
}

Result<std::string> GlueApi::GetPartition(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> table, root.String("TableName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(
      std::optional<std::vector<std::string>> values,
      root.Strings("PartitionValues", kPartitionValue, ListRule{.required = true}));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(catalog::Partition partition,
                           catalog_->GetPartition(*database, *table, *values));
  return Dump({{"Partition", PartitionJson(partition, true, catalog_id_)}});
}

Result<std::string> GlueApi::BatchCreatePartition(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> database,
                           root.String("DatabaseName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> table, root.String("TableName", kRequiredName));
  LAKEBOX_ASSIGN_OR_RETURN(
      std::optional<std::vector<Object>> inputs,
      root.Children("PartitionInputList", ListRule{.required = true, .max_items = 100}));
  std::vector<catalog::Partition> partitions;
  for (const Object& input : inputs.value_or(std::vector<Object>{})) {
    catalog::Partition partition;
    partition.database = database.value_or("");
    partition.table = table.value_or("");
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> values,
                             input.Strings("Values", kPartitionValue));
    LAKEBOX_ASSIGN_OR_RETURN(partition.storage, ReadStorageDescriptor(input));
    LAKEBOX_ASSIGN_OR_RETURN(std::optional<catalog::Parameters> parameters, input.Map("Parameters"));
    partition.values = values.value_or(std::vector<std::string>{});
    partition.parameters = parameters.value_or(catalog::Parameters{});
    partitions.push_back(std::move(partition));
  }
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(auto failures, catalog_->CreatePartitions(*database, *table, partitions));
  json errors = json::array();
  for (const auto& [values, error] : failures)
    errors.push_back({{"PartitionValues", values},
                      {"ErrorDetail", {{"ErrorCode", std::string(error.AwsName())},
                                       {"ErrorMessage", error.message()}}}});
  return Dump({{"Errors", std::move(errors)}});
}

// ---- Crawlers

Result<std::string> GlueApi::CreateCrawler(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  LAKEBOX_ASSIGN_OR_RETURN(CrawlerInput input, ReadCrawlerInput(Object::Root(request), true));
  LAKEBOX_TRY(request.Checked());
  catalog::CrawlerDefinition crawler;
  Apply(input, &crawler);
  LAKEBOX_TRY(crawlers_->CreateCrawler(std::move(crawler)));
  return std::string("{}");
}

Result<std::string> GlueApi::UpdateCrawler(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  LAKEBOX_ASSIGN_OR_RETURN(CrawlerInput input, ReadCrawlerInput(Object::Root(request), false));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(catalog::CrawlerStatus current, crawlers_->GetCrawler(*input.name));
  catalog::CrawlerDefinition crawler = std::move(current.definition);
  Apply(input, &crawler);
  LAKEBOX_TRY(crawlers_->UpdateCrawler(std::move(crawler)));
  return std::string("{}");
}

Result<std::string> GlueApi::GetCrawler(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, NameOnlyRequest(body));
  LAKEBOX_ASSIGN_OR_RETURN(catalog::CrawlerStatus status, crawlers_->GetCrawler(name));
  return Dump({{"Crawler", CrawlerJson(status)}});
}

Result<std::string> GlueApi::GetCrawlers(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(ListRequest listing, ReadListRequest(body, 1000));
  const auto& [max_results, after] = listing;
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<catalog::CrawlerStatus> crawlers, crawlers_->GetCrawlers());
  std::sort(crawlers.begin(), crawlers.end(), [](const auto& a, const auto& b) {
    return a.definition.name < b.definition.name;
  });
  PageBounds page = PageOf(
      crawlers.size(), max_results.value_or(1000),
      [&](size_t i) { return !after || crawlers[i].definition.name > *after; },
      [&](size_t i) { return crawlers[i].definition.name; });
  json list = json::array();
  for (size_t i = page.begin; i < page.end; ++i) list.push_back(CrawlerJson(crawlers[i]));
  return ListResponse("Crawlers", std::move(list), page.next_token);
}

Result<std::string> GlueApi::StartCrawler(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, NameOnlyRequest(body));
  LAKEBOX_TRY(crawlers_->StartCrawler(name));
  return std::string("{}");
}

Result<std::string> GlueApi::StopCrawler(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, NameOnlyRequest(body));
  LAKEBOX_TRY(crawlers_->StopCrawler(name));
  return std::string("{}");
}

Result<std::string> GlueApi::DeleteCrawler(std::string_view body) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string name, NameOnlyRequest(body));
  LAKEBOX_TRY(crawlers_->DeleteCrawler(name));
  return std::string("{}");
}

Result<std::string> GlueApi::GetCrawlerMetrics(std::string_view body) {
  Request request;
  LAKEBOX_TRY(request.Parse(body));
  Object root = Object::Root(request);
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> names,
                           root.Strings("CrawlerNameList", kName, ListRule{.max_items = 100}));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<int64_t> max_results,
                           root.Integer("MaxResults", IntRule{.min = 1, .max = 1000}));
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> token, root.String("NextToken", kAnyString));
  LAKEBOX_TRY(request.Checked());
  LAKEBOX_ASSIGN_OR_RETURN(std::optional<std::string> after, DecodeToken(token));
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<catalog::CrawlerStatus> crawlers, crawlers_->GetCrawlers());
  // Names not in the list are left out, and so are unknown names in it (Glue does not fail).
  if (names && !names->empty()) {
    std::erase_if(crawlers, [&](const catalog::CrawlerStatus& c) {
      return std::find(names->begin(), names->end(), c.definition.name) == names->end();
    });
  }
  std::sort(crawlers.begin(), crawlers.end(), [](const auto& a, const auto& b) {
    return a.definition.name < b.definition.name;
  });
  PageBounds page = PageOf(
      crawlers.size(), max_results.value_or(1000),
      [&](size_t i) { return !after || crawlers[i].definition.name > *after; },
      [&](size_t i) { return crawlers[i].definition.name; });
  json list = json::array();
  for (size_t i = page.begin; i < page.end; ++i) {
    LAKEBOX_ASSIGN_OR_RETURN(std::vector<catalog::CrawlRun> runs,
                             catalog_->GetCrawlRuns(crawlers[i].definition.name, kMedianRuns));
    list.push_back(MetricsJson(crawlers[i], runs));
  }
  return ListResponse("CrawlerMetricsList", std::move(list), page.next_token);
}

}  // namespace lakebox::server
