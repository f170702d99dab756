// lakebox: one binary, one subcommand per user task (serve, flush, produce, ...).
// Each subcommand lives in its own <name>_command.cpp and registers itself here.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"lakebox: a self-hosted serverless data lake (Firehose, Glue, Athena compatible)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lakebox 0.1.0");
  lakebox::cli::AddServeCommand(app);
  lakebox::cli::AddFlushCommand(app);
  lakebox::cli::AddProduceCommand(app);
  lakebox::cli::AddCatalogCommand(app);
  lakebox::cli::AddCrawlCommand(app);
  lakebox::cli::AddQueryCommand(app);
  lakebox::cli::AddSqlCommand(app);
  lakebox::cli::AddJobCommand(app);
  lakebox::cli::AddStatusCommand(app);
  lakebox::cli::AddWorkflowCommand(app);
  lakebox::cli::AddCostCommand(app);
  lakebox::cli::AddDemoCommand(app);
  CLI11_PARSE(app, argc, argv);
  return lakebox::cli::ExitCode();
}
