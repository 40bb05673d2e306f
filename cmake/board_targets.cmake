# Per-board targets for an image (brigade_board_targets(<image>)):
#   run-<image>        boot it under QEMU (QEMU boards)
#   debug-<image>      QEMU halted at the first instruction with its gdbstub
#                      on port BRIGADE_GDB_PORT, and gdb-multiarch attached
#                      with gdb/brigade.py and gdb/brigade.gdb
#   flash-<image>      load it into a real board's RAM over JTAG (OpenOCD,
#                      the board's openocd.cfg + BRIGADE_OPENOCD_ADAPTER)
#   gdbserver          OpenOCD as GDB server for the real board (port 3333)
# Boards without the means say so when the target runs, instead of having
# no target: "flash" on a QEMU-only board prints what to do instead.
# The same file serves brigade's tree and an installed SDK (cmake/sdk.cmake):
# BRIGADE_SCRIPTS_DIR and BRIGADE_GDB_DIR say where scripts/ and gdb/ are.
set(BRIGADE_GDB_PORT 1234 CACHE STRING "TCP port of QEMU's gdbstub for the debug-* targets")
set(BRIGADE_OPENOCD_ADAPTER "${BRIGADE_OPENOCD_ADAPTER}" CACHE FILEPATH
    "OpenOCD adapter (probe) config for flash-* and gdbserver")
find_program(BRIGADE_GDB_PROGRAM NAMES gdb-multiarch)

set(_gdb_setup -ex "source ${BRIGADE_GDB_DIR}/brigade.py" -x ${BRIGADE_GDB_DIR}/brigade.gdb)

function(brigade_board_targets image)
  _brigade_gdbserver_target()
  if(NOT BRIGADE_HARDWARE_ONLY)
    math(EXPR harts "${BRIGADE_SMP} + ${BRIGADE_QEMU_EXTRA_HARTS}")
    # BRIGADE_RUN_QEMU_EXTRA_ARGS: what a caller sets around its
    # brigade_add_executable for this image's run target alone (the network
    # examples: a device and a forwarded port).
    set(qemu ${BRIGADE_QEMU} ${BRIGADE_QEMU_ARGS} ${BRIGADE_RUN_QEMU_EXTRA_ARGS} -smp ${harts}
        -kernel $<TARGET_FILE:${image}>)
    add_custom_target(run-${image} COMMAND ${qemu} DEPENDS ${image} USES_TERMINAL)
    add_custom_target(debug-${image}
      COMMAND ${BRIGADE_SCRIPTS_DIR}/qemu-debug.sh ${BRIGADE_GDB_PORT}
              ${CMAKE_BINARY_DIR}/${image}-console.log $<TARGET_FILE:${image}> -- ${qemu}
      DEPENDS ${image} USES_TERMINAL VERBATIM)
  else()
    add_custom_target(run-${image}
      COMMAND ${CMAKE_COMMAND} -E echo "${BRIGADE_BOARD} has no QEMU model: use flash-${image} and boot it from U-Boot (README.md)"
      COMMAND ${CMAKE_COMMAND} -E false)
    add_custom_target(debug-${image}
      COMMAND ${CMAKE_COMMAND} -E echo "${BRIGADE_BOARD} has no QEMU model: run the gdbserver target and attach ${BRIGADE_GDB_PROGRAM} ${_gdb_setup} -ex 'target extended-remote :3333'"
      COMMAND ${CMAKE_COMMAND} -E false)
  endif()
  if(BRIGADE_OPENOCD_CFG)
    add_custom_target(flash-${image}
      COMMAND ${BRIGADE_SCRIPTS_DIR}/openocd-flash.sh ${BRIGADE_OPENOCD_ADAPTER} ${BRIGADE_OPENOCD_CFG}
              $<TARGET_FILE_DIR:${image}>/${image}.bin ${BRIGADE_LOAD_ADDR}
      DEPENDS ${image} USES_TERMINAL VERBATIM)
  else()
    add_custom_target(flash-${image}
      COMMAND ${CMAKE_COMMAND} -E echo "${BRIGADE_BOARD} is QEMU-only: nothing to flash; use run-${image} or debug-${image}"
      COMMAND ${CMAKE_COMMAND} -E false)
  endif()
endfunction()

# One gdbserver target per build, made with the first image's targets (an
# application's find_package(brigade) runs before project(), when no target
# can be made yet).
function(_brigade_gdbserver_target)
  if(TARGET gdbserver)
    return()
  endif()
  if(BRIGADE_OPENOCD_CFG)
    add_custom_target(gdbserver
      COMMAND openocd -f ${BRIGADE_OPENOCD_ADAPTER} -f ${BRIGADE_OPENOCD_CFG}
      USES_TERMINAL
      COMMENT "OpenOCD GDB server on :3333; attach: ${BRIGADE_GDB_PROGRAM} ${_gdb_setup} -ex 'target extended-remote :3333' <image>.elf")
  else()
    add_custom_target(gdbserver
      COMMAND ${CMAKE_COMMAND} -E echo "${BRIGADE_BOARD} is QEMU-only: its GDB server is QEMU's gdbstub (debug-<image> targets)"
      COMMAND ${CMAKE_COMMAND} -E false)
  endif()
endfunction()
