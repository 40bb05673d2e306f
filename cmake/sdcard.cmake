# sdcard-<image> for the Raspberry Pi boards (brigade_sdcard(<image>), called
# by brigade_add_executable where the board names its boot firmware in
# BRIGADE_SDCARD_FIRMWARE). It writes, beside the image:
#   <image>-sdcard/      bootcode.bin/start*.elf/fixup*.dat, config.txt and
#                        the program as kernel8.img: copy onto a card's FAT
#                        boot partition
#   <image>-sdcard.img   a whole-card image (MBR, one FAT32 partition with the
#                        same files) for dd or Raspberry Pi Imager
# The firmware is Debian's raspi-firmware package (scripts/raspi-firmware.sh)
# in brigade's tree, and the SDK's copy of it in an application
# (BRIGADE_RASPI_FIRMWARE_DIR set by brigade-config.cmake).
# config.txt: 64-bit, the image at BRIGADE_LOAD_ADDR, UART0 (the PL011) as
# the console (brigade puts it on GPIO 14/15 itself), the board's own
# lines (BRIGADE_SDCARD_CONFIG), and the JTAG pins (GPIO 22-27) when
# BRIGADE_SDCARD_JTAG is ON.
option(BRIGADE_SDCARD_JTAG "config.txt of sdcard-* images turns the JTAG pins on (GPIO 22-27)" OFF)

if(NOT BRIGADE_RASPI_FIRMWARE_DIR)
  execute_process(
    COMMAND ${BRIGADE_SCRIPTS_DIR}/raspi-firmware.sh
    OUTPUT_VARIABLE _firmware_dir
    OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _firmware_rc)
  if(_firmware_rc EQUAL 0)
    set(BRIGADE_RASPI_FIRMWARE_DIR ${_firmware_dir})
    message(STATUS "raspi-firmware: ${BRIGADE_RASPI_FIRMWARE_DIR}")
  else()
    message(WARNING "No Raspberry Pi boot firmware (scripts/raspi-firmware.sh failed, see above): "
                    "the sdcard-* targets will fail until scripts/setup.sh has run as root")
  endif()
endif()

function(brigade_sdcard image)
  cmake_parse_arguments(ARG "ALL" "" "" ${ARGN})
  set(all)
  if(ARG_ALL)
    set(all ALL)
  endif()
  if(NOT BRIGADE_RASPI_FIRMWARE_DIR)
    add_custom_target(sdcard-${image} ${all}
      COMMAND ${CMAKE_COMMAND} -E echo "no Raspberry Pi boot firmware: run scripts/setup.sh as root (it enables the non-free-firmware component of the machine's Debian archive), then configure again"
      COMMAND ${CMAKE_COMMAND} -E false)
    return()
  endif()
  set(firmware)
  foreach(f IN LISTS BRIGADE_SDCARD_FIRMWARE)
    list(APPEND firmware ${BRIGADE_RASPI_FIRMWARE_DIR}/${f})
  endforeach()
  set(lines
    "# ${image} for ${BRIGADE_BOARD}, written by brigade's sdcard-${image} target"
    "arm_64bit=1"
    "kernel=kernel8.img"
    "kernel_address=${BRIGADE_LOAD_ADDR}"
    "# The console is UART0 (the PL011), 115200 8N1 from a 48 MHz clock,"
    "# on GPIO 14/15 (pins 8 and 10): brigade selects those pins itself"
    "enable_uart=1"
    "init_uart_clock=48000000"
    ${BRIGADE_SDCARD_CONFIG})
  if(BRIGADE_SDCARD_JTAG)
    list(APPEND lines "# JTAG on GPIO 22-27 (board/${BRIGADE_BOARD}/openocd.cfg)" "enable_jtag_gpio=1")
  endif()
  list(JOIN lines "\n" text)
  set(config ${CMAKE_CURRENT_BINARY_DIR}/${image}-config.txt)
  file(WRITE ${config} "${text}\n")
  set(dir $<TARGET_FILE_DIR:${image}>)
  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${image}-sdcard.stamp
    COMMAND ${BRIGADE_SCRIPTS_DIR}/make-sdcard.sh ${dir}/${image}-sdcard.img ${dir}/${image}-sdcard
            ${dir}/${image}.bin ${config} ${firmware}
    COMMAND ${CMAKE_COMMAND} -E touch ${CMAKE_CURRENT_BINARY_DIR}/${image}-sdcard.stamp
    DEPENDS ${image} ${config} ${firmware}
    VERBATIM)
  add_custom_target(sdcard-${image} ${all} DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/${image}-sdcard.stamp)
endfunction()
