#include "whoami.hpp"

#include "jobrt/messages/job_json.hpp"

namespace jobrtd {

api_response whoami(const access_policy& access, std::string_view authorization) {
  auto granted = access.role_for(authorization);
  nlohmann::json body;
  body["role"] = granted ? nlohmann::json(std::string(to_string(*granted)))
                         : nlohmann::json();
  body["tokens_required"] = !access.open();
  return {200, "application/json", jobrt::dump_json(body), false};
}

} // namespace jobrtd
