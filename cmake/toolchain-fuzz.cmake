# The host-fuzz preset: the host's clang, which carries libFuzzer (-fsanitize=fuzzer).
set(BRIGADE_ARCH x86_64)
set(CMAKE_C_COMPILER clang)
set(CMAKE_ASM_COMPILER clang)
