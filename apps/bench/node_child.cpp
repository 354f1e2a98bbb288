#include "node_child.hpp"

#include "postgres_schemas.hpp"
#include "runtime_driver.hpp"
#include "store_figures.hpp"
#include "w1_noop.hpp"
#include "w2_retry_storm.hpp"

#include "jobrt/persistence/owner_name.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <poll.h>
#include <unistd.h>

namespace bench {

namespace {

constexpr std::size_t specs_per_call = 1000;

/// What this node's handlers saw. W2's attempts are told apart by what
/// the job's index makes them (fails_first_attempt): a first attempt that
/// fails, a second that succeeds, or anything else, which must not happen.
struct node_counts {
  std::atomic<std::uint64_t> runs{0};
  std::atomic<std::uint64_t> succeeded{0};
  std::atomic<std::uint64_t> failed_first{0};
  std::atomic<std::uint64_t> succeeded_second{0};
  std::atomic<std::uint64_t> unexpected{0};
};

jobrt::job_handler noop_handler(std::shared_ptr<node_counts> counts) {
  return [counts](jobrt::job_context&) -> jobrt::job_result {
    counts->runs.fetch_add(1, std::memory_order_relaxed);
    counts->succeeded.fetch_add(1, std::memory_order_relaxed);
    return jobrt::job_output{};
  };
}

jobrt::job_handler flaky_handler(std::shared_ptr<node_counts> counts) {
  return [counts](jobrt::job_context& ctx) -> jobrt::job_result {
    counts->runs.fetch_add(1, std::memory_order_relaxed);
    auto fails = fails_first_attempt(payload_index(ctx.payload()));
    if (fails && ctx.attempt() == 1) {
      counts->failed_first.fetch_add(1, std::memory_order_relaxed);
      return jobrt::job_error::transient("bench_flaky",
                                         "fails its first attempt");
    }
    if (fails && ctx.attempt() == 2)
      counts->succeeded_second.fetch_add(1, std::memory_order_relaxed);
    else if (fails || ctx.attempt() != 1)
      counts->unexpected.fetch_add(1, std::memory_order_relaxed);
    counts->succeeded.fetch_add(1, std::memory_order_relaxed);
    return jobrt::job_output{};
  };
}

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

/// Lines from the parent on stdin.
class parent_lines {
public:
  /// The next line; nullopt at EOF, or once `interrupt` arrived.
  std::optional<std::string> next(const jobrt::cli::shutdown_signal& interrupt) {
    for (;;) {
      if (auto end = buffer_.find('\n'); end != std::string::npos) {
        auto line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      if (eof_ || interrupt.requested())
        return std::nullopt;
      pollfd p{STDIN_FILENO, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      char chunk[256];
      auto n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n > 0)
        buffer_.append(chunk, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR)
        eof_ = true;
    }
  }

private:
  std::string buffer_;
  bool eof_ = false;
};

jobrt::job_specs share_specs(workload w, std::size_t first, std::size_t last) {
  jobrt::job_specs specs(last - first);
  for (std::size_t i = first; i < last; ++i) {
    auto& spec = specs[i - first];
    spec.type = w == workload::w1 ? "noop" : "flaky";
    if (w == workload::w2)
      spec.payload = std::to_string(i);
  }
  return specs;
}

} // namespace

std::pair<std::size_t, std::size_t> node_share(std::size_t jobs,
                                               std::size_t nodes,
                                               std::size_t index) {
  auto base = jobs / nodes;
  auto extra = jobs % nodes;
  auto first = index * base + std::min(index, extra);
  return {first, first + base + (index < extra ? 1 : 0)};
}

int run_node_child(const options& opts,
                   const jobrt::cli::shutdown_signal& interrupt) {
  const auto w = opts.workloads.front();
  const auto index = *opts.node_child;
  const auto jobs =
      opts.jobs.value_or(w == workload::w1 ? w1_default_jobs : w2_default_jobs);
  use_run_schema(opts.node_schema);
  auto config = measurement_config(opts);
  reuse_store(config, opts, nullptr);
  // Named here, not by the store, so that the report can say which node
  // this process is.
  auto owner = jobrt::make_owner_name();
  config.postgres.node = owner;
  auto counts = std::make_shared<node_counts>();
  jobrt::runtime rt{std::move(config)};
  auto handled = w == workload::w1
                     ? rt.handle("noop", noop_handler(counts))
                     : rt.handle("flaky", flaky_handler(counts), storm_options());
  if (!registered(handled, "node") || !start_runtime(rt, "node"))
    return 1;
  say("ready");
  parent_lines parent;
  auto go = parent.next(interrupt);
  if (!go || *go != "go") {
    (void) rt.shutdown(std::chrono::seconds(5));
    return interrupt.requested() ? interrupt.exit_code() : 1;
  }
  auto [first, last] = node_share(jobs, opts.nodes, index);
  auto enqueue = enqueue_in_batches(rt, share_specs(w, first, last),
                                    specs_per_call, interrupt);
  if (!enqueue.stopped.empty()) {
    stop_run(rt, "node", enqueue.stopped, interrupt);
    return interrupt.requested() ? interrupt.exit_code() : 1;
  }
  say("enqueued " + std::to_string(enqueue.accepted));
  while (parent.next(interrupt)) {
  }
  auto commits = commit_figures_of(rt);
  auto stats = rt.stats();
  (void) rt.shutdown(std::chrono::seconds(5));
  nlohmann::ordered_json report{
      {"node_child", index},
      {"node", owner},
      {"pid", ::getpid()},
      {"enqueued", enqueue.accepted},
      {"enqueue_s", enqueue.seconds},
      {"runs", counts->runs.load()},
      {"succeeded", counts->succeeded.load()},
      {"failed_first", counts->failed_first.load()},
      {"succeeded_second", counts->succeeded_second.load()},
      {"unexpected", counts->unexpected.load()},
      {"held_jobs_peak", stats ? stats.value().held_jobs_peak : 0},
      {"group_commit", commit_json(commits)}};
  say(report.dump());
  return interrupt.requested() ? interrupt.exit_code() : 0;
}

} // namespace bench
