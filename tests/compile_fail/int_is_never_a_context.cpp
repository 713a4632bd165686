// An int is never a context slot, even where it is pointer-sized (i386,
// ARMv7): the automatic rule answers as on x86-64 (issue 12). signal's
// handler takes the signal number, not user data.
#include <thunk/context.hpp>
#include <type_traits>

int use() {
  int hits = 0;
  auto f = [&] { ++hits; };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  using P = void (*)(int);
#else
  using P = void (*)(std::conditional_t<sizeof(long) == sizeof(void*), long, long long>);  // LONG_PTR's shape
#endif
  auto cb = thunk::with_context<P>(f);
  return cb.function != nullptr;
}
