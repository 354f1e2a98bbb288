// The worker pool attacked where thread pools go wrong: results lost,
// duplicated or held back, a hung handler starving the queue, a stop that is
// missed or that deadlocks, exceptions escaping a thread. No test sleeps to
// wait for a thread: each waits on a condition variable with a 10 s bound.

#include "jobrt/actors/worker_pool.hpp"

#include "thread_flag.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

using namespace jobrt;
using namespace std::chrono_literals;

namespace {

constexpr auto wait_bound = 10s;

using flag = testing::thread_flag;

// Stands in for the supervisor: counts results_ready calls and drains the
// pool when told to, as the supervisor does.
class result_sink {
public:
  std::function<void()> results_ready() {
    return [this] {
      {
        std::lock_guard<std::mutex> guard{mutex_};
        ++signals_;
      }
      cv_.notify_all();
    };
  }

  int signals() {
    std::lock_guard<std::mutex> guard{mutex_};
    return signals_;
  }

  // Drains `pool` until `out` holds `n` results; false after 10 s.
  bool collect(worker_pool& pool, std::size_t n, std::vector<work_result>& out) {
    const auto deadline = std::chrono::steady_clock::now() + wait_bound;
    std::unique_lock<std::mutex> lock{mutex_};
    for (;;) {
      const auto seen = signals_;
      lock.unlock();
      pool.take_results(out);
      lock.lock();
      if (out.size() >= n)
        return true;
      if (!cv_.wait_until(lock, deadline, [&] { return signals_ != seen; }))
        return false;
    }
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int signals_ = 0;
};

work_item item_for(job_id id, std::int32_t attempt, const job_handler& handler) {
  work_item item;
  item.record.id = id;
  item.record.type = "test";
  item.record.state = job_state::processing;
  item.record.attempt = attempt;
  item.handler = &handler;
  item.dispatched_at = std::chrono::steady_clock::now();
  return item;
}

const job_handler echo_id = [](job_context& ctx) -> job_result {
  return job_output{std::to_string(ctx.id()) + "#" + std::to_string(ctx.attempt())};
};

// Waits (cooperatively) for its stop and reports whether it saw it.
job_handler waits_for_stop(flag& started) {
  return [&started](job_context& ctx) -> job_result {
    started.raise();
    const bool woken = ctx.sleep_for(std::chrono::hours(1));
    if (woken && ctx.stop_requested())
      return job_output{"saw stop"};
    return job_error::transient("no_stop", "slept without a stop");
  };
}

const work_result* find_result(const std::vector<work_result>& results, job_id id) {
  const auto it = std::find_if(results.begin(), results.end(),
                               [id](const work_result& r) { return r.id == id; });
  return it == results.end() ? nullptr : &*it;
}

} // namespace

TEST_CASE("a manual-mode pool runs nothing until run_queued, then reports once per burst") {
  result_sink sink;
  worker_pool pool{0, nullptr, sink.results_ready()};
  CHECK(pool.thread_count() == 0);

  std::vector<work_item> batch;
  batch.push_back(item_for(1, 1, echo_id));
  batch.push_back(item_for(2, 3, echo_id));
  batch.push_back(item_for(3, 2, echo_id));
  pool.submit(batch);
  CHECK(batch.empty());
  CHECK(pool.queued() == 3);

  std::vector<work_result> results;
  pool.take_results(results);
  CHECK(results.empty());
  CHECK(sink.signals() == 0);

  CHECK(pool.run_queued(2) == 2);
  CHECK(pool.queued() == 1);
  CHECK(pool.run_queued() == 1);
  CHECK(pool.run_queued() == 0);
  CHECK(sink.signals() == 1); // the inbox was never drained in between

  pool.take_results(results);
  REQUIRE(results.size() == 3);
  const std::vector<std::pair<job_id, std::int32_t>> expected{{1, 1}, {2, 3}, {3, 2}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& r = results[i];
    CHECK(r.id == expected[i].first);
    CHECK(r.attempt == expected[i].second);
    CHECK(r.ran);
    REQUIRE(r.result.has_value());
    CHECK(r.result.value().data ==
          std::to_string(expected[i].first) + "#" + std::to_string(expected[i].second));
    CHECK(r.started_at >= r.dispatched_at);
    CHECK(r.finished_at >= r.started_at);
  }

  SECTION("the next result after a drain signals again") {
    batch.push_back(item_for(4, 1, echo_id));
    pool.submit(batch);
    CHECK(pool.run_queued() == 1);
    CHECK(sink.signals() == 2);
    std::vector<work_result> more{results.front()};
    pool.take_results(more); // appends when not empty
    REQUIRE(more.size() == 2);
    CHECK(more.back().id == 4);
  }
}

TEST_CASE("an exception escaping a handler in the pool is a transient 'exception' failure") {
  const job_handler throws_std = [](job_context&) -> job_result {
    throw std::runtime_error("disk on fire");
  };
  const job_handler throws_int = [](job_context&) -> job_result { throw 42; };
  result_sink sink;
  worker_pool pool{0, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  batch.push_back(item_for(1, 1, throws_std));
  batch.push_back(item_for(2, 1, throws_int));
  pool.submit(batch);
  CHECK(pool.run_queued() == 2);

  std::vector<work_result> results;
  pool.take_results(results);
  REQUIRE(results.size() == 2);
  CHECK(results[0].ran);
  REQUIRE(results[0].result.has_error());
  CHECK(results[0].result.error() ==
        job_error::transient(std::string(error_codes::exception), "disk on fire"));
  REQUIRE(results[1].result.has_error());
  CHECK(results[1].result.error() ==
        job_error::transient(std::string(error_codes::exception), "unknown exception"));
}

TEST_CASE("an exception on a pool thread does not kill the thread") {
  const job_handler throws_std = [](job_context&) -> job_result {
    throw std::runtime_error("boom");
  };
  result_sink sink;
  worker_pool pool{1, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  batch.push_back(item_for(1, 1, throws_std));
  batch.push_back(item_for(2, 1, echo_id));
  pool.submit(batch);
  std::vector<work_result> results;
  REQUIRE(sink.collect(pool, 2, results));
  REQUIRE(find_result(results, 1)->result.has_error());
  CHECK(find_result(results, 1)->result.error().code == error_codes::exception);
  CHECK(find_result(results, 2)->result.has_value());
}

TEST_CASE("pool request_stop wakes a running handler that sleeps on its context") {
  flag started;
  const auto handler = waits_for_stop(started);
  result_sink sink;
  worker_pool pool{1, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  batch.push_back(item_for(7, 2, handler));
  pool.submit(batch);
  REQUIRE(started.wait());

  pool.request_stop(7, 1); // a stale attempt: ignored
  pool.request_stop(7, 2);
  std::vector<work_result> results;
  REQUIRE(sink.collect(pool, 1, results));
  REQUIRE(results.size() == 1);
  CHECK(results[0].ran);
  REQUIRE(results[0].result.has_value());
  CHECK(results[0].result.value().data == "saw stop");
  CHECK(results[0].finished_at - results[0].started_at < wait_bound);
}

TEST_CASE("a stop raised for one attempt does not leak into the next on the same pool thread") {
  flag started;
  const auto handler = waits_for_stop(started);
  const job_handler reports_stop = [](job_context& ctx) -> job_result {
    return job_output{ctx.stop_requested() ? "stopped" : "clear"};
  };
  result_sink sink;
  worker_pool pool{1, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  batch.push_back(item_for(1, 1, handler));
  pool.submit(batch);
  REQUIRE(started.wait());
  pool.request_stop(1, 1);
  batch.push_back(item_for(2, 1, reports_stop));
  pool.submit(batch);
  std::vector<work_result> results;
  REQUIRE(sink.collect(pool, 2, results));
  REQUIRE(find_result(results, 2)->result.has_value());
  CHECK(find_result(results, 2)->result.value().data == "clear");
}

TEST_CASE("pool request_stop on a queued item returns it unrun") {
  std::atomic<int> calls{0};
  const job_handler counts = [&calls](job_context&) -> job_result {
    ++calls;
    return job_output{};
  };
  result_sink sink;
  worker_pool pool{0, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  batch.push_back(item_for(1, 1, counts));
  batch.push_back(item_for(2, 1, counts));
  pool.submit(batch);

  pool.request_stop(2, 4); // not this attempt: ignored
  CHECK(pool.queued() == 2);
  pool.request_stop(2, 1);
  CHECK(pool.queued() == 1);
  CHECK(sink.signals() == 1);

  std::vector<work_result> results;
  pool.take_results(results);
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == 2);
  CHECK(results[0].attempt == 1);
  CHECK_FALSE(results[0].ran);
  REQUIRE(results[0].result.has_error());
  CHECK(results[0].result.error().kind == error_kind::transient);
  CHECK(results[0].result.error().code == stopped_code);

  CHECK(pool.run_queued() == 1);
  CHECK(calls == 1);
  results.clear();
  pool.take_results(results);
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == 1);
}

TEST_CASE("pool request_stop may empty whole submitted batches, in any order") {
  result_sink sink;
  worker_pool pool{0, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  for (const auto& ids : std::vector<std::vector<job_id>>{{1}, {2}, {3, 4}, {5}}) {
    for (const auto id : ids)
      batch.push_back(item_for(id, 1, echo_id));
    pool.submit(batch);
  }
  CHECK(pool.queued() == 5);
  pool.request_stop(2, 1); // a whole middle batch
  pool.request_stop(1, 1); // the whole front batch
  pool.request_stop(4, 1); // the tail of a batch
  CHECK(pool.queued() == 2);
  CHECK(pool.run_queued() == 2);

  std::vector<work_result> results;
  pool.take_results(results);
  REQUIRE(results.size() == 5);
  std::map<job_id, bool> ran;
  for (const auto& r : results)
    ran[r.id] = r.ran;
  CHECK(ran == std::map<job_id, bool>{{1, false}, {2, false}, {3, true}, {4, false}, {5, true}});
  CHECK(results[3].id == 3); // the rest still runs in submission order
  CHECK(results[4].id == 5);
}

TEST_CASE("a pool of four threads returns every result exactly once") {
  constexpr job_id items = 20000;
  result_sink sink;
  worker_pool pool{4, nullptr, sink.results_ready()};
  CHECK(pool.thread_count() == 4);
  std::vector<work_item> batch;
  for (job_id id = 1; id <= items; ++id) {
    batch.push_back(item_for(id, 1, echo_id));
    if (batch.size() == 100)
      pool.submit(batch);
  }
  pool.submit(batch);

  std::vector<work_result> results;
  REQUIRE(sink.collect(pool, items, results));
  CHECK(results.size() == items);
  std::vector<int> seen(items + 1, 0);
  for (const auto& r : results) {
    REQUIRE(r.id >= 1);
    REQUIRE(r.id <= items);
    ++seen[static_cast<std::size_t>(r.id)];
    CHECK(r.ran);
  }
  CHECK(std::count(seen.begin() + 1, seen.end(), 1) == items);
}

TEST_CASE("a hung handler does not block the pool items queued behind it") {
  flag started;
  flag release;
  const job_handler hangs = [&](job_context&) -> job_result {
    started.raise();
    release.wait(); // ignores its stop: only the test releases it
    return job_output{"released"};
  };
  result_sink sink;
  worker_pool pool{2, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  batch.push_back(item_for(1, 1, hangs));
  pool.submit(batch);
  REQUIRE(started.wait());
  for (job_id id = 2; id <= 50; ++id)
    batch.push_back(item_for(id, 1, echo_id));
  pool.submit(batch);

  std::vector<work_result> results;
  const bool others_done = sink.collect(pool, 49, results);
  release.raise();
  REQUIRE(others_done);
  CHECK_FALSE(find_result(results, 1));
  REQUIRE(sink.collect(pool, 50, results));
  CHECK(find_result(results, 1)->result.value().data == "released");
}

TEST_CASE("pool stop_and_join returns queued items unrun and stops the running one") {
  flag started;
  const auto blocks = waits_for_stop(started);
  std::atomic<int> calls{0};
  const job_handler counts = [&calls](job_context&) -> job_result {
    ++calls;
    return job_output{};
  };
  result_sink sink;
  worker_pool pool{1, nullptr, sink.results_ready()};
  std::vector<work_item> batch;
  batch.push_back(item_for(1, 1, blocks));
  for (job_id id = 2; id <= 4; ++id)
    batch.push_back(item_for(id, 1, counts));
  pool.submit(batch);
  REQUIRE(started.wait());
  CHECK(pool.queued() == 3);

  pool.stop_and_join();
  pool.stop_and_join(); // idempotent
  CHECK(calls == 0);
  CHECK(pool.queued() == 0);

  std::vector<work_result> results;
  pool.take_results(results);
  REQUIRE(results.size() == 4);
  REQUIRE(find_result(results, 1));
  CHECK(find_result(results, 1)->ran);
  CHECK(find_result(results, 1)->result.value().data == "saw stop");
  for (job_id id = 2; id <= 4; ++id) {
    const auto* r = find_result(results, id);
    REQUIRE(r);
    CHECK_FALSE(r->ran);
    CHECK(r->result.error().code == stopped_code);
  }

  SECTION("items submitted after the stop come back unrun") {
    const auto before = sink.signals();
    batch.push_back(item_for(9, 1, counts));
    pool.submit(batch);
    CHECK(batch.empty());
    CHECK(sink.signals() == before + 1);
    results.clear();
    pool.take_results(results);
    REQUIRE(results.size() == 1);
    CHECK(results[0].id == 9);
    CHECK_FALSE(results[0].ran);
    CHECK(calls == 0);
  }
}

TEST_CASE("destroying a pool with a running handler stops and joins it") {
  flag started;
  const auto blocks = waits_for_stop(started);
  result_sink sink;
  {
    worker_pool pool{2, nullptr, sink.results_ready()};
    std::vector<work_item> batch;
    batch.push_back(item_for(1, 1, blocks));
    pool.submit(batch);
    REQUIRE(started.wait());
  }
  CHECK(sink.signals() == 1);
}
