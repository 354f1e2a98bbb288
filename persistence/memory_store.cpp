#include "jobrt/persistence/memory_store.hpp"

#include "jobrt/persistence/job_claim.hpp"
#include "jobrt/persistence/store_rules.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>

namespace jobrt {

namespace {

std::int64_t ms(time_point t) { return t.time_since_epoch().count(); }

using ready_key = std::tuple<std::int32_t, std::int64_t, job_id>;
using timed_key = std::pair<std::int64_t, job_id>;

} // namespace

/// The records and the indexes a database would keep on them: ready jobs
/// per type in claim order, waiting jobs by run_at, processing jobs,
/// finished jobs by finish time, and live unique keys; and the operator
/// commands posted for the owner, in order.
struct memory_store::tables {
  mutable std::mutex mutex;
  std::map<job_id, job> jobs;
  std::unordered_map<std::string, std::set<ready_key>> ready;
  std::set<timed_key> waiting;
  std::set<job_id> processing;
  std::array<std::set<timed_key>, 3> finished; // completed, dead, cancelled
  std::unordered_map<std::string, job_id> live_keys;
  std::deque<operator_command> commands;
  state_counts counts{};
  job_id last_id = 0;
  std::uint64_t commits = 0;

  static std::optional<std::size_t> finished_slot(job_state s) {
    switch (s) {
      case job_state::completed: return 0;
      case job_state::dead: return 1;
      case job_state::cancelled: return 2;
      default: return std::nullopt;
    }
  }

  void index(const job& j) {
    ++counts[static_cast<std::size_t>(j.state)];
    switch (j.state) {
      case job_state::pending:
        ready[j.type].emplace(j.priority, ms(j.run_at), j.id);
        break;
      case job_state::scheduled:
      case job_state::retrying: waiting.emplace(ms(j.run_at), j.id); break;
      case job_state::processing: processing.insert(j.id); break;
      default:
        finished[*finished_slot(j.state)].emplace(
            ms(j.finished_at.value_or(j.updated_at)), j.id);
        break;
    }
    if (j.unique_key && !is_terminal(j.state))
      live_keys.insert_or_assign(*j.unique_key, j.id);
  }

  void unindex(const job& j) {
    --counts[static_cast<std::size_t>(j.state)];
    switch (j.state) {
      case job_state::pending: {
        auto i = ready.find(j.type);
        i->second.erase({j.priority, ms(j.run_at), j.id});
        if (i->second.empty())
          ready.erase(i);
        break;
      }
      case job_state::scheduled:
      case job_state::retrying: waiting.erase({ms(j.run_at), j.id}); break;
      case job_state::processing: processing.erase(j.id); break;
      default:
        finished[*finished_slot(j.state)].erase(
            {ms(j.finished_at.value_or(j.updated_at)), j.id});
        break;
    }
    if (j.unique_key && !is_terminal(j.state)) {
      auto i = live_keys.find(*j.unique_key);
      if (i != live_keys.end() && i->second == j.id)
        live_keys.erase(i);
    }
  }

  void put(job j) {
    auto [i, fresh] = jobs.try_emplace(j.id);
    if (!fresh)
      unindex(i->second);
    index(j);
    i->second = std::move(j);
  }

  void erase(job_id id) {
    auto i = jobs.find(id);
    unindex(i->second);
    jobs.erase(i);
  }

  insert_outcome insert(job j) {
    if (j.unique_key) {
      if (auto i = live_keys.find(*j.unique_key); i != live_keys.end())
        return insert_outcome{i->second, true};
    }
    j.id = ++last_id;
    auto id = j.id;
    put(std::move(j));
    return insert_outcome{id, false};
  }

  std::optional<write_refusal> check(job_id id, const job_fence& expected) {
    auto i = jobs.find(id);
    if (i == jobs.end())
      return fence_refusal(id, expected, std::nullopt);
    return fence_refusal(id, expected, i->second);
  }

  /// A record that would give a second live job its unique key is refused,
  /// as a database's unique index refuses it.
  std::optional<write_refusal> key_conflict(const job_write& w) {
    const auto& record = w.record;
    if (!record.unique_key || is_terminal(record.state))
      return std::nullopt;
    auto i = live_keys.find(*record.unique_key);
    if (i == live_keys.end() || i->second == record.id)
      return std::nullopt;
    return write_refusal{record.id, write_refusal::code_type::record,
                         w.expected,
                         unique_key_held(*record.unique_key, i->second)};
  }

  void apply(store_batch& batch, store_receipt& receipt) {
    for (auto& j : batch.inserts)
      receipt.inserted.push_back(insert(std::move(j)));
    for (auto& w : batch.writes) {
      auto refused = check(w.record.id, w.expected);
      if (!refused)
        refused = key_conflict(w);
      if (refused) {
        receipt.refused.push_back(std::move(*refused));
        continue;
      }
      put(std::move(w.record));
    }
    for (const auto& r : batch.removals) {
      if (auto refused = check(r.id, r.expected)) {
        receipt.refused.push_back(std::move(*refused));
        continue;
      }
      erase(r.id);
    }
    if (batch.renewal)
      for (auto id : processing)
        if (auto& j = jobs.at(id); j.owner == batch.renewal->owner)
          j.lease_until = batch.renewal->until;
    if (batch.rescue)
      for (auto id : processing) {
        if (receipt.rescued.size() >= batch.rescue->limit)
          break;
        const auto& j = jobs.at(id);
        if (lease_expired(j, *batch.rescue))
          receipt.rescued.push_back(j);
      }
    for (const auto& request : batch.claims)
      receipt.claimed.push_back(claim(request));
    if (batch.stage)
      stage(*batch.stage, receipt.staged);
    if (batch.purge)
      receipt.purged = purge(*batch.purge);
    for (auto& c : batch.post_commands)
      commands.push_back(c);
    if (batch.take_commands) {
      receipt.commands.assign(commands.begin(), commands.end());
      commands.clear();
    }
  }

  claim_outcome claim(const claim_request& request) {
    auto ready_of = [&](std::string_view type, std::size_t limit)
        -> result<std::vector<job>, store_error> {
      std::vector<job> out;
      auto i = ready.find(std::string(type));
      if (i == ready.end())
        return out;
      for (const auto& [priority, run_at, id] : i->second) {
        if (out.size() >= limit)
          break;
        if (run_at <= ms(request.now))
          out.push_back(jobs.at(id));
      }
      return out;
    };
    auto write = [&](const job& j) -> result<void, store_error> {
      put(j);
      return outcome::success();
    };
    // Neither callback fails here.
    return run_claim(request, ready_of, write).value();
  }

  void stage(const stage_request& r, std::vector<job>& out) {
    auto i = waiting.upper_bound({r.after_run_at_ms, r.after_id});
    for (; i != waiting.end() && out.size() < r.limit; ++i) {
      if (i->first > ms(r.until))
        break;
      out.push_back(jobs.at(i->second));
    }
  }

  std::uint64_t purge(const purge_request& r) {
    std::uint64_t removed = 0;
    for (auto state : {job_state::completed, job_state::dead,
                       job_state::cancelled}) {
      auto cutoff = purge_cutoff(r, state);
      if (!cutoff)
        continue;
      auto before = ms(*cutoff);
      auto& queue = finished[*finished_slot(state)];
      std::size_t n = 0;
      while (!queue.empty() && n < r.limit && queue.begin()->first < before) {
        erase(queue.begin()->second);
        ++n;
      }
      removed += n;
    }
    return removed;
  }
};

namespace {

class memory_reader final : public job_reader {
public:
  explicit memory_reader(std::shared_ptr<memory_store::tables> t)
    : tables_(std::move(t)) {}

  result<std::optional<job>, store_error> find(job_id id) override {
    std::lock_guard<std::mutex> guard{tables_->mutex};
    auto i = tables_->jobs.find(id);
    if (i == tables_->jobs.end())
      return std::optional<job>{};
    return std::optional<job>{i->second};
  }

  result<job_page, store_error> list(const job_query& query) override {
    std::lock_guard<std::mutex> guard{tables_->mutex};
    auto limit = std::clamp<std::size_t>(query.limit, 1, max_page_size);
    job_page page;
    for (auto i = tables_->jobs.upper_bound(query.after);
         i != tables_->jobs.end(); ++i) {
      if (!query.matches(i->second))
        continue;
      if (page.jobs.size() == limit) {
        page.next_after = page.jobs.back().id;
        break;
      }
      page.jobs.push_back(i->second);
    }
    return page;
  }

  result<state_counts, store_error> count_by_state() override {
    std::lock_guard<std::mutex> guard{tables_->mutex};
    return tables_->counts;
  }

  result<std::vector<type_count>, store_error> live_by_type() override {
    std::lock_guard<std::mutex> guard{tables_->mutex};
    std::map<std::string, std::uint64_t, std::less<>> by_type;
    for (const auto& [id, j] : tables_->jobs)
      if (!is_terminal(j.state))
        ++by_type[j.type];
    std::vector<type_count> counts;
    for (auto& [type, n] : by_type)
      counts.push_back(type_count{type, n});
    return counts;
  }

private:
  std::shared_ptr<memory_store::tables> tables_;
};

} // namespace

memory_store::memory_store() : tables_(std::make_shared<tables>()) {}
memory_store::~memory_store() = default;

result<store_receipt, store_error> memory_store::commit(store_batch& batch) {
  std::lock_guard<std::mutex> guard{tables_->mutex};
  store_receipt receipt;
  tables_->apply(batch, receipt);
  ++tables_->commits;
  return receipt;
}

std::shared_ptr<job_reader> memory_store::reader() {
  return std::make_shared<memory_reader>(tables_);
}

std::optional<job> memory_store::find(job_id id) const {
  std::lock_guard<std::mutex> guard{tables_->mutex};
  auto i = tables_->jobs.find(id);
  if (i == tables_->jobs.end())
    return std::nullopt;
  return i->second;
}

std::size_t memory_store::size() const {
  std::lock_guard<std::mutex> guard{tables_->mutex};
  return tables_->jobs.size();
}

std::uint64_t memory_store::commits() const {
  std::lock_guard<std::mutex> guard{tables_->mutex};
  return tables_->commits;
}

} // namespace jobrt
