#include "event_hub.hpp"

#include "event_json.hpp"

#include <algorithm>

namespace jobrtd {

std::vector<std::string> event_stream::take(jobrt::duration wait) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, wait,
                  [&] { return !frames_.empty() || status_ != status::open; });
  std::vector<std::string> out(std::make_move_iterator(frames_.begin()),
                               std::make_move_iterator(frames_.end()));
  frames_.clear();
  return out;
}

event_stream::status event_stream::state() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void event_stream::offer(const std::vector<std::string>& frames) {
  {
    std::lock_guard lock(mutex_);
    if (status_ != status::open)
      return;
    if (frames_.size() + frames.size() > capacity_) {
      status_ = status::dropped;
      frames_.clear();
    } else {
      frames_.insert(frames_.end(), frames.begin(), frames.end());
    }
  }
  ready_.notify_all();
}

void event_stream::close() {
  {
    std::lock_guard lock(mutex_);
    if (status_ == status::open)
      status_ = status::closed;
  }
  ready_.notify_all();
}

event_hub::event_hub(std::size_t buffer_per_stream, std::size_t max_streams)
  : buffer_(buffer_per_stream), max_streams_(max_streams) {}

void event_hub::publish(const jobrt::event_batch& batch) {
  std::lock_guard lock(mutex_);
  auto frames = sse_frames(batch, next_id_);
  if (frames.empty())
    return;
  std::erase_if(streams_, [&](const std::shared_ptr<event_stream>& s) {
    s->offer(frames);
    bool dropped = s->state() == event_stream::status::dropped;
    if (dropped)
      ++dropped_;
    return dropped;
  });
}

std::shared_ptr<event_stream> event_hub::open() {
  std::lock_guard lock(mutex_);
  if (closed_ || streams_.size() >= max_streams_)
    return nullptr;
  return streams_.emplace_back(std::make_shared<event_stream>(buffer_));
}

void event_hub::release(const std::shared_ptr<event_stream>& stream) {
  stream->close();
  std::lock_guard lock(mutex_);
  std::erase(streams_, stream);
}

void event_hub::close_all() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& s : streams_)
    s->close();
  streams_.clear();
}

std::size_t event_hub::streams() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

} // namespace jobrtd
