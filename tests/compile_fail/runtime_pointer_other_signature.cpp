// A function pointer known only at run time cannot change its signature.
#include <thunk/stateless.hpp>

long widen(long x) { return x; }

int use() {
  using P = int (*)(int);
#ifndef THUNK_COMPILE_FAIL_CONTROL
  long (*runtime)(long) = &widen;
  P p = thunk::stateless<P>(runtime);
#else
  P p = thunk::stateless<P, &widen>();
#endif
  return p(1);
}
