// thunk::stateless refuses a lambda that captures: it has no place to keep the state.
#include <thunk/stateless.hpp>

int use() {
  int offset = 3;
  using P = int (*)(int);
#ifndef THUNK_COMPILE_FAIL_CONTROL
  P p = thunk::stateless<P>([offset](int x) { return x + offset; });
#else
  (void)offset;
  P p = thunk::stateless<P>([](int x) { return x + 3; });
#endif
  return p(1);
}
