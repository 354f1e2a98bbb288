#include "http_requests.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <random>
#include <string_view>

namespace bench {

namespace {

constexpr const char* json_type = "application/json";
constexpr std::size_t pages_per_walk = 10;

std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos;
       at = text.find(what, at + what.size()))
    ++n;
  return n;
}

/// Why `res` is not `status`; empty if it is.
std::string unexpected(const char* what, const httplib::Result& res, int status) {
  if (!res)
    return std::string(what) + ": " + httplib::to_string(res.error());
  if (res->status != status)
    return std::string(what) + ": " + std::to_string(res->status) + " " +
           res->body.substr(0, 300);
  return {};
}

/// One connection's walk through the dead letters.
class dead_pager {
public:
  dead_pager(jobrt::job_id last_id, std::size_t limit, std::uint64_t seed,
             bool from_start)
    : last_id_(last_id), limit_(limit), random_(seed),
      pages_left_(from_start ? pages_per_walk : 0) {}

  std::string operator()(httplib::Client& client) {
    if (pages_left_ == 0) {
      after_ = std::uniform_int_distribution<jobrt::job_id>(0, last_id_)(random_);
      pages_left_ = pages_per_walk;
    }
    auto path = "/jobs?state=dead&limit=" + std::to_string(limit_) +
                "&after=" + std::to_string(after_);
    auto res = client.Get(path.c_str());
    if (auto why = unexpected("GET /jobs", res, 200); !why.empty())
      return why;
    const auto& body = res->body;
    auto jobs = occurrences(body, "\"state\":\"");
    if (jobs > limit_ || occurrences(body, "\"state\":\"dead\"") != jobs)
      return "GET " + path + ": not a page of dead jobs: " + body.substr(0, 300);
    // The last key of the answer (nlohmann orders keys by name).
    constexpr std::string_view key = "\"next_after\":";
    auto at = body.rfind(key);
    if (at == std::string::npos)
      return "GET " + path + ": no next_after: " + body.substr(0, 300);
    auto next = body.substr(at + key.size());
    --pages_left_;
    if (next.starts_with("null"))
      pages_left_ = 0;
    else
      after_ = std::stoll(next);
    return {};
  }

private:
  jobrt::job_id last_id_;
  std::size_t limit_;
  std::mt19937_64 random_;
  std::size_t pages_left_;
  jobrt::job_id after_ = 0;
};

} // namespace

http_request healthz_request() {
  return [](httplib::Client& client) {
    return unexpected("GET /healthz", client.Get("/healthz"), 200);
  };
}

http_request enqueue_one_request(std::string body) {
  return [body = std::move(body)](httplib::Client& client) {
    auto res = client.Post("/jobs", body, json_type);
    if (auto why = unexpected("POST /jobs", res, 201); !why.empty())
      return why;
    if (res->body.find("\"id\":") == std::string::npos)
      return "POST /jobs: no id: " + res->body.substr(0, 300);
    return std::string();
  };
}

http_request enqueue_batch_request(std::string body, std::size_t specs) {
  return [body = std::move(body), specs](httplib::Client& client) {
    auto res = client.Post("/jobs", body, json_type);
    if (auto why = unexpected("POST /jobs (array)", res, 200); !why.empty())
      return why;
    if (occurrences(res->body, "\"existing\":false") != specs)
      return "POST /jobs (array): not " + std::to_string(specs) +
             " new jobs: " + res->body.substr(0, 300);
    return std::string();
  };
}

std::string spec_body(const std::string& type) {
  nlohmann::json spec{
      {"type", type},
      {"payload", R"({"account":100042,"template":"welcome","locale":"en"})"}};
  return spec.dump();
}

std::string spec_array_body(const std::string& type, std::size_t copies) {
  std::string body = "[";
  auto spec = spec_body(type);
  for (std::size_t i = 0; i < copies; ++i)
    body += (i == 0 ? "" : ",") + spec;
  return body + "]";
}

http_request dead_page_request(jobrt::job_id last_id, std::size_t limit,
                               std::uint64_t seed, bool from_start) {
  // std::function copies its target: the pager's state lives behind it.
  auto pager = std::make_shared<dead_pager>(last_id, limit, seed, from_start);
  return [pager](httplib::Client& client) { return (*pager)(client); };
}

} // namespace bench
