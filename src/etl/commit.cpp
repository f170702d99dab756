#include "etl/commit.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdio.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "common/file_util.h"

namespace lakebox::etl {
namespace {

namespace fs = std::filesystem;

Status CollectFiles(const fs::path& dir, const std::string& prefix, std::vector<TreeFile>& out) {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDir(dir));
  for (const DirEntry& entry : entries) {
    std::string relative = prefix.empty() ? entry.name : prefix + "/" + entry.name;
    if (entry.type == FileType::kDirectory) {
      LAKEBOX_TRY(CollectFiles(dir / entry.name, relative, out));
    } else if (entry.type == FileType::kRegular) {
      std::error_code ec;
      uint64_t size = fs::file_size(dir / entry.name, ec);
      if (ec) return std::unexpected(Error::Io(fmt::format("stat {}: {}", (dir / entry.name).string(), ec.message())));
      out.push_back({std::move(relative), size});
    }
  }
  return Ok();
}

}  // namespace

std::string StagingDir(std::string_view bucket, std::string_view run_id) {
  return fmt::format("{}/{}/{}", bucket, kStagingFolder, run_id);
}

Result<std::vector<std::string>> StagingDirs(const fs::path& lake_root) {
  std::vector<std::string> dirs;
  auto buckets = ReadDir(lake_root);
  if (!buckets) {
    if (buckets.error().code() == Error::Code::kNotFound) return dirs;
    return std::unexpected(buckets.error());
  }
  for (const DirEntry& bucket : *buckets) {
    // LocalObjectStore's temp folder is ".tmp"; bucket names never start with '.'.
    if (bucket.type != FileType::kDirectory || bucket.name.starts_with('.')) continue;
    auto runs = ReadDir(lake_root / bucket.name / kStagingFolder);
    if (!runs) {
      if (runs.error().code() == Error::Code::kNotFound) continue;
      return std::unexpected(runs.error());
    }
    for (const DirEntry& run : *runs) dirs.push_back(StagingDir(bucket.name, run.name));
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

Result<std::vector<TreeFile>> FilesBelow(const fs::path& dir) {
  std::vector<TreeFile> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  LAKEBOX_TRY(CollectFiles(dir, "", files));
  std::sort(files.begin(), files.end(), [](const TreeFile& a, const TreeFile& b) {
    return a.relative_path < b.relative_path;
  });
  return files;
}

Status SyncTree(const fs::path& dir) {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDir(dir));
  for (const DirEntry& entry : entries) {
    fs::path path = dir / entry.name;
    if (entry.type == FileType::kDirectory) {
      LAKEBOX_TRY(SyncTree(path));
    } else if (entry.type == FileType::kRegular) {
      LAKEBOX_ASSIGN_OR_RETURN(UniqueFd fd, UniqueFd::Open(path, O_RDONLY));
      LAKEBOX_TRY(SyncFd(fd.get(), path));
    }
  }
  return FsyncDir(dir);
}

Status MoveIntoPlace(const fs::path& lake_root, const std::vector<StagedFile>& files) {
  std::set<fs::path> created;  // final directories made (or found) by CreateDirs
  std::set<fs::path> touched;  // final directories that received a name
  std::vector<std::string> missing;
  for (const StagedFile& file : files) {
    fs::path from = lake_root / file.staged;
    fs::path to = lake_root / file.final_path;
    std::error_code ec;
    if (!fs::exists(from, ec)) {
      if (!fs::exists(to, ec)) missing.push_back(file.final_path);
      continue;  // moved by an earlier attempt
    }
    fs::path dir = to.parent_path();
    if (created.insert(dir).second) LAKEBOX_TRY(CreateDirs(dir));
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return std::unexpected(Error::IoFromErrno(fmt::format("moving {} to", from.string()), to.string()));
    }
    touched.insert(dir);
  }
  for (const fs::path& dir : touched) LAKEBOX_TRY(FsyncDir(dir));
  if (!missing.empty()) {
    return std::unexpected(Error::NotFound(fmt::format("{} committed file(s) exist neither staged nor in place: {}",
                                                       missing.size(), fmt::join(missing, ", "))));
  }
  return Ok();
}

Status RemoveTree(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return std::unexpected(Error::Io(fmt::format("removing {}: {}", dir.string(), ec.message())));
  return Ok();
}

}  // namespace lakebox::etl
