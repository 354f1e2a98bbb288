#include "heap_usage.hpp"

#include <malloc.h>

namespace bench {

std::int64_t heap_bytes_in_use() {
  auto info = mallinfo2();
  return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
}

} // namespace bench
