#pragma once

// Makes a directory read-only for a test's duration, as read-only media
// (a snapshot, a backup mount) would be: nothing can be created in it, not
// even by root. Root ignores permission bits, so as root the directory is
// made immutable (chattr +i, which root must respect) or, where the file
// system has no such flag, bind-mounted read-only onto itself; otherwise
// chmod 0555 is enough. ok() is false when none of that worked: the test
// then skips with a warning. Everything is undone at destruction.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace jobrt::test {

class read_only_dir {
public:
  explicit read_only_dir(const std::filesystem::path& dir) : dir_(dir) {
    if (::geteuid() != 0) {
      how_ = ::chmod(dir_.c_str(), 0555) == 0 ? method::mode_bits : method::none;
    } else if (shell("chattr +i " + quoted() + " 2>/dev/null")) {
      how_ = method::immutable;
    } else if (shell("mount --bind " + quoted() + " " + quoted() +
                     " 2>/dev/null")) {
      how_ = method::bind_mount;
      if (!shell("mount -o remount,bind,ro " + quoted() + " 2>/dev/null"))
        undo();
    }
    if (how_ != method::none && ::access(dir_.c_str(), W_OK) == 0)
      undo(); // it did not take
  }
  ~read_only_dir() { undo(); }
  read_only_dir(const read_only_dir&) = delete;
  read_only_dir& operator=(const read_only_dir&) = delete;

  bool ok() const noexcept { return how_ != method::none; }

private:
  enum class method { none, mode_bits, immutable, bind_mount };

  static bool shell(const std::string& command) {
    return std::system(command.c_str()) == 0;
  }
  std::string quoted() const { return "'" + dir_.string() + "'"; }

  void undo() {
    switch (how_) {
      case method::none:
        break;
      case method::mode_bits:
        (void) ::chmod(dir_.c_str(), 0755);
        break;
      case method::immutable:
        (void) shell("chattr -i " + quoted());
        break;
      case method::bind_mount:
        (void) shell("umount " + quoted());
        break;
    }
    how_ = method::none;
  }

  std::filesystem::path dir_;
  method how_ = method::none;
};

} // namespace jobrt::test
