// The runtime on a real SQLite file: what a restart finds, and one owner at
// a time.

#include "event_recorder.hpp"
#include "quiet_runtime.hpp"

#include "persistence/scratch_dir.hpp"

#include "jobrt/actors/runtime.hpp"
#include "jobrt/persistence/sqlite_store.hpp"


using namespace jobrt;
using namespace jobrt::testing;
using jobrt::test::scratch_dir;
using namespace std::chrono_literals;

namespace {

job_spec keyed(std::string type, std::string key) {
  job_spec s;
  s.type = std::move(type);
  s.unique_key = std::move(key);
  return s;
}

} // namespace

TEST_CASE("a restarted runtime finds every job where the last one left it",
          "[runtime][sqlite]") {
  scratch_dir dir;
  auto db = dir.file("jobs.db");
  job_id done_id = 0;
  job_id waiting_id = 0;
  {
    runtime rt{quiet_runtime_on(db)};
    REQUIRE(rt.handle("echo", [](job_context& ctx) -> job_result {
      return job_output{std::string(ctx.payload())};
    }));
    REQUIRE(rt.start());
    event_recorder events{rt};
    auto done = rt.enqueue(keyed("echo", "a"));
    auto later = keyed("echo", "b");
    later.run_at = wall_clock_now() + 1h;
    auto waiting = rt.enqueue(later);
    REQUIRE(done);
    REQUIRE(waiting);
    done_id = done.value().id;
    waiting_id = waiting.value().id;
    REQUIRE(events.wait_for_terminal(1));
    REQUIRE(rt.shutdown(1s));
  }
  runtime again{quiet_runtime_on(db)};
  REQUIRE(again.handle("echo", [](job_context&) -> job_result {
    return job_output{};
  }));
  REQUIRE(again.start());
  auto done = again.get(done_id);
  REQUIRE(done);
  CHECK(done.value().state == job_state::completed);
  CHECK(done.value().attempt == 1);
  // The live job's unique key still holds; the finished one's is free.
  auto duplicate = again.enqueue(keyed("echo", "b"));
  REQUIRE(duplicate);
  CHECK(duplicate.value().existing);
  CHECK(duplicate.value().id == waiting_id);
  auto reused = again.enqueue(keyed("echo", "a"));
  REQUIRE(reused);
  CHECK_FALSE(reused.value().existing);
  CHECK(reused.value().id > waiting_id);
  REQUIRE(again.shutdown(1s));
}

TEST_CASE("a second runtime on the same database is refused while the first "
          "runs",
          "[runtime][sqlite]") {
  scratch_dir dir;
  auto db = dir.file("jobs.db");
  runtime first{quiet_runtime_on(db)};
  REQUIRE(first.start());
  runtime second{quiet_runtime_on(db)};
  auto refused = second.start();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == request_error::code_type::store_failure);
  CHECK(refused.error().message.find("locked") != std::string::npos);
  // A reader (jobctl) still works meanwhile.
  auto reader = sqlite_store::open_reader(db);
  REQUIRE(reader);
  REQUIRE(first.shutdown(1s));
}
