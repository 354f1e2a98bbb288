#pragma once

// The owner's lock on a store file: an exclusive, non-blocking flock() on a
// descriptor of the database file itself, held for the owner's whole life.
// flock locks are separate from the POSIX (fcntl) locks SQLite uses, and the
// kernel drops them when the process dies, so a crash never leaves a stale
// lock behind.
//
// Closing any descriptor of a file drops every POSIX lock the process holds
// on it, SQLite's included. So the lock is taken before SQLite opens the
// file, and a second owner in the same process is refused from a
// process-wide table of locked files without opening a descriptor at all.
// Internal to the SQLite store; not part of jobrt's API.

#include "jobrt/persistence/job_store.hpp"

#include <string>
#include <sys/types.h>

namespace jobrt {

class sqlite_file_lock {
public:
  /// Opens `path` (creating an empty file if missing) and locks it; a
  /// file held by another owner is store_error::locked.
  static result<sqlite_file_lock, store_error> acquire(const std::string& path);

  sqlite_file_lock() = default;
  ~sqlite_file_lock();
  sqlite_file_lock(sqlite_file_lock&& other) noexcept;
  sqlite_file_lock& operator=(sqlite_file_lock&& other) noexcept;
  sqlite_file_lock(const sqlite_file_lock&) = delete;
  sqlite_file_lock& operator=(const sqlite_file_lock&) = delete;

  /// Unlocks and closes now; call after SQLite closed the file.
  void release() noexcept;

private:
  sqlite_file_lock(int fd, dev_t device, ino_t inode) noexcept
    : fd_(fd), device_(device), inode_(inode) {}

  int fd_ = -1;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

} // namespace jobrt
