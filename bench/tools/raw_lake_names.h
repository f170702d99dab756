// Where the bench tools that write a raw lake directly (make_query_lake, etl_bench) put an object,
// as the seed's Firehose stream would: the hour partition of its first record
// (year=/month=/day=/hour=, the seed's Prefix) and a Firehose-style object name with a
// UUID-shaped part that is the same for the same object index on every run, so lakes are
// reproducible. Header-only: each tool is its own executable.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "common/time.h"

namespace lakebox::bench {

inline std::string ObjectUuid(uint64_t index) {
  uint64_t state = index * 0x9E3779B97F4A7C15ULL + 0x5DEECE66DULL;
  auto next = [&state] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  uint64_t a = next();
  uint64_t b = next();
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffULL);
}

// "year=2025/month=11/day=25/hour=00"
inline std::string RawPartition(const CivilTime& t) {
  return fmt::format("year={:04}/month={:02}/day={:02}/hour={:02}", t.year, t.month, t.day, t.hour);
}

// "vehicles-1-2025-11-25-00-15-00-<uuid>.gz" for the `index`-th object, opened at `t`.
inline std::string RawObjectName(const CivilTime& t, uint64_t index) {
  return fmt::format("vehicles-1-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{}.gz", t.year, t.month, t.day, t.hour, t.minute,
                     t.second, ObjectUuid(index));
}

}  // namespace lakebox::bench
