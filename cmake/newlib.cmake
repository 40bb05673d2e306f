# Find newlib for BRIGADE_ARCH, building it into the cache on first use
# (scripts/build-newlib.sh keys the cache by version, target and flags).
execute_process(
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/build-newlib.sh ${BRIGADE_ARCH}
  OUTPUT_VARIABLE BRIGADE_NEWLIB_PREFIX
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _newlib_rc)
if(NOT _newlib_rc EQUAL 0 OR NOT EXISTS "${BRIGADE_NEWLIB_PREFIX}/lib/libc.a")
  message(FATAL_ERROR "newlib for ${BRIGADE_ARCH} is not available (scripts/build-newlib.sh "
                      "${BRIGADE_ARCH} failed; see its message above)")
endif()
message(STATUS "newlib: ${BRIGADE_NEWLIB_PREFIX}")
