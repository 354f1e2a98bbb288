// jobrt-bench --store sqlite on a disk that fills up: it must stop with the
// error, never hang. The disk is a real one: a 1 MiB tmpfs mounted in a
// mount namespace of the test's own (so it vanishes with the process),
// which needs root (CAP_SYS_ADMIN); without it the test warns and passes.

#include "apps/child_process.hpp"
#include "persistence/scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace {

using namespace std::chrono_literals;
using jobrt::test::child_process;
using jobrt::test::describe_status;
using Catch::Matchers::Contains;
using clock_type = child_process::clock_type;

/// A small tmpfs on `dir`, unmounted again at the end; `error` says why
/// none could be mounted.
class tiny_disk {
public:
  explicit tiny_disk(const std::filesystem::path& dir) : dir_(dir.string()) {
    // Private mounts in a namespace of our own: nothing leaks to the host,
    // even if the test dies before unmounting. Without a namespace, a
    // plain mount (unmounted by the destructor) still works.
    if (::unshare(CLONE_NEWNS) == 0)
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                "size=1m") != 0)
      error_ = std::strerror(errno);
  }
  ~tiny_disk() {
    if (!error_)
      ::umount2(dir_.c_str(), MNT_DETACH);
  }
  tiny_disk(const tiny_disk&) = delete;
  tiny_disk& operator=(const tiny_disk&) = delete;

  const std::optional<std::string>& error() const { return error_; }

private:
  std::string dir_;
  std::optional<std::string> error_;
};

} // namespace

TEST_CASE("jobrt-bench on a full disk stops with the store's error",
          "[apps][bench][full_disk]") {
  jobrt::test::scratch_dir dir;
  auto disk_dir = dir.path() / "disk";
  std::filesystem::create_directory(disk_dir);
  tiny_disk disk{disk_dir};
  if (disk.error()) {
    WARN("skipped: cannot mount a tmpfs (" << *disk.error()
                                           << "); this test needs root");
    return;
  }
  auto started = clock_type::now();
  child_process bench({JOBRT_BENCH_PATH, "--workload", "w1", "--store",
                       "sqlite", "--db", (disk_dir / "bench.db").string(),
                       "--repeat", "1", "--latency-jobs", "100"},
                      dir.file("bench.txt"));
  auto status = bench.wait_until(started + 150s);
  auto output = bench.output();
  INFO("after " << std::chrono::duration_cast<std::chrono::seconds>(
                       clock_type::now() - started)
                       .count()
                << " s, output:\n"
                << output);
  REQUIRE(status);
  CHECK(describe_status(*status) == "exit 1");
  // The driver's own line, not the raw SQLite reference's (which fails too).
  CHECK_THAT(output, Contains("W1: stopped: "));
  auto stopped = output.substr(output.find("W1: stopped: "));
  CHECK_THAT(stopped.substr(0, stopped.find('\n')),
             Contains("store_failure") || Contains("full"));
}
