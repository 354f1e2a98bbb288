// Placeholder until the SQLite store lands (issue 4, in progress).
#include "jobrt/persistence/sqlite_store.hpp"
