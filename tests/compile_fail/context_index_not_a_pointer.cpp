// The explicit context index must name a parameter that can carry a pointer.
#include <thunk/context.hpp>

int use() {
  using P = int (*)(int, void*);
  auto f = [](void*) { return 0; };
  auto g = [](int x) { return x; };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  (void)g;
  auto cb = thunk::with_context<P, 0>(f);  // an int cannot carry a pointer
#else
  (void)f;
  auto cb = thunk::with_context<P, 1>(g);
#endif
  return cb.function != nullptr;
}
