# Settings for thunk's own targets (tests, examples, bench) — never for users.

# Warnings as errors on our own code only.
function(thunk_strict target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
  endif()
endfunction()

# Everything lands in one directory so Windows finds the example DLL beside the
# programs, under wine too.
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
set(CMAKE_LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

# Sanitizers on our own targets: THUNK_SANITIZE=address,undefined (or thread)
# builds and links them with -fsanitize=..., and any finding stops the program.
# Used by scripts/test.sh's sanitizer rows and the asan/tsan presets.
set(THUNK_SANITIZE "" CACHE STRING "Sanitizers for thunk's own targets, as for -fsanitize= (e.g. address,undefined or thread)")
if(THUNK_SANITIZE)
  add_compile_options(-fsanitize=${THUNK_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${THUNK_SANITIZE})
endif()

# The test suite and examples built the way a game engine or an embedded
# target builds them: -fno-exceptions -fno-rtti on every target of ours. The
# tests that need exceptions leave themselves out (#if THUNK_HAS_EXCEPTIONS);
# so does the exceptions example. Used by scripts/test.sh's no-exceptions row.
option(THUNK_TEST_NO_EXCEPTIONS "Build thunk's tests and examples with -fno-exceptions -fno-rtti" OFF)
if(THUNK_TEST_NO_EXCEPTIONS)
  if(MSVC)
    add_compile_options(/EHs-c- /GR-)
  else()
    add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions> $<$<COMPILE_LANGUAGE:CXX>:-fno-rtti>)
  endif()
endif()

if(NOT CMAKE_CXX_STANDARD)
  set(CMAKE_CXX_STANDARD 17)
endif()
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)

# MinGW programs carry their runtime so wine needs no extra DLLs.
if(MINGW)
  add_link_options(-static-libgcc -static-libstdc++ -static)
endif()

# Static cross targets (i686, AArch64, RISC-V, ARMv7 under qemu) cannot load a
# .so: the example library is static there (THUNK_STATIC_TARGET set by the
# toolchain file).
if(THUNK_STATIC_TARGET)
  set(THUNK_EXAMPLE_LIBRARY_TYPE STATIC)
else()
  set(THUNK_EXAMPLE_LIBRARY_TYPE SHARED)
endif()
