#include "job_filters.hpp"

#include "cli/decimal_arg.hpp"

#include <limits>

namespace jobrtd {

namespace {

problem bad(std::string field, std::string detail) {
  return {400, "invalid_filter", std::move(detail), std::move(field), 0};
}

constexpr auto max_id =
    static_cast<std::uint64_t>(std::numeric_limits<jobrt::job_id>::max());

} // namespace

jobrt::result<jobrt::job_query, problem> job_query_of(const query_params& params) {
  jobrt::job_query q;
  for (const auto& [name, value] : params) {
    if (params.count(name) > 1)
      return bad(name, "given more than once");
    if (name == "state") {
      auto s = jobrt::parse_job_state(value);
      if (!s)
        return bad(name, s.error().message());
      q.state = s.value();
    } else if (name == "type" || name == "queue") {
      if (value.empty())
        return bad(name, "must not be empty");
      (name == "type" ? q.type : q.queue) = value;
    } else if (name == "after") {
      auto n = jobrt::cli::parse_decimal_arg("after", value, {0, max_id});
      if (!n)
        return bad(name, n.error().message);
      q.after = static_cast<jobrt::job_id>(n.value());
    } else if (name == "limit") {
      auto n = jobrt::cli::parse_decimal_arg("limit", value,
                                             {1, jobrt::max_page_size});
      if (!n)
        return bad(name, n.error().message);
      q.limit = n.value();
    } else {
      return bad(name, "unknown parameter (state, type, queue, after, limit)");
    }
  }
  return q;
}

namespace {

bool allowed(jobrt::job_state s, bulk_action action) {
  if (action == bulk_action::requeue)
    return s == jobrt::job_state::dead || s == jobrt::job_state::cancelled;
  return jobrt::is_terminal(s);
}

jobrt::result<void, problem> read_name(const nlohmann::json& v,
                                       const std::string& key,
                                       std::optional<std::string>& out) {
  if (!v.contains(key) || v[key].is_null())
    return jobrt::outcome::success();
  if (!v[key].is_string() || v[key].get<std::string>().empty())
    return bad(key, "must be a non-empty string");
  out = v[key].get<std::string>();
  return jobrt::outcome::success();
}

jobrt::result<std::uint64_t, problem> read_count(const nlohmann::json& v,
                                                 const std::string& key,
                                                 std::uint64_t min,
                                                 std::uint64_t max) {
  if (!v[key].is_number_unsigned() || v[key].get<std::uint64_t>() < min ||
      v[key].get<std::uint64_t>() > max)
    return bad(key, "must be an integer " + std::to_string(min) + ".." +
                        std::to_string(max));
  return v[key].get<std::uint64_t>();
}

} // namespace

jobrt::result<bulk_filter, problem> bulk_filter_of(std::string_view body,
                                                   bulk_action action) {
  bulk_filter f;
  if (body.empty())
    return f;
  auto v = nlohmann::json::parse(body, nullptr, false);
  if (v.is_discarded())
    return problem{400, "malformed_json", "the body is not JSON", "", 0};
  if (!v.is_object())
    return bad("", "the filter must be a JSON object");
  for (const auto& [key, value] : v.items()) {
    if (key == "state") {
      auto s = value.is_string() ? jobrt::parse_job_state(value.get<std::string>())
                                 : jobrt::parse_job_state("");
      if (!s)
        return bad(key, "must be a job state");
      if (!allowed(s.value(), action))
        return problem{422, "invalid_filter",
                       std::string(action == bulk_action::requeue
                                       ? "requeue takes dead or cancelled jobs"
                                       : "purge takes terminal jobs only") +
                           ", not " + std::string(to_string(s.value())),
                       key, 0};
      f.state = s.value();
    } else if (key == "type") {
      if (auto ok = read_name(v, key, f.type); !ok)
        return ok.error();
    } else if (key == "queue") {
      if (auto ok = read_name(v, key, f.queue); !ok)
        return ok.error();
    } else if (key == "after") {
      auto n = read_count(v, key, 0, max_id);
      if (!n)
        return n.error();
      f.after = static_cast<jobrt::job_id>(n.value());
    } else if (key == "max") {
      auto n = read_count(v, key, 1, max_bulk_jobs);
      if (!n)
        return n.error();
      f.max = n.value();
    } else {
      return bad(key, "unknown key (state, type, queue, after, max)");
    }
  }
  return f;
}

} // namespace jobrtd
