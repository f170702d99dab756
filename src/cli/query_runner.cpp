#include "cli/query_runner.h"

#include <cstdio>
#include <ostream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/text_format.h"

namespace lakebox::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(50);
// The status line appears only for queries that take a while, so fast ones do not flicker.
constexpr auto kStatusDelay = std::chrono::milliseconds(300);

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

void PrintCsvLine(const std::vector<QueryCell>& cells, std::ostream& out) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ',';
    line += CsvField(cells[i]);
  }
  line += '\n';
  out << line;
}

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

}  // namespace

Result<StatementRun> RunStatement(AthenaClient& client, std::string_view sql, const RunOptions& options) {
  auto started = Clock::now();
  LAKEBOX_ASSIGN_OR_RETURN(std::string id, client.Start(sql, options.database));

  StatementRun run;
  StatusLine status(options.show_status);
  auto progress = [&](const QueryExecution& execution) {
    if (options.interrupted != nullptr && options.interrupted->load() && !run.stop_requested) {
      run.stop_requested = true;
      // The final state (CANCELLED) still comes from the polling.
      if (auto stopped = client.Call("StopQueryExecution", {{"QueryExecutionId", id}}); !stopped) {
        fmt::print(stderr, "\r\x1b[Kcannot stop query {}: {}\n", id, stopped.error().ToString());
      }
    }
    auto elapsed = Clock::now() - started;
    if (elapsed < kStatusDelay) return;
    status.Show(fmt::format("{} {:.1f} s", execution.state.empty() ? "QUEUED" : execution.state,
                            std::chrono::duration<double>(elapsed).count()));
  };
  auto execution = client.Wait(id, kPollInterval, progress);
  status.Clear();
  if (!execution) return std::unexpected(std::move(execution).error());
  run.execution = std::move(*execution);
  run.client_elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  if (run.execution.state == "SUCCEEDED") {
    LAKEBOX_ASSIGN_OR_RETURN(run.results, client.Results(run.execution));
  }
  return run;
}

std::string RunSummary(const StatementRun& run) {
  auto rows = static_cast<int64_t>(run.results.rows.size());
  std::string peak;
  if (run.execution.peak_memory_bytes) peak = fmt::format(", {} peak memory", FormatBytes(*run.execution.peak_memory_bytes));
  return fmt::format("{} {}, {} scanned{}, {} ms", FormatCount(rows), rows == 1 ? "row" : "rows",
                     FormatBytes(run.execution.data_scanned_bytes.value_or(0)), peak,
                     run.execution.total_millis.value_or(run.client_elapsed.count()));
}

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

std::string RenderTable(const QueryResults& results) {
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
  return table.Render();
}

void PrintCsv(const QueryResults& results, std::ostream& out) {
  std::vector<QueryCell> header;
  for (const QueryColumn& column : results.columns) header.emplace_back(column.name);
  PrintCsvLine(header, out);
  for (const auto& row : results.rows) PrintCsvLine(row, out);
}

void PrintJsonLines(const QueryResults& results, std::ostream& out) {
  for (const auto& row : results.rows) {
    auto object = OrderedJson::object();
    for (size_t i = 0; i < row.size(); ++i) {
      const QueryColumn* column = i < results.columns.size() ? &results.columns[i] : nullptr;
      std::string name = column != nullptr ? column->name : fmt::format("_col{}", i);
      object[name] = JsonCell(row[i], column);
    }
    out << object.dump(-1, ' ', false, OrderedJson::error_handler_t::replace) << '\n';
  }
}

}  // namespace lakebox::cli
