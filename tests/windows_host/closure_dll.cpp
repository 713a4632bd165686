// A DLL that makes closures on both paths, calls them and destroys them:
// loaded and freed 100 times by dll_host.cpp.
#include <string>
#include <thunk/thunk.hpp>

namespace {
using narrow_fn = long (*)(long);                                                       // register path (rdx on Win64)
using timer_fn = void(THUNK_STDCALL*)(void*, unsigned, std::uintptr_t, unsigned long);  // 4 parameters: general
using wide_fn = long (*)(long, long, long, long, long);                                 // 5 parameters: general
}  // namespace

extern "C" __declspec(dllexport) int thunk_dll_run(int salt) {
  thunk::closure<narrow_fn> narrow([salt](long x) { return x * 2 + salt; });
  if (narrow.get()(20) != 40 + salt) return 1;
  long ticks = 0;
  thunk::closure<timer_fn> timer(
      [&](void*, unsigned, std::uintptr_t id, unsigned long) { ticks += static_cast<long>(id); });
  timer.get()(nullptr, 0, 5, 0);
  timer.get()(nullptr, 0, 6, 0);
  if (ticks != 11) return 2;
  const std::string tag(32, 't');  // boxed
  thunk::closure<wide_fn, thunk::path::general> wide(
      [tag](long a, long b, long c, long d, long e) { return a + b + c + d + e + static_cast<long>(tag.size()); });
  if (wide.get()(1, 2, 3, 4, 5) != 15 + 32) return 3;
  return 0;
}
