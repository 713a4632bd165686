// Initialising an owning type directly with a callable that does not fit P
// still names the problem (the constructors are constrained, issue 12).
#include <thunk/static_closure.hpp>

int use() {
  using P = int (*)(int);
#ifndef THUNK_COMPILE_FAIL_CONTROL
  auto f = [](const char* s) { return s[0]; };  // takes no int
#else
  auto f = [](int x) { return x + 1; };
#endif
  thunk::static_closure<P, 2> c(f);
  return c.get()(1);
}
