#pragma once

// How figures reach the reader: a readable table per workload, then one
// compact JSON line that scripts can grep ('^{').

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace bench {

/// Rows of figure, value and a note ("target >= 0.5", "expected 6,667";
/// empty when the figure has none).
class figure_table {
public:
  explicit figure_table(std::string title);

  void add(std::string figure, std::string value, std::string note = {});
  /// Prints the title and aligned rows to stdout.
  void print() const;

private:
  struct row {
    std::string figure;
    std::string value;
    std::string note;
  };
  std::string title_;
  std::vector<row> rows_;
};

/// "1,234,567" (rounded to an integer).
std::string with_separators(double value);
/// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals);

/// Prints `row` as one compact JSON line and flushes stdout.
void emit_json(const nlohmann::ordered_json& row);

} // namespace bench
