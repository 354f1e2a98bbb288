// The text table: columns line up whatever the cell widths.

#include "table.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using jobctl::text_table;

TEST_CASE("cells are padded to their column's widest cell") {
  text_table t({{"id", text_table::align::right}, {"state"}, {"message"}});
  t.add_row({"7", "dead", "no such mailbox"});
  t.add_row({"1234", "pending"});
  std::ostringstream out;
  t.print(out);
  CHECK(out.str() == "  id  state    message\n"
                     "   7  dead     no such mailbox\n"
                     "1234  pending\n");
}
