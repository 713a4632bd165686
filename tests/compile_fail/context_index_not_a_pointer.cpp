// The explicit context index must name a parameter that can carry a pointer.
// (A short never can; an int can on i386, where it is pointer-sized.)
#include <thunk/context.hpp>

int use() {
  using P = int (*)(short, void*);
  auto f = [](void*) { return 0; };
  auto g = [](short x) { return static_cast<int>(x); };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  (void)g;
  auto cb = thunk::with_context<P, 0>(f);  // a short cannot carry a pointer
#else
  (void)f;
  auto cb = thunk::with_context<P, 1>(g);
#endif
  return cb.function != nullptr;
}
