// A member function pointer is not a C callback type.
#include <thunk/stateless.hpp>

struct widget {
  int size(int) const { return 1; }
};

int use() {
#ifndef THUNK_COMPILE_FAIL_CONTROL
  using P = int (widget::*)(int) const;
  auto p = thunk::stateless<P>([](int x) { return x; });
  return p != nullptr;
#else
  using P = int (*)(int);
  auto p = thunk::stateless<P>([](int x) { return x; });
  return p != nullptr;
#endif
}
