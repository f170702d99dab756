#include "catalog/crawler_service.h"

#include <spdlog/spdlog.h>

#include "catalog/glob.h"
#include "common/time.h"

namespace lakebox::catalog {
namespace {

constexpr size_t kMaxTablePrefix = 128;
constexpr size_t kMaxDescription = 2048;
constexpr int kMinSampleSize = 1, kMaxSampleSize = 249;

Error RunningError(std::string_view name) {
  return {Error::Code::kCrawlerRunning, fmt::format("Crawler with name {} has already started", name)};
}

// The parts of a definition its owner chooses (not timestamps or version).
bool SameDeclaration(const CrawlerDefinition& a, const CrawlerDefinition& b) {
  return a.name == b.name && a.role == b.role && a.database == b.database && a.description == b.description &&
         a.targets == b.targets && a.table_prefix == b.table_prefix && a.schedule == b.schedule &&
         a.update_behavior == b.update_behavior && a.delete_behavior == b.delete_behavior &&
         a.recrawl_behavior == b.recrawl_behavior && a.configuration == b.configuration;
}

}  // namespace

std::string_view CrawlerStateName(CrawlerState state) {
  switch (state) {
    case CrawlerState::kReady:
      return "READY";
    case CrawlerState::kRunning:
      return "RUNNING";
    case CrawlerState::kStopping:
      return "STOPPING";
  }
  return "READY";
}

CrawlerService::CrawlerService(Catalog* catalog, storage::ObjectStore* store, RunFinished on_run_finished)
    : catalog_(catalog), store_(store), on_run_finished_(std::move(on_run_finished)) {}

CrawlerService::~CrawlerService() { Shutdown(); }

Status CrawlerService::Validate(CrawlerDefinition& d) const {
  LAKEBOX_TRY(NormalizeName(d.name, "Crawler"));
  if (d.role.empty()) return std::unexpected(Error::InvalidInput("Role is required: the crawler's IAM role name or ARN"));
  if (d.targets.empty())
    return std::unexpected(Error::InvalidInput("Targets must hold at least one S3 target (s3://bucket/folder/)"));
  for (const S3Target& target : d.targets) {
    LAKEBOX_TRY(ParseS3Path(target.path));
    LAKEBOX_TRY(CompileGlobs(target.exclusions));
    if (target.sample_size && (*target.sample_size < kMinSampleSize || *target.sample_size > kMaxSampleSize))
      return std::unexpected(Error::InvalidInput(fmt::format("SampleSize {} of S3 target {} is not between {} and {}",
                                                             *target.sample_size, target.path, kMinSampleSize,
                                                             kMaxSampleSize)));
  }
  if (d.database.empty()) d.database = "default";
  LAKEBOX_ASSIGN_OR_RETURN(d.database, NormalizeName(d.database, "Database"));
  if (d.table_prefix.size() > kMaxTablePrefix)
    return std::unexpected(Error::InvalidInput(
        fmt::format("TablePrefix must be at most {} characters, got {}", kMaxTablePrefix, d.table_prefix.size())));
  if (d.description.size() > kMaxDescription)
    return std::unexpected(Error::InvalidInput(
        fmt::format("Description must be at most {} characters, got {}", kMaxDescription, d.description.size())));
  if (!d.schedule.empty() && (!d.schedule.starts_with("cron(") || !d.schedule.ends_with(")")))
    return std::unexpected(Error::InvalidInput(
        fmt::format("Schedule \"{}\" is not a cron expression such as cron(15 12 * * ? *)", d.schedule)));
  return Ok();
}

Status CrawlerService::CreateCrawler(CrawlerDefinition definition) {
  LAKEBOX_TRY(Validate(definition));
  return catalog_->CreateCrawler(definition);
}

Status CrawlerService::UpdateCrawler(CrawlerDefinition definition) {
  LAKEBOX_TRY(Validate(definition));
  std::lock_guard lock(mu_);
  // Under the lock, so a crawl cannot start from the old definition in between.
  auto slot = slots_.find(definition.name);
  if (slot != slots_.end() && slot->second.state != CrawlerState::kReady) return std::unexpected(RunningError(definition.name));
  return catalog_->UpdateCrawler(definition);
}

Status CrawlerService::DeleteCrawler(std::string_view name) {
  std::lock_guard lock(mu_);
  auto slot = slots_.find(name);
  if (slot != slots_.end()) {
    if (slot->second.state != CrawlerState::kReady) return std::unexpected(RunningError(name));
    // READY: its thread has done its last step under the lock, so joining does not wait for it.
    if (slot->second.thread.joinable()) slot->second.thread.join();
  }
  LAKEBOX_TRY(catalog_->DeleteCrawler(name));
  if (slot != slots_.end()) slots_.erase(slot);
  return Ok();
}

Status CrawlerService::EnsureCrawler(CrawlerDefinition definition) {
  LAKEBOX_TRY(Validate(definition));
  auto existing = catalog_->GetCrawler(definition.name);
  if (!existing) {
    if (existing.error().code() != Error::Code::kEntityNotFound) return std::unexpected(existing.error());
    spdlog::info("crawler {}: created from the configuration", definition.name);
    return catalog_->CreateCrawler(definition);
  }
  if (SameDeclaration(*existing, definition)) return Ok();
  spdlog::info("crawler {}: updated from the configuration", definition.name);
  return UpdateCrawler(std::move(definition));
}

CrawlerStatus CrawlerService::StatusOf(CrawlerDefinition definition) const {
  CrawlerStatus status;
  auto slot = slots_.find(definition.name);
  if (slot != slots_.end() && slot->second.state != CrawlerState::kReady) {
    status.state = slot->second.state;
    status.crawl_elapsed_ms = NowMillis() - slot->second.started_ms;
    status.progress = slot->second.progress;
  }
  if (auto runs = catalog_->GetCrawlRuns(definition.name, 1); runs && !runs->empty()) {
    status.last_crawl = std::move(runs->front());
  } else if (!runs) {
    spdlog::warn("crawler {}: cannot read its last run: {}", definition.name, runs.error().ToString());
  }
  status.definition = std::move(definition);
  return status;
}

Result<CrawlerStatus> CrawlerService::GetCrawler(std::string_view name) const {
  LAKEBOX_ASSIGN_OR_RETURN(CrawlerDefinition definition, catalog_->GetCrawler(name));
  std::lock_guard lock(mu_);
  return StatusOf(std::move(definition));
}

Result<std::vector<CrawlerStatus>> CrawlerService::GetCrawlers() const {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<CrawlerDefinition> definitions, catalog_->GetCrawlers());
  std::lock_guard lock(mu_);
  std::vector<CrawlerStatus> statuses;
  statuses.reserve(definitions.size());
  for (CrawlerDefinition& definition : definitions) statuses.push_back(StatusOf(std::move(definition)));
  return statuses;
}

Result<std::pair<CrawlerDefinition, CrawlerService::Slot*>> CrawlerService::BeginRun(std::string_view name) {
  if (shut_down_) return std::unexpected(Error::ServiceUnavailable("the crawler service is shutting down"));
  LAKEBOX_ASSIGN_OR_RETURN(CrawlerDefinition definition, catalog_->GetCrawler(name));
  Slot& slot = slots_[definition.name];
  if (slot.state != CrawlerState::kReady) return std::unexpected(RunningError(name));
  if (slot.thread.joinable()) slot.thread.join();  // the previous run's thread, already done
  slot.state = CrawlerState::kRunning;
  slot.cancel = std::make_shared<std::atomic<bool>>(false);
  slot.started_ms = NowMillis();
  slot.progress = {};
  return std::make_pair(std::move(definition), &slot);
}

CrawlRun CrawlerService::Execute(const CrawlerDefinition& definition, std::shared_ptr<std::atomic<bool>> cancel,
                                 const std::function<void(const CrawlProgress&)>& progress) {
  auto report = [&](const CrawlProgress& p) {
    {
      std::lock_guard lock(mu_);
      slots_[definition.name].progress = p;
    }
    if (progress) progress(p);
  };
  auto result = Crawl(definition, *catalog_, *store_, *cancel, report);
  CrawlRun run;
  if (result) {
    run = std::move(*result);
  } else {
    run.status = "FAILED";
    run.error_message = result.error().message();
    run.start_time_ms = run.end_time_ms = NowMillis();
  }
  {
    std::lock_guard lock(mu_);
    slots_[definition.name].state = CrawlerState::kStopping;
  }
  if (Status recorded = catalog_->RecordCrawlRun(definition.name, run); !recorded)
    spdlog::error("crawler {}: cannot record its run: {}", definition.name, recorded.error().ToString());
  std::string summary = CrawlSummary(definition.name, run);
  if (run.status == "FAILED") spdlog::error("{}", summary);
  else spdlog::info("{}", summary);
  if (on_run_finished_) on_run_finished_(definition.name, run);
  {
    std::lock_guard lock(mu_);
    slots_[definition.name].state = CrawlerState::kReady;
    ready_.notify_all();
  }
  return run;
}

Status CrawlerService::StartCrawler(std::string_view name) {
  std::lock_guard lock(mu_);
  LAKEBOX_ASSIGN_OR_RETURN(auto begun, BeginRun(name));
  auto& [definition, slot] = begun;
  slot->thread = std::thread([this, definition = std::move(definition), cancel = slot->cancel] {
    Execute(definition, cancel, {});
  });
  return Ok();
}

Result<CrawlRun> CrawlerService::RunCrawler(std::string_view name,
                                            const std::function<void(const CrawlProgress&)>& progress) {
  CrawlerDefinition definition;
  std::shared_ptr<std::atomic<bool>> cancel;
  {
    std::lock_guard lock(mu_);
    LAKEBOX_ASSIGN_OR_RETURN(auto begun, BeginRun(name));
    definition = std::move(begun.first);
    cancel = begun.second->cancel;
  }
  return Execute(definition, std::move(cancel), progress);
}

Status CrawlerService::StopCrawler(std::string_view name) {
  LAKEBOX_TRY(catalog_->GetCrawler(name));  // EntityNotFound first
  std::lock_guard lock(mu_);
  auto slot = slots_.find(name);
  if (slot == slots_.end() || slot->second.state == CrawlerState::kReady)
    return std::unexpected(Error(Error::Code::kCrawlerNotRunning, fmt::format("Crawler with name {} is not running", name)));
  if (slot->second.state == CrawlerState::kStopping)
    return std::unexpected(Error(Error::Code::kCrawlerStopping, fmt::format("Crawler with name {} is stopping", name)));
  slot->second.cancel->store(true);
  slot->second.state = CrawlerState::kStopping;
  spdlog::info("crawler {}: stopping", name);
  return Ok();
}

Status CrawlerService::WaitUntilReady(std::string_view name, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  auto ready = [&] {
    auto slot = slots_.find(name);
    return slot == slots_.end() || slot->second.state == CrawlerState::kReady;
  };
  if (!ready_.wait_for(lock, timeout, ready))
    return std::unexpected(Error(Error::Code::kCrawlerRunning,
                                 fmt::format("Crawler with name {} is still running after {} ms", name, timeout.count())));
  return Ok();
}

void CrawlerService::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::unique_lock lock(mu_);
    shut_down_ = true;
    for (auto& [name, slot] : slots_) {
      if (slot.state == CrawlerState::kRunning) {
        slot.cancel->store(true);
        slot.state = CrawlerState::kStopping;
      }
      if (slot.thread.joinable()) threads.push_back(std::move(slot.thread));
    }
  }
  // Without the lock: a finishing crawl takes it for its last steps.
  for (std::thread& thread : threads) thread.join();
  // Crawls run by RunCrawler on other threads.
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] {
    return std::all_of(slots_.begin(), slots_.end(),
                       [](const auto& entry) { return entry.second.state == CrawlerState::kReady; });
  });
}

}  // namespace lakebox::catalog
