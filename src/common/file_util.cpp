#include "common/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace lakebox {
namespace {

constexpr std::string_view kTempMarker = ".lakebox-tmp.";

// Must be called right after the failing call, before anything can overwrite errno.
Error ErrnoError(std::string_view what, const std::filesystem::path& path) {
  if (errno == ENOENT) {
    return Error::NotFound(fmt::format("{} {}: {}", what, path.string(), std::strerror(ENOENT)));
  }
  return Error::IoFromErrno(what, path.string());
}

std::filesystem::path ParentOrDot(const std::filesystem::path& path) {
  std::filesystem::path parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Result<UniqueFd> UniqueFd::Open(const std::filesystem::path& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return std::unexpected(ErrnoError("open", path));
  return UniqueFd(fd);
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Status UniqueFd::Close(const std::filesystem::path& path) {
  if (fd_ < 0) return Ok();
  // Linux releases the descriptor even when close fails, so it must never be retried.
  int rc = ::close(release());
  if (rc != 0 && errno != EINTR) return std::unexpected(Error::IoFromErrno("close", path.string()));
  return Ok();
}

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(Error::IoFromErrno("write", path.string()));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Status ReadExactAt(int fd, uint64_t offset, std::span<char> out,
                   const std::filesystem::path& path) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(Error::IoFromErrno("read", path.string()));
    }
    if (n == 0) {
      return std::unexpected(Error::Io(fmt::format(
          "read {}: file ended at byte {}, expected {} (was it truncated while being read?)",
          path.string(), offset + done, offset + out.size())));
    }
    done += static_cast<size_t>(n);
  }
  return Ok();
}

Status SyncFd(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) return std::unexpected(Error::IoFromErrno("fsync", path.string()));
  return Ok();
}

Status FsyncDir(const std::filesystem::path& dir) {
  LAKEBOX_ASSIGN_OR_RETURN(UniqueFd fd, UniqueFd::Open(dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    return std::unexpected(Error::IoFromErrno("fsync directory", dir.string()));
  }
  return fd.Close(dir);
}

Status CreateDirs(const std::filesystem::path& dir) {
  // Serialized so that "the directory exists" implies "its creator has synced it": without the
  // lock, a second thread could see a directory another thread made but has not synced yet, put a
  // file in it and report that file durable too early.
  static std::mutex mutex;
  std::lock_guard lock(mutex);

  std::filesystem::path path = dir.lexically_normal();
  if (!path.has_filename() && path.has_parent_path()) path = path.parent_path();  // "a/b/"
  std::vector<std::filesystem::path> missing;
  while (!path.empty()) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return std::unexpected(Error::Io(fmt::format(
            "create directory {}: {} exists and is not a directory", dir.string(), path.string())));
      }
      break;
    }
    // ENOTDIR: an ancestor is a file; climbing on reaches it and reports it by name.
    if (errno != ENOENT && errno != ENOTDIR) {
      return std::unexpected(Error::IoFromErrno("stat", path.string()));
    }
    missing.push_back(path);
    if (!path.has_parent_path() || path.parent_path() == path) break;
    path = path.parent_path();
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0) {
      if (errno != EEXIST)
        return std::unexpected(Error::IoFromErrno("create directory", it->string()));
      struct stat st;
      if (::stat(it->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return std::unexpected(Error::Io(fmt::format(
            "create directory {}: {} exists and is not a directory", dir.string(), it->string())));
      }
    }
    LAKEBOX_TRY(FsyncDir(ParentOrDot(*it)));
  }
  return Ok();
}

Status RenameDurable(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return std::unexpected(ErrnoError(fmt::format("rename {} to", from.string()), to));
  }
  return FsyncDir(ParentOrDot(to));
}

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data) {
  static std::atomic<uint64_t> counter{0};
  std::filesystem::path temp =
      ParentOrDot(path) /
      fmt::format(".{}{}{}.{}", path.filename().string(), kTempMarker, ::getpid(), counter++);
  Status status = [&]() -> Status {
    LAKEBOX_ASSIGN_OR_RETURN(UniqueFd fd,
                             UniqueFd::Open(temp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0644));
    LAKEBOX_TRY(WriteAll(fd.get(), data, temp));
    LAKEBOX_TRY(SyncFd(fd.get(), temp));
    LAKEBOX_TRY(fd.Close(temp));
    return RenameDurable(temp, path);
  }();
  if (!status) {
    ::unlink(temp.c_str());
    return std::unexpected(status.error().WithContext(fmt::format("writing {}", path.string())));
  }
  return Ok();
}

bool IsTempFileName(std::string_view file_name) {
  return file_name.starts_with('.') && file_name.find(kTempMarker) != std::string_view::npos;
}

Status RemoveStaleTempFiles(const std::filesystem::path& dir) {
  LAKEBOX_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDir(dir));
  for (const DirEntry& entry : entries) {
    if (entry.type != FileType::kRegular || !IsTempFileName(entry.name)) continue;
    std::filesystem::path path = dir / entry.name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return std::unexpected(Error::IoFromErrno("remove stale temp file", path.string()));
    }
  }
  return Ok();
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  LAKEBOX_ASSIGN_OR_RETURN(UniqueFd fd, UniqueFd::Open(path, O_RDONLY));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    return std::unexpected(Error::IoFromErrno("stat", path.string()));
  if (S_ISDIR(st.st_mode)) {
    return std::unexpected(Error::Io(fmt::format("read {}: is a directory", path.string())));
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  LAKEBOX_TRY(ReadExactAt(fd.get(), 0, data, path));
  return data;
}

Result<std::vector<DirEntry>> ReadDir(const std::filesystem::path& dir) {
  LAKEBOX_ASSIGN_OR_RETURN(UniqueFd fd, UniqueFd::Open(dir, O_RDONLY | O_DIRECTORY));
  DIR* stream = ::fdopendir(fd.get());
  if (stream == nullptr) return std::unexpected(Error::IoFromErrno("open directory", dir.string()));
  int dir_fd = fd.release();  // now owned by `stream`
  std::vector<DirEntry> entries;
  Status status = Ok();
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) {
      if (errno != 0) status = std::unexpected(Error::IoFromErrno("read directory", dir.string()));
      break;
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {  // some file systems do not fill d_type
      struct stat st;
      if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // removed since readdir saw it
        status = std::unexpected(Error::IoFromErrno("stat", (dir / name).string()));
        break;
      }
      type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_LNK;
    }
    FileType file_type = type == DT_REG   ? FileType::kRegular
                         : type == DT_DIR ? FileType::kDirectory
                                          : FileType::kOther;
    entries.push_back({std::string(name), file_type});
  }
  ::closedir(stream);
  if (!status) return std::unexpected(status.error());
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

Result<uint64_t> FreeDiskBytes(const std::filesystem::path& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return std::unexpected(ErrnoError("statvfs", path));
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

}  // namespace lakebox
