// Where a job run stages its output and how staged files are made visible (private to etl/).
//
// Staging layout: s3://<target bucket>/_lakebox_staging/<run id>/<table index>/<batch>/...: in the
// target's bucket (so a move into place is a rename on one file system), in a folder whose name
// starts with '_', which query::ListFiles, the crawler and Athena skip at any depth below a table
// or an include path. The run id alone names the folder (job names may hold '/' or spaces).
//
// Durability (common/file_util.h's rule): before a commit record names a staged file, SyncTree has
// fsynced the file and every directory holding it; MoveIntoPlace creates the final directories
// durably, renames, and fsyncs every final directory before it returns.
// Thread safety: functions of the file system; callers keep runs apart.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "etl/run_store.h"

namespace lakebox::etl {

inline constexpr std::string_view kStagingFolder = "_lakebox_staging";

// "<bucket>/_lakebox_staging/<run id>", relative to the lake root (<data_dir>/s3).
std::string StagingDir(std::string_view bucket, std::string_view run_id);

// Every run folder under a bucket's staging folder, relative to the lake root, sorted.
Result<std::vector<std::string>> StagingDirs(const std::filesystem::path& lake_root);

struct TreeFile {
  std::string relative_path;  // below the listed directory, '/'-separated
  uint64_t size = 0;
};
// The regular files below `dir` (recursively), sorted by path; none if `dir` is missing.
Result<std::vector<TreeFile>> FilesBelow(const std::filesystem::path& dir);

// fsyncs every file and directory below `dir`, and `dir` itself.
Status SyncTree(const std::filesystem::path& dir);

// Renames each staged file (paths relative to `lake_root`) to its final name, creating the final
// directories. Repeatable: a file whose staged name is gone while its final name exists was moved
// by an earlier attempt. Errors: Io from the file system (files before the failing one are moved);
// NotFound naming the files that exist under neither name (the others are moved).
Status MoveIntoPlace(const std::filesystem::path& lake_root, const std::vector<StagedFile>& files);

// Deletes `dir` and everything below it; Ok if it does not exist.
Status RemoveTree(const std::filesystem::path& dir);

}  // namespace lakebox::etl
