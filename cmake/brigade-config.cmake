# find_package(brigade) against a checkout of brigade's source instead of an
# installed SDK:
#   cmake -S myapp -B myapp/build -DCMAKE_PREFIX_PATH=<checkout> -DBRIGADE_BOARD=<board>
# (CMake finds this file as <prefix>/cmake/brigade-config.cmake). It builds
# the board's SDK inside the application's build directory
# (brigade-<board>/, installed into brigade-<board>-sdk/) and then reads it
# as an installed one, so an application is built the same way against
# either. The SDK is brought up to date before each of the application's
# images is linked (target brigade_sdk), so edits to the checkout are seen.
get_filename_component(_brigade_checkout "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
file(GLOB _brigade_boards RELATIVE ${_brigade_checkout}/board ${_brigade_checkout}/board/*/board.cmake)
list(TRANSFORM _brigade_boards REPLACE "/board.cmake$" "")
list(JOIN _brigade_boards ", " _brigade_board_names)
if(NOT BRIGADE_BOARD)
  message(FATAL_ERROR "brigade from the checkout ${_brigade_checkout}: choose the board with "
                      "-DBRIGADE_BOARD=<board> (${_brigade_board_names})")
endif()
if(NOT BRIGADE_BOARD IN_LIST _brigade_boards)
  message(FATAL_ERROR "brigade: unknown board '${BRIGADE_BOARD}' (${_brigade_board_names})")
endif()
set(BRIGADE_SDK_BUILD_DIR ${CMAKE_BINARY_DIR}/brigade-${BRIGADE_BOARD})
set(BRIGADE_SDK_INSTALL_DIR ${CMAKE_BINARY_DIR}/brigade-${BRIGADE_BOARD}-sdk)
# The SDK is made once at configure time (the toolchain must be known
# before project()); brigade_sdk refreshes it at build time.
if(NOT EXISTS ${BRIGADE_SDK_INSTALL_DIR}/lib/cmake/brigade/brigade-config.cmake)
  message(STATUS "brigade: building the ${BRIGADE_BOARD} SDK from ${_brigade_checkout} "
                 "in ${BRIGADE_SDK_BUILD_DIR}")
  # brigade_sdk_step(<cmake arguments>): one step of making the SDK.
  function(brigade_sdk_step)
    execute_process(COMMAND ${CMAKE_COMMAND} ${ARGN} RESULT_VARIABLE rc
                    OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "brigade: cmake ${ARGN} failed:\n${out}")
    endif()
  endfunction()
  brigade_sdk_step(-S ${_brigade_checkout} -B ${BRIGADE_SDK_BUILD_DIR} -G ${CMAKE_GENERATOR}
                   -DBRIGADE_BOARD=${BRIGADE_BOARD} -DBRIGADE_SDK_ONLY=ON)
  # cmake/sdk.cmake writes the SDK's config at configure time, for
  # bare-metal boards only.
  if(NOT EXISTS ${BRIGADE_SDK_BUILD_DIR}/sdk/brigade-config.cmake)
    message(FATAL_ERROR "brigade: board ${BRIGADE_BOARD} has no SDK: only bare-metal boards have "
                        "one (the host board's programs are built in brigade's tree)")
  endif()
  brigade_sdk_step(--build ${BRIGADE_SDK_BUILD_DIR} --target brigade)
  brigade_sdk_step(--install ${BRIGADE_SDK_BUILD_DIR} --prefix ${BRIGADE_SDK_INSTALL_DIR})
endif()
include(${BRIGADE_SDK_INSTALL_DIR}/lib/cmake/brigade/brigade-config.cmake)
