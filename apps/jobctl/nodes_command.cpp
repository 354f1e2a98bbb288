// jobctl nodes: who runs jobs from a PostgreSQL queue (commands.hpp).

#include "commands.hpp"

#include "job_text.hpp"
#include "store_access.hpp"
#include "table.hpp"

#include "jobrt/messages/job_json.hpp"
#include "jobrt/persistence/postgres_store.hpp"

#include <algorithm>
#include <chrono>

namespace jobctl {

namespace {

/// How long ago the node last heartbeat, by this machine's clock (the
/// heartbeat is stamped by the database's): a skew between the two shifts
/// it, which is why alive comes from the database, never from this age.
jobrt::duration heartbeat_age(const jobrt::postgres_node& n,
                              jobrt::time_point now) {
  return std::max(jobrt::duration{0}, now - n.heartbeat_at);
}

std::string seconds_text(jobrt::duration d) {
  auto tenths = d.count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
}

void print_nodes(std::ostream& out, const std::vector<jobrt::postgres_node>& nodes,
                 jobrt::time_point now) {
  if (nodes.empty()) {
    out << "no nodes\n";
    return;
  }
  using column = text_table::column;
  using align = text_table::align;
  text_table table({column{"owner"}, column{"host"}, column{"pid", align::right},
                    column{"started"}, column{"heartbeat", align::right},
                    column{"status"}, column{"leader"}});
  for (const auto& n : nodes)
    table.add_row({n.owner, n.host, std::to_string(n.pid),
                   format_utc(n.started_at),
                   seconds_text(heartbeat_age(n, now)) + " ago",
                   n.alive ? "alive" : "dead", n.leader ? "leader" : "-"});
  table.print(out);
}

nlohmann::json nodes_json(const std::vector<jobrt::postgres_node>& nodes,
                          jobrt::time_point now) {
  auto list = nlohmann::json::array();
  for (const auto& n : nodes)
    list.push_back({{"owner", n.owner},
                    {"host", n.host},
                    {"pid", n.pid},
                    {"started_at", n.started_at.time_since_epoch().count()},
                    {"heartbeat_at", n.heartbeat_at.time_since_epoch().count()},
                    {"heartbeat_age_ms", heartbeat_age(n, now).count()},
                    {"dead_after_ms", n.dead_after.count()},
                    {"alive", n.alive},
                    {"leader", n.leader}});
  return {{"nodes", std::move(list)}};
}

} // namespace

command_result show_nodes(const global_options& g, std::ostream& out) {
  BOOST_OUTCOME_TRY(reader, open_postgres_reader(g));
  auto nodes = reader->nodes();
  if (!nodes)
    return store_failure(nodes.error());
  auto now = jobrt::wall_clock_now();
  if (g.json)
    out << jobrt::dump_json(nodes_json(nodes.value(), now)) << '\n';
  else
    print_nodes(out, nodes.value(), now);
  return jobrt::outcome::success();
}

} // namespace jobctl
