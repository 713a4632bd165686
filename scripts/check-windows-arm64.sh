#!/bin/sh
# Windows on ARM64 (aarch64-w64-windows-gnu): a syntax check with clang++
# against Debian's MinGW-w64 headers (mingw-w64-common) and the MinGW g++
# C++ headers. Every tier but thunk::closure must compile (with -Werror);
# a TU that uses thunk::closure must fail with the documented message.
# Prints "N passed, N failed" last; exit 0 when none failed, 77 when the
# tools are missing.
#
#   scripts/check-windows-arm64.sh
root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX_ARM64:-clang++}
mingw_inc=/usr/share/mingw-w64/include
gxx_inc=
for d in /usr/lib/gcc/x86_64-w64-mingw32/*-posix/include/c++ /usr/lib/gcc/x86_64-w64-mingw32/*-win32/include/c++ \
         /usr/lib/gcc/x86_64-w64-mingw32/*/include/c++; do
  [ -d "$d" ] && { gxx_inc=$d; break; }
done
if ! command -v "$cxx" >/dev/null 2>&1 || [ ! -d "$mingw_inc" ] || [ -z "$gxx_inc" ]; then
  echo "check-windows-arm64: needs clang++, mingw-w64-common and g++-mingw-w64-x86-64 (C++ headers)"
  echo "0 passed, 0 failed"
  exit 77
fi
resource=$("$cxx" -print-resource-dir)
# The MinGW C++ headers are target-neutral but for bits/c++config.h, which the
# x86_64 directory supplies (the same for aarch64 MinGW).
flags="--target=aarch64-w64-windows-gnu -std=c++17 -fsyntax-only -nostdinc -nostdinc++
  -isystem $gxx_inc -isystem $gxx_inc/x86_64-w64-mingw32 -isystem $resource/include -isystem $mingw_inc
  -I$root/include -Wall -Wextra -Wpedantic -Werror"
src=$root/tests/windows_host/arm64_tiers.cpp
passed=0 failed=0
check() {  # check NAME: prints the result and counts it
  if [ "$2" = ok ]; then passed=$((passed + 1)); echo "PASS $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}

# shellcheck disable=SC2086  # flags is a word list
if out=$("$cxx" $flags "$src" 2>&1); then check "every tier but closure compiles (stateless, with_context, call, static_closure; <windows.h> after thunk)" ok
else echo "$out" | head -20; check "every tier but closure compiles" fail; fi

# shellcheck disable=SC2086
out=$("$cxx" $flags -DTHUNK_USE_CLOSURE "$src" 2>&1)
if [ $? -ne 0 ] && echo "$out" | grep -q "thunk::closure needs run-time code.*use thunk::static_closure"; then
  check "thunk::closure is refused with the documented message" ok
else echo "$out" | head -20; check "thunk::closure is refused with the documented message" fail; fi

# shellcheck disable=SC2086
out=$("$cxx" $(echo $flags | sed "s/-fsyntax-only//") -E -dM "$src" 2>&1)
if echo "$out" | grep -q "define THUNK_HAS_CLOSURE 0"; then check "THUNK_HAS_CLOSURE is 0 on Windows ARM64" ok
else check "THUNK_HAS_CLOSURE is 0 on Windows ARM64" fail; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
