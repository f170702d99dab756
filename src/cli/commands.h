// Registration of lakebox's subcommands. Each Add*Command adds one subcommand to `app` with its
// options and --help; its callback runs the command and records the process exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace lakebox::cli {

void AddServeCommand(CLI::App& app);
void AddFlushCommand(CLI::App& app);
void AddProduceCommand(CLI::App& app);
void AddCatalogCommand(CLI::App& app);
void AddCrawlCommand(CLI::App& app);
void AddQueryCommand(CLI::App& app);
void AddSqlCommand(CLI::App& app);
void AddJobCommand(CLI::App& app);
void AddStatusCommand(CLI::App& app);
void AddWorkflowCommand(CLI::App& app);
void AddCostCommand(CLI::App& app);
void AddDemoCommand(CLI::App& app);

// Exit code set by the subcommand that ran (0 when it succeeded).
int ExitCode();
void SetExitCode(int code);

}  // namespace lakebox::cli
