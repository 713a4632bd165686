// A C variadic callback has no fixed parameter list to generate an entry for.
#include <thunk/stateless.hpp>

int use() {
#ifndef THUNK_COMPILE_FAIL_CONTROL
  using P = int (*)(const char*, ...);
#else
  using P = int (*)(const char*);
#endif
  auto p = thunk::stateless<P>([](const char* s) { return s[0]; });
  return p != nullptr;
}
