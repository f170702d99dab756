// One crawl: list a crawler's S3 targets in the object store, sample new and changed objects, group
// them into tables and partitions as Glue's crawler does, and bring the catalog up to date under the
// crawler's schema-change and recrawl policies (AWS-REFERENCE.md §3.3-§3.10).
//
// Listing. Every object under each target's include path, except: keys matching an exclusion glob
// (glob.h), hidden keys (a segment below the include path starting with '.' or '_', as _SUCCESS or
// _temporary/, which Hive and Athena skip too), and folder markers (keys ending in '/' or
// "_$folder$"). An object listed by two overlapping targets belongs to the first. Empty objects
// are real files: they are sampled, and reported as problems.
//
// Tables. For each target, its objects form one table rooted at the include path when
//  - they all sit at the same depth below it,
//  - they share classification and compression, and
//  - the schema of each partition (each leaf folder; each file when they sit directly in the root)
//    is compatible with the union of them all (SchemasCompatible in data_type.h).
// Otherwise the root is split: each file directly in it becomes a table of its own, and each
// first-level folder is grouped again by the same rules, recursively (so year=2017/ and year=2018/
// with different schemas give tables year_2017 and year_2018; objects at mixed depths split too).
// A table is named after its root folder (the bucket for a bucket-root target, the file name for a
// one-file table): lower case, characters outside [a-z0-9_] as '_', at most 128 characters, with
// the crawler's table prefix in front. If two tables would get the same name, or the name belongs
// to a table at another location that this crawler did not make, the later one gets "_" and 8 hex
// digits of a hash of its location. Every folder level below the root is a partition key of type
// string: "key=value" folders give key (when every folder of that level has the same key, and it
// is not a repeat), others partition_0, partition_1, ... by depth.
// The table's storage descriptor comes from StorageDescriptorFor (classifier.h) with the merged
// schema of its objects; the crawler adds recordCount, averageRecordSize (sizeKey / recordCount),
// sizeKey, objectCount, UPDATED_BY_CRAWLER and CrawlerSchema{Serializer,Deserializer}Version to
// both the table's and the descriptor's parameters. Each partition gets the table's descriptor
// with its own location and statistics.
//
// Incremental. The crawler remembers each object it read (Catalog::SetCrawledObjects) with what the
// sample found, so a run samples only objects that are new or whose size, modification time or
// ETag changed; the others count and group as before without being read. The result is the same
// catalog a full crawl would give. Nothing changed → nothing is written (no new table version).
//  - UpdateBehavior UPDATE_IN_DATABASE: a table whose columns, partition keys, descriptor or
//    statistics differ is updated (a new version). Existing columns keep their positions and their
//    types widen with MergeTypes; new columns are appended; columns are never dropped. LOG: existing
//    tables and partitions are left alone (logged). New tables and partitions are always created.
//  - DeleteBehavior for tables whose objects are all gone: DELETE_FROM_DATABASE deletes them,
//    DEPRECATE_IN_DATABASE sets parameter DEPRECATED_BY_CRAWLER to the run's start (epoch ms; the
//    crawler drops it again if objects come back), LOG logs. Partitions whose objects are all gone
//    are deleted under DELETE_FROM_DATABASE only.
//  - RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY: only objects in folders the crawler has not seen are
//    read; new objects in known folders are ignored. Update and delete behaviors act as LOG, as
//    Glue forces them.
//  - S3Target.sample_size N: at most N new objects per folder are read; the others take the
//    classification and schema of a readable sibling and a record estimate scaled by size.
//  - A table this crawler made that is missing from the catalog (deleted by hand) is made again,
//    from a fresh read of one of its objects. Partitions deleted by hand come back when their
//    table's objects next change (a table whose objects are all unchanged is not compared
//    partition by partition, which keeps a no-op crawl fast).
//
// Bad objects. An object that cannot be sampled (InvalidInput, Corruption, or a store error) is
// listed in CrawlRun::problems as "s3://bucket/key: <message>", counted in objects_skipped and left
// out; the crawl goes on. Unreadable objects are remembered like the others and not read (nor
// reported) again until they change, except after store errors, which are retried next run.
//
// Cancellation. `cancel` is polled between objects while sampling and between tables while
// writing, so one table's changes (table, then its partitions) are applied together or not at all
// (as far as the Catalog's one-transaction-per-call allows), and objects of tables not written
// are not remembered as read.
//
// Performance: objects are sampled on 4 threads; a table's new partitions are created in one
// CreatePartitions call and the object memory is written in one SetCrawledObjects call.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/error.h"
#include "storage/object_store.h"

namespace lakebox::catalog {

// Glue's enum strings ("LOG", "UPDATE_IN_DATABASE", ...) and back; InvalidInput naming the
// valid values.
std::string_view UpdateBehaviorName(UpdateBehavior behavior);
std::string_view DeleteBehaviorName(DeleteBehavior behavior);
std::string_view RecrawlBehaviorName(RecrawlBehavior behavior);
Result<UpdateBehavior> ParseUpdateBehavior(std::string_view name);
Result<DeleteBehavior> ParseDeleteBehavior(std::string_view name);
Result<RecrawlBehavior> ParseRecrawlBehavior(std::string_view name);

struct S3Path {
  std::string bucket;
  std::string prefix;  // "" (bucket root) or ending in '/'
};
// "s3://bucket", "s3://bucket/" or "s3://bucket/some/folder[/]" (a missing trailing '/' is
// added: an include path names a folder). InvalidInput for another scheme or an invalid bucket.
Result<S3Path> ParseS3Path(std::string_view path);

struct CrawlProgress {
  int64_t objects_listed = 0;
  int64_t objects_read = 0;
  int64_t bytes_sampled = 0;
};

// Runs one crawl of `definition` (which must exist in `catalog`, whose object memory it uses)
// synchronously. The outcome is in CrawlRun::status: SUCCEEDED, CANCELLED, or FAILED with
// error_message (a missing bucket, a catalog error). `progress`, if set, is called from the
// calling thread now and then. The error result is only for a definition that does not validate
// (InvalidInput: target paths, exclusion globs). The run is not recorded (CrawlerService does).
Result<CrawlRun> Crawl(const CrawlerDefinition& definition, Catalog& catalog, storage::ObjectStore& store,
                       const std::atomic<bool>& cancel,
                       const std::function<void(const CrawlProgress&)>& progress = {});

// One line for logs and the CLI: "crawler vehicles: 1 table created, 0 updated, 0 deleted,
// 1 partition added, 0 deleted, 10 objects read (1.6 MB sampled), 2 skipped, 0.12 s".
std::string CrawlSummary(std::string_view crawler, const CrawlRun& run);

}  // namespace lakebox::catalog
