# install() rules and the exported package: after `cmake --install`, a
# project finds jobrt with find_package(jobrt) and links jobrt::jobrt.

include(CMakePackageConfigHelpers)

install(TARGETS jobrt_core jobrt EXPORT jobrtTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

foreach(dir messages actors persistence)
  # The stores' own machinery (sqlite_error.hpp, postgres_connection.hpp,
  # ...) is not API: only their store and options headers are, and they
  # include neither <sqlite3.h> nor <libpq-fe.h>.
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/${dir}/"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/jobrt/${dir}"
    FILES_MATCHING PATTERN "*.hpp"
    PATTERN "sqlite_*.hpp" EXCLUDE
    PATTERN "postgres_*.hpp" EXCLUDE
    PATTERN "supervisor_state.hpp" EXCLUDE
    PATTERN "held_turn.hpp" EXCLUDE)
endforeach()
install(FILES
  "${PROJECT_SOURCE_DIR}/persistence/sqlite_store.hpp"
  "${PROJECT_SOURCE_DIR}/persistence/sqlite_options.hpp"
  "${PROJECT_SOURCE_DIR}/persistence/postgres_store.hpp"
  "${PROJECT_SOURCE_DIR}/persistence/postgres_options.hpp"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/jobrt/persistence")

set(JOBRT_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/jobrt")
install(EXPORT jobrtTargets NAMESPACE jobrt:: DESTINATION "${JOBRT_CMAKE_DIR}")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/jobrtConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/jobrtConfig.cmake"
  INSTALL_DESTINATION "${JOBRT_CMAKE_DIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/jobrtConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/jobrtConfig.cmake"
  "${PROJECT_BINARY_DIR}/jobrtConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake"
  DESTINATION "${JOBRT_CMAKE_DIR}")
