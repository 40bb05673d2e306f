# brigade_image_test(<image> [SMP n...] [EXPECT pass|fail|panic|hang]
#                    [TIMEOUT seconds] [NAME name] [OUTPUT regex]
#                    [QEMU_ARGS extra QEMU arguments...])
# Runs <image> once per core count through tests/harness/run-image.sh, which
# passes a test only on exit status 0 *and* a final "N passed, 0 failed" line
# (N > 0); EXPECT other than pass inverts that for the harness's own
# self-test. The board's cmake file defines brigade_run_command and
# BRIGADE_TEST_LABEL before including this, and BRIGADE_FIXED_CORES when its
# machine has only one core count.
set(BRIGADE_RUN_IMAGE ${CMAKE_SOURCE_DIR}/tests/harness/run-image.sh)

# The core counts a test runs at: those asked for (default: the board's
# BRIGADE_TEST_SMP). A machine with a fixed core count (QEMU raspi3b: always
# 4) runs each test once, at that count.
function(brigade_test_core_counts out)
  set(counts ${ARGN})
  if(NOT counts)
    set(counts ${BRIGADE_TEST_SMP})
  endif()
  if(BRIGADE_FIXED_CORES)
    set(counts ${BRIGADE_FIXED_CORES})
  endif()
  set(${out} ${counts} PARENT_SCOPE)
endfunction()

function(brigade_image_test image)
  if(BRIGADE_HARDWARE_ONLY)
    return() # no QEMU model: the board's images run on the board (hil/)
  endif()
  cmake_parse_arguments(ARG "" "EXPECT;TIMEOUT;NAME;OUTPUT" "SMP;QEMU_ARGS" ${ARGN})
  brigade_test_core_counts(ARG_SMP ${ARG_SMP})
  if(NOT ARG_EXPECT)
    set(ARG_EXPECT pass)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME ${image})
  endif()
  set(output_check)
  if(ARG_OUTPUT)
    set(output_check --expect-output ${ARG_OUTPUT})
  endif()
  foreach(n IN LISTS ARG_SMP)
    set(test ${BRIGADE_TEST_LABEL}.${ARG_NAME}.${BRIGADE_TEST_CORES_WORD}${n})
    brigade_run_command(run ${n} ${image} "${ARG_QEMU_ARGS}")
    add_test(NAME ${test}
      COMMAND ${BRIGADE_RUN_IMAGE} --expect ${ARG_EXPECT} --timeout ${ARG_TIMEOUT} ${output_check}
              -- ${run})
    # ctest's own timeout is a backstop above the harness's.
    math(EXPR backstop "${ARG_TIMEOUT} + 30")
    set_tests_properties(${test} PROPERTIES TIMEOUT ${backstop} LABELS "${BRIGADE_TEST_LABEL}")
  endforeach()
endfunction()

# brigade_session_test(<image> SCRIPT <python script> [SMP n...] [TIMEOUT s]
#                      [NAME name] [BACKSTOP s] [QEMU_ARGS extra QEMU arguments...])
# Boots <image> once per core count with its console on a pipe and lets the
# script type at it and check the replies (tests/harness/shell_session.py is
# the one for examples/shell). The script ends with "N passed, M failed".
# TIMEOUT goes to the script; ctest's own limit is BACKSTOP (default
# 4 x TIMEOUT + 30 s), for scripts whose run is long by design.
find_program(BRIGADE_PYTHON python3)
function(brigade_session_test image)
  if(BRIGADE_HARDWARE_ONLY)
    return() # no QEMU model to type at
  endif()
  cmake_parse_arguments(ARG "" "SCRIPT;TIMEOUT;NAME;BACKSTOP" "SMP;QEMU_ARGS" ${ARGN})
  brigade_test_core_counts(ARG_SMP ${ARG_SMP})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME ${image})
  endif()
  if(NOT BRIGADE_PYTHON)
    message(WARNING "python3 not found: ${ARG_NAME} session tests are not registered "
                    "(scripts/setup.sh installs it)")
    return()
  endif()
  foreach(n IN LISTS ARG_SMP)
    set(test ${BRIGADE_TEST_LABEL}.${ARG_NAME}.${BRIGADE_TEST_CORES_WORD}${n})
    brigade_run_command(run ${n} ${image} "${ARG_QEMU_ARGS}")
    add_test(NAME ${test}
      COMMAND ${BRIGADE_PYTHON} ${ARG_SCRIPT} --timeout ${ARG_TIMEOUT} -- ${run})
    if(ARG_BACKSTOP)
      set(backstop ${ARG_BACKSTOP})
    else()
      math(EXPR backstop "${ARG_TIMEOUT} * 4 + 30")
    endif()
    set_tests_properties(${test} PROPERTIES TIMEOUT ${backstop} LABELS "${BRIGADE_TEST_LABEL}")
  endforeach()
endfunction()
