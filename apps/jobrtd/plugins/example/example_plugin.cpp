// An example jobrtd plug-in (see apps/jobrtd/plugin_api.hpp). It registers
// two callables:
//   reverse   the payload reversed as the output; an empty payload is a
//             permanent failure (code "empty_payload")
//   countdown the payload as a decimal number N: the first N attempts fail
//             transiently (code "not_yet"), later ones succeed; shows a
//             plug-in's errors going through the configured retry policy
// Configure a type with:
//   [types.reverse]
//   handler = "plugin"
//   [types.reverse.plugin]
//   library = "/usr/lib/jobrtd/jobrtd-example-plugin.so"
//   function = "reverse"

#include "plugin_api.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace {

jobrt::job_result reverse(jobrt::job_context& ctx) {
  if (ctx.payload().empty())
    return jobrt::job_error{jobrt::error_kind::permanent, "empty_payload",
                            "there is nothing to reverse", std::nullopt};
  std::string output(ctx.payload());
  std::reverse(output.begin(), output.end());
  return jobrt::job_output{std::move(output)};
}

jobrt::job_result countdown(jobrt::job_context& ctx) {
  int failures = 0;
  auto text = ctx.payload();
  std::from_chars(text.data(), text.data() + text.size(), failures);
  if (ctx.attempt() <= failures)
    return jobrt::job_error{jobrt::error_kind::transient, "not_yet",
                            "attempt " + std::to_string(ctx.attempt()) + " of " +
                                std::to_string(failures + 1),
                            std::nullopt};
  return jobrt::job_output{"done after " + std::to_string(ctx.attempt()) + " attempts"};
}

} // namespace

extern "C" __attribute__((visibility("default"))) int
jobrtd_register_plugin(jobrtd::plugin_registry& registry, int api_version) {
  if (api_version != jobrtd::plugin_api_version)
    return 1;
  registry.add("reverse", reverse);
  registry.add("countdown", countdown);
  return 0;
}
