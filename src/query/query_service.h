// query::QueryService: Athena's query executions over query::Engine, asynchronous.
//
// Start() records an execution QUEUED, with Athena's StatementType and SubstatementType
// (ClassifyStatement, athena_statements.h), and returns its id at once; a small pool of workers
// runs executions in submission order: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED.
//  - SUCCEEDED: the result rows are kept in memory for Results(), and written through the
//    ObjectStore as Athena does, under the execution's output location. A DML statement
//    (SELECT) writes:
//      <OutputLocation><id>.csv           a header row, every non-NULL value double-quoted with
//                                         embedded quotes doubled, NULL as an empty unquoted
//                                         field, '\n' after every line including the last;
//      <OutputLocation><id>.csv.metadata  JSON (Athena's is binary; SDKs never read it):
//                                         {"QueryExecutionId":"<id>","Columns":[{"Name":"vendor",
//                                          "Type":"VARCHAR"},...]} with DuckDB's type names.
//    A UTILITY statement (SHOW, DESCRIBE, EXPLAIN) writes <id>.txt instead, as Athena does: no
//    header, one line per row, the cells separated by tabs (NULL as an empty cell), and
//    <id>.txt.metadata.
//  - FAILED: reason is the engine's message (DuckDB's for bad SQL, the sandbox's refusal, the
//    unknown-table message listing the catalog's tables), or the result file's write error.
//  - CANCELLED by Stop(): a QUEUED execution never runs; a RUNNING one is marked CANCELLED at
//    once and its result, when the engine returns, is dropped (the engine has no interrupt; its
//    query_timeout bounds the run).
//
// History: every state change appends the whole record (statistics included: bytes scanned,
// engine, queue and total times, rows, peak memory) as one JSON line to
// <data_dir>/athena/history.jsonl, fsynced (fdatasync). Start and Stop fail with Io when their
// record cannot be written; a worker that cannot write one logs a warning and keeps the state in
// memory (a restart then reports that execution FAILED). Open() replays the file (the last line per id wins);
// executions that were QUEUED or RUNNING when the process stopped come back FAILED ("lakebox
// stopped before the query finished"). Result rows are not in the history: Results() of an
// execution from before the reopen reads its .csv back through the ObjectStore.
//
// Errors: InvalidArgument for a request Athena refuses (empty query, an output location that is
// not s3://bucket/..., an unknown id "QueryExecution <id> was not found", results before the
// execution succeeded "Query has not yet finished. Current state: RUNNING"); Io for the history.
//
// Thread safety: every method may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/error.h"
#include "query/engine.h"

namespace lakebox::storage {
class ObjectStore;
}

namespace lakebox::query {

struct QueryExecution;

struct QueryServiceOptions {
  std::filesystem::path data_dir;  // the history is <data_dir>/athena/history.jsonl
  int workers = 4;                 // executions running at once
  std::string default_output_location = "s3://lake/athena-results/";
  // Optional observer (metering): called once per execution a worker finishes (SUCCEEDED or
  // FAILED; a cancelled one is not reported), with the service's lock held: it must be quick and
  // must not call back into the service.
  std::function<void(const QueryExecution&)> on_finished;
};

enum class QueryState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
// "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED".
std::string_view QueryStateName(QueryState state);

struct StartQueryRequest {
  std::string query;
  std::optional<std::string> database;  // QueryExecutionContext.Database
  std::string catalog = "AwsDataCatalog";
  std::string output_location;  // "" = the default; "s3://bucket/prefix/"
  std::string work_group = "primary";
  std::string client_request_token;  // "" = none; a repeat returns the first execution's id
};

struct QueryExecution {
  using Clock = std::chrono::system_clock;

  std::string id;
  std::string query;
  std::optional<std::string> database;
  std::string catalog;
  std::string work_group;
  std::string output_location;  // the directory, ending in '/'
  std::string client_request_token;  // "" = none
  std::string statement_type = "DML";       // DML | DDL | UTILITY
  std::string substatement_type = "SELECT";  // SELECT, SHOW_TABLES, DESCRIBE_TABLE, CREATE_TABLE, ...
  QueryState state = QueryState::kQueued;
  std::string reason;  // StateChangeReason; set when FAILED or CANCELLED
  Clock::time_point submitted;
  std::optional<Clock::time_point> completed;
  int64_t bytes_scanned = 0;
  int64_t engine_ms = 0;
  int64_t total_ms = 0;
  int64_t queue_ms = 0;
  int64_t rows = 0;
  int64_t peak_memory_bytes = 0;
  std::vector<std::string> column_names;  // when SUCCEEDED
  std::vector<std::string> column_types;  // DuckDB's type names

  // Athena's ResultConfiguration.OutputLocation of an execution: <output_location><id>.csv, or
  // <id>.txt for a UTILITY statement.
  std::string ResultLocation() const {
    return output_location + id + (statement_type == "UTILITY" ? ".txt" : ".csv");
  }
  bool Finished() const { return state != QueryState::kQueued && state != QueryState::kRunning; }
};

class QueryService {
 public:
  // Replays the history and starts the workers. `engine` and `store` must outlive the service.
  static Result<std::unique_ptr<QueryService>> Open(QueryServiceOptions options, Engine* engine,
                                                    storage::ObjectStore* store);
  // Shutdown().
  ~QueryService();
  QueryService(const QueryService&) = delete;
  QueryService& operator=(const QueryService&) = delete;

  // Queues an execution; returns its id (a UUID v4).
  Result<std::string> Start(StartQueryRequest request);
  // A snapshot of the execution.
  Result<QueryExecution> Get(std::string_view id) const;
  // The rows of a SUCCEEDED execution (column names and types, cells; no header row).
  Result<std::shared_ptr<const QueryResult>> Results(std::string_view id);
  // A SUCCEEDED execution's result file as written: its name ("<id>.csv", or "<id>.txt" for a
  // UTILITY statement) and contents. Errors as Results; the store's when the file cannot be read.
  struct ResultFile {
    std::string name;
    std::string contents;
  };
  Result<ResultFile> ReadResultFile(std::string_view id);
  // Ids of `work_group`'s executions, newest first.
  std::vector<std::string> List(std::string_view work_group) const;
  // Cancels a QUEUED or RUNNING execution; Ok without change for a finished one.
  Status Stop(std::string_view id);
  // Lets running executions finish, stops the workers (queued executions stay QUEUED and come
  // back FAILED at the next Open). Idempotent.
  void Shutdown();

 private:
  struct Entry {
    QueryExecution execution;
    std::shared_ptr<const QueryResult> result;  // when SUCCEEDED and still in memory
  };

  QueryService(QueryServiceOptions options, Engine* engine, storage::ObjectStore* store, int history_fd)
      : options_(std::move(options)), engine_(engine), store_(store), history_fd_(history_fd) {}

  void Work();
  void Run(const std::string& id);
  // The entry of `id` if its execution SUCCEEDED; InvalidRequest otherwise (unknown id, not
  // finished, or failed), with Athena's messages.
  Result<Entry> SucceededEntry(std::string_view id) const;
  // The contents of the execution's result file, through the ObjectStore.
  Result<std::string> ReadFileOf(const QueryExecution& execution);
  // Writes the .csv and .csv.metadata of a finished execution.
  Status WriteResultFiles(const QueryExecution& execution, const QueryResult& result);
  // Appends the record to the history and fsyncs it. With mu_ held (it orders the appends).
  Status Persist(const QueryExecution& execution);

  QueryServiceOptions options_;
  Engine* engine_;
  storage::ObjectStore* store_;
  int history_fd_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry, std::less<>> entries_;   // guarded by mu_
  std::vector<std::string> order_;                      // ids in submission order; guarded by mu_
  std::map<std::string, std::string, std::less<>> tokens_;  // token → id; guarded by mu_
  std::deque<std::string> queue_;                       // guarded by mu_
  bool stopping_ = false;                               // guarded by mu_
  std::vector<std::thread> workers_;
  std::once_flag shutdown_once_;
};

}  // namespace lakebox::query
