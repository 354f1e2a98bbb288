#pragma once

// Names one start of one process in a store's owner column.

#include <string>

namespace jobrt {

/// "host:pid:random": the host and pid tell an operator where an attempt
/// runs; the random tail tells two starts of the same pid apart.
std::string make_owner_name();

} // namespace jobrt
