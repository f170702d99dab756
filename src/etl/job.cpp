#include "etl/job.h"

namespace lakebox::etl {

std::string_view JobRunStateName(JobRunState state) {
  switch (state) {
    case JobRunState::kStarting: return "STARTING";
    case JobRunState::kRunning: return "RUNNING";
    case JobRunState::kStopping: return "STOPPING";
    case JobRunState::kStopped: return "STOPPED";
    case JobRunState::kSucceeded: return "SUCCEEDED";
    case JobRunState::kFailed: return "FAILED";
  }
  return "FAILED";
}

}  // namespace lakebox::etl
