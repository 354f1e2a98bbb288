#include "jobrt/actors/store_actor.hpp"

#include "jobrt/persistence/commit_group.hpp"

#include <caf/actor_system.hpp>
#include <caf/spawn_options.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace jobrt {

namespace {

struct store_actor_state {
  std::shared_ptr<job_store> store;
  commit_listener listener;
  std::shared_ptr<spdlog::logger> log;
  commit_group group;
  std::uint64_t last_seq = 0;
  bool flush_queued = false;
  /// Batches sealed in an epoch below this are refused (see header).
  std::uint64_t open_epoch = 0;
  std::optional<store_error> last_failure;
  store_stats stats;
};

using store_pointer = store_actor::stateful_pointer<store_actor_state>;

void write_group(store_pointer self) {
  auto& st = self->state;
  st.flush_queued = false;
  if (st.group.empty())
    return;
  auto turns = st.group.turns();
  auto batch = st.group.take();
  auto epoch = batch.epoch;
  auto rows = batch.row_writes();
  auto written = st.store->commit(batch);
  st.stats.count_transaction(turns, rows, !written);
  commit_report report{st.last_seq, epoch, std::nullopt, {}};
  if (written) {
    report.receipt = std::move(written).value();
  } else {
    report.failure = written.error();
    st.last_failure = written.error();
    st.open_epoch = epoch + 1;
    st.log->error("store: a transaction of {} turns ({} rows) failed: {}",
                  turns, rows, describe(written.error()));
  }
  self->send(st.listener, atoms::committed::value, std::move(report));
}

store_actor::behavior_type store_behavior(store_pointer self,
                                          std::shared_ptr<job_store> store,
                                          commit_listener listener,
                                          std::shared_ptr<spdlog::logger> log) {
  self->state.store = std::move(store);
  self->state.listener = std::move(listener);
  self->state.log = std::move(log);
  return {
      [self](atoms::commit, std::uint64_t seq, store_batch& batch) {
        auto& st = self->state;
        if (batch.epoch < st.open_epoch) {
          self->send(st.listener, atoms::committed::value,
                     commit_report{seq, batch.epoch, st.last_failure, {}});
          return;
        }
        st.group.add(batch);
        st.last_seq = seq;
        // The flush queues behind every batch already in the mailbox, so
        // all of them join this group.
        if (!st.flush_queued) {
          st.flush_queued = true;
          self->send(self, atoms::flush::value);
        }
      },
      [self](atoms::flush) { write_group(self); },
      [self](atoms::stats) { return self->state.stats; },
  };
}

} // namespace

store_actor spawn_store_actor(caf::actor_system& sys,
                              std::shared_ptr<job_store> store,
                              commit_listener listener,
                              std::shared_ptr<spdlog::logger> log) {
  if (store->blocks_on_io())
    return sys.spawn<caf::detached>(store_behavior, std::move(store),
                                    std::move(listener), std::move(log));
  return sys.spawn(store_behavior, std::move(store), std::move(listener),
                   std::move(log));
}

} // namespace jobrt
