#pragma once

// Bytes the process holds from malloc right now, over all arenas (glibc
// mallinfo2): uordblks, the bytes in use in the arenas, plus hblkhd, the
// bytes of chunks large enough to be mmapped on their own (a vector of a
// million entries is one of those and is missing from uordblks alone).

#include <cstdint>

namespace bench {

std::int64_t heap_bytes_in_use();

} // namespace bench
