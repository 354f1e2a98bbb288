#pragma once

// Why the runtime refused a request (enqueue, cancel, requeue, purge, get).
// Every refusal is one of these, named for what went wrong; nothing is
// changed when a request is refused.

#include "jobrt/messages/job.hpp"

#include <string>
#include <string_view>

namespace jobrt {

struct request_error {
  enum class code_type : std::uint8_t {
    invalid_spec,       ///< the job_spec is malformed (see spec_error)
    unknown_job_type,   ///< no handler is registered for the type
    not_found,          ///< no job has this id (never existed, or purged)
    invalid_transition, ///< the job's state does not allow the request
    shutting_down,      ///< the runtime no longer accepts this request
    store_failure,      ///< the store could not make the change durable
    not_started,        ///< the runtime has not been started (or failed to)
    invalid_config,     ///< a registration or runtime setting is nonsense
    too_large,          ///< the payload exceeds the store's size limit
    /// No answer within runtime_config::request_timeout. The request may
    /// still take effect (an enqueue may be stored): look before retrying.
    timeout,
    /// The job changed (another process or node wrote it) between the
    /// read the request was decided on and its write: nothing was changed.
    /// Read it again and retry.
    conflict,
  };
  code_type code = code_type::invalid_spec;
  std::string message;
  job_id id = 0; ///< the job concerned, when there is one

  friend bool operator==(const request_error&, const request_error&) = default;
};

std::string_view to_string(request_error::code_type c) noexcept;

/// "code: message", for logs and CLI output.
std::string describe(const request_error& e);

} // namespace jobrt
