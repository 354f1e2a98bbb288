// The /events fan-out: every stream gets every frame, a stream that falls
// behind its buffer is dropped without holding up the others.

#include "event_hub.hpp"
#include "event_json.hpp"

#include <catch2/catch.hpp>

using namespace jobrtd;
using namespace std::chrono_literals;

namespace {

jobrt::event_batch batch_of(std::size_t n) {
  jobrt::event_batch b;
  for (std::size_t i = 0; i < n; ++i) {
    jobrt::job_transition_event e;
    e.id = static_cast<jobrt::job_id>(i + 1);
    e.type = "echo";
    e.to = jobrt::job_state::pending;
    b.jobs.push_back(e);
  }
  return b;
}

} // namespace

TEST_CASE("frames are numbered server-sent events") {
  std::uint64_t next = 7;
  jobrt::event_batch b = batch_of(1);
  jobrt::breaker_event br;
  br.key = "webhook";
  br.transition.to = jobrt::breaker_state::open;
  b.breakers.push_back(br);
  auto frames = sse_frames(b, next);
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].starts_with("id: 7\nevent: job\ndata: {"));
  CHECK(frames[0].ends_with("}\n\n"));
  CHECK(frames[1].starts_with("id: 8\nevent: breaker\ndata: {"));
  CHECK(frames[1].find("\"to\":\"open\"") != std::string::npos);
  CHECK(next == 9);
}

TEST_CASE("a slow stream is dropped and the others keep every frame") {
  event_hub hub(4, 2);
  auto fast = hub.open();
  auto slow = hub.open();
  REQUIRE(fast);
  REQUIRE(slow);
  CHECK_FALSE(hub.open()); // max_streams
  hub.publish(batch_of(3));
  CHECK(fast->take(0ms).size() == 3);
  hub.publish(batch_of(3)); // slow now holds 6 > 4
  CHECK(slow->state() == event_stream::status::dropped);
  CHECK(hub.dropped() == 1);
  CHECK(hub.streams() == 1);
  CHECK(fast->take(0ms).size() == 3);
  CHECK(hub.open()); // the dropped stream's slot is free again
}

TEST_CASE("close_all ends the streams and refuses new ones") {
  event_hub hub(4, 2);
  auto s = hub.open();
  hub.close_all();
  CHECK(s->state() == event_stream::status::closed);
  CHECK(s->take(10s).empty()); // returns at once: closed
  CHECK_FALSE(hub.open());
}
