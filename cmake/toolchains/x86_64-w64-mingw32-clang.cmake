# Windows (x86_64-w64-mingw32) with clang: the only compiler here that has
# vectorcall (GCC has none). Debian's clang targets MinGW with the MinGW-w64
# sysroot and the C++ library of Debian's MinGW g++ (posix threads); lld links
# (apt-get install clang lld g++-mingw-w64-x86-64-posix). ctest runs every
# program under wine through CMAKE_CROSSCOMPILING_EMULATOR, as the GCC row does.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_C_COMPILER_TARGET x86_64-w64-mingw32)
set(CMAKE_CXX_COMPILER_TARGET x86_64-w64-mingw32)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_SYSROOT /usr/x86_64-w64-mingw32)

# The newest MinGW g++ with posix threads: its libstdc++ headers and libraries.
file(GLOB _thunk_mingw_gcc_dirs LIST_DIRECTORIES true /usr/lib/gcc/x86_64-w64-mingw32/*-posix)
list(SORT _thunk_mingw_gcc_dirs COMPARE NATURAL ORDER DESCENDING)
list(GET _thunk_mingw_gcc_dirs 0 _thunk_mingw_gcc)
if(NOT IS_DIRECTORY "${_thunk_mingw_gcc}/include/c++")
  message(FATAL_ERROR "no MinGW-w64 g++ (posix) C++ library under /usr/lib/gcc/x86_64-w64-mingw32: "
                      "apt-get install g++-mingw-w64-x86-64-posix")
endif()
set(_thunk_cxx "${_thunk_mingw_gcc}/include/c++")
set(CMAKE_CXX_FLAGS_INIT
    "-nostdinc++ -Wno-unused-command-line-argument -isystem ${_thunk_cxx} -isystem ${_thunk_cxx}/x86_64-w64-mingw32 -isystem ${_thunk_cxx}/backward")
# lld: GNU ld (bfd) mis-orders clang's libraries against the static libstdc++.
# libstdc++ (posix model: its std::thread and static-local guards) needs
# winpthreads, which g++-posix adds by itself; lld resolves archives in any
# order, so -lpthread may stand among the flags (CMake's Windows platform
# files replace CMAKE_CXX_STANDARD_LIBRARIES_INIT).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -L${_thunk_mingw_gcc} -lpthread")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=lld -L${_thunk_mingw_gcc} -lpthread")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-fuse-ld=lld -L${_thunk_mingw_gcc} -lpthread")

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# scripts/wine-run sets WINEDEBUG=-all and a private WINEPREFIX.
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../../scripts/wine-run)
