// A callback type without a void* or a pointer-sized integer cannot carry a context.
// (short and double: never pointer-sized; an int is, on i386.)
#include <thunk/context.hpp>

int use() {
  auto f = [](short x, double y) { return static_cast<int>(x + y); };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  using P = int (*)(short, double);
#else
  using P = int (*)(short, double, void*);
#endif
  auto cb = thunk::with_context<P>(f);
  return cb.function != nullptr;
}
