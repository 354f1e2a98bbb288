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
