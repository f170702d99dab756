// [[crawler]] tables of lakebox.toml: crawlers declared in the config file, created at start-up if
// they do not exist yet and updated if their declaration changed (CrawlerService::EnsureCrawler).
//
//   [[crawler]]
//   name = "vehicles"                      # required
//   database = "vehicles"                  # default "default"
//   role = "arn:aws:iam::...:role/x"       # default arn:aws:iam::<aws.account_id>:role/lakebox
//   targets = ["s3://lake/raw/"]           # required; or [{ path = "s3://lake/raw/",
//                                          #   exclusions = ["**.tmp"], sample_size = 10 }]
//   table_prefix = "vehicles_"
//   schedule = "cron(0 * * * ? *)"
//   update_behavior = "UPDATE_IN_DATABASE" # or LOG
//   delete_behavior = "DEPRECATE_IN_DATABASE"  # or DELETE_FROM_DATABASE, LOG
//   recrawl_behavior = "CRAWL_EVERYTHING"  # or CRAWL_NEW_FOLDERS_ONLY
//   description = "..."
#pragma once

#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "catalog/catalog.h"
#include "common/error.h"

namespace lakebox::catalog {

// Reads every [[crawler]] table of `root`. InvalidArgument naming the source, the crawler and the
// key for unknown keys, wrong types, bad enum values, target paths that are not s3://bucket/...,
// malformed exclusion globs and missing required keys (name, targets).
Result<std::vector<CrawlerDefinition>> CrawlerDefinitionsFromToml(const toml::table& root, std::string_view source,
                                                                  std::string_view account_id);

}  // namespace lakebox::catalog
