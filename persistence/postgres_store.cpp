#include "jobrt/persistence/postgres_store.hpp"

#include "jobrt/actors/transitions.hpp"
#include "jobrt/persistence/job_claim.hpp"
#include "jobrt/persistence/owner_name.hpp"
#include "jobrt/persistence/postgres_session.hpp"
#include "jobrt/persistence/store_rules.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <poll.h>
#include <unistd.h>

namespace jobrt {

namespace {

using element = postgres_array::element;
using namespace postgres_sql;
using postgres_detail::at_ms;
using postgres_detail::ids_param;
using postgres_detail::ms;

store_error refused_text(std::string_view what) {
  return store_error{store_error::code_type::too_large,
                     std::string(what) +
                         ": text that is not UTF-8 (or holds NUL), which a "
                         "PostgreSQL text column cannot hold"};
}

/// Why the store cannot hold `record`, or nullopt.
std::optional<store_error> record_refusal(const job& record,
                                          std::size_t limit) {
  if (auto big = record_too_large(record, limit))
    return big;
  if (!text_columns_valid(record))
    return refused_text("a name, owner or unique key");
  return std::nullopt;
}

/// How many ready rows of `type` a claim locks, of the `window` run_claim
/// asks for. The window looks past the jobs a queue or breaker budget holds
/// back; with neither in the request, no job of the type beyond its slots
/// can be taken, and every row locked but not taken is written (its lock)
/// for nothing and hidden from the other nodes until the commit. The slack
/// keeps run_claim's margin for jobs whose attempts are used up, beside
/// the excluded ones.
std::size_t locked_window(const claim_request& request, std::string_view type,
                          std::size_t window) {
  constexpr std::size_t slack = 16;
  if (!request.queues.empty() || !request.breakers.empty())
    return window;
  for (const auto& t : request.types)
    if (t.type == type)
      return std::min(window, static_cast<std::size_t>(std::max(
                                  std::min(t.slots, request.total), 0)) +
                                  slack + request.exclude.size());
  return window;
}

bool makes_ready(const job& r) {
  return r.state == job_state::pending || r.state == job_state::scheduled ||
         r.state == job_state::retrying;
}

/// One connection and the schema its statements run in.
} // namespace

// -- the store ------------------------------------------------------------------

struct postgres_store::impl {
  postgres_options options;
  std::string node;
  postgres_session db;
  std::shared_ptr<postgres_reader> reader;

  // The heartbeat thread and what it shares.
  std::atomic<bool> leader{false};
  std::mutex wake_lock;
  std::function<void()> wake;
  std::atomic<bool> started_listening{false};
  std::condition_variable listening_started;
  std::thread beat;
  int stop_pipe[2] = {-1, -1};

  impl(const std::string& conninfo, postgres_options o)
    : options(std::move(o)), db(conninfo, options.schema, "writer") {}

  bool is_node() const {
    return options.role == postgres_options::role_type::node;
  }
  void notice(const std::string& what) const {
    if (options.on_notice)
      options.on_notice(what);
  }

  // -- heartbeat -------------------------------------------------------------
  result<void, store_error> beat_once(postgres_session& s, bool& was_leader) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0)
      host[0] = '\0';
    BOOST_OUTCOME_TRY(rows,
                      s.run(heartbeat,
                            postgres_params{}
                                .text(node)
                                .text(host)
                                .number(getpid())
                                .number(options.dead_after.count()),
                            "cannot heartbeat"));
    if (rows.size() == 1 && !rows.null(0, 0)) {
      auto silent = rows.number(0, 0);
      if (silent > options.dead_after.count())
        notice("this node was not heard from for " + std::to_string(silent) +
               " ms, past its dead-after window of " +
               std::to_string(options.dead_after.count()) +
               " ms: other nodes may have rescued its attempts, and their "
               "results will be refused (lost_lease)");
    }
    BOOST_OUTCOME_TRY(won, s.run(elect,
                                 postgres_params{}.text(node).number(
                                     options.dead_after.count()),
                                 "cannot renew the leader's lease"));
    bool now_leader = won.size() == 1;
    leader.store(now_leader);
    if (now_leader != was_leader)
      notice(now_leader ? "this node is the leader now"
                        : "this node is no longer the leader");
    was_leader = now_leader;
    return outcome::success();
  }

  void run_heartbeat() {
    postgres_session s{db.conninfo(), options.schema, "heartbeat"};
    bool was_leader = leader.load();
    bool listening = false;
    bool connected_notice = false;
    auto next = std::chrono::steady_clock::now();
    int beats = 0;
    for (;;) {
      if (!s.connection().ok()) {
        listening = false;
        if (auto c = s.connect(); !c) {
          if (!connected_notice)
            notice("heartbeat: " + describe(c.error()) + "; retrying");
          connected_notice = true;
        } else {
          connected_notice = false;
        }
      }
      if (s.connection().ok() && !listening)
        listening = s.exec("LISTEN {s}_ready", "cannot listen").has_value();
      if (!started_listening.load()) {
        std::lock_guard guard{wake_lock};
        started_listening = true;
        listening_started.notify_all();
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= next) {
        if (s.connection().ok()) {
          if (auto b = beat_once(s, was_leader); !b) {
            notice("heartbeat: " + describe(b.error()));
            // Unheard, this node may already have lost the lease: it stops
            // rescuing and pruning until a heartbeat gets through.
            leader.store(false);
            was_leader = false;
          }
          if (was_leader && ++beats % 60 == 0)
            (void) s.run(forget_nodes, {}, "cannot forget old nodes");
        }
        next = now + options.heartbeat;
      }
      // Notifications that came in during a statement wait in libpq's
      // queue, not on the socket: look there before waiting on it.
      if (s.connection().ok())
        pass_on_news(s);
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          next - std::chrono::steady_clock::now());
      pollfd fds[2] = {{stop_pipe[0], POLLIN, 0},
                       {s.connection().socket(), POLLIN, 0}};
      int nfds = s.connection().ok() ? 2 : 1;
      int timeout = static_cast<int>(std::max<std::int64_t>(wait.count(), 0));
      if (!s.connection().ok())
        timeout = std::min(timeout, 500);
      if (::poll(fds, static_cast<nfds_t>(nfds), timeout) < 0)
        continue;
      if ((fds[0].revents & POLLIN) != 0)
        return;
      if (nfds == 2 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) != 0)
        pass_on_news(s);
    }
  }

  /// Wakes the runtime if another node sent news (a lost connection is
  /// found, and reconnected, by the loop).
  void pass_on_news(postgres_session& s) {
    auto news = s.connection().notifications();
    if (!news)
      return;
    bool others = std::any_of(news.value().begin(), news.value().end(),
                              [&](const auto& n) { return n.second != node; });
    if (!others)
      return;
    std::lock_guard guard{wake_lock};
    if (wake)
      wake();
  }

  /// Starts the heartbeat thread, and waits (briefly) until it listens:
  /// a commit of another node right after open() then wakes this one.
  void start_heartbeat() {
    if (::pipe(stop_pipe) != 0)
      return;
    beat = std::thread([this] { run_heartbeat(); });
    std::unique_lock guard{wake_lock};
    listening_started.wait_for(guard, std::chrono::seconds(5),
                               [this] { return started_listening.load(); });
  }

  void stop_heartbeat() {
    if (beat.joinable()) {
      char c = 0;
      (void) !::write(stop_pipe[1], &c, 1);
      beat.join();
    }
    for (int& fd : stop_pipe)
      if (fd >= 0) {
        ::close(fd);
        fd = -1;
      }
  }

  // -- commit ----------------------------------------------------------------
  /// Live jobs holding any of `keys`, by key.
  result<std::map<std::string, job_id, std::less<>>, store_error>
  holders_of(const postgres_array& keys) {
    std::map<std::string, job_id, std::less<>> holder;
    if (keys.size() == 0)
      return holder;
    BOOST_OUTCOME_TRY(rows,
                      db.run(live_holders, postgres_params{}.binary(keys.value()),
                             "cannot read unique keys"));
    for (int r = 0; r < rows.size(); ++r)
      holder[std::string(rows.text(r, 0))] = rows.number(r, 1);
    return holder;
  }

  result<void, store_error> insert(store_batch& batch, store_receipt& receipt,
                                   bool& ready) {
    receipt.inserted.resize(batch.inserts.size());
    std::vector<std::size_t> kept;
    postgres_array keys{element::text};
    for (std::size_t i = 0; i < batch.inserts.size(); ++i) {
      const auto& record = batch.inserts[i];
      if (auto why = record_refusal(record, options.max_payload_bytes)) {
        receipt.inserted[i].refused = std::move(why);
        continue;
      }
      kept.push_back(i);
      if (record.unique_key && !is_terminal(record.state))
        keys.add(std::string_view{*record.unique_key});
    }
    if (kept.empty())
      return outcome::success();
    // A job whose key a live job holds (stored, or earlier in this batch)
    // takes no id: ids count the jobs that exist.
    BOOST_OUTCOME_TRY(holder, holders_of(keys));
    std::vector<std::size_t> fresh;
    std::map<std::string, std::size_t, std::less<>> first_in_batch;
    std::vector<std::pair<std::size_t, std::size_t>> same_as; // (i, first)
    for (auto i : kept) {
      const auto& record = batch.inserts[i];
      if (record.unique_key && !is_terminal(record.state)) {
        if (auto h = holder.find(*record.unique_key); h != holder.end()) {
          receipt.inserted[i].id = h->second;
          receipt.inserted[i].existing = true;
          continue;
        }
        auto [at, first] = first_in_batch.emplace(*record.unique_key, i);
        if (!first) {
          same_as.emplace_back(i, at->second);
          continue;
        }
      }
      fresh.push_back(i);
    }
    if (fresh.empty())
      return outcome::success();
    BOOST_OUTCOME_TRY(ids, db.run(next_ids,
                                  postgres_params{}.number(
                                      static_cast<std::int64_t>(fresh.size())),
                                  "cannot assign job ids"));
    std::vector<job_id> assigned;
    for (int r = 0; r < ids.size(); ++r)
      assigned.push_back(ids.number(r, 0));
    std::sort(assigned.begin(), assigned.end());
    postgres_job_arrays rows;
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      auto& record = batch.inserts[fresh[k]];
      record.id = assigned[k];
      receipt.inserted[fresh[k]].id = assigned[k];
      rows.add(record);
      ready = ready || makes_ready(record);
    }
    postgres_params params;
    rows.append_to(params);
    if (keys.size() == 0) {
      BOOST_OUTCOME_TRY(done, db.run(insert_new_jobs, params, "cannot insert jobs"));
      if (done.affected() != fresh.size())
        return store_error{store_error::code_type::io,
                           "PostgreSQL: an insert was not written"};
      return outcome::success();
    }
    BOOST_OUTCOME_TRY(inserted, db.run(insert_jobs, params, "cannot insert jobs"));
    std::unordered_set<job_id> landed;
    for (int r = 0; r < inserted.size(); ++r)
      landed.insert(inserted.number(r, 0));
    if (landed.size() != fresh.size()) {
      // Another node inserted a key between our look and our insert.
      postgres_array raced{element::text};
      for (auto i : fresh)
        if (!landed.contains(receipt.inserted[i].id) &&
            batch.inserts[i].unique_key)
          raced.add(std::string_view{*batch.inserts[i].unique_key});
      BOOST_OUTCOME_TRY(now_held, holders_of(raced));
      for (auto i : fresh) {
        auto& outcome = receipt.inserted[i];
        if (landed.contains(outcome.id))
          continue;
        const auto& key = batch.inserts[i].unique_key;
        auto h = key ? now_held.find(*key) : now_held.end();
        if (h == now_held.end())
          return store_error{store_error::code_type::io,
                             "PostgreSQL: an insert was neither written nor "
                             "held by a live job"};
        outcome.id = h->second;
        outcome.existing = true;
      }
    }
    for (auto [i, first] : same_as) {
      receipt.inserted[i].id = receipt.inserted[first].id;
      receipt.inserted[i].existing = true;
    }
    return outcome::success();
  }

  /// The stored fences of `ids`, as refusals of the writes decided from
  /// `expected`.
  result<void, store_error>
  refuse(const std::vector<std::pair<job_id, job_fence>>& missed,
         store_receipt& receipt) {
    if (missed.empty())
      return outcome::success();
    std::vector<job_id> ids;
    for (const auto& m : missed)
      ids.push_back(m.first);
    BOOST_OUTCOME_TRY(rows, db.run(select_fences, ids_param(ids),
                                   "cannot read fences"));
    std::unordered_map<job_id, job_fence> found;
    for (int r = 0; r < rows.size(); ++r) {
      BOOST_OUTCOME_TRY(f, read_fence(rows, r, 1));
      found.emplace(rows.number(r, 0), std::move(f));
    }
    for (const auto& [id, expected] : missed) {
      auto i = found.find(id);
      auto why = fence_refusal(
          id, expected,
          i == found.end() ? std::nullopt : std::optional<job_fence>(i->second));
      if (!why) // the fence held but the row was not written: cannot be
        return store_error{store_error::code_type::io,
                           "PostgreSQL: a fenced write was lost"};
      receipt.refused.push_back(std::move(*why));
    }
    return outcome::success();
  }

  result<void, store_error> write(store_batch& batch, store_receipt& receipt,
                                  bool& ready) {
    std::vector<const job_write*> kept;
    auto first_refusal = receipt.refused.size();
    for (const auto& w : batch.writes) {
      if (auto why = record_refusal(w.record, options.max_payload_bytes))
        receipt.refused.push_back(write_refusal{
            w.record.id, write_refusal::code_type::record, std::nullopt,
            std::move(why)});
      else
        kept.push_back(&w);
    }
    BOOST_OUTCOME_TRYV(refuse_held_keys(kept, receipt));
    BOOST_OUTCOME_TRYV(add_found(receipt, first_refusal));
    if (kept.empty())
      return outcome::success();
    postgres_job_arrays rows;
    postgres_fence_arrays fences;
    for (const auto* w : kept) {
      rows.add(w->record);
      fences.add(w->expected);
      ready = ready || w->record.state == job_state::pending;
    }
    postgres_params params;
    rows.append_to(params);
    fences.append_to(params);
    BOOST_OUTCOME_TRY(written, db.run(write_jobs, params, "cannot write jobs"));
    std::unordered_set<job_id> landed;
    for (int r = 0; r < written.size(); ++r)
      landed.insert(written.number(r, 0));
    std::vector<std::pair<job_id, job_fence>> missed;
    for (const auto* w : kept)
      if (!landed.contains(w->record.id))
        missed.emplace_back(w->record.id, w->expected);
    return refuse(missed, receipt);
  }

  /// Record refusals from `first` on name the stored row's fence, as the
  /// fence refusals do.
  result<void, store_error> add_found(store_receipt& receipt, std::size_t first) {
    if (first == receipt.refused.size())
      return outcome::success();
    std::vector<job_id> ids;
    for (auto i = first; i < receipt.refused.size(); ++i)
      ids.push_back(receipt.refused[i].id);
    BOOST_OUTCOME_TRY(rows, db.run(select_fences, ids_param(ids),
                                   "cannot read fences"));
    for (int r = 0; r < rows.size(); ++r) {
      BOOST_OUTCOME_TRY(f, read_fence(rows, r, 1));
      for (auto i = first; i < receipt.refused.size(); ++i)
        if (receipt.refused[i].id == rows.number(r, 0))
          receipt.refused[i].found = f;
    }
    return outcome::success();
  }

  /// A write that makes a finished job live again (requeue) while another
  /// live job holds its unique key would break the unique index and fail
  /// the whole transaction: it is refused alone, as the other stores
  /// refuse it, and taken out of `kept`.
  result<void, store_error> refuse_held_keys(std::vector<const job_write*>& kept,
                                             store_receipt& receipt) {
    auto revives = [](const job_write& w) {
      return w.record.unique_key && !is_terminal(w.record.state) &&
             is_terminal(w.expected.state);
    };
    postgres_array keys{element::text};
    for (const auto* w : kept)
      if (revives(*w))
        keys.add(std::string_view{*w->record.unique_key});
    if (keys.size() == 0)
      return outcome::success();
    BOOST_OUTCOME_TRY(holder, holders_of(keys));
    std::erase_if(kept, [&](const job_write* w) {
      if (!revives(*w))
        return false;
      auto h = holder.find(*w->record.unique_key);
      if (h == holder.end() || h->second == w->record.id)
        return false;
      auto why = unique_key_held(*w->record.unique_key, h->second);
      why.record = w->record.id;
      receipt.refused.push_back(write_refusal{
          w->record.id, write_refusal::code_type::record, std::nullopt,
          std::move(why)});
      return true;
    });
    return outcome::success();
  }

  result<void, store_error> remove(const store_batch& batch,
                                   store_receipt& receipt) {
    if (batch.removals.empty())
      return outcome::success();
    postgres_array ids{element::int8};
    postgres_fence_arrays fences;
    for (const auto& r : batch.removals) {
      ids.add(std::int64_t{r.id});
      fences.add(r.expected);
    }
    postgres_params params;
    params.binary(ids.value());
    fences.append_to(params);
    BOOST_OUTCOME_TRY(removed, db.run(remove_jobs, params, "cannot purge jobs"));
    std::unordered_set<job_id> landed;
    for (int r = 0; r < removed.size(); ++r)
      landed.insert(removed.number(r, 0));
    std::vector<std::pair<job_id, job_fence>> missed;
    for (const auto& r : batch.removals)
      if (!landed.contains(r.id))
        missed.emplace_back(r.id, r.expected);
    return refuse(missed, receipt);
  }

  result<std::vector<job>, store_error> read_rows(const statement& s,
                                                  const postgres_params& p,
                                                  std::string_view doing) {
    BOOST_OUTCOME_TRY(rows, db.run(s, p, doing));
    std::vector<job> out;
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
      BOOST_OUTCOME_TRY(j, read_job(rows, r));
      out.push_back(std::move(j));
    }
    return out;
  }

  result<claim_outcome, store_error> claim(claim_request request,
                                           std::optional<time_point> db_now) {
    if (db_now)
      request.now = *db_now;
    const auto now = request.now;
    // The rows as read, to tell which claims a narrow write covers.
    std::unordered_map<job_id, job> read;
    std::vector<std::string> capped;
    auto ready = [&](std::string_view type, std::size_t window)
        -> result<std::vector<job>, store_error> {
      auto limit = locked_window(request, type, window);
      auto params = postgres_params{}
                        .text(std::string(type))
                        .number(ms(now))
                        .number(static_cast<std::int64_t>(limit));
      BOOST_OUTCOME_TRY(pending, read_rows(select_ready, params,
                                           "cannot claim jobs"));
      BOOST_OUTCOME_TRY(due, read_rows(select_come_due, params,
                                       "cannot claim jobs"));
      for (const auto& j : pending)
        read.emplace(j.id, j);
      // No runtime stages what another may take: a waiting job that came
      // due is made pending here, by the transition table, and claimed in
      // the same order as the rest.
      for (auto& j : due) {
        read.emplace(j.id, j);
        auto made_due = apply_event(j, events::due{}, now);
        if (made_due)
          pending.push_back(std::move(made_due).value());
      }
      std::sort(pending.begin(), pending.end(), claims_before);
      if (pending.size() > limit)
        pending.resize(limit);
      if (limit < window && pending.size() == limit)
        capped.emplace_back(type);
      return pending;
    };
    postgres_job_arrays rows;
    postgres_claim_arrays columns;
    auto write = [&](const job& j) -> result<void, store_error> {
      if (auto r = read.find(j.id);
          r != read.end() && postgres_claim_arrays::covers(r->second, j))
        columns.add(j);
      else
        rows.add(j);
      return outcome::success();
    };
    BOOST_OUTCOME_TRY(outcome, run_claim(request, ready, write));
    // As run_claim marks a full window: there may be more behind it.
    for (auto& type : capped)
      if (std::find(outcome.more.begin(), outcome.more.end(), type) ==
          outcome.more.end())
        outcome.more.push_back(std::move(type));
    if (columns.size() != 0) {
      postgres_params params;
      columns.append_to(params);
      BOOST_OUTCOME_TRYV(db.run(write_claim_columns, params, "cannot claim jobs"));
    }
    if (rows.size() != 0) {
      postgres_params params;
      rows.append_to(params);
      BOOST_OUTCOME_TRYV(db.run(write_claimed_rows, params, "cannot claim jobs"));
    }
    return outcome;
  }

  result<std::uint64_t, store_error> purge(const purge_request& r,
                                           std::optional<time_point> db_now) {
    purge_request request = r;
    if (db_now)
      request.now = *db_now;
    std::uint64_t purged = 0;
    for (auto state : {job_state::completed, job_state::dead,
                       job_state::cancelled}) {
      auto cutoff = purge_cutoff(request, state);
      if (!cutoff)
        continue;
      BOOST_OUTCOME_TRY(done,
                        db.run(purge_jobs,
                               postgres_params{}
                                   .text(std::string(to_string(state)))
                                   .number(ms(*cutoff))
                                   .number(static_cast<std::int64_t>(r.limit)),
                               "cannot purge finished jobs"));
      purged += done.affected();
    }
    return purged;
  }

  result<void, store_error> post(const store_batch& batch) {
    if (batch.post_commands.empty())
      return outcome::success();
    postgres_array ids{element::int8}, kinds{element::text}, ats{element::int8};
    for (const auto& c : batch.post_commands) {
      ids.add(std::int64_t{c.id});
      kinds.add(to_string(c.kind));
      ats.add(ms(c.at));
    }
    BOOST_OUTCOME_TRYV(db.run(post_commands,
                              postgres_params{}
                                  .binary(ids.value())
                                  .binary(kinds.value())
                                  .binary(ats.value()),
                              "cannot post commands"));
    return outcome::success();
  }

  result<std::vector<operator_command>, store_error> take() {
    BOOST_OUTCOME_TRY(rows, db.run(take_commands, postgres_params{}.text(node),
                                   "cannot take commands"));
    std::vector<std::pair<std::int64_t, operator_command>> taken;
    for (int r = 0; r < rows.size(); ++r) {
      if (rows.text(r, 2) != "cancel")
        continue; // a kind a newer jobrt posted: not this build's to run
      taken.emplace_back(rows.number(r, 0),
                         operator_command{rows.number(r, 1),
                                          operator_command::kind_type::cancel,
                                          at_ms(rows.number(r, 3))});
    }
    std::sort(taken.begin(), taken.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<operator_command> out;
    for (auto& t : taken)
      out.push_back(t.second);
    return out;
  }

  result<store_receipt, store_error> apply(store_batch& batch,
                                           std::optional<time_point> db_now) {
    store_receipt receipt;
    bool ready = false;
    BOOST_OUTCOME_TRYV(insert(batch, receipt, ready));
    BOOST_OUTCOME_TRYV(write(batch, receipt, ready));
    BOOST_OUTCOME_TRYV(remove(batch, receipt));
    if (batch.renewal) {
      BOOST_OUTCOME_TRYV(db.run(renew_leases,
                                postgres_params{}
                                    .text(batch.renewal->owner)
                                    .number(ms(batch.renewal->until)),
                                "cannot renew leases"));
    }
    // Rescue and retention are the leader's: the others would only skip
    // past the rows it has locked.
    if (batch.rescue && leader.load()) {
      const auto& r = *batch.rescue;
      auto now = db_now ? *db_now : r.now;
      BOOST_OUTCOME_TRY(found,
                        read_rows(select_unowned,
                                  postgres_params{}.text(r.owner).number(ms(now)).number(
                                      static_cast<std::int64_t>(r.limit)),
                                  "cannot rescue jobs"));
      receipt.rescued = std::move(found);
    }
    for (const auto& c : batch.claims) {
      BOOST_OUTCOME_TRY(taken, claim(c, db_now));
      receipt.claimed.push_back(std::move(taken));
    }
    if (batch.stage) {
      const auto& s = *batch.stage;
      BOOST_OUTCOME_TRY(found,
                        read_rows(select_due,
                                  postgres_params{}
                                      .number(ms(s.until))
                                      .number(s.after_run_at_ms)
                                      .number(s.after_id)
                                      .number(static_cast<std::int64_t>(s.limit)),
                                  "cannot stage jobs"));
      receipt.staged = std::move(found);
    }
    if (batch.purge && (leader.load() || !is_node())) {
      BOOST_OUTCOME_TRY(purged, purge(*batch.purge, db_now));
      receipt.purged = purged;
    }
    BOOST_OUTCOME_TRYV(post(batch));
    if (batch.take_commands) {
      BOOST_OUTCOME_TRY(commands, take());
      receipt.commands = std::move(commands);
    }
    if (ready) {
      BOOST_OUTCOME_TRYV(db.run(notify_ready, postgres_params{}.text(node),
                                "cannot notify"));
    }
    return receipt;
  }

  /// After COMMIT failed with the connection: whether transaction `xid`
  /// committed, asked on a new connection.
  result<bool, store_error> committed(std::int64_t xid) {
    BOOST_OUTCOME_TRYV(db.connect());
    BOOST_OUTCOME_TRY(status, db.run(txid_status, postgres_params{}.number(xid),
                                     "cannot learn the outcome of a commit"));
    return status.size() == 1 && status.text(0, 0) == "committed";
  }
};

postgres_store::postgres_store(std::unique_ptr<impl> state)
  : impl_(std::move(state)) {}

postgres_store::~postgres_store() {
  impl_->stop_heartbeat();
  if (impl_->is_node() && impl_->db.connect()) {
    // Leaving at once passes the leadership on and lets the leader rescue
    // whatever this node still ran, without waiting out its window.
    (void) impl_->db.run(resign, postgres_params{}.text(impl_->node), "resign");
    (void) impl_->db.run(leave, postgres_params{}.text(impl_->node), "leave");
  }
}

result<std::unique_ptr<postgres_store>, store_error>
postgres_store::open(const std::string& conninfo, postgres_options options) {
  BOOST_OUTCOME_TRYV(check_schema_name(options.schema));
  auto d = std::make_unique<impl>(conninfo, std::move(options));
  auto& o = d->options;
  if (d->is_node())
    d->node = o.node.empty() ? make_owner_name() : o.node;
  BOOST_OUTCOME_TRYV(d->db.connect());
  if (o.create_if_missing) {
    BOOST_OUTCOME_TRYV(postgres_migrate(d->db.connection(), o.schema));
  } else {
    BOOST_OUTCOME_TRYV(postgres_schema_of(d->db.connection(), o.schema));
  }
  BOOST_OUTCOME_TRY(reader, open_reader(conninfo, o));
  d->reader = std::move(reader);
  if (d->is_node()) {
    bool was_leader = false;
    BOOST_OUTCOME_TRYV(d->beat_once(d->db, was_leader));
    d->start_heartbeat();
  }
  return std::unique_ptr<postgres_store>(new postgres_store(std::move(d)));
}


result<store_receipt, store_error> postgres_store::commit(store_batch& batch) {
  auto& d = *impl_;
  if (!d.is_node()) {
    if (auto verb = owner_verb(batch); verb && *verb != "inserts")
      return store_error{store_error::code_type::not_owner,
                         "PostgreSQL: a tool's store cannot use " +
                             std::string(*verb) + ", a node's verb"};
  }
  if (batch.empty())
    return store_receipt{};
  BOOST_OUTCOME_TRYV(d.db.connect());
  std::int64_t xid = 0;
  std::optional<time_point> db_now;
  auto applied = [&]() -> result<store_receipt, store_error> {
    BOOST_OUTCOME_TRY(clock,
                      d.db.exec(begin_transaction, "cannot begin a transaction"));
    xid = clock.number(0, 1);
    if (d.options.database_clock)
      db_now = at_ms(clock.number(0, 0));
    return d.apply(batch, db_now);
  }();
  if (!applied) {
    if (d.db.connection().ok())
      (void) d.db.exec("ROLLBACK", "rollback");
    return applied.error();
  }
  auto done = d.db.exec("COMMIT", "cannot commit");
  if (done)
    return applied;
  if (d.db.connection().ok())
    return done.error(); // refused by the server: rolled back
  // The connection broke during COMMIT: the server knows what happened.
  auto landed = d.committed(xid);
  if (landed && landed.value())
    return applied;
  if (landed)
    return done.error();
  return store_error{store_error::code_type::io,
                     describe(done.error()) +
                         "; whether it committed is unknown (" +
                         describe(landed.error()) + ")"};
}

std::shared_ptr<job_reader> postgres_store::reader() { return impl_->reader; }

std::size_t postgres_store::max_payload_bytes() const noexcept {
  return impl_->options.max_payload_bytes;
}

void postgres_store::on_wake(std::function<void()> wake) {
  std::lock_guard guard{impl_->wake_lock};
  impl_->wake = std::move(wake);
}

std::optional<std::string> postgres_store::node() const {
  if (!impl_->is_node())
    return std::nullopt;
  return impl_->node;
}

bool postgres_store::leader() const noexcept { return impl_->leader.load(); }

} // namespace jobrt
