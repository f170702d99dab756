// `lakebox query [--database DB] [--format table|csv|json] [SQL | -f FILE | stdin]`: runs one SQL
// statement on a running `lakebox serve` through its Athena API, as `aws athena` would:
// StartQueryExecution, GetQueryExecution every 50 ms (state and elapsed time on a status line when
// stderr is a terminal), then every page of GetQueryResults, printed on stdout as an aligned
// table, CSV or JSON lines. "N rows, X scanned, Y ms" goes to stderr, so stdout holds only the
// result. Exit status 1 when the query FAILED or was CANCELLED (the reason on stderr), when the
// server refused it (a syntax error, for instance) or could not be reached. Ctrl-C while the
// query runs asks the server to stop it (StopQueryExecution); a second Ctrl-C quits at once.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/athena_client.h"
#include "cli/commands.h"
#include "cli/text_format.h"

namespace lakebox::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(50);
// The status line appears only for queries that take a while, so fast ones do not flicker.
constexpr auto kStatusDelay = std::chrono::milliseconds(300);

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int /*signal*/) { g_interrupted.store(true); }

// SIGINT sets g_interrupted once; SA_RESETHAND puts the default back for a second Ctrl-C.
void CatchFirstInterrupt() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
}

struct QueryFlags {
  std::string endpoint{producer::kDefaultEndpoint};
  std::string database;
  std::string format = "table";
  std::string file;
  std::vector<std::string> sql;
};

Result<std::string> ReadAll(std::istream& in, std::string_view what) {
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::unexpected(Error::Io(fmt::format("cannot read {}", what)));
  return text;
}

// The statement: the positional words, else the file (-f, "-" for stdin), else stdin.
Result<std::string> ReadSql(const QueryFlags& flags) {
  std::string sql;
  if (!flags.sql.empty()) {
    if (!flags.file.empty()) {
      return std::unexpected(Error::InvalidArgument("give the SQL either as arguments or with -f, not both"));
    }
    for (const std::string& word : flags.sql) sql += (sql.empty() ? "" : " ") + word;
  } else if (!flags.file.empty() && flags.file != "-") {
    std::ifstream in(flags.file, std::ios::binary);
    if (!in) return std::unexpected(Error::IoFromErrno("cannot open", flags.file));
    LAKEBOX_ASSIGN_OR_RETURN(sql, ReadAll(in, flags.file));
  } else {
    if (isatty(STDIN_FILENO) == 1) std::cerr << "reading SQL from stdin (end with Ctrl-D)\n";
    LAKEBOX_ASSIGN_OR_RETURN(sql, ReadAll(std::cin, "stdin"));
  }
  if (sql.find_first_not_of(" \t\r\n;") == std::string::npos) {
    return std::unexpected(Error::InvalidArgument("no SQL to run"));
  }
  return sql;
}

// ---- Output formats

// A cell on one table line: NULL spelled out, line breaks and tabs made visible.
std::string TableCell(const QueryCell& cell) {
  if (!cell) return "NULL";
  std::string text;
  text.reserve(cell->size());
  for (char c : *cell) {
    if (c == '\n') {
      text += "\\n";
    } else if (c == '\t') {
      text += "\\t";
    } else if (c == '\r') {
      text += "\\r";
    } else {
      text += c;
    }
  }
  return text;
}

void PrintTable(const QueryResults& results) {
  std::vector<std::string> header;
  std::vector<TextTable::Align> align;
  for (const QueryColumn& column : results.columns) {
    header.push_back(column.name);
    align.push_back(IsNumericType(column.type) ? TextTable::Align::kRight : TextTable::Align::kLeft);
  }
  TextTable table(std::move(header), std::move(align));
  for (const auto& row : results.rows) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const QueryCell& cell : row) cells.push_back(TableCell(cell));
    table.AddRow(std::move(cells));
  }
  std::cout << table.Render();
}

// RFC 4180: quoted only when needed; NULL is an empty field, the empty string "".
std::string CsvField(const QueryCell& cell) {
  if (!cell) return "";
  bool quote = cell->empty() || cell->find_first_of(",\"\r\n") != std::string::npos ||
               cell->front() == ' ' || cell->back() == ' ';
  if (!quote) return *cell;
  std::string text = "\"";
  for (char c : *cell) {
    if (c == '"') text += '"';
    text += c;
  }
  return text + "\"";
}

void PrintCsvLine(const std::vector<QueryCell>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ',';
    line += CsvField(cells[i]);
  }
  line += '\n';
  std::cout << line;
}

void PrintCsv(const QueryResults& results) {
  std::vector<QueryCell> header;
  for (const QueryColumn& column : results.columns) header.emplace_back(column.name);
  PrintCsvLine(header);
  for (const auto& row : results.rows) PrintCsvLine(row);
}

// A cell as JSON: numbers and booleans typed by the column, NULL as null, the rest as strings
// (structs and arrays in Athena's text rendering). ordered_json, so objects keep column order.
OrderedJson JsonCell(const QueryCell& cell, const QueryColumn* column) {
  if (!cell) return nullptr;
  if (column != nullptr) {
    if (column->type == "boolean" && (*cell == "true" || *cell == "false")) return *cell == "true";
    if (IsNumericType(column->type)) {
      auto number = OrderedJson::parse(*cell, nullptr, /*allow_exceptions=*/false);
      if (number.is_number()) return number;
    }
  }
  return *cell;
}

void PrintJsonLines(const QueryResults& results) {
  for (const auto& row : results.rows) {
    auto object = OrderedJson::object();
    for (size_t i = 0; i < row.size(); ++i) {
      const QueryColumn* column = i < results.columns.size() ? &results.columns[i] : nullptr;
      std::string name = column != nullptr ? column->name : fmt::format("_col{}", i);
      object[name] = JsonCell(row[i], column);
    }
    std::cout << object.dump(-1, ' ', false, OrderedJson::error_handler_t::replace) << '\n';
  }
}

// ---- The command

// The exit status: 1 when the query did not succeed.
Result<int> RunQuery(const QueryFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string sql, ReadSql(flags));
  LAKEBOX_ASSIGN_OR_RETURN(AthenaClient client, AthenaClient::Create(flags.endpoint));
  auto started = Clock::now();
  // Before Start, so a Ctrl-C right after it stops the query instead of leaving it running.
  CatchFirstInterrupt();
  LAKEBOX_ASSIGN_OR_RETURN(std::string id, client.Start(sql, flags.database));

  bool show_status = isatty(STDERR_FILENO) == 1;
  bool status_drawn = false;
  bool stop_requested = false;
  auto progress = [&](const QueryExecution& execution) {
    if (g_interrupted.load() && !stop_requested) {
      stop_requested = true;
      // The query's final state (CANCELLED) still comes from the polling.
      if (auto stopped = client.Call("StopQueryExecution", {{"QueryExecutionId", id}}); !stopped) {
        fmt::print(stderr, "\r\x1b[Klakebox query: cannot stop query {}: {}\n", id, stopped.error().ToString());
      }
    }
    auto elapsed = Clock::now() - started;
    if (!show_status || elapsed < kStatusDelay) return;
    fmt::print(stderr, "\r\x1b[K{} {:.1f} s", execution.state.empty() ? "QUEUED" : execution.state,
               std::chrono::duration<double>(elapsed).count());
    std::fflush(stderr);
    status_drawn = true;
  };
  auto execution = client.Wait(id, kPollInterval, progress);
  if (status_drawn) fmt::print(stderr, "\r\x1b[K");
  if (!execution) return std::unexpected(std::move(execution).error());

  if (execution->state != "SUCCEEDED") {
    std::cerr << fmt::format("lakebox query: query {} {}{}{}\n", id, execution->state,
                             execution->reason.empty() ? "" : ": ", execution->reason);
    return 1;
  }
  LAKEBOX_ASSIGN_OR_RETURN(QueryResults results, client.Results(*execution));
  if (flags.format == "csv") {
    PrintCsv(results);
  } else if (flags.format == "json") {
    PrintJsonLines(results);
  } else {
    PrintTable(results);
  }
  std::cout.flush();

  int64_t millis = execution->total_millis.value_or(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  std::cerr << fmt::format("{} {}, {} scanned, {} ms\n", FormatCount(static_cast<int64_t>(results.rows.size())),
                           results.rows.size() == 1 ? "row" : "rows",
                           FormatBytes(execution->data_scanned_bytes.value_or(0)), millis);
  return 0;
}

}  // namespace

void AddQueryCommand(CLI::App& app) {
  auto flags = std::make_shared<QueryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "query",
      "Run one SQL statement (Athena's dialect) over the lake's catalog tables on a running lakebox serve, "
      "print the result on stdout and \"N rows, X scanned, Y ms\" on stderr; exit status 1 if the query "
      "failed");
  cmd->add_option("sql", flags->sql,
                  "The SQL statement (quote it; several words are joined with spaces). Without it, the SQL is "
                  "read from -f FILE, else from stdin");
  cmd->add_option("-f,--file", flags->file, "Read the SQL from this file (\"-\" for stdin)");
  cmd->add_option("--database,-d", flags->database,
                  "Catalog database for unqualified table names (QueryExecutionContext.Database)");
  cmd->add_option("--format", flags->format,
                  "Output: an aligned table, CSV (a header line, then one line per row; NULL is an empty "
                  "field) or JSON lines (one object per row)")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmd->add_option("--endpoint", flags->endpoint, "URL of the running lakebox serve")->capture_default_str();
  cmd->callback([flags] {
    Result<int> code = RunQuery(*flags);
    if (!code) {
      std::cerr << "lakebox query: " << code.error().ToString() << "\n";
      SetExitCode(1);
      return;
    }
    SetExitCode(*code);
  });
}

}  // namespace lakebox::cli
