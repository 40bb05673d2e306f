# The network layer (net/) on boards with a network device
# (BRIGADE_HAS_NETDEV): lwIP, built once into the cache by
# scripts/build-lwip.sh from the source scripts/fetch-lwip.sh fetched, and
# brigade's own part of it, the object library brigade_net (sys_arch, the
# netif over <brigade/netdev.h>, net_start). An image that uses
# <brigade/net.h> links brigade_net.
set(BRIGADE_LWIP_PORT_INCLUDE ${CMAKE_SOURCE_DIR}/net/lwip/include)
# lwIP is compiled with the runtime's flags (warnings aside: lwIP's code is
# not brigade's to fix).
execute_process(
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/build-lwip.sh ${CMAKE_C_COMPILER} ${BRIGADE_LWIP_PORT_INCLUDE}
          ${BRIGADE_NEWLIB_PREFIX}/include ${BRIGADE_C_FLAGS}
  OUTPUT_VARIABLE BRIGADE_LWIP_PREFIX
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _lwip_rc)
if(NOT _lwip_rc EQUAL 0 OR NOT EXISTS "${BRIGADE_LWIP_PREFIX}/lib/liblwip.a")
  message(FATAL_ERROR "lwIP is not available (scripts/build-lwip.sh failed; see its message "
                      "above; scripts/setup.sh fetches its source)")
endif()
message(STATUS "lwIP: ${BRIGADE_LWIP_PREFIX}")
# Rebuild the cached library's key when a port header changes.
file(GLOB_RECURSE _lwip_port_headers ${BRIGADE_LWIP_PORT_INCLUDE}/*.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_lwip_port_headers})

add_library(brigade_net OBJECT
  net/net.c
  net/netif_netdev.c
  net/socket.c
  net/sys_arch.c)
target_include_directories(brigade_net PUBLIC ${CMAKE_SOURCE_DIR}/net/include)
# The socket table's size (NET_MAX_SOCKETS, <brigade/net.h>): public, so
# net/ and the images that use it agree. The default keeps the table at
# 8 KiB; scripts/bench-net.sh builds with more to hold its 10,000 idle
# connections.
set(BRIGADE_NET_MAX_SOCKETS 1024 CACHE STRING "Most sockets open at once (<brigade/net.h>)")
if(NOT BRIGADE_NET_MAX_SOCKETS MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "BRIGADE_NET_MAX_SOCKETS must be a positive number, not "
                      "'${BRIGADE_NET_MAX_SOCKETS}'")
endif()
target_compile_definitions(brigade_net PUBLIC NET_MAX_SOCKETS=${BRIGADE_NET_MAX_SOCKETS})
target_include_directories(brigade_net SYSTEM PUBLIC ${BRIGADE_LWIP_PORT_INCLUDE}
  ${BRIGADE_LWIP_PREFIX}/include)
target_link_libraries(brigade_net PUBLIC brigade_runtime)
# lwIP calls into newlib (memcpy, malloc): the C library comes again after it.
target_link_libraries(brigade_net INTERFACE
  ${BRIGADE_LWIP_PREFIX}/lib/liblwip.a
  -Wl,--start-group ${BRIGADE_NEWLIB_PREFIX}/lib/libc.a -lgcc -Wl,--end-group)

# run-echo and run-httpd boot QEMU with the device and one host port
# forwarded (examples/CMakeLists.txt): 127.0.0.1:8080 to the guest's port
# 80 unless told otherwise.
set(BRIGADE_RUN_HOSTFWD "tcp:127.0.0.1:8080-:80" CACHE STRING
    "QEMU hostfwd rule of the network examples' run- targets")
set(BRIGADE_QEMU_NET_RUN_ARGS ${BRIGADE_QEMU_NET_ARGS})
list(TRANSFORM BRIGADE_QEMU_NET_RUN_ARGS REPLACE "^user,id=n0$" "user,id=n0,hostfwd=${BRIGADE_RUN_HOSTFWD}")
