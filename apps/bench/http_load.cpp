#include "http_load.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>

namespace bench {

namespace {

using steady = std::chrono::steady_clock;

/// Shared by the connections of one run.
struct run_state {
  explicit run_state(const load_plan& plan)
    : ready(static_cast<std::ptrdiff_t>(plan.connections) + 1) {}

  std::latch ready; ///< every connection open, and the clock
  std::latch go{1};
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> answered{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::string first_failure;

  void fail(std::string why) {
    std::lock_guard<std::mutex> guard{mutex};
    if (first_failure.empty())
      first_failure = std::move(why);
    stop = true;
  }
};

std::unique_ptr<httplib::Client> open_client(std::uint16_t port) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_read_timeout(30, 0);
  return client;
}

void run_connection(std::uint16_t port, const load_plan& plan,
                    http_request request, run_state& state,
                    std::vector<std::int64_t>& latencies,
                    const jobrt::cli::shutdown_signal& interrupt) {
  auto client = open_client(port);
  auto opened = client->Get("/healthz");
  if (!opened || opened->status != 200)
    state.fail("cannot open a connection: GET /healthz: " +
               (opened ? std::to_string(opened->status)
                       : httplib::to_string(opened.error())));
  state.ready.count_down();
  state.go.wait();
  while (!state.stop.load(std::memory_order_relaxed)) {
    auto i = state.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= plan.requests)
      return;
    if (interrupt.requested()) {
      state.fail(std::string("interrupted by ") +
                 std::string(interrupt.signal_name()));
      return;
    }
    auto sent = steady::now();
    auto why = request(*client);
    if (!why.empty()) {
      state.fail(std::move(why));
      return;
    }
    if (plan.keep_latencies)
      latencies[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         steady::now() - sent)
                         .count();
    state.answered.fetch_add(1, std::memory_order_relaxed);
  }
}

} // namespace

load_figures run_load(std::uint16_t port, const load_plan& plan,
                      const std::function<http_request(std::size_t)>& connection,
                      const jobrt::cli::shutdown_signal& interrupt) {
  run_state state(plan);
  load_figures figures;
  if (plan.keep_latencies)
    figures.latencies_ns.resize(plan.requests);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < plan.connections; ++i)
    threads.emplace_back(run_connection, port, std::cref(plan), connection(i),
                         std::ref(state), std::ref(figures.latencies_ns),
                         std::cref(interrupt));
  state.ready.arrive_and_wait();
  auto start = steady::now();
  state.go.count_down();
  for (auto& t : threads)
    t.join();
  figures.seconds = std::chrono::duration<double>(steady::now() - start).count();
  figures.answered = state.answered.load();
  figures.stopped = state.first_failure;
  return figures;
}

} // namespace bench
