// A callback type without a void* or a pointer-sized integer cannot carry a context.
#include <thunk/context.hpp>

int use() {
  auto f = [](int x) { return x; };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  using P = int (*)(int);
#else
  using P = int (*)(int, void*);
#endif
  auto cb = thunk::with_context<P>(f);
  return cb.function != nullptr;
}
