# Installs the jobrt build into a scratch prefix, then configures, builds
# and runs the consumer project against it. Any failing step fails the test.

function(run_step)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGV}")
  endif()
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
run_step("${CMAKE_COMMAND}" --install "${JOBRT_BUILD_DIR}" --prefix "${prefix}")
run_step("${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build"
         -G "${CMAKE_GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}")
run_step("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run_step("${WORK_DIR}/build/jobrt-consumer")
