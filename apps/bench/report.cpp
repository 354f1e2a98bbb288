#include "report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bench {

figure_table::figure_table(std::string title) : title_(std::move(title)) {}

void figure_table::add(std::string figure, std::string value,
                       std::string note) {
  rows_.push_back({std::move(figure), std::move(value), std::move(note)});
}

void figure_table::print() const {
  std::size_t figure_width = 0;
  std::size_t value_width = 0;
  for (const auto& r : rows_) {
    figure_width = std::max(figure_width, r.figure.size());
    value_width = std::max(value_width, r.value.size());
  }
  std::printf("\n%s\n", title_.c_str());
  for (const auto& r : rows_) {
    std::printf("  %-*s  %*s", static_cast<int>(figure_width), r.figure.c_str(),
                static_cast<int>(value_width), r.value.c_str());
    if (!r.note.empty())
      std::printf("   %s", r.note.c_str());
    std::printf("\n");
  }
  std::fflush(stdout);
}

std::string with_separators(double value) {
  auto digits = std::to_string(std::llround(std::fabs(value)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void emit_json(const nlohmann::ordered_json& row) {
  std::printf("%s\n", row.dump().c_str());
  std::fflush(stdout);
}

} // namespace bench
