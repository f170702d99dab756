// The [pricing] and [metering] sections of lakebox.toml (docs/cost.md, docs/configuration.md):
// what AWS would charge per unit, and how lakebox meters and projects usage.
//
//   [pricing]                         # USD, the seed's us-east-1 figures by default
//   firehose_per_gb = 0.029           # Kinesis Data Firehose Direct PUT, per GB ingested
//   s3_per_gb_month = 0.023           # S3 Standard, per GB-month stored
//   glue_job_per_dpu_hour = 0.44      # Glue ETL job (Spark, Glue 2.0+)
//   glue_crawler_per_dpu_hour = 0.44  # Glue crawler
//   athena_per_tb_scanned = 5.0       # Athena SQL, per TB scanned
//   quicksight_per_month = 9.0        # QuickSight, per author and month
//
//   [metering]
//   job_dpus = 10                     # DPUs a Glue job run is billed for (the seed's 10)
//   crawler_dpus = 1                  # DPUs a crawl is billed for (the seed's 1)
//   storage_sample_seconds = 300      # how often stored bytes are sampled
//   quicksight_authors = 1            # QuickSight subscriptions in the month's bill (0 = none)
//   # The seed's monthly projection ("Let's assume that you produce 3Gb/day of raw data"):
//   projection_gb_per_day = 3.0
//   projection_days = 30
//   projection_job_hours = 5.0        # Glue job hours a month (at job_dpus)
//   projection_crawler_hours = 5.0    # crawler hours a month (at crawler_dpus)
//   projection_athena_tb = 1.0        # TB scanned a month ("if you are a heavy user")
//   projection_quicksight_authors = 1
//
// Numbers may be written as integers or floats. Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string_view>

#include <toml++/toml.h>

#include "common/error.h"

namespace lakebox::metering {

// USD per unit.
struct Pricing {
  double firehose_per_gb = 0.029;
  double s3_per_gb_month = 0.023;
  double glue_job_per_dpu_hour = 0.44;
  double glue_crawler_per_dpu_hour = 0.44;
  double athena_per_tb_scanned = 5.0;
  double quicksight_per_month = 9.0;
};

struct MeteringSettings {
  double job_dpus = 10;
  double crawler_dpus = 1;
  int64_t storage_sample_seconds = 300;
  double quicksight_authors = 1;
};

// The seed's assumptions for "how much will it cost" a month.
struct Projection {
  double gb_per_day = 3;
  double days = 30;
  double job_hours = 5;
  double crawler_hours = 5;
  double athena_tb = 1;
  double quicksight_authors = 1;
};

struct MeteringConfig {
  Pricing pricing;
  MeteringSettings metering;
  Projection projection;
};

// Reads [pricing] and [metering] of a parsed lakebox.toml (`source` names it in messages); absent
// sections and keys keep the defaults above. InvalidArgument naming the file and key for an
// unknown key, a value that is not a number, a negative price or amount, DPUs that are not
// positive, and storage_sample_seconds outside 1..86400.
Result<MeteringConfig> MeteringConfigFromToml(const toml::table& root, std::string_view source);

}  // namespace lakebox::metering
