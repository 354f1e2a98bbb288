#include "jobrt/persistence/postgres_store.hpp"

#include "jobrt/persistence/postgres_session.hpp"

#include <algorithm>
#include <mutex>

namespace jobrt {

using namespace postgres_sql;
using postgres_detail::at_ms;

// -- the reader -----------------------------------------------------------------

struct postgres_reader::impl {
  impl(const std::string& conninfo, const std::string& schema)
    : db(conninfo, schema, "reader") {}
  std::mutex lock;
  postgres_session db;

  template <class F>
  auto with_connection(F&& f) -> decltype(f()) {
    std::lock_guard guard{lock};
    BOOST_OUTCOME_TRYV(db.connect());
    return f();
  }
};

postgres_reader::postgres_reader(std::unique_ptr<impl> state)
  : impl_(std::move(state)) {}
postgres_reader::~postgres_reader() = default;

result<std::optional<job>, store_error> postgres_reader::find(job_id id) {
  return impl_->with_connection(
      [&]() -> result<std::optional<job>, store_error> {
        BOOST_OUTCOME_TRY(rows, impl_->db.run(find_job,
                                              postgres_params{}.number(id),
                                              "cannot read a job"));
        if (rows.size() == 0)
          return std::optional<job>{};
        BOOST_OUTCOME_TRY(j, read_job(rows, 0));
        return std::optional<job>{std::move(j)};
      });
}

result<job_page, store_error> postgres_reader::list(const job_query& query) {
  auto limit = std::clamp<std::size_t>(query.limit, 1, max_page_size);
  // One statement per combination of filters, so each gets a plan of its
  // own rather than one generic plan for all.
  std::string name = "list";
  std::string sql = select_jobs() + "WHERE id > $1";
  postgres_params params;
  params.number(query.after);
  int n = 1;
  auto filter = [&](const std::optional<std::string>& value,
                    const char* column) {
    if (!value)
      return;
    name += "_"s + column;
    sql += " AND "s + column + " = $" + std::to_string(++n);
    params.text(*value);
  };
  filter(query.state ? std::optional<std::string>(
                           std::string(to_string(*query.state)))
                     : std::nullopt,
         "state");
  filter(query.type, "type");
  filter(query.queue, "queue");
  sql += " ORDER BY id LIMIT $" + std::to_string(++n);
  params.number(static_cast<std::int64_t>(limit) + 1);
  statement s{name.c_str(), sql};
  return impl_->with_connection([&]() -> result<job_page, store_error> {
    BOOST_OUTCOME_TRY(rows, impl_->db.run(s, params, "cannot list jobs"));
    job_page page;
    auto shown = std::min<int>(rows.size(), static_cast<int>(limit));
    page.jobs.reserve(static_cast<std::size_t>(shown));
    for (int i = 0; i < shown; ++i) {
      BOOST_OUTCOME_TRY(j, read_job(rows, i));
      page.jobs.push_back(std::move(j));
    }
    if (rows.size() > shown)
      page.next_after = page.jobs.back().id;
    return page;
  });
}

result<state_counts, store_error> postgres_reader::count_by_state() {
  return impl_->with_connection([&]() -> result<state_counts, store_error> {
    BOOST_OUTCOME_TRY(rows, impl_->db.run(count_states, {},
                                          "cannot count jobs"));
    state_counts counts{};
    for (int i = 0; i < rows.size(); ++i) {
      auto state = parse_job_state(rows.text(i, 0));
      if (!state)
        return store_error{store_error::code_type::corrupt,
                           "PostgreSQL: " + state.error().message()};
      counts[static_cast<std::size_t>(state.value())] =
          static_cast<std::uint64_t>(rows.number(i, 1));
    }
    return counts;
  });
}

result<std::vector<type_count>, store_error> postgres_reader::live_by_type() {
  return impl_->with_connection(
      [&]() -> result<std::vector<type_count>, store_error> {
        BOOST_OUTCOME_TRY(rows, impl_->db.run(count_live_types, {},
                                              "cannot count jobs"));
        std::vector<type_count> out;
        for (int i = 0; i < rows.size(); ++i)
          out.push_back({std::string(rows.text(i, 0)),
                         static_cast<std::uint64_t>(rows.number(i, 1))});
        return out;
      });
}

result<std::vector<postgres_node>, store_error> postgres_reader::nodes() {
  return impl_->with_connection(
      [&]() -> result<std::vector<postgres_node>, store_error> {
        BOOST_OUTCOME_TRY(rows, impl_->db.run(list_nodes, {},
                                              "cannot list the nodes"));
        std::vector<postgres_node> out;
        for (int i = 0; i < rows.size(); ++i)
          out.push_back(postgres_node{
              std::string(rows.text(i, 0)), std::string(rows.text(i, 1)),
              static_cast<std::int32_t>(rows.number(i, 2)),
              at_ms(rows.number(i, 3)), at_ms(rows.number(i, 4)),
              duration{rows.number(i, 5)}, rows.boolean(i, 6),
              rows.boolean(i, 7)});
        return out;
      });
}

result<std::unique_ptr<postgres_reader>, store_error>
postgres_store::open_reader(const std::string& conninfo,
                            postgres_options options) {
  BOOST_OUTCOME_TRYV(check_schema_name(options.schema));
  auto r = std::make_unique<postgres_reader::impl>(conninfo, options.schema);
  BOOST_OUTCOME_TRYV(r->db.connect());
  BOOST_OUTCOME_TRYV(postgres_schema_of(r->db.connection(), options.schema));
  return std::unique_ptr<postgres_reader>(new postgres_reader(std::move(r)));
}

} // namespace jobrt
