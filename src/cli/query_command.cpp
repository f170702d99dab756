// `lakebox query [--database DB] [--format table|csv|json] [SQL | -f FILE | stdin]`: runs one SQL
// statement on a running `lakebox serve` through its Athena API, as `aws athena` would:
// StartQueryExecution, GetQueryExecution every 50 ms (state and elapsed time on a status line when
// stderr is a terminal), then every page of GetQueryResults, printed on stdout as an aligned
// table, CSV or JSON lines. "N rows, X scanned, Y peak memory, Z ms" goes to stderr, so stdout
// holds only the result. Exit status 1 when the query FAILED or was CANCELLED (the reason on stderr), when the
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

#include "cli/athena_client.h"
#include "cli/commands.h"
#include "cli/query_runner.h"
#include "cli/text_format.h"

namespace lakebox::cli {
namespace {

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

// ---- The command

// The exit status: 1 when the query did not succeed.
Result<int> RunQuery(const QueryFlags& flags) {
  LAKEBOX_ASSIGN_OR_RETURN(std::string sql, ReadSql(flags));
  LAKEBOX_ASSIGN_OR_RETURN(AthenaClient client, AthenaClient::Create(flags.endpoint));
  // Before Start, so a Ctrl-C right after it stops the query instead of leaving it running.
  CatchFirstInterrupt();
  LAKEBOX_ASSIGN_OR_RETURN(
      StatementRun run,
      RunStatement(client, sql,
                   {.database = flags.database, .interrupted = &g_interrupted, .show_status = isatty(STDERR_FILENO) == 1}));
  if (run.execution.state != "SUCCEEDED") {
    std::cerr << fmt::format("lakebox query: query {} {}{}{}\n", run.execution.id, run.execution.state,
                             run.execution.reason.empty() ? "" : ": ", run.execution.reason);
    return 1;
  }
  if (flags.format == "csv") {
    PrintCsv(run.results, std::cout);
  } else if (flags.format == "json") {
    PrintJsonLines(run.results, std::cout);
  } else {
    std::cout << RenderTable(run.results);
  }
  std::cout.flush();
  std::cerr << RunSummary(run) << "\n";
  return 0;
}

}  // namespace

void AddQueryCommand(CLI::App& app) {
  auto flags = std::make_shared<QueryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "query",
      "Run one SQL statement (Athena's dialect) over the lake's catalog tables on a running lakebox serve, "
      "print the result on stdout and \"N rows, X scanned, Y peak memory, Z ms\" on stderr; exit status 1 if the query "
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
