#include "catalog/crawler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "catalog/classifier.h"
#include "catalog/data_type.h"
#include "catalog/glob.h"
#include "common/time.h"

namespace lakebox::catalog {
namespace {

using Kind = DataType::Kind;
using Clock = std::chrono::steady_clock;

constexpr int kSampleThreads = 4;
constexpr size_t kMaxProblems = 100;
constexpr size_t kMaxTableNameBase = 128;  // Glue truncates generated names here
constexpr size_t kMaxNameLength = 255;     // the catalog's limit, prefix included
constexpr auto kProgressInterval = std::chrono::milliseconds(200);
constexpr const char* kDeprecatedKey = "DEPRECATED_BY_CRAWLER";
// Parameters whose keys StorageDescriptorFor writes for CSV, kept when a table is described again
// without a fresh sample.
constexpr std::string_view kCsvParameterKeys[] = {"delimiter", "skip.header.line.count", "areColumnsQuoted",
                                                  "columnsOrdered"};

// ---- The object memory's schema field.
//
// A lossless encoding of DataType as compact JSON. ToHive is not enough: it prints "unknown"
// (null-only fields, elements of arrays only ever seen empty) as string, and string + struct is
// string, so an array first seen empty would stay array<string> forever once read back.
// Primitives are their Hive names ("?" for unknown), containers {"struct":[[name,T],...]},
// {"array":T}, {"map":[K,V]}.
nlohmann::json EncodeType(const DataType& type) {
  switch (type.kind()) {
    case Kind::kUnknown:
      return "?";
    case Kind::kStruct: {
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& [name, field] : type.fields()) fields.push_back(nlohmann::json::array({name, EncodeType(field)}));
      return {{"struct", std::move(fields)}};
    }
    case Kind::kArray:
      return {{"array", EncodeType(type.element())}};
    case Kind::kMap:
      return {{"map", nlohmann::json::array({EncodeType(type.key()), EncodeType(type.value())})}};
    default:
      return type.ToHive();
  }
}

Result<DataType> DecodeType(const nlohmann::json& json, int depth = 0) {
  auto bad = [] { return std::unexpected(Error::Corruption("crawler memory: malformed schema")); };
  if (depth > 100) return bad();
  if (json.is_string()) {
    const auto& text = json.get_ref<const std::string&>();
    if (text == "?") return DataType::Unknown();
    return ParseHiveType(text);
  }
  if (!json.is_object() || json.size() != 1) return bad();
  if (auto it = json.find("struct"); it != json.end() && it->is_array()) {
    std::vector<std::pair<std::string, DataType>> fields;
    for (const nlohmann::json& field : *it) {
      if (!field.is_array() || field.size() != 2 || !field[0].is_string()) return bad();
      LAKEBOX_ASSIGN_OR_RETURN(DataType type, DecodeType(field[1], depth + 1));
      fields.emplace_back(field[0].get<std::string>(), std::move(type));
    }
    return DataType::Struct(std::move(fields));
  }
  if (auto it = json.find("array"); it != json.end()) {
    LAKEBOX_ASSIGN_OR_RETURN(DataType element, DecodeType(*it, depth + 1));
    return DataType::Array(std::move(element));
  }
  if (auto it = json.find("map"); it != json.end() && it->is_array() && it->size() == 2) {
    LAKEBOX_ASSIGN_OR_RETURN(DataType key, DecodeType((*it)[0], depth + 1));
    LAKEBOX_ASSIGN_OR_RETURN(DataType value, DecodeType((*it)[1], depth + 1));
    return DataType::Map(std::move(key), std::move(value));
  }
  return bad();
}

std::string EncodeSchema(const DataType& schema) {
  // Names that are not UTF-8 (from a Latin-1 CSV header) are stored with U+FFFD, as the catalog's
  // own JSON would.
  return EncodeType(schema).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Decoded schemas by their encoding: objects with the same schema share one DataType, so merging
// and comparing work on the few distinct schemas, not on every object.
class SchemaCache {
 public:
  // nullptr if `encoded` does not decode (a damaged memory row: the object is read again).
  const DataType* Get(const std::string& encoded) {
    auto [it, inserted] = cache_.try_emplace(encoded);
    if (inserted) {
      auto json = nlohmann::json::parse(encoded, nullptr, /*allow_exceptions=*/false);
      if (!json.is_discarded())
        if (auto type = DecodeType(json)) it->second = std::make_unique<DataType>(std::move(*type));
    }
    return it->second.get();
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<DataType>> cache_;
};

// The merge of distinct schemas, in order.
DataType MergeAll(const std::vector<const DataType*>& schemas) {
  DataType merged;
  for (const DataType* schema : schemas) merged = MergeTypes(merged, *schema);
  return merged;
}

void AddDistinct(std::vector<const DataType*>& schemas, const DataType* schema) {
  if (std::find(schemas.begin(), schemas.end(), schema) == schemas.end()) schemas.push_back(schema);
}

// The catalog's columns parsed back. `previous` is what the crawler itself computed last time for
// the table (from its memory): where that had "unknown" and the catalog shows string, unknown is
// put back, so that real evidence arriving later is not merged into string.
DataType RestoreUnknowns(const DataType& existing, const DataType& previous) {
  if (previous.kind() == Kind::kUnknown && existing.kind() == Kind::kString) return DataType::Unknown();
  if (existing.kind() != previous.kind()) return existing;
  switch (existing.kind()) {
    case Kind::kStruct: {
      std::vector<std::pair<std::string, DataType>> fields;
      for (const auto& [name, field] : existing.fields()) {
        const DataType* before = previous.FindField(name);
        fields.emplace_back(name, before ? RestoreUnknowns(field, *before) : field);
      }
      return DataType::Struct(std::move(fields));
    }
    case Kind::kArray:
      return DataType::Array(RestoreUnknowns(existing.element(), previous.element()));
    case Kind::kMap:
      return DataType::Map(RestoreUnknowns(existing.key(), previous.key()),
                           RestoreUnknowns(existing.value(), previous.value()));
    default:
      return existing;
  }
}

std::vector<Column> ColumnsOf(const DataType& schema) {
  std::vector<Column> columns;
  for (const auto& [name, type] : schema.fields()) columns.push_back({name, type.ToHive(), ""});
  return columns;
}

// ---- Names.

std::string NormalizeTableName(std::string_view raw) {
  std::string name;
  for (char c : raw.substr(0, kMaxTableNameBase)) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name.push_back((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
  }
  return name;
}

std::string TableName(std::string_view prefix, std::string_view base) {
  std::string name;
  for (char c : prefix) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  name += NormalizeTableName(base);
  if (name.size() > kMaxNameLength) name.resize(kMaxNameLength);
  return name;
}

// Glue's "hash suffix" for colliding names: 8 hex digits of FNV-1a over the table's location.
std::string WithHashSuffix(std::string name, std::string_view location) {
  uint32_t hash = 2166136261u;
  for (char c : location) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  std::string suffix = fmt::format("_{:08x}", hash);
  if (name.size() + suffix.size() > kMaxNameLength) name.resize(kMaxNameLength - suffix.size());
  return name + suffix;
}

// "arn:aws:iam::123:role/path/name" → "arn:aws:sts::123:assumed-role/name/AWS-Crawler", the
// CreatedBy Glue writes; a role given by name alone is kept as given.
std::string CreatedBy(const std::string& role) {
  constexpr std::string_view kIam = "arn:aws:iam::";
  size_t colon = role.find(':', kIam.size());
  if (!role.starts_with(kIam) || colon == std::string::npos || role.compare(colon + 1, 5, "role/") != 0) return role;
  std::string account = role.substr(kIam.size(), colon - kIam.size());
  std::string name = role.substr(role.rfind('/') + 1);
  return fmt::format("arn:aws:sts::{}:assumed-role/{}/AWS-Crawler", account, name);
}

Status WithContext(Status status, std::string_view context) {
  if (!status) return std::unexpected(status.error().WithContext(context));
  return status;
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// "s3://bucket/a/b/" for "s3://bucket/a/b/c.json".
std::string_view FolderOf(std::string_view uri) { return uri.substr(0, uri.rfind('/') + 1); }

bool IsHiddenOrMarker(std::string_view relative) {
  if (relative.ends_with("/") || relative.ends_with("_$folder$")) return true;
  for (size_t start = 0; start < relative.size();) {
    if (relative[start] == '.' || relative[start] == '_') return true;
    size_t slash = relative.find('/', start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

// ---- One crawl.

// An object taking part in this run.
struct Entry {
  size_t target = 0;
  std::string bucket;
  storage::ObjectInfo info;
  std::string relative;  // the key below the include path
  const CrawledObject* previous = nullptr;
  CrawledObject memory;  // what the crawler will remember of it; classification empty = unusable
  std::optional<Result<ObjectSample>> result;  // set when read this run
  std::optional<ObjectSample> sample;          // a successful read
  bool forget = false;                         // not remembered (read again next run)
  const DataType* schema = nullptr;            // decoded memory.schema, when usable
  bool usable() const { return schema != nullptr; }
};

struct TableDraft {
  size_t target = 0;
  std::string root;       // below the include path: "" (the include path), "year=2017/", or a file
  std::string base_name;  // what the table is named after
  std::vector<size_t> members;  // entry indices, in key order
  int depth = 0;                // folder levels below the root (= partition keys)
  std::string name;
  std::string location;
};

struct PartitionStats {
  std::string folder;  // below the table's root, ending in '/'
  int64_t records = 0;
  int64_t size = 0;
  int64_t objects = 0;
};

void AddStatistics(Parameters& parameters, int64_t records, int64_t size, int64_t objects,
                   const std::string& crawler) {
  parameters["recordCount"] = std::to_string(records);
  parameters["averageRecordSize"] = std::to_string(records > 0 ? size / records : 0);
  parameters["sizeKey"] = std::to_string(size);
  parameters["objectCount"] = std::to_string(objects);
  parameters["UPDATED_BY_CRAWLER"] = crawler;
  parameters["CrawlerSchemaSerializerVersion"] = "1.0";
  parameters["CrawlerSchemaDeserializerVersion"] = "1.0";
}

class Crawler {
 public:
  Crawler(const CrawlerDefinition& definition, Catalog& catalog, storage::ObjectStore& store,
          const std::atomic<bool>& cancel, const std::function<void(const CrawlProgress&)>& progress)
      : definition_(definition), catalog_(catalog), store_(store), cancel_(cancel), progress_(progress) {
    database_ = definition.database.empty() ? "default" : definition.database;
    bool new_folders_only = definition.recrawl_behavior == RecrawlBehavior::kCrawlNewFoldersOnly;
    update_ = new_folders_only ? UpdateBehavior::kLog : definition.update_behavior;
    delete_ = new_folders_only ? DeleteBehavior::kLog : definition.delete_behavior;
  }

  Status Validate() {
    for (const S3Target& target : definition_.targets) {
      LAKEBOX_ASSIGN_OR_RETURN(S3Path path, ParseS3Path(target.path));
      LAKEBOX_ASSIGN_OR_RETURN(std::vector<Glob> globs, CompileGlobs(target.exclusions));
      paths_.push_back(std::move(path));
      exclusions_.push_back(std::move(globs));
    }
    return Ok();
  }

  CrawlRun Run() {
    run_.start_time_ms = NowMillis();
    Status status = Steps();
    run_.end_time_ms = NowMillis();
    if (!status) {
      run_.status = "FAILED";
      run_.error_message = status.error().message();
    } else {
      run_.status = cancelled_ ? "CANCELLED" : "SUCCEEDED";
    }
    if (problems_beyond_cap_ > 0)
      run_.problems.push_back(fmt::format("... and {} more", Plural(problems_beyond_cap_, "problem", "problems")));
    Report();
    return std::move(run_);
  }

 private:
  Status Steps() {
    LAKEBOX_ASSIGN_OR_RETURN(old_memory_, catalog_.GetCrawledObjects(definition_.name));
    for (const CrawledObject& object : old_memory_) {
      previous_by_key_.emplace(object.key, &object);
      if (!object.table.empty()) old_tables_.insert(object.table);
    }
    LAKEBOX_TRY(List());
    Report();
    if (!ReadObjects()) return Ok();
    std::vector<TableDraft> drafts = GroupAll();
    LAKEBOX_TRY(NameTables(drafts));
    if (!DescribeNewTables(drafts)) return Ok();
    LAKEBOX_TRY(EnsureDatabase());
    Status applied = ApplyAll(drafts);
    // Remember what was settled even when a later table failed, so it is not read again.
    Status remembered = Remember();
    LAKEBOX_TRY(applied);
    return remembered;
  }

  // -- Listing: fills entries_ (in target order, then key order) and decides what to read.
  Status List() {
    std::unordered_set<std::string> seen;
    std::unordered_set<std::string_view> known_folders;
    bool new_folders_only = definition_.recrawl_behavior == RecrawlBehavior::kCrawlNewFoldersOnly;
    if (new_folders_only)
      for (const CrawledObject& object : old_memory_) known_folders.insert(FolderOf(object.key));

    for (size_t t = 0; t < paths_.size(); ++t) {
      const S3Path& path = paths_[t];
      auto objects = storage::ListAllObjects(store_, path.bucket, path.prefix);
      if (!objects)
        return std::unexpected(objects.error().WithContext(fmt::format("listing {}", definition_.targets[t].path)));
      for (storage::ObjectInfo& info : *objects) {
        std::string relative = info.key.substr(path.prefix.size());
        if (IsHiddenOrMarker(relative) || IsExcluded(exclusions_[t], relative)) continue;
        std::string uri = fmt::format("s3://{}/{}", path.bucket, info.key);
        if (!seen.insert(uri).second) continue;
        Entry entry;
        entry.target = t;
        entry.bucket = path.bucket;
        entry.relative = std::move(relative);
        auto previous = previous_by_key_.find(uri);
        entry.previous = previous == previous_by_key_.end() ? nullptr : previous->second;
        if (new_folders_only && !entry.previous && known_folders.contains(FolderOf(uri))) continue;
        entry.memory.key = std::move(uri);
        entry.memory.size = info.size;
        entry.memory.modified_ms = info.modified_ms;
        entry.memory.etag = info.etag;
        entry.info = std::move(info);
        entries_.push_back(std::move(entry));
      }
    }
    progress_state_.objects_listed = run_.objects_listed = static_cast<int64_t>(entries_.size());
    return Ok();
  }

  // True if the entry's previous memory can stand for it without reading it.
  bool Unchanged(Entry& entry) {
    const CrawledObject* previous = entry.previous;
    if (!previous) return false;
    bool same = previous->size == entry.memory.size && previous->modified_ms == entry.memory.modified_ms &&
                previous->etag == entry.memory.etag;
    if (!same && definition_.recrawl_behavior != RecrawlBehavior::kCrawlNewFoldersOnly) return false;
    if (previous->table.empty()) {  // unreadable last time and unchanged since: skipped quietly
      entry.memory = *previous;
      return true;
    }
    const DataType* schema = schemas_.Get(previous->schema);
    if (!schema || previous->classification.empty()) return false;  // memory without a profile
    entry.memory = *previous;
    entry.schema = schema;
    return true;
  }

  // -- Reading: samples new and changed objects. False if cancelled.
  bool ReadObjects() {
    std::vector<size_t> to_read;
    std::map<std::pair<size_t, std::string_view>, std::vector<size_t>> deferred_by_folder;
    std::map<std::pair<size_t, std::string_view>, int> read_per_folder;
    for (size_t i = 0; i < entries_.size(); ++i) {
      Entry& entry = entries_[i];
      if (Unchanged(entry)) continue;
      const std::optional<int>& sample_size = definition_.targets[entry.target].sample_size;
      auto folder = std::make_pair(entry.target, FolderOf(entry.memory.key));
      if (sample_size && read_per_folder[folder]++ >= *sample_size) {
        deferred_by_folder[folder].push_back(i);
      } else {
        to_read.push_back(i);
      }
    }
    if (!Sample(to_read)) return false;

    // Objects beyond a folder's sample size take the profile of a readable sibling, with records
    // scaled by size from the siblings read; if there is none, they are read after all.
    struct Donor {
      const Entry* entry = nullptr;
      int64_t records = 0, bytes = 0;
    };
    std::map<std::pair<size_t, std::string_view>, Donor> donors;
    if (!deferred_by_folder.empty()) {
      for (size_t i : to_read) {
        const Entry& sibling = entries_[i];
        if (!sibling.sample) continue;
        Donor& donor = donors[{sibling.target, FolderOf(sibling.memory.key)}];
        if (!donor.entry) donor.entry = &sibling;
        donor.records += sibling.memory.records;
        donor.bytes += static_cast<int64_t>(sibling.memory.size);
      }
    }
    std::vector<size_t> read_anyway;
    for (const auto& [folder, deferred] : deferred_by_folder) {
      auto donor = donors.find(folder);
      for (size_t i : deferred) {
        if (donor == donors.end()) {
          read_anyway.push_back(i);
          continue;
        }
        const Donor& d = donor->second;
        Entry& entry = entries_[i];
        entry.memory.classification = d.entry->memory.classification;
        entry.memory.compression = d.entry->memory.compression;
        entry.memory.schema = d.entry->memory.schema;
        entry.memory.records =
            d.bytes > 0 ? std::llround(static_cast<double>(entry.memory.size) * d.records / d.bytes) : 0;
        entry.schema = d.entry->schema;
      }
    }
    return Sample(read_anyway);
  }

  // Samples entries[indices] on up to kSampleThreads threads (this one included, which also
  // reports progress) and records the outcomes. False if cancelled.
  bool Sample(const std::vector<size_t>& indices) {
    if (indices.empty()) return !cancel_.load();
    std::atomic<size_t> next{0};
    std::atomic<int64_t> read{0}, bytes{0};
    const CrawlProgress base = progress_state_;
    auto work = [&](bool report) {
      auto last_report = Clock::now();
      while (!cancel_.load(std::memory_order_relaxed)) {
        size_t k = next.fetch_add(1);
        if (k >= indices.size()) break;
        Entry& entry = entries_[indices[k]];
        entry.result = SampleObject(store_, entry.bucket, entry.info, options_);
        read.fetch_add(1);
        if (*entry.result) bytes.fetch_add((*entry.result)->bytes_read);
        if (report && progress_ && Clock::now() - last_report >= kProgressInterval) {
          progress_({base.objects_listed, base.objects_read + read.load(), base.bytes_sampled + bytes.load()});
          last_report = Clock::now();
        }
      }
    };
    {
      std::vector<std::jthread> helpers;
      for (size_t i = 1; i < std::min<size_t>(kSampleThreads, indices.size()); ++i) helpers.emplace_back(work, false);
      work(true);
    }
    progress_state_.objects_read += read.load();
    progress_state_.bytes_sampled += bytes.load();
    run_.objects_read = progress_state_.objects_read;
    run_.bytes_sampled = progress_state_.bytes_sampled;
    if (cancel_.load()) {
      cancelled_ = true;
      return false;
    }
    for (size_t i : indices) Settle(entries_[i]);
    return true;
  }

  // Turns a read's outcome into the entry's profile, or a problem.
  void Settle(Entry& entry) {
    Result<ObjectSample>& result = *entry.result;
    if (result) {
      entry.memory.classification = result->classification;
      entry.memory.compression = result->compression;
      entry.memory.schema = EncodeSchema(result->schema);
      entry.memory.records = result->estimated_records;
      entry.schema = schemas_.Get(entry.memory.schema);
      entry.sample = std::move(*result);
      entry.result.reset();
      return;
    }
    const Error& error = result.error();
    entry.memory.table.clear();
    entry.memory.classification.clear();
    entry.memory.compression.clear();
    entry.memory.schema.clear();
    entry.memory.records = 0;
    entry.schema = nullptr;
    // A bad object is remembered, so it is not read (and reported) again until it changes; a
    // store failure is not, so the next run tries again. An object deleted since the listing is
    // simply gone.
    entry.forget = error.code() != Error::Code::kInvalidInput && error.code() != Error::Code::kCorruption;
    if (error.code() == Error::Code::kNotFound) return;
    ++run_.objects_skipped;
    AddProblem(fmt::format("{}: {}", entry.memory.key, error.message()));
  }

  void AddProblem(std::string problem) {
    if (run_.problems.size() < kMaxProblems) {
      spdlog::warn("crawler {}: {}", definition_.name, problem);
      run_.problems.push_back(std::move(problem));
    } else {
      ++problems_beyond_cap_;
    }
  }

  // -- Grouping.
  std::vector<TableDraft> GroupAll() {
    std::vector<TableDraft> drafts;
    for (size_t t = 0; t < paths_.size(); ++t) {
      std::vector<size_t> members;
      for (size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].target == t && entries_[i].usable()) members.push_back(i);
      if (members.empty()) continue;
      const S3Path& path = paths_[t];
      std::string_view prefix = path.prefix;
      std::string base = path.bucket;
      if (!prefix.empty()) {
        prefix.remove_suffix(1);
        base = std::string(prefix.substr(prefix.rfind('/') + 1));
      }
      Group(t, std::move(members), "", base, drafts);
    }
    return drafts;
  }

  void Group(size_t target, std::vector<size_t> members, const std::string& root, const std::string& base,
             std::vector<TableDraft>& out) {
    int depth = 0;
    if (OneTable(members, root.size(), depth)) {
      out.push_back({target, root, base, std::move(members), depth});
      return;
    }
    std::map<std::string, std::vector<size_t>> folders;  // first-level folder → members
    for (size_t i : members) {
      std::string_view below = std::string_view(entries_[i].relative).substr(root.size());
      size_t slash = below.find('/');
      if (slash == std::string_view::npos) {
        out.push_back({target, entries_[i].relative, std::string(below), {i}, 0});
      } else {
        folders[std::string(below.substr(0, slash))].push_back(i);
      }
    }
    for (auto& [folder, inside] : folders) Group(target, std::move(inside), root + folder + "/", folder, out);
  }

  // Whether `members` (all below a root of `root_size` characters) make one table: same depth,
  // same classification and compression, and every partition's schema (each leaf folder's; each
  // file's at depth 0) compatible with the union of all.
  bool OneTable(const std::vector<size_t>& members, size_t root_size, int& depth) const {
    const CrawledObject& first = entries_[members.front()].memory;
    std::map<std::string_view, std::vector<const DataType*>> partitions;
    depth = -1;
    for (size_t i : members) {
      const Entry& entry = entries_[i];
      std::string_view below = std::string_view(entry.relative).substr(root_size);
      int d = static_cast<int>(std::count(below.begin(), below.end(), '/'));
      if (depth >= 0 && d != depth) return false;
      depth = d;
      if (entry.memory.classification != first.classification || entry.memory.compression != first.compression)
        return false;
      AddDistinct(partitions[d == 0 ? below : below.substr(0, below.rfind('/'))], entry.schema);
    }
    if (partitions.size() <= 1) return true;
    std::map<std::vector<const DataType*>, DataType> distinct;  // partitions with the same schemas
    for (auto& [partition, schemas] : partitions) {
      std::sort(schemas.begin(), schemas.end());
      if (!distinct.contains(schemas)) distinct.emplace(schemas, MergeAll(schemas));
    }
    if (distinct.size() <= 1) return true;
    DataType all;
    for (const auto& [schemas, merged] : distinct) all = MergeTypes(all, merged);
    for (const auto& [schemas, merged] : distinct)
      if (!SchemasCompatible(merged, all)) return false;
    return true;
  }

  // -- Naming: final names and locations; loads the existing tables of those names.
  Status NameTables(std::vector<TableDraft>& drafts) {
    for (TableDraft& draft : drafts) {
      const S3Path& path = paths_[draft.target];
      draft.location = fmt::format("s3://{}/{}{}", path.bucket, path.prefix, draft.root);
      draft.name = TableName(definition_.table_prefix, draft.base_name);
    }
    std::map<std::string, std::vector<TableDraft*>> by_name;
    for (TableDraft& draft : drafts) by_name[draft.name].push_back(&draft);
    for (auto& [name, claimants] : by_name) {
      LAKEBOX_ASSIGN_OR_RETURN(const std::optional<Table>* existing, Existing(name));
      std::sort(claimants.begin(), claimants.end(),
                [](const TableDraft* a, const TableDraft* b) { return a->location < b->location; });
      TableDraft* owner = claimants.front();
      if (*existing) {
        auto same_place = std::find_if(claimants.begin(), claimants.end(), [&](const TableDraft* d) {
          return d->location == (*existing)->storage.location;
        });
        if (same_place != claimants.end()) {
          owner = *same_place;
        } else if (!old_tables_.contains(name)) {
          owner = nullptr;  // someone else's table
        }
      }
      for (TableDraft* draft : claimants) {
        if (draft == owner) continue;
        draft->name = WithHashSuffix(draft->name, draft->location);
        LAKEBOX_TRY(Existing(draft->name));
      }
    }
    for (TableDraft& draft : drafts)
      for (size_t i : draft.members) entries_[i].memory.table = draft.name;
    return Ok();
  }

  // The catalog's table of that name in the crawler's database (cached); nullopt if none.
  Result<const std::optional<Table>*> Existing(const std::string& name) {
    auto it = existing_.find(name);
    if (it == existing_.end()) {
      auto table = catalog_.GetTable(database_, name);
      if (!table && table.error().code() != Error::Code::kEntityNotFound) return std::unexpected(table.error());
      it = existing_.emplace(name, table ? std::optional<Table>(std::move(*table)) : std::nullopt).first;
    }
    return &it->second;
  }

  // A table the catalog does not have is described from a fresh read: for a table made only of
  // objects read in earlier runs (deleted from the catalog by hand, or renamed by a new prefix),
  // read one of them. False if cancelled.
  bool DescribeNewTables(std::vector<TableDraft>& drafts) {
    for (TableDraft& draft : drafts) {
      if (existing_.at(draft.name)) continue;
      while (!draft.members.empty() && std::none_of(draft.members.begin(), draft.members.end(),
                                                    [&](size_t i) { return entries_[i].sample.has_value(); })) {
        size_t first = draft.members.front();
        if (!Sample({first})) return false;
        if (!entries_[first].sample) draft.members.erase(draft.members.begin());
      }
    }
    std::erase_if(drafts, [](const TableDraft& d) { return d.members.empty(); });
    return true;
  }

  Status EnsureDatabase() {
    auto database = catalog_.GetDatabase(database_);
    if (database) return Ok();
    if (database.error().code() != Error::Code::kEntityNotFound) return std::unexpected(database.error());
    Database created;
    created.name = database_;
    created.create_time_ms = NowMillis();
    Status status = catalog_.CreateDatabase(created);
    if (!status && status.error().code() != Error::Code::kAlreadyExists) return status;
    spdlog::info("crawler {}: created database {}", definition_.name, database_);
    return Ok();
  }

  // -- Writing.
  Status ApplyAll(std::vector<TableDraft>& drafts) {
    std::sort(drafts.begin(), drafts.end(), [](const TableDraft& a, const TableDraft& b) { return a.name < b.name; });
    std::set<std::string> current;
    for (TableDraft& draft : drafts) {
      if (cancel_.load()) {
        cancelled_ = true;
        return Ok();
      }
      LAKEBOX_TRY(ApplyTable(draft));
      settled_.insert(draft.name);
      current.insert(draft.name);
    }
    for (const std::string& name : old_tables_) {
      if (current.contains(name)) continue;
      if (cancel_.load()) {
        cancelled_ = true;
        return Ok();
      }
      LAKEBOX_TRY(RetireTable(name));
      settled_.insert(name);
    }
    return Ok();
  }

  // The crawler's own previous schema for a table: the merge of what it remembers of the objects
  // it put there.
  std::optional<DataType> PreviousSchema(const std::string& table) {
    if (!previous_schemas_) {
      previous_schemas_.emplace();
      for (const CrawledObject& object : old_memory_) {
        if (object.table.empty() || object.classification.empty()) continue;
        if (const DataType* schema = schemas_.Get(object.schema)) AddDistinct((*previous_schemas_)[object.table], schema);
      }
    }
    auto it = previous_schemas_->find(table);
    if (it == previous_schemas_->end()) return std::nullopt;
    return MergeAll(it->second);
  }

  Status ApplyTable(const TableDraft& draft) {
    const std::optional<Table>& existing = existing_.at(draft.name);

    // Schema: the merge of the members' schemas, on top of the existing columns.
    std::vector<const DataType*> schemas;
    const Entry* fresh = nullptr;
    int64_t records = 0, size = 0;
    for (size_t i : draft.members) {
      const Entry& entry = entries_[i];
      AddDistinct(schemas, entry.schema);
      if (!fresh && entry.sample) fresh = &entry;
      records += entry.memory.records;
      size += static_cast<int64_t>(entry.memory.size);
    }
    DataType schema = MergeAll(schemas);
    bool keep_columns = false;
    if (existing) {
      std::vector<std::pair<std::string, DataType>> fields;
      for (const Column& column : existing->storage.columns) {
        auto type = ParseHiveType(column.type);
        if (!type) {
          spdlog::warn("crawler {}: table {}: column {} has type \"{}\" the crawler cannot read ({}); its columns "
                       "are left as they are",
                       definition_.name, draft.name, column.name, column.type, type.error().message());
          keep_columns = true;
          break;
        }
        fields.emplace_back(column.name, std::move(*type));
      }
      if (!keep_columns) {
        DataType before = DataType::Struct(std::move(fields));
        if (std::optional<DataType> previous = PreviousSchema(draft.name)) before = RestoreUnknowns(before, *previous);
        schema = MergeTypes(before, schema);
      }
    }

    // Descriptor and parameters.
    StorageDescriptor storage;
    if (fresh) {
      ObjectSample representative = *fresh->sample;
      representative.schema = schema;
      storage = StorageDescriptorFor(representative, draft.location);
    } else {  // only objects read in earlier runs: the existing table describes them
      storage = existing->storage;
      storage.location = draft.location;
    }
    if (keep_columns) storage.columns = existing->storage.columns;
    else storage.columns = ColumnsOf(schema);
    Parameters parameters = existing ? existing->parameters : Parameters{};
    parameters.erase(kDeprecatedKey);
    for (const auto& [key, value] : storage.parameters) parameters[key] = value;
    AddStatistics(parameters, records, size, static_cast<int64_t>(draft.members.size()), definition_.name);
    storage.parameters = parameters;

    // Partition keys and partitions.
    std::vector<bool> named;
    std::vector<Column> keys = PartitionKeys(draft, named);
    std::map<std::vector<std::string>, PartitionStats> partitions;
    if (draft.depth > 0) {
      for (size_t i : draft.members) {
        const Entry& entry = entries_[i];
        std::string_view below = std::string_view(entry.relative).substr(draft.root.size());
        std::vector<std::string> values;
        size_t start = 0;
        for (int level = 0; level < draft.depth; ++level) {
          size_t slash = below.find('/', start);
          std::string_view folder = below.substr(start, slash - start);
          values.emplace_back(named[level] ? folder.substr(folder.find('=') + 1) : folder);
          start = slash + 1;
        }
        PartitionStats& stats = partitions[values];
        stats.folder = std::string(below.substr(0, start));
        stats.records += entry.memory.records;
        stats.size += static_cast<int64_t>(entry.memory.size);
        ++stats.objects;
      }
    }

    Table desired = existing ? *existing : Table{};
    desired.database = database_;
    desired.name = draft.name;
    desired.storage = std::move(storage);
    desired.partition_keys = keys;
    desired.parameters = std::move(parameters);
    const Table* partition_template = &desired;
    if (!existing) {
      desired.created_by = CreatedBy(definition_.role);
      LAKEBOX_TRY(WithContext(catalog_.CreateTable(desired), fmt::format("creating table {}", draft.name)));
      ++run_.tables_created;
      spdlog::info("crawler {}: created table {}.{} at {}", definition_.name, database_, draft.name, draft.location);
    } else if (desired.storage != existing->storage || desired.partition_keys != existing->partition_keys ||
               desired.parameters != existing->parameters) {
      if (update_ == UpdateBehavior::kUpdateInDatabase) {
        LAKEBOX_TRY(WithContext(catalog_.UpdateTable(desired), fmt::format("updating table {}", draft.name)));
        ++run_.tables_updated;
        spdlog::info("crawler {}: updated table {}.{}", definition_.name, database_, draft.name);
      } else {
        partition_template = &*existing;
        spdlog::info("crawler {}: table {}.{} has changed; not updated (UpdateBehavior LOG)", definition_.name,
                     database_, draft.name);
      }
    }
    // The same objects as last run, unchanged: the partitions are as that run left them. Skipping
    // the comparison keeps a no-op crawl of a table with thousands of partitions fast; the price
    // is that partitions deleted by hand come back only when the table's objects change.
    if (existing && MembersUnchanged(draft)) return Ok();
    return ApplyPartitions(draft, *partition_template, existing.has_value(), partitions);
  }

  bool MembersUnchanged(const TableDraft& draft) {
    if (!old_counts_) {
      old_counts_.emplace();
      for (const CrawledObject& object : old_memory_) ++(*old_counts_)[object.table];
    }
    auto count = old_counts_->find(draft.name);
    if (count == old_counts_->end() || count->second != draft.members.size()) return false;
    return std::all_of(draft.members.begin(), draft.members.end(), [&](size_t i) {
      const Entry& entry = entries_[i];
      return entry.previous && entry.memory == *entry.previous;
    });
  }

  // Key names per folder level: "key" when every folder of the level is key=value with the same
  // key (and not one an earlier level used), else partition_<level>.
  // `named` tells, per level, whether values are the part after '='.
  std::vector<Column> PartitionKeys(const TableDraft& draft, std::vector<bool>& named_levels) const {
    std::vector<Column> keys;
    for (int level = 0; level < draft.depth; ++level) {
      std::optional<std::string> key;
      bool named = true;
      for (size_t i : draft.members) {
        std::string_view below = std::string_view(entries_[i].relative).substr(draft.root.size());
        size_t start = 0;
        for (int l = 0; l < level; ++l) start = below.find('/', start) + 1;
        std::string_view folder = below.substr(start, below.find('/', start) - start);
        size_t equals = folder.find('=');
        if (equals == 0 || equals == std::string_view::npos) {
          named = false;
          break;
        }
        std::string name;
        for (char c : folder.substr(0, equals)) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        if (key && *key != name) {
          named = false;
          break;
        }
        key = std::move(name);
      }
      named = named && std::none_of(keys.begin(), keys.end(), [&](const Column& c) { return c.name == *key; });
      keys.push_back({named ? *key : fmt::format("partition_{}", level), "string", ""});
      named_levels.push_back(named);
    }
    return keys;
  }

  Status ApplyPartitions(const TableDraft& draft, const Table& table, bool table_existed,
                         const std::map<std::vector<std::string>, PartitionStats>& partitions) {
    std::map<std::vector<std::string>, Partition> existing;
    if (table_existed) {  // (its keys may have changed: compare with what it had)
      LAKEBOX_ASSIGN_OR_RETURN(std::vector<Partition> stored, catalog_.GetPartitions(database_, draft.name));
      for (Partition& partition : stored) existing.emplace(partition.values, std::move(partition));
    }
    auto parameters_of = [&](const PartitionStats& stats) {
      Parameters parameters = table.parameters;
      parameters.erase(kDeprecatedKey);
      AddStatistics(parameters, stats.records, stats.size, stats.objects, definition_.name);
      return parameters;
    };

    std::vector<Partition> created;
    for (const auto& [values, stats] : partitions) {
      auto it = existing.find(values);
      if (it == existing.end()) {
        Partition partition;
        partition.database = database_;
        partition.table = draft.name;
        partition.values = values;
        partition.storage = table.storage;
        partition.storage.location = draft.location + stats.folder;
        partition.parameters = parameters_of(stats);
        partition.storage.parameters = partition.parameters;
        created.push_back(std::move(partition));
        continue;
      }
      Partition& partition = it->second;
      Parameters parameters = parameters_of(stats);
      if (parameters != partition.parameters && update_ == UpdateBehavior::kUpdateInDatabase) {
        partition.parameters = parameters;
        partition.storage.parameters = std::move(parameters);
        LAKEBOX_TRY(catalog_.UpdatePartition(partition));
      }
      existing.erase(it);
    }
    if (!created.empty()) {
      LAKEBOX_ASSIGN_OR_RETURN(auto failures, catalog_.CreatePartitions(database_, draft.name, created));
      run_.partitions_added += static_cast<int>(created.size() - failures.size());
      for (const auto& [values, error] : failures)
        AddProblem(fmt::format("table {}: partition {}: {}", draft.name, fmt::join(values, "/"), error.message()));
    }
    // What is left of `existing` has no objects any more.
    for (const auto& [values, partition] : existing) {
      if (delete_ == DeleteBehavior::kDeleteFromDatabase) {
        LAKEBOX_TRY(catalog_.DeletePartition(database_, draft.name, values));
        ++run_.partitions_deleted;
      } else {
        spdlog::info("crawler {}: partition {} of table {} has no objects left; kept (DeleteBehavior {})",
                     definition_.name, fmt::join(values, "/"), draft.name, DeleteBehaviorName(delete_));
      }
    }
    return Ok();
  }

  // A table this crawler made whose objects are all gone.
  Status RetireTable(const std::string& name) {
    auto table = catalog_.GetTable(database_, name);
    if (!table) return table.error().code() == Error::Code::kEntityNotFound ? Ok() : Status(std::unexpected(table.error()));
    switch (delete_) {
      case DeleteBehavior::kDeleteFromDatabase:
        LAKEBOX_TRY(catalog_.DeleteTable(database_, name));
        ++run_.tables_deleted;
        spdlog::info("crawler {}: deleted table {}.{}: its objects are gone", definition_.name, database_, name);
        break;
      case DeleteBehavior::kDeprecateInDatabase:
        if (table->parameters.contains(kDeprecatedKey)) break;
        table->parameters[kDeprecatedKey] = std::to_string(run_.start_time_ms);
        LAKEBOX_TRY(catalog_.UpdateTable(*table));
        ++run_.tables_updated;
        spdlog::info("crawler {}: deprecated table {}.{}: its objects are gone", definition_.name, database_, name);
        break;
      case DeleteBehavior::kLog:
        spdlog::info("crawler {}: table {}.{} has no objects left; kept (DeleteBehavior LOG)", definition_.name,
                     database_, name);
        break;
    }
    return Ok();
  }

  // -- The object memory: the new state of every object whose table was settled (or that was
  // skipped), the old state of the rest.
  Status Remember() {
    std::vector<CrawledObject> memory;
    std::unordered_set<std::string_view> listed;
    for (const Entry& entry : entries_) {
      listed.insert(entry.memory.key);
      if (entry.forget) continue;
      if (entry.memory.table.empty() || settled_.contains(entry.memory.table)) {
        memory.push_back(entry.memory);
      } else if (entry.previous) {
        memory.push_back(*entry.previous);
      }
    }
    for (const CrawledObject& old : old_memory_) {
      if (listed.contains(old.key)) continue;
      if (!old.table.empty() && !settled_.contains(old.table)) memory.push_back(old);
    }
    auto by_key = [](const CrawledObject& a, const CrawledObject& b) { return a.key < b.key; };
    std::sort(memory.begin(), memory.end(), by_key);
    std::vector<CrawledObject> before = old_memory_;
    std::sort(before.begin(), before.end(), by_key);
    if (memory == before) return Ok();
    return catalog_.SetCrawledObjects(definition_.name, memory);
  }

  void Report() {
    if (progress_) progress_(progress_state_);
  }

  const CrawlerDefinition& definition_;
  Catalog& catalog_;
  storage::ObjectStore& store_;
  const std::atomic<bool>& cancel_;
  const std::function<void(const CrawlProgress&)>& progress_;
  std::string database_;
  UpdateBehavior update_;
  DeleteBehavior delete_;
  SampleOptions options_;
  std::vector<S3Path> paths_;
  std::vector<std::vector<Glob>> exclusions_;

  CrawlRun run_;
  CrawlProgress progress_state_;
  bool cancelled_ = false;
  int64_t problems_beyond_cap_ = 0;
  std::vector<CrawledObject> old_memory_;
  std::unordered_map<std::string_view, const CrawledObject*> previous_by_key_;
  std::set<std::string> old_tables_;  // tables the crawler's memory puts objects in
  std::vector<Entry> entries_;
  SchemaCache schemas_;
  std::map<std::string, std::optional<Table>> existing_;
  std::optional<std::map<std::string, std::vector<const DataType*>>> previous_schemas_;  // by table
  std::optional<std::map<std::string, size_t>> old_counts_;  // remembered objects by table
  std::set<std::string> settled_;  // tables whose catalog state this run has written or checked
};

template <typename Enum, size_t N>
Result<Enum> ParseEnum(std::string_view name, std::string_view what, const std::pair<std::string_view, Enum> (&values)[N]) {
  std::string valid;
  for (const auto& [text, value] : values) {
    if (text == name) return value;
    valid += fmt::format("{}{}", valid.empty() ? "" : ", ", text);
  }
  return std::unexpected(Error::InvalidInput(fmt::format("{} \"{}\" is not one of {}", what, name, valid)));
}

constexpr std::pair<std::string_view, UpdateBehavior> kUpdateBehaviors[] = {
    {"LOG", UpdateBehavior::kLog}, {"UPDATE_IN_DATABASE", UpdateBehavior::kUpdateInDatabase}};
constexpr std::pair<std::string_view, DeleteBehavior> kDeleteBehaviors[] = {
    {"LOG", DeleteBehavior::kLog},
    {"DELETE_FROM_DATABASE", DeleteBehavior::kDeleteFromDatabase},
    {"DEPRECATE_IN_DATABASE", DeleteBehavior::kDeprecateInDatabase}};
constexpr std::pair<std::string_view, RecrawlBehavior> kRecrawlBehaviors[] = {
    {"CRAWL_EVERYTHING", RecrawlBehavior::kCrawlEverything},
    {"CRAWL_NEW_FOLDERS_ONLY", RecrawlBehavior::kCrawlNewFoldersOnly}};

template <typename Enum, size_t N>
std::string_view EnumName(Enum value, const std::pair<std::string_view, Enum> (&values)[N]) {
  for (const auto& [text, v] : values)
    if (v == value) return text;
  return "?";
}

}  // namespace

std::string_view UpdateBehaviorName(UpdateBehavior behavior) { return EnumName(behavior, kUpdateBehaviors); }
std::string_view DeleteBehaviorName(DeleteBehavior behavior) { return EnumName(behavior, kDeleteBehaviors); }
std::string_view RecrawlBehaviorName(RecrawlBehavior behavior) { return EnumName(behavior, kRecrawlBehaviors); }

Result<UpdateBehavior> ParseUpdateBehavior(std::string_view name) {
  return ParseEnum(name, "UpdateBehavior", kUpdateBehaviors);
}
Result<DeleteBehavior> ParseDeleteBehavior(std::string_view name) {
  return ParseEnum(name, "DeleteBehavior", kDeleteBehaviors);
}
Result<RecrawlBehavior> ParseRecrawlBehavior(std::string_view name) {
  return ParseEnum(name, "RecrawlBehavior", kRecrawlBehaviors);
}

Result<S3Path> ParseS3Path(std::string_view path) {
  constexpr std::string_view kScheme = "s3://";
  if (!path.starts_with(kScheme))
    return std::unexpected(Error::InvalidInput(
        fmt::format("S3 target path \"{}\" must look like s3://bucket/folder/", path)));
  std::string_view rest = path.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Path result;
  result.bucket = std::string(rest.substr(0, slash));
  if (Status valid = storage::ValidateBucketName(result.bucket); !valid)
    return std::unexpected(Error::InvalidInput(
        fmt::format("S3 target path \"{}\": {}", path, valid.error().message())));
  if (slash != std::string_view::npos) {
    result.prefix = std::string(rest.substr(slash + 1));
    if (!result.prefix.empty() && result.prefix.back() != '/') result.prefix.push_back('/');
  }
  return result;
}

Result<CrawlRun> Crawl(const CrawlerDefinition& definition, Catalog& catalog, storage::ObjectStore& store,
                       const std::atomic<bool>& cancel, const std::function<void(const CrawlProgress&)>& progress) {
  Crawler crawler(definition, catalog, store, cancel, progress);
  LAKEBOX_TRY(crawler.Validate());
  return crawler.Run();
}

std::string CrawlSummary(std::string_view crawler, const CrawlRun& run) {
  std::string outcome = run.status == "SUCCEEDED" ? "" : fmt::format(" {}", run.status);
  if (!run.error_message.empty()) outcome += fmt::format(" ({})", run.error_message);
  return fmt::format("crawler {}{}: {} created, {} updated, {} deleted, {} added, {} deleted, {} read ({:.1f} MB "
                     "sampled), {} skipped, {:.2f} s",
                     crawler, outcome, Plural(run.tables_created, "table", "tables"), run.tables_updated,
                     run.tables_deleted, Plural(run.partitions_added, "partition", "partitions"),
                     run.partitions_deleted, Plural(run.objects_read, "object", "objects"),
                     static_cast<double>(run.bytes_sampled) / 1e6, run.objects_skipped,
                     static_cast<double>(run.end_time_ms - run.start_time_ms) / 1000.0);
}

}  // namespace lakebox::catalog
