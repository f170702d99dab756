// [[stream]] tables of lakebox.toml: delivery streams declared in the config file, created at
// start-up if they do not exist yet. Keys: docs/configuration.md.
#pragma once

#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/error.h"
#include "ingest/stream_config.h"

namespace lakebox::ingest {

// Reads every [[stream]] table of `root`. InvalidArgument naming the source, the stream and the
// key for unknown keys, wrong types and missing required keys (name, bucket_arn). The result is
// not yet validated against Firehose's rules: IngestService::EnsureStream does that.
Result<std::vector<StreamConfig>> StreamConfigsFromToml(const toml::table& root, std::string_view source_name,
                                                        std::string_view account_id);

}  // namespace lakebox::ingest
