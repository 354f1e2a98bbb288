#include "jobrt/persistence/sqlite_file_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace jobrt {

namespace {

using file_identity = std::pair<dev_t, ino_t>;

// The files this process holds, by device and inode (a path may have many
// spellings).
struct held_files {
  std::mutex mutex;
  std::set<file_identity> files;
};

held_files& held() {
  static held_files instance;
  return instance;
}

store_error locked_error(const std::string& path) {
  return store_error{store_error::code_type::locked,
                     path + " is held by another process (a running jobrt "
                            "runtime or jobctl)"};
}

store_error errno_error(const std::string& path, const char* doing, int err) {
  return store_error{store_error::code_type::io,
                     path + ": " + doing + ": " + std::strerror(err)};
}

bool held_here(const file_identity& id) {
  auto& h = held();
  std::lock_guard<std::mutex> guard{h.mutex};
  return h.files.count(id) != 0;
}

} // namespace

result<sqlite_file_lock, store_error>
sqlite_file_lock::acquire(const std::string& path) {
  struct stat before {};
  if (::stat(path.c_str(), &before) == 0 &&
      held_here({before.st_dev, before.st_ino}))
    return locked_error(path);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return errno_error(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = errno;
    ::close(fd);
    return errno_error(path, "cannot stat", err);
  }
  auto& h = held();
  std::lock_guard<std::mutex> guard{h.mutex};
  if (h.files.count({st.st_dev, st.st_ino}) != 0) {
    ::close(fd);
    return locked_error(path);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return locked_error(path);
    return errno_error(path, "cannot lock", err);
  }
  h.files.insert({st.st_dev, st.st_ino});
  return sqlite_file_lock{fd, st.st_dev, st.st_ino};
}

sqlite_file_lock::~sqlite_file_lock() {
  release();
}

sqlite_file_lock::sqlite_file_lock(sqlite_file_lock&& other) noexcept
  : fd_(std::exchange(other.fd_, -1)),
    device_(other.device_),
    inode_(other.inode_) {}

sqlite_file_lock& sqlite_file_lock::operator=(sqlite_file_lock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    device_ = other.device_;
    inode_ = other.inode_;
  }
  return *this;
}

void sqlite_file_lock::release() noexcept {
  if (fd_ < 0)
    return;
  auto& h = held();
  std::lock_guard<std::mutex> guard{h.mutex};
  h.files.erase({device_, inode_});
  ::close(fd_); // closing drops the flock
  fd_ = -1;
}

} // namespace jobrt
