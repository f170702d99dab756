#include "metering/usage_store.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace lakebox::metering {
namespace {

using catalog::SqliteDb;
using catalog::Transaction;
using Kind = catalog::Transaction::Kind;

// `lakebox cost` reads while `lakebox serve` writes: wait this long for the other's lock.
constexpr int kBusyTimeoutMs = 5000;
constexpr int64_t kSchemaVersion = 1;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS usage (
  month TEXT NOT NULL,
  service TEXT NOT NULL,
  dimension TEXT NOT NULL,
  metric TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (month, service, dimension, metric)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS storage_samples (
  prefix TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL,
  sampled_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// One statement per UsageUpdate::Op, indexed by it.
constexpr std::string_view kUpsert[] = {
    "INSERT INTO usage VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET value = value + excluded.value",
    "INSERT INTO usage VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET value = excluded.value",
    "INSERT INTO usage VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET value = min(value, excluded.value)",
    "INSERT INTO usage VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET value = max(value, excluded.value)",
};

}  // namespace

int64_t MonthUsage::Get(std::string_view service, std::string_view dimension, std::string_view metric) const {
  auto s = services.find(std::string(service));
  if (s == services.end()) return 0;
  auto d = s->second.find(std::string(dimension));
  if (d == s->second.end()) return 0;
  auto m = d->second.find(std::string(metric));
  return m == d->second.end() ? 0 : m->second;
}

Result<std::unique_ptr<UsageStore>> UsageStore::Open(const std::filesystem::path& file) {
  LAKEBOX_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::OpenWal(file, kBusyTimeoutMs, "metering store"));
  // NORMAL: a power cut may lose the last second of metering, never the lake's data.
  LAKEBOX_TRY(db.Exec("PRAGMA synchronous=NORMAL"));
  {
    LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Kind::kWrite));
    LAKEBOX_ASSIGN_OR_RETURN(std::string version_text, db.QueryText("PRAGMA user_version"));
    int64_t version = version_text.empty() ? 0 : std::stoll(version_text);
    if (version > kSchemaVersion)
      return std::unexpected(Error::InvalidArgument(
          fmt::format("{} has schema version {}, but this lakebox knows versions up to {}: it was written by a "
                      "newer lakebox; run that version",
                      file.string(), version, kSchemaVersion)));
    LAKEBOX_TRY(db.Exec(kSchema));
    LAKEBOX_TRY(db.Exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion)));
    LAKEBOX_TRY(txn.Commit());
  }
  return std::unique_ptr<UsageStore>(new UsageStore(std::move(db)));
}

Status UsageStore::Apply(std::span<const UsageUpdate> updates, const std::vector<StorageSample>* samples) {
  if (updates.empty() && samples == nullptr) return Ok();
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kWrite));
  for (const UsageUpdate& u : updates) {
    LAKEBOX_ASSIGN_OR_RETURN(auto statement, db_.Prepare(kUpsert[static_cast<int>(u.op)]));
    LAKEBOX_TRY(statement->Bind(1, u.month).Bind(2, u.service).Bind(3, u.dimension).Bind(4, u.metric).Bind(5, u.value).Run());
  }
  if (samples != nullptr) {
    LAKEBOX_TRY(db_.Exec("DELETE FROM storage_samples"));
    for (const StorageSample& s : *samples) {
      LAKEBOX_ASSIGN_OR_RETURN(auto statement, db_.Prepare("INSERT INTO storage_samples VALUES (?1, ?2, ?3)"));
      LAKEBOX_TRY(statement->Bind(1, s.prefix).Bind(2, s.bytes).Bind(3, s.sampled_ms).Run());
    }
  }
  return txn.Commit();
}

Result<MonthUsage> UsageStore::ReadMonth(std::string_view month) {
  MonthUsage usage;
  usage.month = std::string(month);
  LAKEBOX_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Kind::kRead));
  {
    LAKEBOX_ASSIGN_OR_RETURN(auto statement,
                             db_.Prepare("SELECT service, dimension, metric, value FROM usage WHERE month = ?1"));
    statement->Bind(1, month);
    while (true) {
      LAKEBOX_ASSIGN_OR_RETURN(bool row, statement->Step());
      if (!row) break;
      usage.services[std::string(statement->ColumnText(0))][std::string(statement->ColumnText(1))]
                    [std::string(statement->ColumnText(2))] = statement->ColumnInt(3);
    }
  }
  LAKEBOX_ASSIGN_OR_RETURN(usage.last_samples, LastSamples());
  return usage;
}

Result<std::vector<StorageSample>> UsageStore::LastSamples() {
  std::vector<StorageSample> samples;
  LAKEBOX_ASSIGN_OR_RETURN(auto statement,
                           db_.Prepare("SELECT prefix, bytes, sampled_ms FROM storage_samples ORDER BY prefix"));
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) break;
    samples.push_back({std::string(statement->ColumnText(0)), statement->ColumnInt(1), statement->ColumnInt(2)});
  }
  return samples;
}

Result<std::vector<std::string>> UsageStore::Months() {
  std::vector<std::string> months;
  LAKEBOX_ASSIGN_OR_RETURN(auto statement, db_.Prepare("SELECT DISTINCT month FROM usage ORDER BY month"));
  while (true) {
    LAKEBOX_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) break;
    months.emplace_back(statement->ColumnText(0));
  }
  return months;
}

}  // namespace lakebox::metering
