# Board host: each core is a pthread of an ordinary Linux process.
set(BRIGADE_BOARD_ARCH x86_64)
set(BRIGADE_BARE_METAL OFF)
set(BRIGADE_TEST_SMP 1 2 4)
