#include "jobrt/persistence/owner_name.hpp"

#include <cstdio>
#include <random>

#include <unistd.h>

namespace jobrt {

std::string make_owner_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  std::random_device random;
  char tail[17];
  std::snprintf(tail, sizeof tail, "%08x%08x", random(), random());
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + tail;
}

} // namespace jobrt
