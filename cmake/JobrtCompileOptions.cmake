# Warnings and sanitizers for jobrt's own targets.

if(JOBRT_SANITIZE STREQUAL "address")
  # ASan and UBSan together; any UB report fails the test that caused it.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(JOBRT_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT JOBRT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "JOBRT_SANITIZE must be empty, 'address' or 'thread'")
endif()

function(jobrt_set_compile_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast)
  if(JOBRT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Precompiled headers: CAF, Boost.Outcome, nlohmann-json and Catch make up
# most of what each translation unit compiles; precompiling them once per
# target cuts the heaviest test files' compile time by about 40% (what
# keeps the three CI builds inside their budget on 2 cores). Off for a
# build whose compiler launcher or tool does not take PCH well.
option(JOBRT_PRECOMPILE_HEADERS "Precompile the heavy third-party headers" ON)

set(JOBRT_PCH_CORE
  <algorithm> <chrono> <cstdint> <functional> <map> <memory> <optional>
  <string> <string_view> <unordered_map> <utility> <variant> <vector>
  <boost/outcome/result.hpp> <nlohmann/json.hpp>)
set(JOBRT_PCH_CAF ${JOBRT_PCH_CORE}
  <caf/actor_system.hpp> <caf/actor_system_config.hpp>
  <caf/typed_event_based_actor.hpp> <caf/stateful_actor.hpp>
  <caf/scoped_actor.hpp> <caf/send.hpp> <spdlog/spdlog.h>)
set(JOBRT_PCH_TEST <catch2/catch.hpp>)

# jobrt_precompile(TARGET HEADERS...): HEADERS, precompiled for TARGET only
# (never for catch_main.cpp, which configures Catch before including it).
function(jobrt_precompile target)
  if(JOBRT_PRECOMPILE_HEADERS)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()
