#include "progress.hpp"

#include <algorithm>
#include <cstdio>

namespace bench {

namespace {

constexpr int bar_width = 40;
constexpr auto redraw_every = std::chrono::milliseconds(100);

} // namespace

progress_bar::progress_bar(bool enabled, std::string label, std::size_t total)
  : enabled_(enabled && total > 0), label_(std::move(label)), total_(total) {}

progress_bar::~progress_bar() {
  if (!drawn_)
    return;
  std::printf("\r%*s\r", bar_width + static_cast<int>(label_.size()) + 24, "");
  std::fflush(stdout);
}

void progress_bar::update(std::size_t done) {
  if (!enabled_)
    return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < redraw_every)
    return;
  last_draw_ = now;
  drawn_ = true;
  auto share = static_cast<double>(std::min(done, total_)) /
               static_cast<double>(total_);
  auto filled = static_cast<int>(share * bar_width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(bar_width, ' ');
  std::printf("\r%s [%s] %3d%%", label_.c_str(), bar.c_str(),
              static_cast<int>(share * 100));
  std::fflush(stdout);
}

} // namespace bench
