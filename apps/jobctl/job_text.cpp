#include "job_text.hpp"

#include "table.hpp"

#include <chrono>
#include <cstdio>
#include <numeric>

namespace jobctl {

namespace {

using jobrt::job;
using jobrt::time_point;

std::string format_utc_or_dash(const std::optional<time_point>& at) {
  return at ? format_utc(*at) : "-";
}

std::string attempts(const job& j) {
  return std::to_string(j.attempt) + "/" + std::to_string(j.max_attempts);
}

std::string last_error_code(const job& j) {
  return j.errors.empty() ? "-" : j.errors.back().error.code;
}

/// At most `limit` bytes of opaque data, with non-printable bytes as '.'.
std::string preview(const std::string& bytes, std::size_t limit = 80) {
  std::string shown;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    shown += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
  }
  if (bytes.size() > limit)
    shown += "... (" + std::to_string(bytes.size()) + " bytes)";
  return shown;
}

void print_fields(std::ostream& out, const job& j) {
  using column = text_table::column;
  text_table fields({column{"field"}, column{"value"}});
  fields.add_row({"id", std::to_string(j.id)});
  fields.add_row({"type", j.type});
  fields.add_row({"queue", j.queue});
  fields.add_row({"state", std::string(jobrt::to_string(j.state)) +
                               (j.cancel_requested ? " (cancel requested)"
                                                   : "")});
  fields.add_row({"attempt", attempts(j)});
  fields.add_row({"priority", std::to_string(j.priority)});
  fields.add_row({"run_at", format_utc(j.run_at)});
  fields.add_row({"timeout", std::to_string(j.timeout.count()) + " ms"});
  fields.add_row({"breaker_key", j.breaker_key});
  fields.add_row({"unique_key", j.unique_key.value_or("-")});
  fields.add_row({"created_at", format_utc(j.created_at)});
  fields.add_row({"updated_at", format_utc(j.updated_at)});
  fields.add_row({"finished_at", format_utc_or_dash(j.finished_at)});
  fields.add_row({"payload", preview(j.payload)});
  fields.add_row({"output", j.output ? preview(*j.output) : "-"});
  fields.print(out);
}

void print_errors(std::ostream& out, const job& j) {
  if (j.errors.empty()) {
    out << "no failed attempts\n";
    return;
  }
  out << "failed attempts (" << j.errors.size() << "):\n";
  using column = text_table::column;
  text_table history({column{"attempt", text_table::align::right},
                      column{"kind"}, column{"code"}, column{"at"},
                      column{"message"}});
  for (const auto& e : j.errors)
    history.add_row({std::to_string(e.attempt),
                     std::string(jobrt::to_string(e.error.kind)), e.error.code,
                     format_utc(e.at), e.error.message});
  history.print(out);
}

} // namespace

std::string format_utc(time_point at) {
  using namespace std::chrono;
  // Bounds first: the calendar arithmetic wraps for times far outside them
  // (time_point::max() came out as year -6911).
  constexpr time_point first{sys_days{year{0} / January / 1}};
  constexpr time_point last{sys_days{year{10000} / January / 1} -
                            milliseconds{1}};
  if (at > last)
    return "never";
  if (at < first)
    return "before year 0";
  auto day = floor<days>(at);
  year_month_day date{sys_days{day}};
  hh_mm_ss clock{floor<seconds>(at - day)};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

void print_state_counts(std::ostream& out, const jobrt::state_counts& counts) {
  using column = text_table::column;
  text_table table({column{"state"}, column{"jobs", text_table::align::right}});
  for (auto state : jobrt::all_job_states)
    table.add_row({std::string(jobrt::to_string(state)),
                   std::to_string(counts[static_cast<std::size_t>(state)])});
  table.add_row({"total", std::to_string(std::accumulate(
                              counts.begin(), counts.end(), std::uint64_t{0}))});
  table.print(out);
}

void print_job_page(std::ostream& out, const jobrt::job_page& page) {
  if (page.jobs.empty()) {
    out << "no jobs match\n";
    return;
  }
  using column = text_table::column;
  using align = text_table::align;
  text_table table({column{"id", align::right}, column{"type"},
                    column{"queue"}, column{"state"},
                    column{"attempt", align::right}, column{"run_at"},
                    column{"last_error"}});
  for (const auto& j : page.jobs)
    table.add_row({std::to_string(j.id), j.type, j.queue,
                   std::string(jobrt::to_string(j.state)), attempts(j),
                   format_utc(j.run_at), last_error_code(j)});
  table.print(out);
  if (page.next_after)
    out << "next page: --after " << *page.next_after << '\n';
}

void print_job(std::ostream& out, const jobrt::job& j) {
  print_fields(out, j);
  print_errors(out, j);
}

} // namespace jobctl
