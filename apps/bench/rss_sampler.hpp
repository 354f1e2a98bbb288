#pragma once

// The resident set of this process over a stretch of a run. Two measures,
// both from /proc/self/status:
//
//   sampled  the largest VmRSS seen by a thread that reads it every 10 ms
//            (misses a spike shorter than that)
//   kernel   VmHWM, the kernel's own high-water mark, after reset_peak()
//            lowered it to the current RSS by writing "5" to
//            /proc/self/clear_refs (Linux 4.0); without that reset it would
//            include everything before, e.g. W5's enqueue phase
//
// Construct it where the stretch begins; stop() ends it and joins the
// thread (the destructor does too).

#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>

namespace bench {

/// VmRSS of this process now, in bytes; nullopt if /proc cannot be read.
std::optional<std::int64_t> resident_bytes();

struct rss_peak {
  std::int64_t sampled_bytes = 0;
  /// VmHWM since the reset; nullopt when the reset or the read failed.
  std::optional<std::int64_t> kernel_bytes;
};

class rss_sampler {
public:
  /// Resets the kernel's high-water mark and starts sampling.
  rss_sampler();
  ~rss_sampler();

  rss_sampler(const rss_sampler&) = delete;
  rss_sampler& operator=(const rss_sampler&) = delete;

  /// Stops sampling (once) and returns the peaks since construction.
  rss_peak stop();

private:
  void sample_until_stopped();

  bool reset_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> peak_{0};
  std::optional<rss_peak> result_;
  std::thread thread_;
};

} // namespace bench
