// Platform detection and configuration macros.
//
// Every macro here can be overridden in one shape: a user definition wins; else
// detection; else a default.
#ifndef THUNK_CONFIG_HPP
#define THUNK_CONFIG_HPP

#include "version.hpp"

#if __cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L)
#  error "thunk needs C++17 or later (-std=c++17)"
#endif

// ---- architecture ---------------------------------------------------------
#if defined(__x86_64__) || defined(_M_X64)
#  define THUNK_ARCH_X86_64 1
#elif defined(__i386__) || defined(_M_IX86)
#  define THUNK_ARCH_X86_32 1
#elif defined(__aarch64__) || defined(_M_ARM64)
#  define THUNK_ARCH_AARCH64 1
#elif defined(__riscv) && __riscv_xlen == 64
#  define THUNK_ARCH_RISCV64 1
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
#  define THUNK_ARCH_ARM32 1
#endif

#if defined(_WIN32)
#  define THUNK_OS_WINDOWS 1
#elif defined(__linux__)
#  define THUNK_OS_LINUX 1
#endif

// ---- exceptions -----------------------------------------------------------
#ifndef THUNK_HAS_EXCEPTIONS
#  if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || (defined(_CPPUNWIND) && _CPPUNWIND)
#    define THUNK_HAS_EXCEPTIONS 1
#  else
#    define THUNK_HAS_EXCEPTIONS 0
#  endif
#endif

// ---- run-time code --------------------------------------------------------
// THUNK_NO_JIT=1: the library never asks for executable memory; thunk::closure
// is refused at compile time (use thunk::static_closure).
#ifndef THUNK_NO_JIT
#  define THUNK_NO_JIT 0
#endif

// Closures with run-time thunks exist where a hand-encoded thunk and a way to
// find the thread pointer exist. Elsewhere closure is compiled out with a
// message and static_closure remains.
#ifndef THUNK_HAS_CLOSURE
#  if THUNK_NO_JIT
#    define THUNK_HAS_CLOSURE 0
#  elif (defined(THUNK_ARCH_X86_64) || defined(THUNK_ARCH_X86_32)) && \
      (defined(THUNK_OS_LINUX) || defined(THUNK_OS_WINDOWS)) && (defined(__GNUC__) || defined(__clang__))
#    define THUNK_HAS_CLOSURE 1
#  elif (defined(THUNK_ARCH_AARCH64) || defined(THUNK_ARCH_RISCV64) || defined(THUNK_ARCH_ARM32)) && \
      defined(THUNK_OS_LINUX) && (defined(__GNUC__) || defined(__clang__))
#    define THUNK_HAS_CLOSURE 1
#  else
#    define THUNK_HAS_CLOSURE 0
#  endif
#endif

// ---- per-thread storage model ------------------------------------------------
// THUNK_TLS_DYNAMIC=1: no initial-exec TLS at all, so the code may live in a
// shared library that is dlopen()ed (glibc keeps only a few hundred bytes of
// static TLS for those): the per-thread state is allocated on first use and
// the general path's stub asks a helper for its context slot. 0: the
// general path's context stack is an initial-exec thread_local (fastest;
// executables only). Default: 1 for -fPIC code that is not -fPIE (a shared
// library), else 0. Only Linux has the choice (Windows uses TLS/FLS slots).
#ifndef THUNK_TLS_DYNAMIC
#  if defined(THUNK_OS_LINUX) && defined(__PIC__) && !defined(__PIE__)
#    define THUNK_TLS_DYNAMIC 1
#  else
#    define THUNK_TLS_DYNAMIC 0
#  endif
#endif

// ---- ABI namespace ---------------------------------------------------------
// Everything with linkage lives in thunk::THUNK_ABI_NAMESPACE, an inline
// namespace named for the version and for each setting that changes layout
// or behaviour, so that TUs and shared libraries built differently (with and
// without exceptions, with and without run-time code, other versions) never
// share an inline function, a pool or a per-thread cache by accident
// (libstdc++'s __cxx11 and Abseil's lts_ namespaces do the same).
#define THUNK_DETAIL_STR2(x) #x
#define THUNK_DETAIL_STR(x) THUNK_DETAIL_STR2(x)
#define THUNK_DETAIL_CAT2(a, b) a##b
#define THUNK_DETAIL_CAT(a, b) THUNK_DETAIL_CAT2(a, b)
#if THUNK_HAS_EXCEPTIONS
#  define THUNK_DETAIL_ABI_EXC e
#else
#  define THUNK_DETAIL_ABI_EXC n
#endif
// THUNK_NO_RUNTIME_CODE=1: closures take their code from pre-built tables
// only, never from pages written at run time (docs/code-sources.md).
#ifndef THUNK_NO_RUNTIME_CODE
#  define THUNK_NO_RUNTIME_CODE 0
#endif
#if THUNK_NO_JIT
#  define THUNK_DETAIL_ABI_JIT s
#elif THUNK_NO_RUNTIME_CODE
#  define THUNK_DETAIL_ABI_JIT t
#else
#  define THUNK_DETAIL_ABI_JIT j
#endif
#if THUNK_TLS_DYNAMIC
#  define THUNK_DETAIL_ABI_TLS d
#else
#  define THUNK_DETAIL_ABI_TLS x
#endif
// The opt-in separately compiled part (THUNK_SEPARATE_COMPILATION, below):
// its own namespace, so that a header-only TU and a separately compiled one
// in the same binary keep separate copies instead of one inline and one
// out-of-line definition of the same function (a duplicate symbol on PE/COFF).
#if defined(THUNK_SEPARATE_COMPILATION) && THUNK_SEPARATE_COMPILATION
#  define THUNK_DETAIL_ABI_BUILD c
#else
#  define THUNK_DETAIL_ABI_BUILD
#endif
#define THUNK_DETAIL_ABI_VERSION \
  THUNK_DETAIL_CAT(THUNK_DETAIL_CAT(v, THUNK_VERSION_MAJOR), THUNK_DETAIL_CAT(_, THUNK_VERSION_MINOR))
#ifndef THUNK_ABI_NAMESPACE
#  define THUNK_ABI_NAMESPACE     \
    THUNK_DETAIL_CAT(             \
        THUNK_DETAIL_ABI_VERSION, \
        THUNK_DETAIL_CAT(         \
            _, THUNK_DETAIL_CAT(                                                                  \
                   THUNK_DETAIL_ABI_EXC,                                                          \
                   THUNK_DETAIL_CAT(THUNK_DETAIL_ABI_JIT, THUNK_DETAIL_CAT(THUNK_DETAIL_ABI_TLS, THUNK_DETAIL_ABI_BUILD)))))
#endif
// ELF: the namespace is hidden, so every shared library keeps its own copy
// (its own pools and per-thread state) and nothing of thunk becomes an
// STB_GNU_UNIQUE symbol, which glibc never unloads. THUNK_VISIBILITY may be
// defined (empty, or default visibility) to share one copy across modules.
#ifndef THUNK_VISIBILITY
#  if defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#    define THUNK_VISIBILITY __attribute__((visibility("hidden")))
#  else
#    define THUNK_VISIBILITY
#  endif
#endif
#define THUNK_BEGIN_NAMESPACE \
  namespace thunk {           \
  inline namespace THUNK_ABI_NAMESPACE THUNK_VISIBILITY {
#define THUNK_END_NAMESPACE \
  }                         \
  }

// ---- calling-convention spellings ------------------------------------------
// Each expands to nothing where the convention does not exist, so one
// declaration serves every target (as WINAPI does).
#if defined(__GNUC__) || defined(__clang__)
#  define THUNK_DETAIL_ATTR(x) __attribute__((x))
#else
#  define THUNK_DETAIL_ATTR(x)
#endif

#ifndef THUNK_CDECL
#  if defined(THUNK_ARCH_X86_32)
#    define THUNK_CDECL THUNK_DETAIL_ATTR(cdecl)
#  else
#    define THUNK_CDECL
#  endif
#endif
#ifndef THUNK_STDCALL
#  if defined(THUNK_ARCH_X86_32)
#    define THUNK_STDCALL THUNK_DETAIL_ATTR(stdcall)
#  else
#    define THUNK_STDCALL
#  endif
#endif
#ifndef THUNK_FASTCALL
#  if defined(THUNK_ARCH_X86_32)
#    define THUNK_FASTCALL THUNK_DETAIL_ATTR(fastcall)
#  else
#    define THUNK_FASTCALL
#  endif
#endif
#ifndef THUNK_THISCALL
#  if defined(THUNK_ARCH_X86_32)
#    define THUNK_THISCALL THUNK_DETAIL_ATTR(thiscall)
#  else
#    define THUNK_THISCALL
#  endif
#endif
// GCC has no vectorcall; clang has it on x86 Windows and i386.
#ifndef THUNK_VECTORCALL
#  if defined(__clang__) && (defined(THUNK_ARCH_X86_32) || (defined(THUNK_ARCH_X86_64) && defined(_WIN32)))
#    define THUNK_VECTORCALL THUNK_DETAIL_ATTR(vectorcall)
#    define THUNK_DETAIL_HAS_VECTORCALL 1
#  else
#    define THUNK_VECTORCALL
#  endif
#endif
// The two x86-64 conventions, usable on either system with GCC and clang.
#ifndef THUNK_MS_ABI
#  if defined(THUNK_ARCH_X86_64)
#    define THUNK_MS_ABI THUNK_DETAIL_ATTR(ms_abi)
#  else
#    define THUNK_MS_ABI
#  endif
#endif
#ifndef THUNK_SYSV_ABI
#  if defined(THUNK_ARCH_X86_64)
#    define THUNK_SYSV_ABI THUNK_DETAIL_ATTR(sysv_abi)
#  else
#    define THUNK_SYSV_ABI
#  endif
#endif

// Separate compilation (opt-in, {fmt}-style): with THUNK_SEPARATE_COMPILATION=1
// in every TU, the slow paths (refilling and retiring slots, the fatal
// reports, raising errors) are only declared by the headers and compiled
// once, in src/thunk.cpp (CMake: link thunk::compiled), or in the one TU
// that defines THUNK_IMPLEMENTATION before including thunk (stb-style, for
// the single header). Header-only is the default. A THUNK_DETAIL_OUTLINE
// function is written as
//   THUNK_DETAIL_OUTLINE void f() noexcept THUNK_DETAIL_BODY({ ... })
#if defined(THUNK_SEPARATE_COMPILATION) && THUNK_SEPARATE_COMPILATION
#  define THUNK_DETAIL_OUTLINE
#  if defined(THUNK_IMPLEMENTATION)
#    define THUNK_DETAIL_BODY(...) __VA_ARGS__
#  else
#    define THUNK_DETAIL_BODY(...) ;
#  endif
#else
#  define THUNK_DETAIL_OUTLINE inline
#  define THUNK_DETAIL_BODY(...) __VA_ARGS__
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define THUNK_DETAIL_NOINLINE __attribute__((noinline))
#  define THUNK_DETAIL_LIKELY(x) __builtin_expect(!!(x), 1)
#  define THUNK_DETAIL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define THUNK_DETAIL_NOINLINE
#  define THUNK_DETAIL_LIKELY(x) (x)
#  define THUNK_DETAIL_UNLIKELY(x) (x)
#endif

#endif  // THUNK_CONFIG_HPP
