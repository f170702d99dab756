// Durable-file helpers: the few POSIX file operations lakebox needs to keep data across crashes
// (the WAL, the stream registry, the local object store), with errors as lakebox::Error.
//
// Durability rule used throughout: a file's bytes survive a crash only after fsync(file); its
// name survives only after fsync(directory that holds the name). "Atomic replace" is therefore
// write temp -> fsync temp -> rename(temp, target) -> fsync(target's directory): after a crash
// the target holds either its old contents or the new ones, never a mix.
//
// Errors: NotFound when a path (or a directory on the way) does not exist; Io for anything else
// the OS refuses, with the path and strerror in the message.
// Thread safety: every function may be called concurrently; a UniqueFd is not shared.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lakebox {

// Owns a file descriptor; closes it on destruction (errors ignored there; call Close() to see
// them).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  // open(2) with O_CLOEXEC added, retrying EINTR. NotFound if the file (or a parent) is missing.
  static Result<UniqueFd> Open(const std::filesystem::path& path, int flags, mode_t mode = 0644);

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership; returns the descriptor (or -1).
  int release();
  // Closes now and reports close(2)'s error (which some file systems use to report write-back
  // failures). `path` is only for the message. Closing an invalid UniqueFd is Ok.
  Status Close(const std::filesystem::path& path = {});

 private:
  int fd_ = -1;
};

// Writes all of `data` at the current offset, looping over short writes and EINTR.
Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path);

// Reads exactly out.size() bytes at `offset` (pread). Io error if the file ends first.
Status ReadExactAt(int fd, uint64_t offset, std::span<char> out, const std::filesystem::path& path);

// fsync(2) of an open file: its data and the metadata needed to read it back.
Status SyncFd(int fd, const std::filesystem::path& path);

// fsync of a directory, making the names created, renamed or removed in it durable. File systems
// that cannot sync directories (EINVAL) are treated as success.
Status FsyncDir(const std::filesystem::path& dir);

// mkdir -p that makes every directory it creates durable: after creating a directory it fsyncs
// the parent, because a new directory's name lives in its parent and is lost in a crash until
// that parent is synced, taking with it every file later made durable below it.
// Calls are serialized process-wide, so when one returns Ok, every directory on the path was
// either found on disk or created and synced by a CreateDirs that has already returned.
// Io error if a component exists but is not a directory.
Status CreateDirs(const std::filesystem::path& dir);

// rename(2) then FsyncDir(to's directory): `to` durably names the file that was `from`.
// rename replaces an existing file atomically.
Status RenameDurable(const std::filesystem::path& from, const std::filesystem::path& to);

// Atomically and durably replaces `path` with `data` (mode 0644). The temp file is created in the
// same directory (rename cannot cross file systems) under a name for which IsTempFileName() is
// true; it is removed on failure. The directory must exist.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data);

// True for the names of WriteFileAtomic's temp files (".<name>.lakebox-tmp.<pid>.<n>"). A crash
// can leave one behind; directory scanners skip them and RemoveStaleTempFiles deletes them.
bool IsTempFileName(std::string_view file_name);

// Deletes the WriteFileAtomic temp files directly in `dir`. Call it when opening a directory,
// before any writer of this process runs (it cannot tell a stale temp from one being written).
Status RemoveStaleTempFiles(const std::filesystem::path& dir);

// The whole content of a file.
Result<std::string> ReadFile(const std::filesystem::path& path);

enum class FileType { kRegular, kDirectory, kOther };

struct DirEntry {
  std::string name;
  FileType type = FileType::kOther;  // symbolic links are kOther (never followed)
};

// The entries of `dir` except "." and "..", sorted by name (byte order). NotFound if `dir` is
// missing, Io if it is not a directory.
Result<std::vector<DirEntry>> ReadDir(const std::filesystem::path& dir);

// Bytes available to an unprivileged user on the file system holding `path` (statvfs f_bavail).
Result<uint64_t> FreeDiskBytes(const std::filesystem::path& path);

}  // namespace lakebox
