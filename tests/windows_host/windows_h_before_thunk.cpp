// Build-only check: the user's <windows.h> first (lean, without min/max, as
// many projects configure it), then thunk: thunk's own declarations of the
// few Win32 functions it calls agree with the SDK's, and the user's macros
// are what the user set.
#define WIN32_LEAN_AND_MEAN
#define NOMINMAX
#include <windows.h>

#include <thunk/thunk.hpp>

#if defined(min) || defined(max)
#  error "min/max appeared although the user asked for NOMINMAX"
#endif

int windows_h_before_thunk() {
  thunk::closure<WNDENUMPROC> each([](HWND, LPARAM) -> BOOL { return TRUE; });
  void* p = VirtualAlloc(nullptr, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  VirtualFree(p, 0, MEM_RELEASE);
  return each.get() != nullptr;
}
