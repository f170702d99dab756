// CrawlerService: crawler definitions (stored in the Catalog) plus the state machine Glue shows for
// them, READY → RUNNING → STOPPING → READY, with crawls run on background threads (StartCrawler)
// or on the caller's thread (RunCrawler). The Glue API, lakebox.toml's [[crawler]] tables and the
// CLI all go through it.
//
// Errors (AWS names in brackets): InvalidInput [InvalidInputException] for a definition that does
// not validate; AlreadyExists; EntityNotFound for an unknown crawler; CrawlerRunning
// [CrawlerRunningException] to start, update or delete a crawler that is running (or stopping);
// CrawlerNotRunning / CrawlerStopping to stop a crawler that is READY / already STOPPING;
// ServiceUnavailable after Shutdown. Catalog errors pass through.
//
// Each finished run is recorded with Catalog::RecordCrawlRun (LastCrawl, GetCrawlerMetrics) and
// logged as one summary line (CrawlSummary in crawler.h). State is per process: another process
// sharing the catalog file (`lakebox crawl` beside `lakebox serve`) sees the runs it records, not
// that a crawl of this process is running.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/crawler.h"
#include "common/error.h"
#include "storage/object_store.h"

namespace lakebox::catalog {

enum class CrawlerState { kReady, kRunning, kStopping };
std::string_view CrawlerStateName(CrawlerState state);  // READY | RUNNING | STOPPING

struct CrawlerStatus {
  CrawlerDefinition definition;
  CrawlerState state = CrawlerState::kReady;
  int64_t crawl_elapsed_ms = 0;  // while running
  std::optional<CrawlRun> last_crawl;
  // While running: how far the crawl got.
  CrawlProgress progress;
};

class CrawlerService {
 public:
  // Called with every crawl this service ran once it has ended (its start and end times in the
  // run), on the crawl's thread: an optional observer (metering).
  using RunFinished = std::function<void(std::string_view crawler, const CrawlRun& run)>;

  // `catalog` and `store` must outlive the service.
  CrawlerService(Catalog* catalog, storage::ObjectStore* store, RunFinished on_run_finished = {});
  // Shutdown().
  ~CrawlerService();

  CrawlerService(const CrawlerService&) = delete;
  CrawlerService& operator=(const CrawlerService&) = delete;

  // Validates and stores a new crawler: name 1-255 characters without control characters (case
  // kept), a role, at least one S3 target "s3://bucket[/folder/]" with valid exclusion globs and
  // sample_size 1-249, table prefix at most 128 characters, description at most 2048, schedule ""
  // or "cron(...)". The database defaults to "default" (lower-cased; created by the first crawl
  // if missing). Timestamps and version are set by the catalog.
  Status CreateCrawler(CrawlerDefinition definition);
  // Replaces the definition (validated as above); EntityNotFound, CrawlerRunning.
  Status UpdateCrawler(CrawlerDefinition definition);
  // Deletes the crawler with its run history and object memory (not its tables).
  Status DeleteCrawler(std::string_view name);
  // For lakebox.toml: creates the crawler if absent, else updates it if the declaration differs.
  Status EnsureCrawler(CrawlerDefinition definition);

  Result<CrawlerStatus> GetCrawler(std::string_view name) const;
  Result<std::vector<CrawlerStatus>> GetCrawlers() const;  // sorted by name

  // Starts a crawl on a background thread and returns at once. CrawlerRunning "Crawler with name
  // X has already started" unless READY.
  Status StartCrawler(std::string_view name);
  // Asks a running crawl to stop; it ends CANCELLED (see Crawl in crawler.h for what is kept).
  Status StopCrawler(std::string_view name);
  // Runs a crawl on this thread and returns its run (also recorded). CrawlerRunning unless READY.
  // `progress` as in Crawl.
  Result<CrawlRun> RunCrawler(std::string_view name,
                              const std::function<void(const CrawlProgress&)>& progress = {});
  // Ok once the crawler is READY; CrawlerRunning if it is still running after `timeout`.
  Status WaitUntilReady(std::string_view name, std::chrono::milliseconds timeout);
  // Stops every running crawl and waits for all of them (background or RunCrawler) to end. Later
  // starts fail with ServiceUnavailable. Idempotent.
  void Shutdown();

 private:
  // A crawler that is running or has run in this process.
  struct Slot {
    CrawlerState state = CrawlerState::kReady;
    std::shared_ptr<std::atomic<bool>> cancel;
    int64_t started_ms = 0;
    CrawlProgress progress;
    std::thread thread;  // the last background run (joinable until joined)
  };

  Status Validate(CrawlerDefinition& definition) const;
  // With mu_ held: the definition if the crawler can start, and its slot marked RUNNING.
  Result<std::pair<CrawlerDefinition, Slot*>> BeginRun(std::string_view name);
  // Runs the crawl of a begun slot, records and logs it, and makes the slot READY again.
  CrawlRun Execute(const CrawlerDefinition& definition, std::shared_ptr<std::atomic<bool>> cancel,
                   const std::function<void(const CrawlProgress&)>& progress);
  CrawlerStatus StatusOf(CrawlerDefinition definition) const;  // with mu_ held

  Catalog* const catalog_;
  storage::ObjectStore* const store_;
  const RunFinished on_run_finished_;
  mutable std::mutex mu_;
  std::condition_variable ready_;  // a slot became READY
  std::map<std::string, Slot, std::less<>> slots_;  // guarded by mu_
  bool shut_down_ = false;                          // guarded by mu_
};

}  // namespace lakebox::catalog
