// The callable must accept the callback's parameters (without the context one).
#include <thunk/context.hpp>

int use() {
  using P = int (*)(const char*, void*);
  auto count = [](const char* s) { return s[0] != 0; };
  auto wrong = [](int a, int b) { return a + b; };  // cannot take a const char*
#ifndef THUNK_COMPILE_FAIL_CONTROL
  (void)count;
  auto cb = thunk::with_context<P>(wrong);
#else
  (void)wrong;
  auto cb = thunk::with_context<P>(count);
#endif
  return cb.function("x", cb.context);
}
