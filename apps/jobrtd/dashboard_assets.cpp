#include "dashboard_assets.hpp"

#include <array>

// Defined by the sources embed_asset.cmake generates, one per file of
// JOBRTD_DASHBOARD_FILES (CMakeLists.txt), named after the file.
namespace jobrtd::dashboard_files {
std::string_view index_html() noexcept;
std::string_view dashboard_css() noexcept;
std::string_view favicon_svg() noexcept;
std::string_view dashboard_js() noexcept;
std::string_view api_js() noexcept;
std::string_view dom_js() noexcept;
std::string_view event_stream_js() noexcept;
std::string_view state_counts_js() noexcept;
std::string_view count_reads_js() noexcept;
std::string_view throughput_chart_js() noexcept;
std::string_view breaker_table_js() noexcept;
std::string_view job_list_js() noexcept;
std::string_view job_detail_js() noexcept;
std::string_view dead_letters_js() noexcept;
} // namespace jobrtd::dashboard_files

namespace jobrtd {

namespace {

struct embedded_file {
  std::string_view name;
  std::string_view (*bytes)() noexcept;
};

namespace files = dashboard_files;

constexpr std::array embedded{
    embedded_file{"index.html", files::index_html},
    embedded_file{"dashboard.css", files::dashboard_css},
    embedded_file{"favicon.svg", files::favicon_svg},
    embedded_file{"dashboard.js", files::dashboard_js},
    embedded_file{"api.js", files::api_js},
    embedded_file{"dom.js", files::dom_js},
    embedded_file{"event_stream.js", files::event_stream_js},
    embedded_file{"state_counts.js", files::state_counts_js},
    embedded_file{"count_reads.js", files::count_reads_js},
    embedded_file{"throughput_chart.js", files::throughput_chart_js},
    embedded_file{"breaker_table.js", files::breaker_table_js},
    embedded_file{"job_list.js", files::job_list_js},
    embedded_file{"job_detail.js", files::job_detail_js},
    embedded_file{"dead_letters.js", files::dead_letters_js},
};

std::string_view content_type_of(std::string_view name) {
  auto ext = name.substr(name.rfind('.') + 1);
  if (ext == "html")
    return "text/html; charset=utf-8";
  if (ext == "css")
    return "text/css; charset=utf-8";
  if (ext == "js")
    return "text/javascript; charset=utf-8";
  if (ext == "svg")
    return "image/svg+xml";
  return "application/octet-stream";
}

} // namespace

std::optional<dashboard_asset> find_dashboard_asset(std::string_view path) {
  constexpr std::string_view prefix = "/dashboard/";
  std::string_view name;
  if (path == "/")
    name = "index.html";
  else if (path.starts_with(prefix))
    name = path.substr(prefix.size());
  else
    return std::nullopt;
  for (const auto& f : embedded)
    if (f.name == name)
      return dashboard_asset{content_type_of(name), f.bytes()};
  return std::nullopt;
}

} // namespace jobrtd
