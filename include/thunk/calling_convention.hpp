// Calling conventions as tag types.
//
// A convention is part of a C function pointer's type (WNDENUMPROC is
// BOOL (__stdcall*)(HWND, LPARAM) on i386); thunk reads it from P and emits
// entries with the same one. The tags name them in traits and diagnostics.
#ifndef THUNK_CALLING_CONVENTION_HPP
#define THUNK_CALLING_CONVENTION_HPP

#include "config.hpp"

THUNK_BEGIN_NAMESPACE

/// i386 conventions.
struct cdecl_cc { static constexpr const char* name = "cdecl"; };
struct stdcall_cc { static constexpr const char* name = "stdcall"; };
struct fastcall_cc { static constexpr const char* name = "fastcall"; };
struct thiscall_cc { static constexpr const char* name = "thiscall"; };
/// x86 vectorcall (clang only: GCC does not implement it).
struct vectorcall_cc { static constexpr const char* name = "vectorcall"; };
/// x86-64: System V (Linux default; sysv_abi on Windows) and Microsoft x64
/// (Windows default; ms_abi on Linux).
struct sysv64_cc { static constexpr const char* name = "sysv64"; };
struct win64_cc { static constexpr const char* name = "win64"; };
/// AArch64 procedure call standard.
struct aapcs64_cc { static constexpr const char* name = "aapcs64"; };
/// The only convention of a target thunk knows no name for (RISC-V, ARMv7 ...).
struct native_cc { static constexpr const char* name = "native"; };

/// The convention a plain, unannotated function pointer has on this target.
#if defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)
using default_cc = win64_cc;
#elif defined(THUNK_ARCH_X86_64)
using default_cc = sysv64_cc;
#elif defined(THUNK_ARCH_X86_32)
using default_cc = cdecl_cc;
#elif defined(THUNK_ARCH_AARCH64)
using default_cc = aapcs64_cc;
#else
using default_cc = native_cc;
#endif

THUNK_END_NAMESPACE

#endif  // THUNK_CALLING_CONVENTION_HPP
