# The SDK of a bare-metal board: `cmake --install build/<board> --prefix <dir>`
# installs everything an application needs to be built for that board
# without brigade's tree (templates/app, README "Your own firmware"):
#   lib/libbrigade.a                   the runtime (linked whole: boot code,
#                                      trap vectors and newlib's syscalls are
#                                      reached from no application symbol)
#   lib/brigade/brigade.ld             the board's linker script
#   lib/brigade/newlib/                the newlib brigade was built against
#   include/brigade/, include/brigade/arch/   public headers
#   include/drivers/<kind>/<driver>.h  the headers of the drivers this board
#                                      builds (their code is in libbrigade.a),
#                                      at the path in-tree code includes them
#                                      by: "drivers/rtc/goldfish_rtc.h"
#   lib/cmake/brigade/                 brigade-config.cmake (find_package),
#                                      the board's toolchain file and the
#                                      cmake files that make the targets
#   share/brigade/scripts, gdb, board, firmware   what run-, debug-, flash-
#                                      and sdcard- targets call
# and on boards with a network device (BRIGADE_HAS_NETDEV) the network:
#   lib/libbrigade_net.a, include/brigade/net.h   net/ (sys_arch, the
#                                      netif, sockets): the target brigade_net
#   lib/brigade/lwip/                  the lwIP it was built with: liblwip.a,
#                                      lwIP's headers and brigade's port
#                                      headers (lwipopts.h, arch/), copied
#                                      from the cache (docs/NETWORK.md: why)
# An SDK serves one board; install one per board into its own prefix.
add_library(brigade STATIC $<TARGET_OBJECTS:brigade_runtime> $<TARGET_OBJECTS:brigade_sched>)
install(TARGETS brigade ARCHIVE DESTINATION lib)

foreach(dir IN LISTS BRIGADE_PORTABLE_INCLUDES)
  if(NOT dir STREQUAL CMAKE_SOURCE_DIR) # the tree's root: private paths
    install(DIRECTORY ${dir}/ DESTINATION include FILES_MATCHING PATTERN "*.h")
  endif()
endforeach()
install(DIRECTORY ${CMAKE_SOURCE_DIR}/kernel/arch/${BRIGADE_ARCH}/include/
        DESTINATION include/brigade/arch FILES_MATCHING PATTERN "*.h")

# The drivers this board builds, as "<kind>/<driver>" (rtc/goldfish_rtc):
# each driver's header is installed, and brigade-config.cmake lists them
# (BRIGADE_DRIVERS) so that an application can ask for the one it needs.
# Only these: a driver the board does not build is not in libbrigade.a.
set(BRIGADE_DRIVERS)
foreach(src IN LISTS BRIGADE_BOARD_SOURCES)
  file(RELATIVE_PATH src ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/${src})
  if(src MATCHES "^drivers/(.+)\\.c$")
    set(driver ${CMAKE_MATCH_1})
    if(NOT EXISTS ${CMAKE_SOURCE_DIR}/drivers/${driver}.h)
      message(FATAL_ERROR "${src} has no header drivers/${driver}.h to install in the SDK")
    endif()
    get_filename_component(kind ${driver} DIRECTORY)
    install(FILES ${CMAKE_SOURCE_DIR}/drivers/${driver}.h DESTINATION include/drivers/${kind})
    list(APPEND BRIGADE_DRIVERS ${driver})
  endif()
endforeach()

# The network: lwIP is installed with the SDK, not named at its place in
# the cache, so an SDK keeps working when the cache is cleared or rebuilt
# under another key, and can be copied to another machine as it is.
set(SDK_NET_MAX_SOCKETS "")
if(BRIGADE_HAS_NETDEV)
  add_library(brigade_net_archive STATIC $<TARGET_OBJECTS:brigade_net>)
  set_target_properties(brigade_net_archive PROPERTIES OUTPUT_NAME brigade_net)
  install(TARGETS brigade_net_archive ARCHIVE DESTINATION lib)
  # Building the SDK's library builds this one too (an SDK made from a
  # checkout builds the target brigade, then installs).
  add_dependencies(brigade brigade_net_archive)
  install(FILES ${CMAKE_SOURCE_DIR}/net/include/brigade/net.h DESTINATION include/brigade)
  install(DIRECTORY ${BRIGADE_LWIP_PREFIX}/include/ ${BRIGADE_LWIP_PORT_INCLUDE}/
          DESTINATION lib/brigade/lwip/include FILES_MATCHING PATTERN "*.h")
  install(FILES ${BRIGADE_LWIP_PREFIX}/lib/liblwip.a DESTINATION lib/brigade/lwip/lib)
  set(SDK_NET_MAX_SOCKETS ${BRIGADE_NET_MAX_SOCKETS})
endif()

install(FILES ${BRIGADE_LINKER_SCRIPT} DESTINATION lib/brigade RENAME brigade.ld)
install(DIRECTORY ${BRIGADE_NEWLIB_PREFIX}/include DESTINATION lib/brigade/newlib)
install(FILES ${BRIGADE_NEWLIB_PREFIX}/lib/libc.a ${BRIGADE_NEWLIB_PREFIX}/lib/libm.a
        DESTINATION lib/brigade/newlib/lib)

set(_sdk_cmake lib/cmake/brigade)
install(FILES ${CMAKE_TOOLCHAIN_FILE} DESTINATION ${_sdk_cmake} RENAME toolchain.cmake)
install(FILES ${CMAKE_SOURCE_DIR}/cmake/board_targets.cmake
              ${CMAKE_SOURCE_DIR}/cmake/brigade_executable.cmake
              ${CMAKE_SOURCE_DIR}/cmake/sdcard.cmake
        DESTINATION ${_sdk_cmake})
install(PROGRAMS ${CMAKE_SOURCE_DIR}/scripts/qemu-debug.sh ${CMAKE_SOURCE_DIR}/scripts/openocd-flash.sh
                 ${CMAKE_SOURCE_DIR}/scripts/make-sdcard.sh
        DESTINATION share/brigade/scripts)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/gdb/ DESTINATION share/brigade/gdb)

# Board facts the application's targets need, as brigade-config.cmake
# records them (paths of installed files relative to the prefix).
set(SDK_OPENOCD_CFG "")
set(SDK_OPENOCD_ADAPTER "")
if(BRIGADE_OPENOCD_CFG)
  install(FILES ${BRIGADE_OPENOCD_CFG} DESTINATION share/brigade/board RENAME openocd.cfg)
  set(SDK_OPENOCD_CFG share/brigade/board/openocd.cfg)
endif()
if(BRIGADE_OPENOCD_ADAPTER)
  install(FILES ${BRIGADE_OPENOCD_ADAPTER} DESTINATION share/brigade/board RENAME openocd-adapter.cfg)
  set(SDK_OPENOCD_ADAPTER share/brigade/board/openocd-adapter.cfg)
endif()
set(SDK_RASPI_FIRMWARE "")
if(BRIGADE_SDCARD_FIRMWARE AND BRIGADE_RASPI_FIRMWARE_DIR)
  foreach(f IN LISTS BRIGADE_SDCARD_FIRMWARE)
    install(FILES ${BRIGADE_RASPI_FIRMWARE_DIR}/${f} DESTINATION share/brigade/firmware)
  endforeach()
  set(SDK_RASPI_FIRMWARE share/brigade/firmware)
endif()
get_filename_component(SDK_QEMU_PROGRAM "${BRIGADE_QEMU}" NAME)
configure_file(${CMAKE_SOURCE_DIR}/cmake/brigade-config.cmake.in
               ${CMAKE_BINARY_DIR}/sdk/brigade-config.cmake @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/sdk/brigade-config.cmake DESTINATION ${_sdk_cmake})
