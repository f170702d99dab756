#include "cli/commands.h"

namespace lakebox::cli {
namespace {
int g_exit_code = 0;
}

int ExitCode() { return g_exit_code; }
void SetExitCode(int code) { g_exit_code = code; }

}  // namespace lakebox::cli
