#include "rss_sampler.hpp"

#include <chrono>
#include <fstream>
#include <string>
#include <string_view>

namespace bench {

namespace {

constexpr auto sample_every = std::chrono::milliseconds(10);

/// The "Name:   1234 kB" line of /proc/self/status, in bytes.
std::optional<std::int64_t> status_bytes(std::string_view name) {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() <= name.size() || line.compare(0, name.size(), name) != 0 ||
        line[name.size()] != ':')
      continue;
    try {
      return std::stoll(line.substr(name.size() + 1)) * 1024;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

/// Lowers VmHWM to the current RSS (proc(5), clear_refs "5").
bool reset_high_water_mark() {
  std::ofstream clear_refs{"/proc/self/clear_refs"};
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

} // namespace

std::optional<std::int64_t> resident_bytes() { return status_bytes("VmRSS"); }

rss_sampler::rss_sampler()
  : reset_(reset_high_water_mark()),
    thread_([this] { sample_until_stopped(); }) {}

rss_sampler::~rss_sampler() { (void) stop(); }

rss_peak rss_sampler::stop() {
  if (result_)
    return *result_;
  stopping_.store(true);
  thread_.join();
  rss_peak p;
  p.sampled_bytes = peak_.load();
  if (reset_)
    p.kernel_bytes = status_bytes("VmHWM");
  result_ = p;
  return p;
}

void rss_sampler::sample_until_stopped() {
  // One sample after the flag is seen too, so a stretch shorter than a
  // period still has one.
  for (bool last = false; !last;) {
    last = stopping_.load();
    if (auto rss = resident_bytes(); rss && *rss > peak_.load())
      peak_.store(*rss);
    if (!last)
      std::this_thread::sleep_for(sample_every);
  }
}

} // namespace bench
