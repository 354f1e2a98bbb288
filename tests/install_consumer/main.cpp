// Uses the installed headers and library: enqueue-side vocabulary, the
// transition function and the retry policy. Exits non-zero on any surprise.

#include <jobrt/actors/retry_policy.hpp>
#include <jobrt/actors/transitions.hpp>
#include <jobrt/messages/job_json.hpp>

#include <cstdio>

int main() {
  using namespace std::chrono_literals;
  const auto now = jobrt::time_point{1'700'000'000'000ms};
  jobrt::job_spec spec;
  spec.type = "email";
  spec.payload = R"({"to":"ops@example.com"})";
  if (!jobrt::validate_spec(spec)) {
    std::puts("spec rejected");
    return 1;
  }
  auto job = jobrt::make_job(spec, 1, jobrt::job_defaults{}, now);
  auto running = jobrt::apply_event(job, jobrt::events::dispatch{}, now);
  if (!running || running.value().state != jobrt::job_state::processing) {
    std::puts("dispatch failed");
    return 1;
  }
  auto decision = jobrt::decide_retry(jobrt::retry_policy{}, 1, 5,
                                      jobrt::job_error::transient("timeout"),
                                      jobrt::seeded_unit_random(1));
  if (!decision.retry() || *decision.delay != 1s) {
    std::puts("unexpected retry decision");
    return 1;
  }
  auto parsed = jobrt::parse_job(jobrt::to_json(running.value()).dump());
  if (!parsed || !(parsed.value() == running.value())) {
    std::puts("JSON round trip failed");
    return 1;
  }
  std::printf("jobrt consumer ok: job %lld is %s\n",
              static_cast<long long>(parsed.value().id),
              std::string(jobrt::to_string(parsed.value().state)).c_str());
  return 0;
}
