#include "table.hpp"

#include <algorithm>
#include <utility>

namespace jobctl {

text_table::text_table(std::vector<column> columns)
    : columns_(std::move(columns)) {}

void text_table::add_row(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::vector<std::size_t> text_table::widths() const {
  std::vector<std::size_t> result;
  result.reserve(columns_.size());
  for (const auto& c : columns_)
    result.push_back(c.header.size());
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i)
      result[i] = std::max(result[i], row[i].size());
  return result;
}

void text_table::print_line(std::ostream& out,
                            const std::vector<std::string>& cells,
                            const std::vector<std::size_t>& widths) const {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0)
      line += "  ";
    auto padding = std::string(widths[i] - cells[i].size(), ' ');
    bool last = i + 1 == cells.size();
    if (columns_[i].alignment == align::right)
      line += padding + cells[i];
    else
      line += last ? cells[i] : cells[i] + padding;
  }
  line.erase(line.find_last_not_of(' ') + 1); // an empty last cell
  out << line << '\n';
}

void text_table::print(std::ostream& out) const {
  auto w = widths();
  std::vector<std::string> headers;
  headers.reserve(columns_.size());
  for (const auto& c : columns_)
    headers.push_back(c.header);
  print_line(out, headers, w);
  for (const auto& row : rows_)
    print_line(out, row, w);
}

} // namespace jobctl
