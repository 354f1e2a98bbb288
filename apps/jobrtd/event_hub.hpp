#pragma once

// The fan-out behind GET /events. The runtime's subscriber thread publishes
// each event batch; every open stream gets the frames in a bounded buffer
// of its own. A stream whose buffer would overflow is dropped (its client
// reconnects and re-reads what it missed), so a slow client costs only
// itself: publish never waits for a client.
//
// Thread-safe. Streams are shared between the hub and the HTTP thread that
// writes them; the hub forgets a stream when it is dropped or released.

#include "jobrt/messages/runtime_event.hpp"
#include "jobrt/messages/time.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace jobrtd {

class event_stream {
public:
  explicit event_stream(std::size_t capacity) : capacity_(capacity) {}

  enum class status : std::uint8_t { open, dropped, closed };

  /// Waits up to `wait` for frames and takes all that are buffered; an
  /// empty result with status open means none came in time.
  std::vector<std::string> take(jobrt::duration wait);
  status state() const;

  /// Appends, or drops the stream when `frames` do not fit (hub only).
  void offer(const std::vector<std::string>& frames);
  void close();

private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> frames_;
  status status_ = status::open;
};

class event_hub {
public:
  /// Each stream buffers up to `buffer_per_stream` frames; at most
  /// `max_streams` are open at once.
  event_hub(std::size_t buffer_per_stream, std::size_t max_streams);

  void publish(const jobrt::event_batch& batch);

  /// A new stream, or nullptr when max_streams are open (or after
  /// close_all).
  std::shared_ptr<event_stream> open();
  /// The stream's client went away.
  void release(const std::shared_ptr<event_stream>& stream);
  /// Ends every stream and refuses new ones (shutdown).
  void close_all();

  std::size_t streams() const;
  std::uint64_t dropped() const noexcept { return dropped_.load(); }

private:
  const std::size_t buffer_;
  const std::size_t max_streams_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<event_stream>> streams_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
  std::atomic<std::uint64_t> dropped_{0};
};

} // namespace jobrtd
