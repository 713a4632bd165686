// Build-only check: thunk first, then the user's Windows headers. thunk
// includes no <windows.h> and defines no macro, so the full <windows.h> the
// user asked for arrives intact (ShellExecuteA, timeGetTime and CoInitialize
// are outside WIN32_LEAN_AND_MEAN's subset), and its declarations of the
// functions thunk declares itself agree with thunk's.
#include <thunk/thunk.hpp>

// (NOMINMAX: MinGW's libstdc++ defines it in every C++ TU, bits/os_defines.h;
// thunk does not touch it.)
#if defined(WIN32_LEAN_AND_MEAN)
#  error "thunk defined WIN32_LEAN_AND_MEAN"
#endif
#if defined(_WINDOWS_) || defined(_WINDOWS_H)
#  error "thunk included <windows.h>"
#endif

// <windows.h> first: the others need it.
// clang-format off
#include <windows.h>
#include <shellapi.h>
#include <mmsystem.h>
#include <objbase.h>
// clang-format on

#include <algorithm>

int windows_h_after_thunk() {
  thunk::closure<TIMERPROC> tick([](HWND, UINT, UINT_PTR, DWORD) {});
  int a = 1, b = 2;
#if defined(min)
  const int smaller = min(a, b);  // the SDK's macro (MSVC; MinGW defines it for C only)
#else
  using std::min;
  const int smaller = min(a, b);
#endif
  const DWORD ms = timeGetTime();
  const HINSTANCE h = ShellExecuteA(nullptr, "open", "notepad.exe", nullptr, nullptr, SW_SHOWNORMAL);
  const HRESULT hr = CoInitialize(nullptr);
  // The functions thunk declares, called through the SDK's declarations.
  void* p = VirtualAlloc(nullptr, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  VirtualFree(p, 0, MEM_RELEASE);
  const DWORD index = TlsAlloc();
  TlsFree(index);
  return smaller + static_cast<int>(ms) + (h != nullptr) + static_cast<int>(hr) + (tick.get() != nullptr);
}
