# The host board: the machine's own gcc, x86-64 Linux.
set(BRIGADE_ARCH x86_64)
