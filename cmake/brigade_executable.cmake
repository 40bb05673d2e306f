# brigade_add_executable(<name> <sources...>): a program for the board, made
# the same way in brigade's tree (examples/) and in an application of its
# own built against an installed SDK or a source checkout (cmake/sdk.cmake,
# templates/app). main() runs as the first task once every core is up.
#   <name>.elf, <name>.map  the program, and its link map
#   <name>.bin              the flat image the board's loader takes: the Pi
#                           firmware's kernel8.img, U-Boot's booti Image
#   run-<name>              boot it in the board's QEMU, console on stdio; the
#                           target fails when the program exits non-zero
#   debug-<name>, flash-<name>, gdbserver   (cmake/board_targets.cmake)
#   sdcard-<name>           on the Pi boards (cmake/sdcard.cmake)
# The host board makes a Linux program and run-<name> only.
#
# What it reads: BRIGADE_RUNTIME_TARGET (the runtime to link: brigade_runtime
# in the tree, brigade::runtime from an SDK, which makes it on first use
# through brigade_make_runtime_target), BRIGADE_LINKER_SCRIPT,
# BRIGADE_BARE_METAL and the board's run facts.

set(BRIGADE_SMP 4 CACHE STRING "cores for the run-* targets")

if(BRIGADE_BARE_METAL)
  # brigade_image(<name> <sources...>): the ELF and the flat <name>.bin
  # beside it (start.S begins with the boot image header its loader checks),
  # without the run targets; the tests' images are made this way.
  function(brigade_image name)
    if(NOT TARGET ${BRIGADE_RUNTIME_TARGET})
      brigade_make_runtime_target()
    endif()
    add_executable(${name} ${ARGN})
    if(BRIGADE_SDK_BUILD_DIR) # an SDK built from a checkout (cmake/brigade-config.cmake)
      if(NOT TARGET brigade_sdk)
        add_custom_target(brigade_sdk
          COMMAND ${CMAKE_COMMAND} --build ${BRIGADE_SDK_BUILD_DIR} --target brigade
          COMMAND ${CMAKE_COMMAND} --install ${BRIGADE_SDK_BUILD_DIR} --prefix ${BRIGADE_SDK_INSTALL_DIR}
          COMMENT "brigade: bringing the SDK in ${BRIGADE_SDK_INSTALL_DIR} up to date")
      endif()
      add_dependencies(${name} brigade_sdk)
    endif()
    set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${BRIGADE_LINKER_SCRIPT})
    # In the tree the scheduler is an object library of its own, built as
    # shipped (brigade_sched) and with test hooks (a test sets
    # BRIGADE_SCHED_LIBRARY); an SDK's runtime already holds it.
    if(NOT BRIGADE_SCHED_LIBRARY AND TARGET brigade_sched)
      set(BRIGADE_SCHED_LIBRARY brigade_sched)
    endif()
    target_link_libraries(${name} PRIVATE ${BRIGADE_RUNTIME_TARGET} ${BRIGADE_SCHED_LIBRARY})
    target_link_options(${name} PRIVATE -Wl,-Map=$<TARGET_FILE_DIR:${name}>/${name}.map)
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${name}> $<TARGET_FILE_DIR:${name}>/${name}.bin
      VERBATIM)
  endfunction()
endif()

function(brigade_add_executable name)
  if(NOT ARGN)
    message(FATAL_ERROR "brigade_add_executable(${name}): no source files given")
  endif()
  brigade_image(${name} ${ARGN})
  if(BRIGADE_BARE_METAL)
    brigade_board_targets(${name})
    if(BRIGADE_SDCARD_FIRMWARE)
      brigade_sdcard(${name})
    endif()
  else()
    add_custom_target(run-${name}
      COMMAND ${CMAKE_COMMAND} -E env BRIGADE_CORES=${BRIGADE_SMP} $<TARGET_FILE:${name}>
      DEPENDS ${name} USES_TERMINAL)
  endif()
endfunction()
