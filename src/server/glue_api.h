// The Glue API (X-Amz-Target prefix `AWSGlue`, AWS-REFERENCE.md §3): translates the JSON of the
// Data Catalog and crawler operations into calls on catalog::Catalog and catalog::CrawlerService,
// and the results back into Glue's response shapes. No catalog or crawl logic lives here.
//
// Operations: CreateDatabase, GetDatabase, GetDatabases, DeleteDatabase; CreateTable, GetTable,
// GetTables, UpdateTable, DeleteTable, GetTableVersions; GetPartitions (with its Expression,
// catalog/partition_filter.h), GetPartition, BatchCreatePartition; CreateCrawler, UpdateCrawler,
// GetCrawler, GetCrawlers, StartCrawler, StopCrawler, DeleteCrawler, GetCrawlerMetrics; GetJob,
// GetJobs, StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun, ResetJobBookmark (glue_jobs_api.cpp,
// over etl::JobService: jobs are declared in lakebox.toml, so there is no CreateJob).
//
// Request checking follows AWS's order, as the Firehose API does: a body that is not the JSON
// expected (malformed, a member of the wrong type) is a SerializationException; then modelled
// constraints (required members, lengths, the single-line pattern of names, ranges such as
// MaxResults 1-100, enums) give one ValidationException listing every violation, with member paths
// as AWS words them ("tableInput.storageDescriptor.columns.1.member.name"); then semantic rules
// give InvalidInputException. Nothing reaches the catalog or the crawler service until the whole
// request has passed, so an invalid request changes nothing. Unknown members are ignored, and JSON
// null counts as absent. Errors are `Message`-keyed.
//
// What lakebox accepts but does not keep (harmless metadata): CatalogId (there is one catalog),
// Tags, SerdeInfo.Name, Column.Parameters, Retention, LastAccessTime, StoredAsSubDirectories,
// NumberOfBuckets, SkewedInfo, PartitionIndexes, UpdateTable's VersionId (no optimistic locking)
// and SkipArchive (every update keeps a version), the crawler's LineageConfiguration,
// LakeFormationConfiguration, CrawlerSecurityConfiguration, and an S3 target's ConnectionName and
// event queues. What it refuses (InvalidInputException, because honouring it would change what
// queries see): resource links (TargetDatabase, TargetTable, FederatedDatabase), views
// (ViewOriginalText, ViewExpandedText, ViewDefinition), Iceberg (OpenTableFormatInput), bucketed or
// sorted tables (BucketColumns, SortColumns), custom Classifiers, crawler targets other than S3,
// and RecrawlBehavior CRAWL_EVENT_MODE.
//
// Response details: timestamps are epoch seconds with a fraction; CatalogId is the account id;
// StorageDescriptors carry NumberOfBuckets -1, BucketColumns [], SortColumns [] and
// StoredAsSubDirectories false, as a crawler's do; Table.PartitionKeys is always present. A
// partition's LastAccessTime is its last update (lakebox does not track reads). A crawler's
// Schedule is reported SCHEDULED whenever one is set; LastCrawl.MessagePrefix is
// "<crawler>-<start epoch ms>".
//
// Pagination: GetDatabases and GetTables pass the catalog's tokens through; the other listings
// page in memory with a token naming the last item returned (base64), so a page resumes at the
// right place even when items were added or removed in between. GetPartitions' Segment splits the
// partitions by a hash of their values, so the TotalSegments segments are disjoint and cover all.
//
// GetCrawlerMetrics: per crawler, LastRuntimeSeconds and TablesCreated/Updated/Deleted are from
// its last run, MedianRuntimeSeconds over its recorded runs, TimeLeftSeconds 0 and
// StillEstimating true while it runs (lakebox does not estimate). Lakebox extensions in the same
// object, from the last run: ObjectsListed, ObjectsRead, BytesSampled, ObjectsSkipped,
// PartitionsAdded, PartitionsDeleted and Problems (a list of "<object>: <what was wrong>").
//
// Thread safety: Call may run on any number of threads at once.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/router.h"

namespace lakebox::catalog {
class Catalog;
class CrawlerService;
}  // namespace lakebox::catalog
namespace lakebox::etl {
class JobService;
}  // namespace lakebox::etl

namespace lakebox::server {

class GlueApi final : public AwsJsonService {
 public:
  // `catalog`, `crawlers` and `jobs` must outlive this object; `jobs` may be null (the job
  // operations then answer EntityNotFoundException). `catalog_id` is the account id that
  // responses give as CatalogId.
  GlueApi(catalog::Catalog* catalog, catalog::CrawlerService* crawlers, etl::JobService* jobs,
          std::string catalog_id);

  std::string_view TargetPrefix() const override { return "AWSGlue"; }
  std::string_view Name() const override { return "Glue"; }
  std::string_view ErrorMessageKey() const override { return "Message"; }
  bool HasOperation(std::string_view operation) const override;
  Result<std::string> Call(std::string_view operation, std::string& body) override;

 private:
  using Handler = Result<std::string> (GlueApi::*)(std::string_view body);
  // Every operation, by name.
  static const std::map<std::string_view, Handler>& Handlers();

  Result<std::string> CreateDatabase(std::string_view body);
  Result<std::string> GetDatabase(std::string_view body);
  Result<std::string> GetDatabases(std::string_view body);
  Result<std::string> DeleteDatabase(std::string_view body);
  Result<std::string> CreateTable(std::string_view body);
  Result<std::string> GetTable(std::string_view body);
  Result<std::string> GetTables(std::string_view body);
  Result<std::string> UpdateTable(std::string_view body);
  Result<std::string> DeleteTable(std::string_view body);
  Result<std::string> GetTableVersions(std::string_view body);
  Result<std::string> GetPartitions(std::string_view body);
  Result<std::string> GetPartition(std::string_view body);
  Result<std::string> BatchCreatePartition(std::string_view body);
  Result<std::string> CreateCrawler(std::string_view body);
  Result<std::string> UpdateCrawler(std::string_view body);
  Result<std::string> GetCrawler(std::string_view body);
  Result<std::string> GetCrawlers(std::string_view body);
  Result<std::string> StartCrawler(std::string_view body);
  Result<std::string> StopCrawler(std::string_view body);
  Result<std::string> DeleteCrawler(std::string_view body);
  Result<std::string> GetCrawlerMetrics(std::string_view body);
  // Jobs (glue_jobs_api.cpp).
  Result<std::string> GetJob(std::string_view body);
  Result<std::string> GetJobs(std::string_view body);
  Result<std::string> StartJobRun(std::string_view body);
  Result<std::string> GetJobRun(std::string_view body);
  Result<std::string> GetJobRuns(std::string_view body);
  Result<std::string> BatchStopJobRun(std::string_view body);
  Result<std::string> ResetJobBookmark(std::string_view body);
  // The job service, or EntityNotFound naming `job_name` when there is none.
  Result<etl::JobService*> Jobs(std::string_view job_name) const;

  catalog::Catalog* catalog_;
  catalog::CrawlerService* crawlers_;
  etl::JobService* jobs_;
  std::string catalog_id_;
};

}  // namespace lakebox::server
