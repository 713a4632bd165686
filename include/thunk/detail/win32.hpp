// The few Win32 functions thunk calls, declared here instead of including
// <windows.h>: the user's own <windows.h> (before or after thunk, with or
// without WIN32_LEAN_AND_MEAN, NOMINMAX, ...) is left exactly as it would be
// without thunk.
//
// Each declaration is the one MinGW-w64's headers make (extern "C",
// __declspec(dllimport), WINAPI = __stdcall on x86; the same parameter types
// spelled without typedefs: DWORD = unsigned long, BOOL = int, HANDLE =
// void*, SIZE_T = ULONG_PTR), so a later <windows.h> redeclares the same
// functions compatibly. No macro is defined. Constants live in
// thunk::detail::win32 under names no Windows header defines as macros.
#ifndef THUNK_DETAIL_WIN32_HPP
#define THUNK_DETAIL_WIN32_HPP

#include "../config.hpp"

#if defined(THUNK_OS_WINDOWS)

#  if defined(THUNK_ARCH_X86_32)
#    define THUNK_DETAIL_WINAPI __attribute__((__stdcall__))
#  else
#    define THUNK_DETAIL_WINAPI
#  endif
#  if defined(_WIN64)
typedef unsigned long long thunk_detail_win32_size_t;  // SIZE_T (ULONG_PTR)
#  else
typedef unsigned long thunk_detail_win32_size_t;
#  endif
typedef void(THUNK_DETAIL_WINAPI* thunk_detail_win32_fls_callback)(void*);  // PFLS_CALLBACK_FUNCTION

extern "C" {
__declspec(dllimport) void* THUNK_DETAIL_WINAPI
    VirtualAlloc(void*, thunk_detail_win32_size_t, unsigned long, unsigned long);
__declspec(dllimport) int THUNK_DETAIL_WINAPI VirtualFree(void*, thunk_detail_win32_size_t, unsigned long);
__declspec(dllimport) int THUNK_DETAIL_WINAPI
    VirtualProtect(void*, thunk_detail_win32_size_t, unsigned long, unsigned long*);
__declspec(dllimport) int THUNK_DETAIL_WINAPI FlushInstructionCache(void*, const void*, thunk_detail_win32_size_t);
__declspec(dllimport) void* THUNK_DETAIL_WINAPI GetCurrentProcess(void);
__declspec(dllimport) unsigned long THUNK_DETAIL_WINAPI TlsAlloc(void);
__declspec(dllimport) int THUNK_DETAIL_WINAPI TlsFree(unsigned long);
__declspec(dllimport) void* THUNK_DETAIL_WINAPI TlsGetValue(unsigned long);
__declspec(dllimport) int THUNK_DETAIL_WINAPI TlsSetValue(unsigned long, void*);
__declspec(dllimport) unsigned long THUNK_DETAIL_WINAPI FlsAlloc(thunk_detail_win32_fls_callback);
__declspec(dllimport) int THUNK_DETAIL_WINAPI FlsFree(unsigned long);
__declspec(dllimport) void* THUNK_DETAIL_WINAPI FlsGetValue(unsigned long);
__declspec(dllimport) int THUNK_DETAIL_WINAPI FlsSetValue(unsigned long, void*);
__declspec(dllimport) int THUNK_DETAIL_WINAPI SwitchToThread(void);
}

THUNK_BEGIN_NAMESPACE
namespace detail {
namespace win32 {
constexpr unsigned long mem_commit = 0x1000;            // MEM_COMMIT
constexpr unsigned long mem_reserve = 0x2000;           // MEM_RESERVE
constexpr unsigned long mem_release = 0x8000;           // MEM_RELEASE
constexpr unsigned long page_noaccess = 0x01;           // PAGE_NOACCESS
constexpr unsigned long page_readwrite = 0x04;          // PAGE_READWRITE
constexpr unsigned long page_execute_read = 0x20;       // PAGE_EXECUTE_READ
constexpr unsigned long out_of_indexes = 0xFFFFFFFFul;  // TLS_OUT_OF_INDEXES, FLS_OUT_OF_INDEXES
/// Windows pages are 4 KiB on x86, x64 and ARM64.
constexpr unsigned long page_size = 4096;
}  // namespace win32
}  // namespace detail
THUNK_END_NAMESPACE

#endif
#endif
