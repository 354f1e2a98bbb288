#pragma once

// A column-aligned text table for jobctl's human-readable output. Cells are
// padded to the widest cell of their column (measured in bytes, so text
// beyond ASCII may misalign); the last column is never padded, so a long
// message at the end of a row does not widen the others.

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace jobctl {

class text_table {
public:
  enum class align { left, right };

  struct column {
    std::string header;
    align alignment = align::left;
  };

  explicit text_table(std::vector<column> columns);

  /// `cells` holds one cell per column; missing cells print empty, extra
  /// ones are dropped.
  void add_row(std::vector<std::string> cells);

  std::size_t rows() const noexcept { return rows_.size(); }

  /// The header line, then one line per row, columns two spaces apart.
  void print(std::ostream& out) const;

private:
  std::vector<std::size_t> widths() const;
  void print_line(std::ostream& out, const std::vector<std::string>& cells,
                  const std::vector<std::size_t>& widths) const;

  std::vector<column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

} // namespace jobctl
