// scripts/check-windows-arm64.sh: Windows on ARM64 has no run-time thunk, so
// thunk::closure is compiled out with its message (only where it is used)
// and every other tier is available. With THUNK_USE_CLOSURE the closure is
// used and the compiler must print that message.
#include <windows.h>  // after thunk: thunk's own Win32 declarations agree (no __stdcall on ARM64)

#include <thunk/thunk.hpp>

namespace {
int api_with_context(int (*cb)(void*, int), void* ctx) { return cb(ctx, 20); }
int plain(int x) noexcept { return x + 1; }
struct pool {};
}  // namespace

int every_tier_but_closure() {
  auto [fn, ctx] = thunk::with_context<int (*)(void*, int)>([](int x) { return x * 2; });
  thunk::static_closure<int (*)(int), 4, pool> s([](int x) { return x + 3; });
  int (*p)(int) = thunk::stateless<int (*)(int)>([](int x) noexcept { return x - 1; });
  const int called = thunk::call(api_with_context, [](int x) { return x + 2; });
  return fn(ctx, 1) + s.get()(2) + p(3) + called + plain(0) + static_cast<int>(GetCurrentProcessId() != 0);
}

#if defined(THUNK_USE_CLOSURE)
int uses_closure() {
  thunk::closure<int (*)(int)> c([](int x) { return x; });
  return c.get()(1);
}
#endif
