#include "database_files.hpp"

#include <filesystem>
#include <system_error>

namespace bench {

namespace {

std::uint64_t file_bytes(const std::string& path) {
  std::error_code error;
  auto bytes = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::uint64_t>(bytes);
}

} // namespace

void remove_database(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix, ignored);
}

database_size size_of_database(const std::string& path) {
  return {file_bytes(path), file_bytes(path + "-wal")};
}

} // namespace bench
