// Where a sealed WAL segment lands: bucket and key, computed from the stream's configuration,
// the segment header and the arrival time of the segment's first record, and from nothing else,
// so that replaying a segment after a crash rewrites exactly the same key.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "ingest/stream_config.h"
#include "ingest/wal.h"

namespace lakebox::ingest {

struct ObjectKeyInputs {
  const StreamConfig& config;
  const WalSegmentHeader& header;
  int64_t first_arrival_ms;
};

struct ObjectLocation {
  std::string bucket;
  std::string key;             // evaluated Prefix + Firehose object name + extension
  std::string zip_entry_name;  // the object name without ".zip", for ZIP archives
};

Result<ObjectLocation> BuildObjectKey(const ObjectKeyInputs& inputs);

}  // namespace lakebox::ingest
